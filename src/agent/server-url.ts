/** The server URL an agent talks to (pure): http(s), no credentials, and a warning for plain http. */
import { isIP } from 'node:net';
import { PatchhiveError } from '../errors.js';

export interface CheckedServerUrl {
  /** The normalised base URL, without a trailing slash ("https://patch.example.org/ph"). */
  base: string;
  /** Set when the URL is plain http to a host other than this machine: credentials travel in clear. */
  warning?: string;
}

/** True for localhost and loopback addresses (127/8, ::1), where plain http never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Checks and normalises a server URL; E_USAGE for anything but http(s) without user, password, query or fragment. */
export function checkServerUrl(raw: string): CheckedServerUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PatchhiveError('E_USAGE', '--server must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PatchhiveError('E_USAGE', `--server must use http or https, not ${url.protocol.replace(':', '')}`);
  }
  // Never echo the URL here: it may be exactly the credential we refuse.
  if (url.username || url.password) throw new PatchhiveError('E_USAGE', '--server must not contain a user name or password');
  if (url.search || url.hash) throw new PatchhiveError('E_USAGE', '--server must not contain a query or fragment');
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const out: CheckedServerUrl = { base };
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    out.warning = `the server URL uses plain http to ${url.host}: the agent credential and inventory travel unencrypted; use https`;
  }
  return out;
}
