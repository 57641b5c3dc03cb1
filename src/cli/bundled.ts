/** The sample catalogs shipped with Patchhive, used when `scan` is given no --catalog. */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PatchhiveError } from '../errors.js';

/** The package's catalogs/ folder (dist/cli → ../../catalogs; src/cli likewise). */
export const BUNDLED_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../catalogs');

/** Catalog files in the bundled folder (signatures and keys excluded). */
export function bundledCatalogs(): string[] {
  return readdirSync(BUNDLED_DIR)
    .filter((f) => /\.(xml|json|csv)$/.test(f))
    .sort()
    .map((f) => path.join(BUNDLED_DIR, f));
}

/** Public keys that sign the bundled catalogs. */
export async function bundledTrustedKeys(): Promise<string[]> {
  const pubs = readdirSync(BUNDLED_DIR).filter((f) => f.endsWith('.pub'));
  return Promise.all(pubs.map((f) => readFile(path.join(BUNDLED_DIR, f), 'utf8')));
}

/** Reads trusted public key files given on the command line. */
export async function readTrustedKeys(files: string[]): Promise<string[]> {
  return Promise.all(
    files.map((f) =>
      readFile(f, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot read trusted key: ${err.code ?? String(err)}`, {
          file: f,
        });
      }),
    ),
  );
}
