/**
 * Loading a native catalog: signature first (over the exact bytes), then JSON, schema, the
 * cross-reference rules and compilation. Every failure is a PatchhiveError naming the file and,
 * where it helps, the line:column or the JSON path.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { z } from 'zod';
import { PatchhiveError, withFile } from '../../errors.js';
import { checkJsonDepth, jsonPath as formatJsonPath, parseJsonLocated } from '../../common/json-input.js';
import type { Catalog } from '../model.js';
import { compileNativeCatalog } from './compile.js';
import { readBytes, readTextFile } from './key-files.js';
import { NATIVE_FORMAT, nativeCatalogSchema, type NativeCatalogDoc } from './schema.js';
import { verifyCatalog } from './signing.js';

/** Far beyond any real criterion tree; keeps zod and the compiler's recursion safe. */
const MAX_NESTING = 200;

export interface NativeImportOptions {
  /** The catalog's path or label, for messages. */
  file: string;
  /** Text of the detached signature file, when there is one. */
  signature?: string;
  /** PEM public keys whose signatures are accepted. */
  trustedKeys: string[];
  /** Accept a catalog that has no signature at all (a bad signature is never accepted). */
  allowUnsigned: boolean;
}

/** The detached signature's path: "<catalog>.sig" beside the catalog. */
export function signaturePathFor(catalogPath: string): string {
  return `${catalogPath}.sig`;
}

/** True when the start of a file looks like a native catalog (any patchhive.catalog/N version). */
export function looksLikeNativeCatalog(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('{') && /"format"\s*:\s*"patchhive\.catalog\/\d+"/.test(text.slice(0, 64 * 1024));
}

/** Verifies the signature, then parses, validates and compiles a native catalog. */
export function importNativeCatalog(bytes: Buffer, opts: NativeImportOptions): Catalog {
  checkSignature(bytes, opts);
  const doc = parseNativeCatalog(bytes, opts.file);
  try {
    return compileNativeCatalog(doc);
  } catch (err) {
    throw withFile(err, opts.file);
  }
}

/** Reads a catalog file and the "<file>.sig" beside it (if any), then imports it. */
export function loadNativeCatalogFile(path: string, opts: { trustedKeys: string[]; allowUnsigned: boolean }): Catalog {
  const bytes = readBytes(path, 'catalog');
  const sigPath = signaturePathFor(path);
  const signature = existsSync(sigPath) ? readTextFile(sigPath, 'signature file') : undefined;
  return importNativeCatalog(bytes, { file: path, ...(signature !== undefined ? { signature } : {}), ...opts });
}

/** Refuses an unsigned catalog (unless allowed) and any signature that does not verify. */
function checkSignature(bytes: Buffer, opts: NativeImportOptions): void {
  if (opts.signature === undefined) {
    if (opts.allowUnsigned) return;
    throw new PatchhiveError(
      'E_SIGNATURE_MISSING',
      `catalog ${opts.file} is not signed (no ${basename(signaturePathFor(opts.file))} beside it): ` +
        `sign it with "patchhive catalog sign --key KEY ${opts.file}", or pass --allow-unsigned to load it unverified`,
    );
  }
  // A signature that is present is always checked: --allow-unsigned must not turn a tampered
  // catalog into an accepted one.
  verifyCatalog(bytes, opts.signature, opts.trustedKeys, opts.file);
}

/** Decodes, parses and schema-checks a native catalog without looking at signatures. */
export function parseNativeCatalog(bytes: Buffer, file: string): NativeCatalogDoc {
  const raw = parseJsonLocated(decodeUtf8(bytes, file), file);
  checkJsonDepth(raw, MAX_NESTING, file);
  const format = typeof raw === 'object' && raw !== null ? (raw as { format?: unknown }).format : undefined;
  if (typeof format !== 'string' || !format.startsWith('patchhive.catalog/')) {
    throw new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', `not a native catalog: expected "format": "${NATIVE_FORMAT}"`, {
      file,
    });
  }
  const r = nativeCatalogSchema.safeParse(raw);
  if (!r.success) throw zodError(r.error, file);
  return r.data;
}

// JSON exchanged between systems is UTF-8 (RFC 8259); anything else is refused rather than guessed.
function decodeUtf8(bytes: Buffer, file: string): string {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (err) {
    throw new PatchhiveError('E_INPUT_MALFORMED', 'catalog is not valid UTF-8', { file }, { cause: err });
  }
}

/** The first schema issue, with its JSON path; the count of the others. */
function zodError(error: z.ZodError, file: string): PatchhiveError {
  const [first, ...rest] = error.issues;
  const path = formatJsonPath(first?.path ?? []);
  const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  return new PatchhiveError('E_INPUT_MALFORMED', `${first?.message ?? 'invalid catalog'}${more}`, { file, path });
}
