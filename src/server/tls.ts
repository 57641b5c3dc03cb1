/**
 * HTTPS for `patchhive serve`: the certificate chain and private key read from files (PEM), checked
 * to belong together before use, and re-read on demand (SIGHUP) so a renewed certificate takes
 * effect for new connections without a restart. A failed reload keeps the certificate in use.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import { PatchhiveError } from '../errors.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** What the TLS server is given, and what the log says about it. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** The leaf certificate's SHA-256 fingerprint, serial number and expiry, for the log. */
  leaf: { fingerprint256: string; serialNumber: string; validTo: string };
  /** The key file may be read by group or others. */
  keyPermissive: boolean;
}

async function readPem(file: string, what: string): Promise<{ data: Buffer; mode: number }> {
  try {
    return { data: await readFile(file), mode: (await stat(file)).mode };
  } catch (err) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `cannot read the TLS ${what} file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      { file },
      { cause: err },
    );
  }
}

/** Reads the certificate (chain) and key and checks that they parse and match; E_CONFIG_INVALID otherwise. */
export async function readTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  const cert = await readPem(files.certFile, 'certificate');
  const key = await readPem(files.keyFile, 'key');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert.data);
  } catch (err) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      'the TLS certificate file holds no PEM certificate',
      { file: files.certFile },
      { cause: err },
    );
  }
  try {
    // The same check the TLS server makes: the key parses and is the certificate's.
    createSecureContext({ cert: cert.data, key: key.data });
  } catch (err) {
    // Never quote the key file's text; OpenSSL's reason is enough ("key values mismatch").
    const reason =
      (err as { reason?: string; code?: string }).reason ?? (err as { code?: string }).code ?? 'unreadable';
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `the TLS key does not fit the certificate or cannot be read (${reason})`,
      { file: files.keyFile },
      { cause: err },
    );
  }
  return {
    cert: cert.data,
    key: key.data,
    leaf: { fingerprint256: leaf.fingerprint256, serialNumber: leaf.serialNumber, validTo: leaf.validTo },
    keyPermissive: (key.mode & 0o077) !== 0,
  };
}

/** Puts new material into a listening TLS server: connections opened from now on use it. */
export function applyTlsMaterial(server: TlsServer, material: TlsMaterial): void {
  server.setSecureContext({ cert: material.cert, key: material.key });
}
