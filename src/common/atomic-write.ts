/** Writes files so that a crash leaves either the old file or the complete new one, never half. */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PatchhiveError } from '../errors.js';

/**
 * Writes `data` to `file` atomically: a temporary file in the same directory, fsync, rename over
 * the target, fsync of the directory. Failure is an E_OUTPUT_FAILED naming the file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
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
