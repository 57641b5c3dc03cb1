/** Test helpers for the inventory tests: fixture paths and a fake "running machine". */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalMachine } from './os-facts.js';

/** The repository root (tests read fixtures from there only). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Path of a file under test/fixtures. */
export function fixture(...parts: string[]): string {
  return path.join(REPO, 'test/fixtures', ...parts);
}

/** A running machine whose files live under `root`; it answers uname/hostname/dpkg without asking the host. */
export function fakeMachine(root: string, arch: string | undefined = 'amd64'): LocalMachine {
  return {
    root,
    uname: () => ({
      name: 'Linux',
      release: '6.1.0-28-amd64',
      version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1',
      machine: 'x86_64',
    }),
    hostname: () => 'testhost',
    dpkgArchitecture: async () => arch,
  };
}

/** Debian 12's /etc/os-release, verbatim. */
export const DEBIAN_12_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const roots: string[] = [];

/** Creates a throw-away root directory (in the OS temp dir) holding `files` (path → content). */
export async function makeRoot(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'patchhive-root-'));
  roots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
  return root;
}

/** Removes every root made by makeRoot (for afterAll). */
export async function removeRoots(): Promise<void> {
  await Promise.all(roots.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
