/**
 * Loads a catalog file of any supported format, recognised by content rather than by name:
 * OVAL XML (streamed), Debian Security Tracker JSON, MSRC CSV/JSON, native signed JSON.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { PatchhiveError, withFile } from '../errors.js';
import type { Catalog } from './model.js';
import { importOval, looksLikeOval } from './import/oval.js';
import { importDebianTracker, looksLikeDebianTracker } from './import/debian-tracker.js';
import { importMsrcCsv, importMsrcJson, looksLikeMsrcCsv, looksLikeMsrcJson } from './import/msrc.js';
import { importNativeCatalog, looksLikeNativeCatalog } from './native/import.js';

export interface LoadCatalogOptions {
  /** Debian release codename for tracker input (e.g. "bookworm"). */
  release: string;
  /** PEM public keys trusted to sign native catalogs. */
  trustedKeys: string[];
  allowUnsigned: boolean;
  /** Called as bytes are read, for progress on large files. */
  onProgress?: (done: number, total: number) => void;
}

export type CatalogFormat = 'oval' | 'debian-tracker' | 'msrc-csv' | 'msrc-json' | 'native';

const HEAD_BYTES = 64 * 1024;
/** JSON/CSV formats are parsed whole; beyond this they are refused rather than exhausting memory. */
const MAX_WHOLE_FILE = 512 * 1024 * 1024;

async function readHead(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } finally {
    await fh.close();
  }
}

/** Recognises a catalog's format from its first bytes; undefined when it is none we know. */
export function detectCatalogFormat(head: string): CatalogFormat | undefined {
  const start = head.trimStart();
  if (start.startsWith('<')) return looksLikeOval(head) ? 'oval' : undefined;
  if (looksLikeNativeCatalog(head)) return 'native';
  if (looksLikeMsrcJson(head)) return 'msrc-json';
  if (looksLikeMsrcCsv(head)) return 'msrc-csv';
  if (looksLikeDebianTracker(head)) return 'debian-tracker';
  return undefined;
}

/** Loads and imports one catalog file; every failure is a PatchhiveError naming the file. */
export async function loadCatalogFile(path: string, opts: LoadCatalogOptions): Promise<Catalog> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new PatchhiveError('E_INPUT_NOT_FOUND', 'not a regular file', { file: path });
    size = st.size;
  } catch (err) {
    if (err instanceof PatchhiveError) throw err;
    throw new PatchhiveError(
      'E_INPUT_NOT_FOUND',
      `cannot read catalog: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { file: path },
    );
  }
  const head = await readHead(path);
  const format = detectCatalogFormat(head);
  if (!format) {
    throw new PatchhiveError(
      'E_INPUT_UNKNOWN_FORMAT',
      'not a catalog Patchhive recognises (expected OVAL 5 XML, Debian Security Tracker JSON, MSRC CSV/JSON, or patchhive.catalog/1 JSON)',
      { file: path },
    );
  }
  try {
    if (format === 'oval') {
      let done = 0;
      return await importOval(createReadStream(path, { highWaterMark: 1 << 20 }), {
        file: path,
        name: path,
        onBytes: (n) => {
          done += n;
          opts.onProgress?.(done, size);
        },
      });
    }
    if (size > MAX_WHOLE_FILE)
      throw new PatchhiveError('E_INPUT_MALFORMED', `file is larger than ${MAX_WHOLE_FILE} bytes`, { file: path });
    const bytes = await readFile(path);
    opts.onProgress?.(size, size);
    return importWhole(format, bytes, path, opts);
  } catch (err) {
    throw withFile(err, path);
  }
}

async function importWhole(
  format: Exclude<CatalogFormat, 'oval'>,
  bytes: Buffer,
  file: string,
  opts: LoadCatalogOptions,
): Promise<Catalog> {
  switch (format) {
    case 'native': {
      const signature = await readFile(`${file}.sig`, 'utf8').catch(() => undefined);
      return importNativeCatalog(bytes, {
        file,
        ...(signature !== undefined ? { signature } : {}),
        trustedKeys: opts.trustedKeys,
        allowUnsigned: opts.allowUnsigned,
      });
    }
    case 'debian-tracker':
      return importDebianTracker(bytes.toString('utf8'), { file, release: opts.release });
    case 'msrc-csv':
      return importMsrcCsv(bytes.toString('utf8'), { file });
    case 'msrc-json':
      return importMsrcJson(bytes.toString('utf8'), { file });
  }
}
