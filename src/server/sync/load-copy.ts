/**
 * Loads a downloaded copy under its source's rules: the configured format must match what the
 * content is, and a source with a signing key accepts only a copy whose detached signature
 * verifies with exactly that key, whatever the format (no unsigned fallback). A source without
 * one refuses an unsigned native catalog exactly as `patchhive scan` does (same check, same
 * message) unless an admin set `allowUnsigned` on it; OVAL, tracker and MSRC feeds carry no
 * signature of their own and are not affected.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { detectCatalogFormat, loadCatalogFile } from '../../catalog/load.js';
import type { Catalog } from '../../catalog/model.js';
import { verifyCatalog } from '../../catalog/native/signing.js';
import { PatchhiveError } from '../../errors.js';
import type { SourceRecord } from '../../store/ports.js';

const HEAD_BYTES = 64 * 1024;

/**
 * Verifies and imports the catalog at `catalogPath` (signature at `<catalogPath>.sig`). Errors
 * are PatchhiveErrors that name the feed by `label` instead of the local file.
 */
export async function loadSourceCopy(catalogPath: string, source: SourceRecord, label: string): Promise<Catalog> {
  try {
    await checkFormat(catalogPath, source);
    if (source.signingKey) await checkSignature(catalogPath, source.signingKey, label);
    const catalog = await loadCatalogFile(catalogPath, {
      release: source.release ?? '',
      trustedKeys: source.signingKey ? [source.signingKey] : [],
      // With a key the signature was checked above; without one only the source's own choice loads an unsigned catalog.
      allowUnsigned: !source.signingKey && source.allowUnsigned,
    });
    return { ...catalog, name: source.name };
  } catch (err) {
    throw relabel(err, catalogPath, label);
  }
}

async function checkFormat(catalogPath: string, source: SourceRecord): Promise<void> {
  const detected = detectCatalogFormat(await readHead(catalogPath));
  if ((source.format ?? detected) === 'debian-tracker' && !source.release) {
    // The feed lists every Debian release; without one nothing would be imported, silently.
    throw new PatchhiveError(
      'E_BAD_REQUEST',
      `the feed is Debian Security Tracker JSON, which needs a release: patchhive sources set ${source.name} --release CODENAME (e.g. bookworm)`,
    );
  }
  if (source.format && detected && detected !== source.format) {
    throw new PatchhiveError(
      'E_INPUT_UNKNOWN_FORMAT',
      `the feed is ${detected}, but the source is configured as ${source.format}`,
    );
  }
}

async function checkSignature(catalogPath: string, signingKey: string, label: string): Promise<void> {
  const signature = await readFile(`${catalogPath}.sig`, 'utf8').catch(() => undefined);
  if (signature === undefined) {
    throw new PatchhiveError(
      'E_SIGNATURE_MISSING',
      `the source requires a signature, but ${label}.sig could not be read`,
    );
  }
  // Ed25519 signs the whole message at once, so the bytes are read whole; maxBytes bounds them.
  verifyCatalog(await readFile(catalogPath), signature, [signingKey], label);
}

// The same head detectCatalogFormat sees in loadCatalogFile (which does not export its reader).
async function readHead(file: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start: 0, end: HEAD_BYTES - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}

/** Names the feed instead of the temporary file in an error's message and location. */
function relabel(err: unknown, catalogPath: string, label: string): PatchhiveError {
  if (!(err instanceof PatchhiveError)) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new PatchhiveError(
      'E_INTERNAL',
      `importing the feed failed unexpectedly: ${why}`,
      { file: label },
      { cause: err },
    );
  }
  const message = err.message.split(catalogPath).join(label);
  const loc = err.location;
  const location = loc && (loc.file === catalogPath || !loc.file) ? { ...loc, file: label } : loc;
  return new PatchhiveError(err.code, message, location, { cause: err });
}
