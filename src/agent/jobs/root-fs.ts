/**
 * Files inside the managed root, seen as a process chrooted there would see them: symlinks are
 * followed relative to the root (an absolute link target starts again at the root), so a path
 * never leads outside it — Debian's `/var/run -> /run` must not reach the host's /run.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readlink, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PatchhiveError } from '../../errors.js';

const MAX_SYMLINKS = 40;

/**
 * The host path of `absPath` inside `root`, following symlinks the way the kernel would inside a
 * chroot. Missing components are kept as they are (the result may not exist). A loop is E_INPUT_MALFORMED.
 */
export async function resolveInRoot(root: string, absPath: string): Promise<string> {
  const hostRoot = path.resolve(root);
  let pending = splitPath(absPath);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.' || part === '') continue;
    if (part === '..') {
      done.pop(); // ".." at the root stays at the root, as in a chroot
      continue;
    }
    const host = path.join(hostRoot, ...done, part);
    const st = await lstat(host).catch(() => undefined);
    if (!st?.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new PatchhiveError('E_INPUT_MALFORMED', `too many symbolic links resolving ${absPath}`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    pending = [...splitPath(target), ...pending];
  }
  return path.join(hostRoot, ...done);
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}

/** True when `host` (a resolved host path) is `root` or below it. */
export function isInsideRoot(root: string, host: string): boolean {
  const r = path.resolve(root);
  const h = path.resolve(host);
  return h === r || h.startsWith(r === '/' ? '/' : `${r}${path.sep}`);
}

/**
 * Writes `data` atomically (temporary file beside it, fsync, rename, fsync of the directory) with
 * an exact `mode` and, when given, owner — umask does not apply.
 */
export async function writeFileExact(file: string, data: string | Uint8Array, opts: { mode: number; uid?: number; gid?: number }): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
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
    throw new PatchhiveError('E_OUTPUT_FAILED', `cannot write the file (${code})`, { file }, { cause: err });
  }
  const dh = await open(dir, 'r').catch(() => undefined);
  if (dh) await dh.sync().catch(() => undefined).finally(() => dh.close());
}
