/**
 * Package installs with exact versions, the same way for every package manager: read what is
 * installed, keep a copy of each version about to be replaced (for rollback), install, and
 * believe the package database — not the exit code — about the result. Rollback installs the
 * kept copies; after a crash an interrupted install is reconciled from the database, never re-run.
 * The manager-specific parts (argv, parsing) are a PackageBackend: apt.ts, dnf.ts.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type PackageVersion, type StepContext, type StepOutcome } from './outcome.js';
import { waitUntilUnlocked } from './busy.js';
import { resolveInRoot } from './root-fs.js';
import { writeFileAtomic } from '../../common/atomic-write.js';
import { describeFailure, joinLogs, type CommandRunner } from './runner.js';

/** One installed package: its version, and whether it is fully installed (dpkg "ii"). */
export interface InstalledPackage {
  version: string;
  ok: boolean;
}

/** The manager-specific half of package installs. */
export interface PackageBackend {
  readonly manager: 'apt' | 'dnf';
  /** The command that installs nothing but lists the installed state of `names`. */
  queryArgv(names: readonly string[]): string[];
  /** True when the query's exit code means it answered (dpkg-query exits 1 when a name is unknown). */
  queryExitOk(code: number | null): boolean;
  /** Installed packages from the query's stdout; names absent from the map are not installed. */
  parseQuery(stdout: string, names: readonly string[]): Map<string, InstalledPackage>;
  /** True when two versions are the same version (epoch 0 spelled or not). */
  sameVersion(a: string, b: string): boolean;
  /** Downloads `name` at `version` into `dir` (inside the root; also the cwd). */
  keepArgv(p: PackageVersion, dir: string): string[];
  readonly keptSuffix: string;
  /** Reads the package name and version of a kept file. */
  identityArgv(file: string): string[];
  parseIdentity(stdout: string): PackageVersion | null;
  installArgv(pkgs: readonly PackageVersion[]): string[];
  /** The commands that install kept files (downgrading those installed at another version). */
  rollbackArgvs(files: readonly { file: string; installedNow: boolean }[]): string[][];
  removeArgv(names: readonly string[]): string[];
  readonly env: Record<string, string>;
  /** Lock files (inside the root) a running install holds open. */
  readonly lockFiles: readonly string[];
  /** The one line that says why an install failed (which maintainer script …), from its log. */
  describeInstallFailure(log: string): string | null;
}

/** Where an install job keeps replaced packages, inside the managed root. */
export function keptDirInRoot(jobId: string): string {
  return `/var/lib/patchhive/kept/${jobId}`;
}

const MANIFEST = 'kept.json';
const manifestSchema = z.object({
  jobId: z.string(),
  manager: z.string(),
  kept: z.array(z.object({ name: z.string(), version: z.string(), file: z.string() })),
  new: z.array(z.string()),
});
type KeptManifest = z.infer<typeof manifestSchema>;

interface Session {
  ctx: StepContext;
  backend: PackageBackend;
  timeoutMs: number;
  logs: string[];
}

async function run(s: Session, argv: string[], cwd?: string, parseStdout = false) {
  const r = await s.ctx.runner.run(argv, {
    timeoutMs: s.timeoutMs,
    env: s.backend.env,
    parseStdout,
    ...(cwd ? { cwd } : {}),
  });
  s.logs.push(r.log);
  return r;
}

/** The installed state of `names` (one query command). */
export async function queryInstalled(
  runner: CommandRunner,
  backend: PackageBackend,
  names: readonly string[],
  timeoutMs = 120_000,
) {
  const r = await runner.run(backend.queryArgv(names), { timeoutMs, env: backend.env, parseStdout: true });
  if (!backend.queryExitOk(r.exitCode))
    return { installed: null, log: r.log, error: describeFailure(backend.queryArgv(names)[0]!, r) };
  return { installed: backend.parseQuery(r.stdout, names), log: r.log, error: null };
}

async function query(s: Session, names: readonly string[]) {
  const q = await queryInstalled(s.ctx.runner, s.backend, names, s.timeoutMs);
  s.logs.push(q.log);
  return q;
}

/** "openssl 3.0.11-1 (wanted 3.0.13-1), libssl3 not installed": packages not at their target, or ''. */
export function versionMismatches(
  backend: PackageBackend,
  targets: readonly PackageVersion[],
  installed: Map<string, InstalledPackage>,
): string {
  return targets
    .flatMap((t) => {
      const got = installed.get(t.name);
      if (!got) return [`${t.name} not installed (wanted ${t.version})`];
      if (!backend.sameVersion(got.version, t.version)) return [`${t.name} ${got.version} (wanted ${t.version})`];
      if (!got.ok) return [`${t.name} ${got.version} not fully installed`];
      return [];
    })
    .join(', ');
}

