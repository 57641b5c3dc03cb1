/** Writes files so that a crash leaves either the old file or the complete new one, never half. */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
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
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  modeOrOptions: number | AtomicWriteOptions = 0o644,
): Promise<void> {
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
  if (dh)
    await dh
      .sync()
      .catch(() => undefined)
      .finally(() => dh.close());
}

/**
 * Writes a command's output file (`-o FILE`). A regular file or a new path is written atomically
 * (writeFileAtomic); anything else that exists (a FIFO, a character or block device) gets a plain
 * write into it and is never replaced: renaming over /dev/null would turn it into a regular file.
 */
export async function writeOutputFile(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new PatchhiveError(
      'E_OUTPUT_FAILED',
      `cannot write output (${err.code ?? 'error'})`,
      { file },
      { cause: err },
    );
  });
  if (!st || st.isFile()) return writeFileAtomic(file, data, mode);
  if (st.isDirectory()) throw new PatchhiveError('E_OUTPUT_FAILED', 'cannot write output: it is a directory', { file });
  try {
    // No O_CREAT, no O_TRUNC: the node must already be there, and a device or FIFO is not truncated.
    const fh = await open(file, constants.O_WRONLY);
    try {
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PatchhiveError('E_OUTPUT_FAILED', `cannot write output (${code})`, { file }, { cause: err });
  }
}
