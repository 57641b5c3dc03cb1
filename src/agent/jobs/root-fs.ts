/**
 * Files inside the managed root, seen as a process chrooted there would see them: symlinks are
 * followed relative to the root (an absolute link target starts again at the root), so a path
 * never leads outside it — Debian's `/var/run -> /run` must not reach the host's /run.
 */
import { lstat, readlink } from 'node:fs/promises';
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
    if (++links > MAX_SYMLINKS)
      throw new PatchhiveError('E_INPUT_MALFORMED', `too many symbolic links resolving ${absPath}`);
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
