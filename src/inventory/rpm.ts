/**
 * The rpm collector. Packages come from `rpm -qa --qf RPM_QUERY_FORMAT`, run here or saved on a
 * machine we cannot reach; the format is documented in docs/INVENTORY.md.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { PatchhiveError } from '../errors.js';
import { checkCollected, nameFromFile, type OsOverrides } from './collect-common.js';
import { readInputText } from '../common/json-input.js';
import { INVENTORY_SCHEMA_ID, type InstalledPackage, type Inventory } from './model.js';
import { isLocal, readOsFacts, thisMachine, type LocalMachine, type OsFacts } from './os-facts.js';

/**
 * One package per line, six tab-separated fields: NAME, EPOCH ("(none)" when unset), VERSION,
 * RELEASE, ARCH, SOURCERPM. rpm itself turns the \t and \n escapes into tab and newline.
 */
export const RPM_QUERY_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n';

const MAX_RPM_LINE = 64 * 1024;
const NONE = '(none)';
const BINARY_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Splits "openssl-3.0.7-27.el9.src.rpm" into source name and VERSION-RELEASE (split at the last two dashes). */
function parseSourceRpm(srpm: string): { name: string; version: string } | undefined {
  const suffix = srpm.endsWith('.nosrc.rpm') ? 10 : srpm.endsWith('.src.rpm') ? 8 : 0;
  if (!suffix) return undefined;
  const base = srpm.slice(0, -suffix);
  const r = base.lastIndexOf('-');
  const v = r > 0 ? base.lastIndexOf('-', r - 1) : -1;
  if (v <= 0 || r - v < 2 || r === base.length - 1) return undefined;
  return { name: base.slice(0, v), version: base.slice(v + 1) };
}

/** Parses `rpm -qa --qf RPM_QUERY_FORMAT` output; a bad line → E_INPUT_MALFORMED at file:line. */
export function parseRpmQa(text: string, file?: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  let lineNo = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const fail = (msg: string): PatchhiveError => new PatchhiveError('E_INPUT_MALFORMED', msg, { file, line: lineNo });
    if (end - start > MAX_RPM_LINE) throw fail(`line is ${end - start} characters long (limit ${MAX_RPM_LINE})`);
    const line = text.slice(start, text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    if (line.trim() === '') continue;
    if (BINARY_CHAR.test(line)) throw fail('binary data; not rpm -qa output');
    const f = line.split('\t');
    if (f.length !== 6)
      throw fail(`expected 6 tab-separated fields (NAME EPOCH VERSION RELEASE ARCH SOURCERPM), got ${f.length}`);
    const [name, epoch, version, release, arch, srpm] = f as [string, string, string, string, string, string];
    if (!name || !version || !release) throw fail('NAME, VERSION and RELEASE must not be empty');
    if (epoch !== NONE && !/^\d+$/.test(epoch))
      throw fail(`EPOCH "${epoch.slice(0, 40)}" is neither a number nor (none)`);
    const pkg: InstalledPackage = { name, version, release };
    if (epoch !== NONE) pkg.epoch = epoch;
    if (arch && arch !== NONE) pkg.arch = arch;
    // gpg-pubkey entries have no source rpm: they stand for themselves, like a dpkg package without Source.
    const src = srpm === NONE || srpm === '' ? { name, version: `${version}-${release}` } : parseSourceRpm(srpm);
    if (!src) throw fail(`SOURCERPM "${srpm.slice(0, 80)}" is not NAME-VERSION-RELEASE.src.rpm`);
    pkg.source = src.name;
    pkg.sourceVersion = src.version;
    out.push(pkg);
  }
  return out;
}

/** os-release IDs for the package that defines each distribution's release. */
const RELEASE_PACKAGES: Record<string, string> = {
  'redhat-release': 'rhel',
  'centos-stream-release': 'centos',
  'centos-release': 'centos',
  'rocky-release': 'rocky',
  'almalinux-release': 'almalinux',
  'oraclelinux-release': 'ol',
  'fedora-release-common': 'fedora',
  'system-release': 'amzn',
  'sles-release': 'sles',
};

