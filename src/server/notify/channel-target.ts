/** Validation of channel targets: http(s) URLs for webhook and Slack channels, address lists for e-mail. */
import { PatchhiveError } from '../../errors.js';
import type { ChannelKind } from '../../store/ports.js';

/** The most addresses one e-mail channel may name. */
export const MAX_EMAIL_RECIPIENTS = 50;

// Deliberately narrow: no quoted local parts, comments or display names; nothing a header could be bent with.
const ADDRESS =
  /^[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** True for one plain e-mail address (local@domain). */
export function isEmailAddress(s: string): boolean {
  return s.length <= 254 && ADDRESS.test(s);
}

/** The addresses of a comma-separated list; E_BAD_REQUEST naming the first bad one. */
export function parseEmailAddresses(target: string): string[] {
  const list = target
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (list.length === 0) throw new PatchhiveError('E_BAD_REQUEST', 'an e-mail channel needs at least one address');
  if (list.length > MAX_EMAIL_RECIPIENTS)
    throw new PatchhiveError('E_BAD_REQUEST', `an e-mail channel may name at most ${MAX_EMAIL_RECIPIENTS} addresses`);
  const bad = list.find((a) => !isEmailAddress(a));
  if (bad !== undefined)
    throw new PatchhiveError('E_BAD_REQUEST', `not an e-mail address: ${JSON.stringify(bad.slice(0, 100))}`);
  return list;
}

/**
 * The URL of a webhook or Slack channel: http or https only, no user:password part (the URL shows in
 * the console; a webhook authenticates with its signing secret instead). E_BAD_REQUEST otherwise.
 */
export function parseChannelUrl(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new PatchhiveError('E_BAD_REQUEST', 'the channel target is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new PatchhiveError('E_BAD_REQUEST', `channel URLs must be http or https, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '')
    throw new PatchhiveError('E_BAD_REQUEST', 'channel URLs must not contain a user name or password');
  return url;
}

/** Checks a channel's target for its kind (throws E_BAD_REQUEST); the API calls it before storing a channel. */
export function checkChannelTarget(kind: ChannelKind, target: string): void {
  if (kind === 'email') parseEmailAddresses(target);
  else parseChannelUrl(target);
}
