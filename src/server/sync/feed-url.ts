/**
 * Feed addresses: what kind a configured URL is, where its detached signature lives, and a label
 * for messages that never carries credentials (userinfo, query strings, fragments).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PatchhiveError } from '../../errors.js';

/** A parsed feed address: a local file, or an http(s) URL. */
export type FeedLocation = { kind: 'file'; path: string } | { kind: 'http'; url: URL };

/** Parses a source URL: http(s)://, file:// or an absolute path; anything else is E_FEED_UNREACHABLE. */
export function parseFeedLocation(url: string): FeedLocation {
  if (path.isAbsolute(url)) return { kind: 'file', path: url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PatchhiveError('E_FEED_UNREACHABLE', 'feed URL is not an absolute URL or path');
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return { kind: 'http', url: parsed };
  if (parsed.protocol === 'file:') {
    try {
      return { kind: 'file', path: fileURLToPath(parsed) };
    } catch {
      throw new PatchhiveError('E_FEED_UNREACHABLE', `feed URL ${feedLabel(url)} names no local file`);
    }
  }
  throw new PatchhiveError(
    'E_FEED_UNREACHABLE',
    `feed URL scheme "${parsed.protocol}" is not supported (use http, https or file)`,
  );
}

/**
 * A label for logs and messages: scheme, host, port and path only. Userinfo, query and fragment
 * are dropped because feeds and proxies often carry tokens there.
 */
export function feedLabel(url: string): string {
  if (path.isAbsolute(url)) return url;
  try {
    const u = new URL(url);
    if (u.protocol === 'file:') return u.pathname;
    const query = u.search ? '?…' : '';
    return `${u.protocol}//${u.host}${u.pathname}${query}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** The detached signature's address: "<url>.sig" (before any query string for http URLs). */
export function signatureUrlOf(url: string): string {
  if (path.isAbsolute(url)) return `${url}.sig`;
  const u = new URL(url);
  u.pathname = `${u.pathname}.sig`;
  return u.href;
}

const MASK = '***';

/**
 * The URL as someone without the admin role may see it: user name, password and every query
 * value replaced by "***" (parameter names kept, so the shape stays readable; a part without
 * "=" masked whole), the fragment dropped.
 * Paths and file URLs are returned unchanged; an unparsable URL is not shown at all.
 */
export function maskFeedUrl(url: string): string {
  if (path.isAbsolute(url)) return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(unparsable URL)';
  }
  if (u.protocol === 'file:') return url;
  if (u.username) u.username = MASK;
  if (u.password) u.password = MASK;
  u.hash = '';
  if (!u.search) return u.href;
  // A part without "=" may be the token itself: it is masked whole.
  const parts = u.search
    .slice(1)
    .split('&')
    .map((p) => (p.includes('=') ? `${p.slice(0, p.indexOf('='))}=${MASK}` : MASK));
  u.search = '';
  return `${u.href}?${parts.join('&')}`;
}