/** Infers platform/release/arch from the package list: what a saved `rpm -qa` file can tell alone. */
export function inferRpmPlatform(pkgs: readonly InstalledPackage[]): {
  platform?: string;
  release?: string;
  version?: string;
  arch?: string;
} {
  const out: { platform?: string; release?: string; version?: string; arch?: string } = {};
  const rel = pkgs.find((p) => RELEASE_PACKAGES[p.name]);
  if (rel) {
    out.platform = RELEASE_PACKAGES[rel.name];
    out.version = rel.version;
    out.release = rel.version.split('.')[0];
  }
  const counts = new Map<string, number>();
  for (const p of pkgs) if (p.arch && p.arch !== 'noarch') counts.set(p.arch, (counts.get(p.arch) ?? 0) + 1);
  const kernel = pkgs.find((p) => (p.name === 'kernel' || p.name === 'kernel-core') && p.arch);
  const arch = kernel?.arch ?? [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (arch) out.arch = arch;
  return out;
}

/** Runs rpm locally (optionally on another root) with the documented query format. */
function runRpmQuery(root: string | undefined): Promise<string> {
  const args = [...(root && root !== '/' ? ['--root', root] : []), '-qa', '--qf', RPM_QUERY_FORMAT];
  return new Promise((resolve, reject) => {
    execFile(
      'rpm',
      args,
      { maxBuffer: 256 * 1024 * 1024, timeout: 300_000, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const why =
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'rpm is not installed'
            : String(stderr).trim().split('\n')[0] || err.message;
        reject(new PatchhiveError('E_COLLECT_FAILED', `rpm -qa failed: ${why}`, undefined, { cause: err }));
      },
    );
  });
}

export interface RpmCollectOptions {
  /** A saved `rpm -qa --qf RPM_QUERY_FORMAT` output; without it rpm runs here. */
  qaFile?: string;
  machineName?: string;
  now: Date;
  /** Where os-release is read (default: `root` when running rpm, none for a saved file). */
  osReleaseRoot?: string;
  /** System root for `rpm --root` (default `/`). */
  root?: string;
  overrides?: OsOverrides;
  local?: LocalMachine;
}

/** Collects the rpm packages (from `qaFile` or by running rpm) and the OS facts that can be known. */
export async function collectRpmInventory(opts: RpmCollectOptions): Promise<Inventory> {
  const local = opts.local ?? thisMachine;
  const source = opts.qaFile ?? 'rpm -qa';
  const root = path.resolve(opts.root ?? local.root);
  const text = opts.qaFile ? await readInputText(opts.qaFile) : await runRpmQuery(root);
  const packages = parseRpmQa(text, source);
  const factsRoot = opts.osReleaseRoot ?? (opts.qaFile ? undefined : root);
  const facts: OsFacts = factsRoot ? await readOsFacts(path.resolve(factsRoot), { local }) : { textFiles: [] };
  const inferred = inferRpmPlatform(packages);
  const o = opts.overrides ?? {};

  // os-release, when read, is the better witness; the package list fills in for a saved file alone.
  const known = facts.platform !== undefined;
  const os: Inventory['os'] = {
    family: 'unix',
    platform: o.platform ?? facts.platform ?? inferred.platform ?? 'unknown',
  };
  if (facts.name) os.name = facts.name;
  const release = o.release ?? (known ? facts.release : inferred.release);
  if (release) os.release = release;
  const codename = o.codename ?? facts.codename;
  if (codename) os.codename = codename;
  const version = known ? facts.version : inferred.version;
  if (version) os.version = version;
  // rpm names architectures like uname (x86_64), so dpkg's name for it is not used here.
  const arch = o.arch ?? inferred.arch ?? facts.kernel?.machine;
  if (arch) os.arch = arch;
  if (facts.kernel) os.kernel = facts.kernel;

  const machineName =
    opts.machineName ??
    (opts.qaFile ? nameFromFile(opts.qaFile) : isLocal(root, local) ? local.hostname() : path.basename(root));
  return checkCollected({
    schema: INVENTORY_SCHEMA_ID,
    machine: { name: machineName },
    collectedAt: opts.now.toISOString(),
    collector: 'rpm',
    os,
    packages: { manager: 'rpm', items: packages },
    textFiles: facts.textFiles,
  });
}
