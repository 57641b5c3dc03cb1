/**
 * Operating-system facts of a Linux root directory: os-release, debian_version, the dpkg
 * architecture and (for the running machine only) uname. Files are read inside the root: symlinks
 * are resolved against the root, so an image mounted at /mnt/img never leaks the host's files.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InstalledPackage, Inventory, TextFileProbe } from './model.js';

export type KernelFacts = NonNullable<Inventory['os']['kernel']>;

/** Text probes are capped here (the schema promises content of at most 64 KiB). */
const MAX_TEXT_PROBE = 64 * 1024;

/** What we ask of the running machine; tests substitute a fake so they never depend on the host. */
export interface LocalMachine {
  /** Where the running system's files are: `/`, or a fixture directory in tests. */
  root: string;
  uname(): KernelFacts;
  hostname(): string;
  /** `dpkg --print-architecture`, or undefined when dpkg is not there. */
  dpkgArchitecture(): Promise<string | undefined>;
}

/** The machine this process runs on. */
export const thisMachine: LocalMachine = {
  root: '/',
  uname: () => ({ name: os.type(), release: os.release(), version: os.version(), machine: os.machine() }),
  hostname: () => os.hostname(),
  dpkgArchitecture: () =>
    new Promise((resolve) => {
      execFile('dpkg', ['--print-architecture'], { timeout: 10_000 }, (err, stdout) => {
        const arch = String(stdout).trim();
        resolve(err || !/^[a-z0-9-]+$/.test(arch) ? undefined : arch);
      });
    }),
};

export interface OsFacts {
  platform?: string;
  name?: string;
  release?: string;
  codename?: string;
  version?: string;
  arch?: string;
  kernel?: KernelFacts;
  /** Content of <root>/etc/hostname, first line. */
  hostname?: string;
  textFiles: TextFileProbe[];
}

/**
 * Parses os-release (a restricted shell assignment list): double quotes with \\ \" \$ \` escapes,
 * single quotes taken literally, backslash escapes outside quotes; comments and junk lines ignored.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    const eq = line.indexOf('=');
    if (line.startsWith('#') || eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    const value = unquoteShell(line.slice(eq + 1));
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Undoes shell quoting of one word; undefined for an unterminated quote. */
function unquoteShell(s: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) return undefined;
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return undefined;
        const d = s[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < s.length && '\\"$`'.includes(s[i + 1]!)) {
          out += s[i + 1];
          i += 2;
        } else {
          out += d;
          i++;
        }
      }
      i++;
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '#') {
      break; // an unquoted space ends the word; the rest is a comment or junk
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Resolves `abs` (an absolute path inside the root) to a host path, following symlinks within the root. */
export async function resolveInRoot(root: string, abs: string): Promise<string> {
  if (root === '/') return abs;
  const pending = abs.split('/').filter(Boolean);
  let done: string[] = [];
  for (let hops = 0; pending.length > 0;) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop(); // never above the root, like a chroot
      continue;
    }
    const candidate = path.join(root, ...done, part);
    const st = await lstat(candidate).catch(() => undefined);
    if (!st?.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > 40) return candidate; // a loop: reading it will fail like ELOOP would
    const target = await readlink(candidate);
    if (target.startsWith('/')) done = [];
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return path.join(root, ...done);
}

