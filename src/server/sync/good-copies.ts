/**
 * Where a source's downloads live in the data directory, and how an accepted one becomes the good
 * copy. Layout under `<dataDir>/sources/<sourceId>/`:
 *
 * - `.incoming-<syncId>/catalog` (+ `catalog.sig`): a download being checked;
 * - `copy-<syncId>/catalog` (+ `.sig`): an accepted copy; the sync state's goodPath names the
 *   current one, relative to the data directory;
 * - `previous/`: the copy that was good before the current one.
 *
 * A copy is a whole directory renamed into place, and the sync state is the commit point, so a
 * crash at any moment leaves the state naming a complete, verified copy; leftovers are pruned by
 * the next sync.
 */
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PatchhiveError } from '../../errors.js';

export const CATALOG_FILE = 'catalog';
const INCOMING_PREFIX = '.incoming-';
const COPY_PREFIX = 'copy-';
const PREVIOUS_DIR = 'previous';

/** A staging directory for one download. */
export interface StagedCopy {
  dir: string;
  catalogPath: string;
  signaturePath: string;
}

/** `<dataDir>/sources/<sourceId>`; an id that is not a plain name is refused (no path tricks). */
export function sourceDir(dataDir: string, sourceId: string): string {
  if (!isPlainName(sourceId)) throw new PatchhiveError('E_INTERNAL', 'source id is not usable as a directory name');
  return path.join(dataDir, 'sources', sourceId);
}

/** Creates an empty staging directory for the sync `syncId`. */
export async function stageCopy(dataDir: string, sourceId: string, syncId: string): Promise<StagedCopy> {
  if (!isPlainName(syncId)) throw new PatchhiveError('E_INTERNAL', 'sync id is not usable as a directory name');
  const dir = path.join(sourceDir(dataDir, sourceId), `${INCOMING_PREFIX}${syncId}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const catalogPath = path.join(dir, CATALOG_FILE);
  return { dir, catalogPath, signaturePath: `${catalogPath}.sig` };
}

/** Removes a staging directory and what is in it. */
export async function discardCopy(staged: StagedCopy): Promise<void> {
  await rm(staged.dir, { recursive: true, force: true });
}

/** Renames a checked staging directory into an accepted copy; returns its goodPath (relative). */
export async function promoteCopy(
  dataDir: string,
  sourceId: string,
  staged: StagedCopy,
  syncId: string,
): Promise<string> {
  const base = sourceDir(dataDir, sourceId);
  const copyName = `${COPY_PREFIX}${syncId}`;
  await rename(staged.dir, path.join(base, copyName));
  await syncDirectory(base);
  return path.join('sources', sourceId, copyName, CATALOG_FILE);
}

/**
 * After the state names `currentGoodPath`: the copy named before (`priorGoodPath`) becomes
 * `previous/`, and every other copy or staging leftover is removed.
 */
export async function retireCopies(
  dataDir: string,
  sourceId: string,
  currentGoodPath: string,
  priorGoodPath: string | null,
): Promise<void> {
  const base = sourceDir(dataDir, sourceId);
  const current = path.dirname(resolveGoodPath(dataDir, sourceId, currentGoodPath));
  const prior = priorGoodPath ? path.dirname(resolveGoodPath(dataDir, sourceId, priorGoodPath)) : undefined;
  if (prior && prior !== current && path.basename(prior).startsWith(COPY_PREFIX)) {
    await rm(path.join(base, PREVIOUS_DIR), { recursive: true, force: true });
    await rename(prior, path.join(base, PREVIOUS_DIR)).catch(() => undefined);
  }
  await pruneLeftovers(dataDir, sourceId, currentGoodPath);
}

/** Removes staging leftovers and copies that are neither current nor `previous/`. */
export async function pruneLeftovers(dataDir: string, sourceId: string, currentGoodPath: string | null): Promise<void> {
  const base = sourceDir(dataDir, sourceId);
  const current = currentGoodPath
    ? path.basename(path.dirname(resolveGoodPath(dataDir, sourceId, currentGoodPath)))
    : undefined;
  const names = await readdir(base).catch(() => [] as string[]);
  for (const name of names) {
    const stale = name.startsWith(INCOMING_PREFIX) || (name.startsWith(COPY_PREFIX) && name !== current);
    if (stale) await rm(path.join(base, name), { recursive: true, force: true });
  }
}

/**
 * The absolute file a goodPath names (relative to the data directory; an absolute one is taken as
 * is). It must lie inside the source's directory: anything else is E_INTERNAL.
 */
export function resolveGoodPath(dataDir: string, sourceId: string, goodPath: string): string {
  const base = sourceDir(dataDir, sourceId);
  const file = path.resolve(dataDir, goodPath);
  if (!file.startsWith(base + path.sep))
    throw new PatchhiveError('E_INTERNAL', 'the stored good copy lies outside the source directory');
  return file;
}

function isPlainName(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(s);
}

// Makes a rename durable; some file systems refuse fsync on a directory, which is not an error.
async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, 'r').catch(() => undefined);
  if (dh)
    await dh
      .sync()
      .catch(() => undefined)
      .finally(() => dh.close());
}
