/**
 * The server URL an agent talks to, and how enrollment may trust the key it pins (pure, no I/O):
 *
 * - plain http:// is for loopback only; to any other host it needs --insecure-http (the enrollment
 *   token, the credential and the jobs would cross the network in clear);
 * - the job-signing key is pinned only when something vouches for it: the fingerprint given out of
 *   band (--server-key-fingerprint), else an https:// URL whose certificate verifies (built-in
 *   roots, or --ca-file), else an explicit --trust-on-first-use.
 */
import { isIP } from 'node:net';
import { PatchhiveError } from '../errors.js';
import { parseFingerprint } from '../protocol/server-key.js';

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

/**
 * Checks and normalises a server URL; E_USAGE for anything but http(s) without user, password,
 * query or fragment, and for plain http to another machine unless `allowInsecureHttp` (then a warning).
 */
export function checkServerUrl(raw: string, opts: { allowInsecureHttp?: boolean } = {}): CheckedServerUrl {
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
  if (url.username || url.password)
    throw new PatchhiveError('E_USAGE', '--server must not contain a user name or password');
  if (url.search || url.hash) throw new PatchhiveError('E_USAGE', '--server must not contain a query or fragment');
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const out: CheckedServerUrl = { base };
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    if (!opts.allowInsecureHttp) {
      throw new PatchhiveError(
        'E_USAGE',
        `refusing plain http:// to ${url.host}: the enrollment token, the agent credential and its jobs would cross the network unencrypted; use an https:// URL (a TLS-terminating proxy will do), or pass --insecure-http on a network you trust`,
      );
    }
    out.warning = `the server URL uses plain http to ${url.host}: the agent credential and inventory travel unencrypted; use https`;
  }
  return out;
}

/** What vouches for the key the agent pins: a fingerprint given out of band, a verified TLS certificate, or nothing (trust on first use). */
export type KeyTrust = 'fingerprint' | 'tls' | 'trust-on-first-use';

export interface EnrollTrustInput {
  /** --server, as typed. */
  server: string;
  /** --server-key-fingerprint, as typed. */
  fingerprint?: string | undefined;
  /** --ca-file was given. */
  caFile: boolean;
  trustOnFirstUse: boolean;
  insecureHttp: boolean;
}

export interface EnrollTrust extends CheckedServerUrl {
  trust: KeyTrust;
  /** The expected fingerprint in canonical form, when one was given. */
  fingerprint?: string;
}

/** Decides how an enrollment may trust the server's key (pure); E_USAGE, saying what to give, when nothing vouches for it. */
export function checkEnrollTrust(input: EnrollTrustInput): EnrollTrust {
  const url = checkServerUrl(input.server, { allowInsecureHttp: input.insecureHttp });
  const https = url.base.startsWith('https:');
  if (input.caFile && !https)
    throw new PatchhiveError('E_USAGE', '--ca-file verifies an https:// server; this --server URL is plain http://');
  if (input.fingerprint !== undefined) {
    const fingerprint = parseFingerprint(input.fingerprint);
    if (!fingerprint) {
      throw new PatchhiveError(
        'E_USAGE',
        '--server-key-fingerprint must look like SHA256:<43 base64 characters>, as `patchhive serve` prints it and GET /api/v1/server-key answers',
      );
    }
    if (input.trustOnFirstUse)
      throw new PatchhiveError('E_USAGE', 'give --server-key-fingerprint or --trust-on-first-use, not both');
    return { ...url, trust: 'fingerprint', fingerprint };
  }
  // A verified certificate vouches for the key; --trust-on-first-use adds nothing to it.
  if (https) return { ...url, trust: 'tls' };
  if (input.trustOnFirstUse) return { ...url, trust: 'trust-on-first-use' };
  throw new PatchhiveError(
    'E_USAGE',
    "nothing vouches for the server's job-signing key over plain http://: give --server-key-fingerprint SHA256:... (printed by `patchhive serve` at start, also at GET /api/v1/server-key), use an https:// URL whose certificate verifies (--ca-file for a private CA), or pass --trust-on-first-use",
  );
}
