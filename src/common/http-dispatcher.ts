/**
 * The undici dispatcher every Patchhive client uses towards a Patchhive server (agent, artifact
 * downloads, admin CLI): proxy settings handed in (never read from the environment here), timeouts,
 * and the CA bundle that verifies the server's certificate.
 *
 * TLS: the certificate is always verified. Without `ca`, Node's built-in root CAs decide; with
 * `ca` (the --ca-file bundle), ONLY those certificates are trusted, as curl's --cacert does: a
 * private CA then cannot be side-stepped by any public one. (A caller that wants both passes
 * `[...tls.rootCertificates, bundle]`.)
 */
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { readFileSync } from 'node:fs';
import { PatchhiveError } from '../errors.js';

/** Proxy settings, read from the environment at the CLI edge and passed down. */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

export interface ServerDispatcherOptions {
  proxy?: ProxySettings | undefined;
  /** PEM bundle(s) of the CAs that may issue the server's certificate (instead of the built-in roots). */
  ca?: string | string[] | undefined;
  connectTimeoutMs?: number;
  /** Time to wait for the response headers, and between body chunks. */
  responseTimeoutMs?: number;
  maxResponseBytes?: number;
}

/** A dispatcher through the configured proxy (direct when none) that verifies TLS against `ca` or the built-in roots. */
export function serverDispatcher(opts: ServerDispatcherOptions): Dispatcher {
  const tls = opts.ca !== undefined ? { ca: opts.ca } : {};
  return new EnvHttpProxyAgent({
    // Explicit values ('' = none) so undici never falls back to reading the environment itself.
    httpProxy: opts.proxy?.httpProxy ?? '',
    httpsProxy: opts.proxy?.httpsProxy ?? '',
    noProxy: opts.proxy?.noProxy ?? '',
    // connect: direct connections; requestTls: the TLS inside a proxy's CONNECT tunnel.
    connect: { timeout: opts.connectTimeoutMs ?? 15_000, ...tls },
    requestTls: tls,
    ...(opts.responseTimeoutMs !== undefined
      ? { headersTimeout: opts.responseTimeoutMs, bodyTimeout: opts.responseTimeoutMs }
      : {}),
    ...(opts.maxResponseBytes !== undefined ? { maxResponseSize: opts.maxResponseBytes } : {}),
  });
}

/** Reads a --ca-file bundle: E_CONFIG_INVALID unless it holds at least one PEM certificate. */
export function readCaFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `cannot read the CA file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      { file },
      { cause: err },
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new PatchhiveError('E_CONFIG_INVALID', 'the CA file holds no PEM certificate', { file });
  return text;
}

/** OpenSSL's codes for a server certificate that did not verify (as undici passes them up). */
const CERT_ERRORS =
  /^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED|CERT_|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

/** True when a connection error code says the server's certificate was not trusted. */
export function isCertificateError(code: string): boolean {
  return CERT_ERRORS.test(code);
}
