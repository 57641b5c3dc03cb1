/** Writes files so that a crash leaves either the old file or the complete new one, never half. */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PatchhiveError } from '../errors.js';

/** How the new file is made: its mode (exact, umask does not apply) and, when both are given, its owner. */
export interface AtomicWriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
}

/**
 * Writes `data` to `file` atomically: a temporary file in the same directory, fsync, rename over
 * the target, fsync of the directory. Failure is an E_OUTPUT_FAILED naming the file. A number is
 * the mode.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, modeOrOptions: number | AtomicWriteOptions = 0o644): Promise<void> {
  const opts = typeof modeOrOptions === 'number' ? { mode: modeOrOptions } : modeOrOptions;
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      if (opts.uid !== undefined && opts.gid !== undefined) await fh.chown(opts.uid, opts.gid);
      await fh.chmod(opts.mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PatchhiveError('E_OUTPUT_FAILED', `cannot write output (${code})`, { file }, { cause: err });
  }
  // make the rename itself durable; some file systems refuse fsync on a directory
  const dh = await open(dir, 'r').catch(() => undefined);
  if (dh) await dh.sync().catch(() => undefined).finally(() => dh.close());
}
