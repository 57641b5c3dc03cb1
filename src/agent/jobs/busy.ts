/**
 * Whether a package manager is still at work on the managed root: some process holds its lock
 * file open. After the agent was killed mid-install, the installer it started may still be
 * running (it has its own process group); the database is read only once it has finished.
 */
import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from './root-fs.js';

/** Pids of processes that have any of `hostFiles` open (via /proc/<pid>/fd). */
export async function processesHolding(hostFiles: readonly string[], proc = '/proc'): Promise<number[]> {
  const wanted = new Set(hostFiles);
  const pids = (await readdir(proc).catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  const out: number[] = [];
  for (const pid of pids) {
    const fds = await readdir(path.join(proc, pid, 'fd')).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(path.join(proc, pid, 'fd', fd)).catch(() => '');
      if (wanted.has(target)) {
        out.push(Number(pid));
        break;
      }
    }
  }
  return out;
}

/** Waits (polling) until no process holds the lock files (paths inside `root`) or `maxWaitMs` passes; true when free. */
export async function waitUntilUnlocked(
  root: string,
  lockFiles: readonly string[],
  maxWaitMs: number,
  pollMs = 1_000,
): Promise<boolean> {
  if (lockFiles.length === 0) return true;
  const hostFiles = await Promise.all(lockFiles.map((f) => resolveInRoot(root, f)));
  for (let waited = 0; ; waited += pollMs) {
    if ((await processesHolding(hostFiles)).length === 0) return true;
    if (waited >= maxWaitMs) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
