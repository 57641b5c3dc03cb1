/**
 * Reads the probes the server asked for (files and small text files) inside a system root. Every
 * path is judged by the probe policy twice: as requested and as resolved. Symlinks are followed
 * inside the root only (like a chroot); the realpath of the result must still lie below the root.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { FileProbe, TextFileProbe } from '../inventory/model.js';
import { resolveInRoot } from '../inventory/os-facts.js';
import type { ProbeRequestWire } from '../protocol/agent.js';
import {
  DEFAULT_TEXT_PROBE_ALLOW,
  isInsideRoot,
  judgeProbePath,
  normaliseProbePath,
  pathInRoot,
  type ProbeKind,
} from './probe-policy.js';

/** The schema promises text-probe content of at most 64 KiB. */
export const MAX_TEXT_PROBE_BYTES = 64 * 1024;
const HASH_CHUNK = 1024 * 1024;

export interface ProbeOptions {
  /** System root (default "/"). */
  root: string;
  /** Text-probe allowlist (default DEFAULT_TEXT_PROBE_ALLOW). */
  textAllow?: readonly string[];
}

export interface ProbeResults {
  files: FileProbe[];
  textFiles: TextFileProbe[];
}

type Located = { kind: 'missing' } | { kind: 'refused' } | { kind: 'found'; real: string; st: Stats };

/**
 * Finds a probe path's host file inside the root: `missing` when there is no regular file there
 * (a directory or FIFO is no file), `refused` when it is not ours to look at or cannot be checked.
 */
async function locate(rootReal: string, abs: string, kind: ProbeKind, allow: readonly string[]): Promise<Located> {
  const hostPath = await resolveInRoot(rootReal, abs);
  let real: string;
  try {
    real = await realpath(hostPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Only "not there" is an answer; EACCES, ELOOP and the like mean "could not tell".
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'refused' };
  }
  if (!isInsideRoot(rootReal, real)) return { kind: 'refused' };
  // A symlink may lead from an allowed path to a secret: judge where it really points, too.
  if (!judgeProbePath(pathInRoot(rootReal, real), kind, allow).ok) return { kind: 'refused' };
  const st = await stat(real).catch(() => undefined);
  if (!st) return { kind: 'refused' };
  return st.isFile() ? { kind: 'found', real, st } : { kind: 'missing' };
}

/** Opens the located file only if it is still the same regular file (nothing swapped in since); else undefined. */
async function openSame(found: { real: string; st: Stats }): Promise<FileHandle | undefined> {
  // O_NOFOLLOW: no symlink planted since; O_NONBLOCK: a FIFO planted since must not hang the agent.
  const fh = await open(found.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => undefined,
  );
  if (!fh) return undefined;
  const now = await fh.stat().catch(() => undefined);
  if (now?.isFile() && now.ino === found.st.ino && now.dev === found.st.dev) return fh;
  await fh.close();
  return undefined;
}

const worldReadable = (st: Stats): boolean => (st.mode & 0o004) !== 0;

const baseProbe = (normal: string, requested: string) => ({
  path: normal,
  ...(normal !== requested ? { requested } : {}),
});

/** One text probe; undefined when refused. Only world-readable files are read: what any user may see. */
export async function readTextFileProbe(
  rootReal: string,
  requested: string,
  allow: readonly string[],
): Promise<TextFileProbe | undefined> {
  const verdict = judgeProbePath(requested, 'text', allow);
  if (!verdict.ok) return undefined;
  const where = await locate(rootReal, verdict.path, 'text', allow);
  if (where.kind === 'refused') return undefined;
  if (where.kind === 'missing') return { ...baseProbe(verdict.path, requested), exists: false };
  if (!worldReadable(where.st)) return undefined;
  const fh = await openSame(where);
  if (!fh) return undefined;
  try {
    const buf = Buffer.alloc(MAX_TEXT_PROBE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, MAX_TEXT_PROBE_BYTES, 0);
    return {
      ...baseProbe(verdict.path, requested),
      exists: true,
      content: new TextDecoder('utf-8').decode(buf.subarray(0, bytesRead)),
    };
  } finally {
    await fh.close();
  }
}

/** One file probe (exists, size, sha256); undefined when refused. A file not readable by all gets no hash. */
export async function readFileProbe(rootReal: string, requested: string): Promise<FileProbe | undefined> {
  const verdict = judgeProbePath(requested, 'file');
  if (!verdict.ok) return undefined;
  const where = await locate(rootReal, verdict.path, 'file', DEFAULT_TEXT_PROBE_ALLOW);
  if (where.kind === 'refused') return undefined;
  if (where.kind === 'missing') return { ...baseProbe(verdict.path, requested), exists: false };
  const probe: FileProbe = { ...baseProbe(verdict.path, requested), exists: true, size: where.st.size };
  if (!worldReadable(where.st)) return probe;
  const fh = await openSame(where);
  if (!fh) return probe;
  try {
    const hash = createHash('sha256');
    const buf = Buffer.alloc(HASH_CHUNK);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, HASH_CHUNK, size);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    // size and hash describe the same bytes, even if the file grew since it was first looked at
    return { ...probe, size, sha256: hash.digest('hex') };
  } finally {
    await fh.close();
  }
}

/** Reads the requested probes inside the root; refused probes are omitted, registry probes ignored (Linux). */
export async function collectProbes(request: ProbeRequestWire, opts: ProbeOptions): Promise<ProbeResults> {
  const rootReal = await realpath(opts.root);
  const allow = opts.textAllow ?? DEFAULT_TEXT_PROBE_ALLOW;
  const files: FileProbe[] = [];
  const textFiles: TextFileProbe[] = [];
  for (const p of firstSpellings(request.files)) {
    const r = await readFileProbe(rootReal, p);
    if (r) files.push(r);
  }
  for (const p of firstSpellings(request.textFiles)) {
    const r = await readTextFileProbe(rootReal, p, allow);
    if (r) textFiles.push(r);
  }
  return { files, textFiles };
}

/**
 * One requested spelling per normal form, sorted by normal form: equal requests give equal
 * inventories. The normal spelling itself is preferred, else the first in sorted order.
 */
function firstSpellings(paths: readonly string[]): string[] {
  const byNormal = new Map<string, string>();
  for (const p of [...new Set(paths)].sort()) {
    const n = normaliseProbePath(p) ?? p;
    if (!byNormal.has(n) || p === n) byNormal.set(n, p);
  }
  return [...byNormal.keys()].sort().map((n) => byNormal.get(n)!);
}