/** Reads a text probe (at most 64 KiB) inside the root; `exists` is false for anything but a regular file. */
export async function readTextProbe(root: string, abs: string): Promise<TextFileProbe> {
  const real = await resolveInRoot(root, abs);
  // O_NONBLOCK: a FIFO planted at a probed path must not hang the collector.
  const fh = await open(real, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (!fh) return { path: abs, exists: false };
  try {
    if (!(await fh.stat()).isFile()) return { path: abs, exists: false };
    const buf = Buffer.alloc(MAX_TEXT_PROBE);
    const { bytesRead } = await fh.read(buf, 0, MAX_TEXT_PROBE, 0);
    return { path: abs, exists: true, content: new TextDecoder('utf-8').decode(buf.subarray(0, bytesRead)) };
  } finally {
    await fh.close();
  }
}

/** The native architecture from the status file: dpkg itself is always of the native architecture. */
export function archFromPackages(packages: readonly InstalledPackage[] | undefined): string | undefined {
  const dpkg = packages?.find((p) => p.name === 'dpkg' && p.arch && p.arch !== 'all');
  return dpkg?.arch;
}

function firstLine(content: string | undefined): string | undefined {
  const line = content?.split('\n', 1)[0]?.trim();
  return line ? line : undefined;
}

/**
 * dpkg's native architecture. `arch-native` (dpkg >= 1.22) is exact; `arch` lists foreign
 * architectures too, in no promised order, so it is trusted only when it names a single one.
 */
async function dpkgArch(
  root: string,
  packages: readonly InstalledPackage[] | undefined,
  local: LocalMachine,
): Promise<string | undefined> {
  const native = firstLine((await readTextProbe(root, '/var/lib/dpkg/arch-native')).content);
  if (native) return native;
  const fromStatus = archFromPackages(packages);
  if (fromStatus) return fromStatus;
  const listed = ((await readTextProbe(root, '/var/lib/dpkg/arch')).content ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (listed.length === 1) return listed[0];
  return isLocal(root, local) ? local.dpkgArchitecture() : undefined;
}

/** Whether `root` is the running system (whose kernel and dpkg binary we can ask). */
export function isLocal(root: string, local: LocalMachine): boolean {
  return path.resolve(root) === path.resolve(local.root);
}

/** "12.15" from /etc/debian_version on Debian; Ubuntu writes a codename ("bookworm/sid") there, which is no version. */
function fullVersion(rel: Record<string, string>, debianVersion: string | undefined): string | undefined {
  if (rel.ID === 'debian' && debianVersion && /^\d+(\.\d+)*$/.test(debianVersion)) return debianVersion;
  const lead = /^\d+(\.\d+)*/.exec(rel.VERSION ?? '')?.[0];
  return lead ?? rel.VERSION_ID;
}

/**
 * Reads the facts of the system under `root`. Kernel facts come from the running kernel, so only
 * when `root` is the running system. `packages` (the root's own status) helps find the arch.
 */
export async function readOsFacts(
  root: string,
  opts: { packages?: readonly InstalledPackage[]; local?: LocalMachine } = {},
): Promise<OsFacts> {
  const local = opts.local ?? thisMachine;
  let osRelease = await readTextProbe(root, '/etc/os-release');
  const textFiles: TextFileProbe[] = [osRelease];
  if (!osRelease.exists) osRelease = await readTextProbe(root, '/usr/lib/os-release'); // os-release(5) fallback
  const debianVersion = await readTextProbe(root, '/etc/debian_version');
  textFiles.push(debianVersion);
  const rel = parseOsRelease(osRelease.content ?? '');
  const debVer = firstLine(debianVersion.content);
  const facts: OsFacts = { textFiles };
  const platform = rel.ID ?? (debianVersion.exists ? 'debian' : undefined);
  if (platform) facts.platform = platform;
  const name = rel.PRETTY_NAME ?? rel.NAME;
  if (name) facts.name = name;
  if (rel.VERSION_ID) facts.release = rel.VERSION_ID;
  // Older Debian os-release files lack VERSION_CODENAME but carry it in VERSION: "9 (stretch)".
  const codename = rel.VERSION_CODENAME || /\(([a-z]+)\)/.exec(rel.VERSION ?? '')?.[1];
  if (codename) facts.codename = codename;
  const version = fullVersion(rel, debVer);
  if (version) facts.version = version;
  const arch = await dpkgArch(root, opts.packages, local);
  if (arch) facts.arch = arch;
  if (isLocal(root, local)) facts.kernel = local.uname();
  const hostname = firstLine((await readTextProbe(root, '/etc/hostname')).content);
  if (hostname) facts.hostname = hostname;
  return facts;
}
