/**
 * Real Debian machines for end-to-end tests: debootstrap chroots of the Debian 12 point release
 * (minbase), whose packages really lag bookworm-security, so apt really has updates to install.
 *
 * - One base image per cache dir: debootstrap + apt sources + `apt-get update`, stored as a tarball
 *   and a marker (written last: no marker, no image). Built under a lock file so parallel test
 *   processes build it once; a build that fails leaves nothing behind to be reused.
 * - A machine is the tarball extracted into a new directory (well under a second), so tests can
 *   make as many as they need and change them freely.
 * - Every command runs via execFile with an argument array. Mounts (/proc, and /dev only when the
 *   chroot has no device nodes) exist only while a command needs them and are always undone; before
 *   deleting a tree, anything still mounted under it is unmounted, and `rm --one-file-system` refuses
 *   to cross into a mount that somehow remains (it would otherwise delete the host's /dev).
 * Needs root, debootstrap and a route to deb.debian.org.
 */
import { execFile } from 'node:child_process';
import { constants, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, open, readFile, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the base image is kept unless told otherwise (ignored by git). */
export const DEFAULT_CACHE_DIR = path.join(REPO, '.cache/debian-machines');
/** The Debian mirror the fixtures were made from. */
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
const SECURITY_MIRROR = 'http://deb.debian.org/debian-security';
const SUITE = 'bookworm';
const TARBALL = `base-${SUITE}.tar`;
const MARKER = `base-${SUITE}.json`;
/** Bumped when the build steps change, so an image made the old way is rebuilt. */
const IMAGE_FORMAT = 1;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The apt sources of the fixtures' chroot: the point release, its updates and the security suite. */
export const APT_SOURCES = `Types: deb
URIs: ${DEBIAN_MIRROR}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${SECURITY_MIRROR}
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

/** A command that failed: which one, how, and the end of what it wrote on stderr. */
export class MachineCommandError extends Error {
  constructor(
    readonly command: string[],
    readonly exitCode: number | string | null,
    readonly stderrTail: string,
  ) {
    super(`${command.join(' ')} failed (exit ${exitCode ?? 'signal'}):\n${stderrTail || '(no stderr)'}`);
    this.name = 'MachineCommandError';
  }
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The environment of every command: a fixed PATH and locale, proxies passed through, no prompts. */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LC_ALL: 'C',
    DEBIAN_FRONTEND: 'noninteractive',
  };
  for (const k of ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  return env;
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n').slice(-3000);
}

/** Runs `cmd args` (no shell); resolves with stdout, rejects with a MachineCommandError. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const options = {
      env: opts.env ?? commandEnv(),
      timeout: opts.timeoutMs ?? 10 * MINUTE,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8' as const,
    };
    execFile(cmd, args, options, (err, stdout, stderr) => {
      if (err === null) return resolve({ stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
      const why = e.killed ? `${stderr}\n(killed after ${options.timeout} ms)` : stderr || e.message;
      reject(new MachineCommandError([cmd, ...args], e.code ?? null, tail(why)));
    });
  });
}

// ---- mounts ----------------------------------------------------------------------------------

/** Mount points listed in /proc/mounts (octal escapes such as \040 decoded). */
function mountPoints(): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((p): p is string => p !== undefined && p !== '')
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** Mount points at `dir` or below it, deepest first. */
export function mountsUnder(dir: string): string[] {
  return mountPoints()
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything mounted at or under `parentDir` (a crashed test's leftovers); returns what it unmounted. */
export async function cleanupStaleMounts(parentDir: string): Promise<string[]> {
  if (!existsSync(parentDir)) return [];
  const dir = await realpath(parentDir);
  const done: string[] = [];
  for (let round = 0; round < 5; round++) {
    const left = mountsUnder(dir);
    if (left.length === 0) return done;
    for (const m of left) {
      // A busy mount cannot be unmounted at once; detaching it lazily still removes it from the tree.
      await runCommand('umount', [m]).catch(() => runCommand('umount', ['-l', m]));
      done.push(m);
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`cannot unmount under ${dir}: ${left.join(', ')}`);
  return done;
}

/** Unmounts what is left under `dir`, then deletes it without ever crossing into another file system. */
async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await cleanupStaleMounts(dir);
  await runCommand('rm', ['-rf', '--one-file-system', '--', dir]);
}

/** Runs `fn` with /proc mounted in `root` (and the host's /dev bound when root has no device nodes); always unmounts. */
/**
 * Mounts /proc (and /dev when the image has no device nodes) into the chroot for as long as a
 * test needs it — an agent installing packages inside needs them; returns the unmount.
 */
export async function mountSystem(root: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let ready!: () => void;
  const mounted = new Promise<void>((r) => (ready = r));
  const done = withMounts(root, async () => {
    ready();
    await held;
  });
  await Promise.race([mounted, done]);
  return async () => {
    release();
    await done;
  };
}

async function withMounts<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const mounted: string[] = [];
  try {
    const proc = path.join(root, 'proc');
    if (!mountsUnder(proc).includes(proc)) {
      await runCommand('mount', ['-t', 'proc', 'proc', proc]);
      mounted.push(proc);
    }
    const dev = path.join(root, 'dev');
    const devNull = path.join(dev, 'null');
    if (!(existsSync(devNull) && statSync(devNull).isCharacterDevice()) && !mountsUnder(dev).includes(dev)) {
      await runCommand('mount', ['--bind', '/dev', dev]);
      mounted.push(dev);
    }
    return await fn();
  } finally {
    for (const m of mounted.reverse()) await cleanupStaleMounts(m);
  }
}

// ---- file lock -------------------------------------------------------------------------------

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock's holder is gone (dead pid on this host, or an unreadable lock older than a minute). */
async function isStaleLock(lockPath: string): Promise<boolean> {
  const text = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (text === undefined) return false; // released meanwhile: just retry
  const [pid, host] = text.split('\n');
  if (pid !== undefined && /^\d+$/.test(pid) && host === hostname()) return !isAlive(Number(pid));
  const age = Date.now() - (await stat(lockPath).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
  return age > MINUTE;
}

/** Runs `fn` holding an exclusive lock file (created with O_EXCL); waits for a live holder, takes over a dead one's. */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: { waitMs?: number; log?: (line: string) => void } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.waitMs ?? 15 * MINUTE);
  let told = false;
  for (;;) {
    try {
      const handle = await open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      await handle.writeFile(`${process.pid}\n${hostname()}\n${new Date().toISOString()}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStaleLock(lockPath)) {
      opts.log?.(`removing stale lock ${lockPath}`);
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockPath}`);
    if (!told) opts.log?.(`waiting for ${lockPath} (another process is building)`);
    told = true;
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

// ---- base image ------------------------------------------------------------------------------

/** The base image: the tarball and when it was built. */
export interface BaseImage {
  tarball: string;
  builtAt: Date;
  /** False when this call built it. */
  reused: boolean;
}

/** Options of ensureBaseImage. */
export interface BaseImageOptions {
  /** Rebuild when the image is older: its package lists go stale, and the security archive drops old versions. Default 1 day. */
  maxAgeMs?: number;
  mirror?: string;
  now?: () => Date;
  log?: (line: string) => void;
}

interface Marker {
  format: number;
  suite: string;
  mirror: string;
  builtAt: string;
}

const stderrLog = (line: string): void => void process.stderr.write(`debian-machines: ${line}\n`);

async function readImage(cacheDir: string, mirror: string, maxAgeMs: number, now: Date): Promise<Date | undefined> {
  const text = await readFile(path.join(cacheDir, MARKER), 'utf8').catch(() => undefined);
  if (text === undefined || !existsSync(path.join(cacheDir, TARBALL))) return undefined;
  try {
    const m = JSON.parse(text) as Marker;
    const builtAt = new Date(m.builtAt);
    const fresh = now.getTime() - builtAt.getTime() < maxAgeMs;
    return m.format === IMAGE_FORMAT && m.suite === SUITE && m.mirror === mirror && fresh ? builtAt : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the base minbase bookworm image once (under a lock) and reuses it while fresh; see the module comment. */
export async function ensureBaseImage(cacheDir = DEFAULT_CACHE_DIR, opts: BaseImageOptions = {}): Promise<BaseImage> {
  const { maxAgeMs = DAY, mirror = DEBIAN_MIRROR, now = () => new Date(), log = stderrLog } = opts;
  await mkdir(cacheDir, { recursive: true });
  const tarball = path.join(cacheDir, TARBALL);
  const ready = await readImage(cacheDir, mirror, maxAgeMs, now());
  if (ready) return { tarball, builtAt: ready, reused: true };
  return withFileLock(
    path.join(cacheDir, 'build.lock'),
    async () => {
      const built = await readImage(cacheDir, mirror, maxAgeMs, now()); // another process may have built it meanwhile
      if (built) return { tarball, builtAt: built, reused: true };
      const builtAt = await buildBaseImage(cacheDir, mirror, now, log);
      return { tarball, builtAt, reused: false };
    },
    { log },
  );
}

async function buildBaseImage(
  cacheDir: string,
  mirror: string,
  now: () => Date,
  log: (line: string) => void,
): Promise<Date> {
  // We hold the lock: whatever a crashed build left here is garbage. The marker goes first, so a
  // half-replaced tarball is never taken for an image.
  await rm(path.join(cacheDir, MARKER), { force: true });
  for (const name of await readdir(cacheDir)) {
    if (name.startsWith('build-') || name.includes('.partial')) await removeTree(path.join(cacheDir, name));
  }
  const work = path.join(await realpath(cacheDir), `build-${process.pid}`);
  const root = path.join(work, 'root');
  const started = Date.now();
  const step = (what: string): void => log(`${what} (${Math.round((Date.now() - started) / 1000)} s)`);
  try {
    await mkdir(work);
    step(
      `building the base image: debootstrap --variant=minbase ${SUITE} from ${mirror} (30–90 s, depending on the network)`,
    );
    await runCommand('debootstrap', ['--variant=minbase', SUITE, root, mirror], { timeoutMs: 15 * MINUTE });
    step('debootstrap done; configuring apt sources and running apt-get update');
    await rm(path.join(root, 'etc/apt/sources.list'), { force: true });
    await writeFile(path.join(root, 'etc/apt/sources.list.d/debian.sources'), APT_SOURCES);
    await withMounts(root, () => runCommand('chroot', [root, 'apt-get', 'update']));
    step('packing the image');
    const partial = `${path.join(cacheDir, TARBALL)}.partial`;
    await runCommand('tar', ['-C', root, '--numeric-owner', '-cf', partial, '.']);
    await rename(partial, path.join(cacheDir, TARBALL));
    const builtAt = now();
    const marker: Marker = { format: IMAGE_FORMAT, suite: SUITE, mirror, builtAt: builtAt.toISOString() };
    await writeFile(`${path.join(cacheDir, MARKER)}.partial`, `${JSON.stringify(marker, null, 2)}\n`);
    await rename(`${path.join(cacheDir, MARKER)}.partial`, path.join(cacheDir, MARKER));
    step(`base image ready: ${path.join(cacheDir, TARBALL)}`);
    return builtAt;
  } catch (err) {
    step('base image build failed; removing what it made');
    await rm(path.join(cacheDir, `${TARBALL}.partial`), { force: true });
    throw err;
  } finally {
    await removeTree(work);
  }
}

// ---- machines --------------------------------------------------------------------------------

/** A Debian 12 chroot made from the base image. */
export interface DebianMachine {
  /** Absolute path of the machine's root directory. */
  readonly root: string;
  readonly name: string;
  /** `apt-get -y upgrade` inside (with /proc mounted for the duration); resolves with its stdout. */
  aptUpgrade(): Promise<string>;
  /** Names of the packages `apt list --upgradable` shows inside, sorted. */
  upgradable(): Promise<string[]>;
  /** The installed version of `pkg`, or undefined when it is not installed. */
  dpkgVersion(pkg: string): Promise<string | undefined>;
  /** Unmounts whatever is still mounted under the root, then deletes it. */
  destroy(): Promise<void>;
}

const HOSTNAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?$/;

/** Extracts the base image (built if needed, from `opts.cacheDir`) into `parentDir/name`, with `name` as its hostname. */
export async function createDebianMachine(
  name: string,
  parentDir: string,
  opts: { cacheDir?: string } = {},
): Promise<DebianMachine> {
  if (!HOSTNAME.test(name)) throw new Error(`machine name must be a host name (a-z, 0-9, -): ${JSON.stringify(name)}`);
  const { tarball } = await ensureBaseImage(opts.cacheDir ?? DEFAULT_CACHE_DIR);
  const root = path.join(await realpath(parentDir), name);
  await mkdir(root); // fails when it exists: never extract over another machine
  try {
    await runCommand('tar', ['-C', root, '--numeric-owner', '--same-owner', '-xpf', tarball], {
      timeoutMs: 5 * MINUTE,
    });
    await writeFile(path.join(root, 'etc/hostname'), `${name}\n`);
  } catch (err) {
    await removeTree(root);
    throw err;
  }
  return machineAt(root, name);
}

function machineAt(root: string, name: string): DebianMachine {
  // Operations on one machine run one at a time, so one's unmount never pulls /proc from under another.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const chroot = (args: string[]) => runCommand('chroot', [root, ...args]);
  return {
    root,
    name,
    aptUpgrade: () =>
      serial(
        async () =>
          (await withMounts(root, () => chroot(['apt-get', '-y', '-o', 'Dpkg::Options::=--force-confold', 'upgrade'])))
            .stdout,
      ),
    upgradable: () =>
      serial(async () => {
        const { stdout } = await chroot(['apt', 'list', '--upgradable']);
        return parseUpgradable(stdout).map((u) => u.name);
      }),
    dpkgVersion: (pkg) =>
      serial(async () => {
        if (!PACKAGE.test(pkg)) throw new Error(`not a Debian package name: ${JSON.stringify(pkg)}`);
        const { stdout } = await chroot(['dpkg-query', '-W', '-f=${db:Status-Status} ${Version}\n', pkg]).catch(
          (err: unknown) => {
            if (err instanceof MachineCommandError && /no packages found/i.test(err.stderrTail)) return { stdout: '' };
            throw err;
          },
        );
        const [status, version] = stdout.trim().split(' ');
        return status === 'installed' ? version : undefined;
      }),
    destroy: () => serial(() => removeTree(root)),
  };
}

/** One line of `apt list --upgradable`. */
export interface UpgradableLine {
  name: string;
  suite: string;
  to: string;
  from: string;
}

/** Parses `apt list --upgradable` output ("Listing..." and other lines are skipped), sorted by name. */
export function parseUpgradable(text: string): UpgradableLine[] {
  return text
    .split('\n')
    .map((l) => /^([^/\s]+)\/(\S+) (\S+) \S+ \[upgradable from: ([^\]]+)\]$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, suite: m[2]!, to: m[3]!, from: m[4]! }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Why debian machines cannot be made here (not root, no debootstrap, mirror unreachable), or undefined when they can. */
export async function whyNoDebianMachines(mirror = DEBIAN_MIRROR): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root (debootstrap, chroot and mount need root)';
  if (!['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].some((p) => existsSync(p)))
    return 'debootstrap is not installed';
  try {
    const res = await fetch(`${mirror}/dists/${SUITE}/InRelease`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(15_000),
    });
    return res.ok ? undefined : `${mirror} answered HTTP ${res.status}`;
  } catch (err) {
    return `${mirror} is not reachable (${(err as Error).message})`;
  }
}