const outcome = (
  s: Session,
  result: StepOutcome['result'],
  message: string,
  exitCode: number | null,
  extra: Partial<StepOutcome> = {},
): StepOutcome => ({
  result,
  exitCode,
  log: joinLogs(s.logs),
  message,
  ...extra,
});

/** Installs `packages` at exactly their versions, keeping the replaced versions first (see the module comment). */
export async function installPackages(
  backend: PackageBackend,
  packages: readonly PackageVersion[],
  timeoutSeconds: number,
  ctx: StepContext,
): Promise<StepOutcome> {
  const s: Session = { ctx, backend, timeoutMs: timeoutSeconds * 1000, logs: [] };
  const before = await query(
    s,
    packages.map((p) => p.name),
  );
  if (!before.installed) return outcome(s, 'failed', `cannot read the package database: ${before.error}`, null);
  const toKeep = packages.flatMap((p) => {
    const got = before.installed.get(p.name);
    return got && !backend.sameVersion(got.version, p.version) ? [{ name: p.name, version: got.version }] : [];
  });
  const dir = keptDirInRoot(ctx.jobId);
  const hostDir = await resolveInRoot(ctx.root, dir);
  await mkdir(hostDir, { recursive: true, mode: 0o700 });
  for (const old of toKeep) {
    const r = await run(s, backend.keepArgv(old, dir), dir);
    if (r.exitCode !== 0)
      return outcome(
        s,
        'failed',
        `cannot keep ${old.name} ${old.version} for rollback (${describeFailure('the download', r)}); nothing installed`,
        r.exitCode,
      );
  }
  const kept = await identifyKeptFiles(s, dir, hostDir);
  const missing = toKeep.filter(
    (k) => !kept.some((f) => f.name === k.name && backend.sameVersion(f.version, k.version)),
  );
  if (missing.length > 0)
    return outcome(
      s,
      'failed',
      `cannot keep ${missing[0]!.name} ${missing[0]!.version} for rollback (no file downloaded); nothing installed`,
      null,
    );
  const manifest: KeptManifest = {
    jobId: ctx.jobId,
    manager: backend.manager,
    kept: kept.filter((f) => toKeep.some((k) => k.name === f.name && backend.sameVersion(k.version, f.version))),
    new: packages.filter((p) => !before.installed.has(p.name)).map((p) => p.name),
  };
  await writeFileAtomic(path.join(hostDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  const keptPackages = manifest.kept.map(({ name, version }) => ({ name, version }));

  const install = await run(s, backend.installArgv(packages));
  const after = await query(
    s,
    packages.map((p) => p.name),
  );
  const wrong = after.installed
    ? versionMismatches(backend, packages, after.installed)
    : `cannot read the package database: ${after.error}`;
  if (install.exitCode === 0 && wrong === '') {
    const fresh = manifest.new.length > 0 ? ` (${manifest.new.length} new)` : '';
    return outcome(
      s,
      'succeeded',
      `installed ${packages.length} package${packages.length === 1 ? '' : 's'}${fresh}; kept ${keptPackages.length} for rollback`,
      0,
      { keptPackages },
    );
  }
  const why =
    backend.describeInstallFailure(joinLogs([install.log])) ??
    describeFailure(backend.installArgv(packages)[0]!, install);
  return outcome(s, 'failed', wrong ? `${why}; ${wrong}` : why, install.exitCode, { keptPackages });
}

/** The kept files in a job's kept directory, each with the name and version its metadata says. */
async function identifyKeptFiles(
  s: Session,
  dir: string,
  hostDir: string,
): Promise<(PackageVersion & { file: string })[]> {
  const names = (await readdir(hostDir).catch(() => [] as string[]))
    .filter((n) => n.endsWith(s.backend.keptSuffix))
    .sort();
  const out: (PackageVersion & { file: string })[] = [];
  for (const name of names) {
    const file = `${dir}/${name}`;
    const r = await run(s, s.backend.identityArgv(file), undefined, true);
    const id = r.exitCode === 0 ? s.backend.parseIdentity(r.stdout) : null;
    if (id) out.push({ ...id, file });
  }
  return out;
}

/** The kept packages recorded for an install job (after a restart), or [] when none were. */
export async function readKeptManifest(root: string, jobId: string): Promise<PackageVersion[]> {
  const hostDir = await resolveInRoot(root, keptDirInRoot(jobId));
  const text = await readFile(path.join(hostDir, MANIFEST), 'utf8').catch(() => null);
  if (text === null) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  const parsed = manifestSchema.safeParse(raw);
  return parsed.success ? parsed.data.kept.map(({ name, version }) => ({ name, version })) : [];
}

export interface RollbackRequest {
  fromJobId: string;
  packages: readonly PackageVersion[];
  remove: readonly string[];
  timeoutSeconds: number;
}

/** Returns packages to the versions kept by job `fromJobId` and removes the ones it added. */
export async function rollbackPackages(
  backend: PackageBackend,
  req: RollbackRequest,
  ctx: StepContext,
): Promise<StepOutcome> {
  const s: Session = { ctx, backend, timeoutMs: req.timeoutSeconds * 1000, logs: [] };
  const dir = keptDirInRoot(req.fromJobId);
  const kept = await identifyKeptFiles(s, dir, await resolveInRoot(ctx.root, dir));
  const files: { file: string; name: string }[] = [];
  for (const p of req.packages) {
    const f = kept.find((k) => k.name === p.name && backend.sameVersion(k.version, p.version));
    if (!f)
      return outcome(
        s,
        'failed',
        `no kept copy of ${p.name} ${p.version} from job ${req.fromJobId}; nothing changed`,
        null,
      );
    files.push({ file: f.file, name: p.name });
  }
  const now = await query(s, [...req.packages.map((p) => p.name), ...req.remove]);
  if (!now.installed) return outcome(s, 'failed', `cannot read the package database: ${now.error}`, null);
  let exitCode: number | null = 0;
  if (files.length > 0) {
    for (const argv of backend.rollbackArgvs(
      files.map((f) => ({ file: f.file, installedNow: now.installed.has(f.name) })),
    )) {
      const r = await run(s, argv);
      exitCode = r.exitCode;
      if (r.exitCode !== 0)
        return outcome(s, 'failed', backend.describeInstallFailure(r.log) ?? describeFailure(argv[0]!, r), r.exitCode);
    }
  }
  const toRemove = req.remove.filter((n) => now.installed.has(n));
  if (toRemove.length > 0) {
    const r = await run(s, backend.removeArgv(toRemove));
    exitCode = r.exitCode;
    if (r.exitCode !== 0) return outcome(s, 'failed', `${describeFailure('the removal', r)}`, r.exitCode);
  }
  const check = await checkRolledBack(s, req);
  if (check !== '') return outcome(s, 'failed', `rollback incomplete: ${check}`, exitCode);
  return outcome(
    s,
    'succeeded',
    `rolled back ${req.packages.length} package${req.packages.length === 1 ? '' : 's'} to the versions kept by job ${req.fromJobId}${toRemove.length ? `, removed ${toRemove.length}` : ''}`,
    exitCode,
  );
}

/** '' when every package is at its rollback version and every removed one is gone; else what is not. */
async function checkRolledBack(s: Session, req: RollbackRequest): Promise<string> {
  const after = await query(s, [...req.packages.map((p) => p.name), ...req.remove]);
  if (!after.installed) return `cannot read the package database: ${after.error}`;
  const still = req.remove.filter((n) => after.installed.has(n)).map((n) => `${n} still installed`);
  return [versionMismatches(s.backend, req.packages, after.installed), ...still].filter((x) => x !== '').join(', ');
}

/**
 * After a restart during an install (or rollback) step: what the database shows decides, and
 * nothing is run again — all targets at their versions → succeeded, else failed naming them.
 */
export async function reconcilePackages(
  backend: PackageBackend,
  req: { packages: readonly PackageVersion[]; remove?: readonly string[]; timeoutSeconds: number },
  ctx: StepContext,
): Promise<StepOutcome> {
  const s: Session = { ctx, backend, timeoutMs: 120_000, logs: [] };
  // the installer the dead agent started may still run (own process group): let it finish first
  if (!(await waitUntilUnlocked(ctx.root, backend.lockFiles, req.timeoutSeconds * 1000))) {
    return outcome(
      s,
      'failed',
      `interrupted by a restart, and the package manager is still busy after ${req.timeoutSeconds} s; not re-run`,
      null,
    );
  }
  const remove = req.remove ?? [];
  const after = await query(s, [...req.packages.map((p) => p.name), ...remove]);
  if (!after.installed)
    return outcome(
      s,
      'failed',
      `interrupted by a restart, and the package database cannot be read: ${after.error}; not re-run`,
      null,
    );
  const wrong = [
    versionMismatches(backend, req.packages, after.installed),
    ...remove.filter((n) => after.installed.has(n)).map((n) => `${n} still installed`),
  ]
    .filter((x) => x !== '')
    .join(', ');
  if (wrong === '')
    return outcome(s, 'succeeded', 'reconciled after restart, not re-run: every package is at its version', null);
  return outcome(s, 'failed', `interrupted by a restart and not re-run: ${wrong}`, null);
}
