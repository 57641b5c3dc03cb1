/**
 * apt/dpkg as a PackageBackend: exact `name=version` installs, the replaced versions kept with
 * `apt-get download`, rollback by installing the kept .debs, and dpkg's database as the judge.
 */
import type { PackageVersion } from './outcome.js';
import type { InstalledPackage, PackageBackend } from './packages.js';
import { FIXED_PATH } from './runner.js';

const APT_GET = '/usr/bin/apt-get';
const DPKG_QUERY = '/usr/bin/dpkg-query';
const DPKG_DEB = '/usr/bin/dpkg-deb';
const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=300'];
const KEEP_CONFIG = ['-o', 'Dpkg::Options::=--force-confold'];

/** "0:1.2" and "1.2" are the same dpkg version; anything else compares as written. */
function withoutZeroEpoch(v: string): string {
  return v.startsWith('0:') ? v.slice(2) : v;
}

/** Parses `dpkg-query -W -f='${Package}\t${binary:Package}\t${db:Status-Abbrev}\t${Version}\n'`. */
export function parseDpkgQuery(stdout: string, names: readonly string[]): Map<string, InstalledPackage> {
  const wanted = new Set(names);
  const out = new Map<string, InstalledPackage>();
  for (const line of stdout.split('\n')) {
    const [pkg, binary, abbrev, version] = line.split('\t');
    if (pkg === undefined || binary === undefined || abbrev === undefined || version === undefined || version === '')
      continue;
    // status is the abbreviation's 2nd letter: n not installed, c config-files only, i installed, others half-done
    const status = abbrev[1];
    if (status === 'n' || status === 'c' || status === undefined) continue;
    const entry = { version, ok: status === 'i' && (abbrev[2] ?? ' ') === ' ' };
    for (const name of [binary, pkg]) if (wanted.has(name) && !out.has(name)) out.set(name, entry);
  }
  return out;
}

/** The package whose maintainer script failed, from apt/dpkg output ("the post-installation script of foo exited 1"). */
export function describeAptFailure(log: string): string | null {
  const script =
    /(?:installed|new|old) (\S+) package (pre|post)-(installation|removal) script subprocess returned error exit status (\d+)/.exec(
      log,
    );
  if (script) return `the ${script[2]}-${script[3]} script of ${script[1]} exited ${script[4]}`;
  const err = log.split('\n').find((l) => l.startsWith('E: '));
  return err ? err.slice(3).trim().slice(0, 300) : null;
}

export const aptBackend: PackageBackend = {
  manager: 'apt',
  queryArgv: (names) => [
    DPKG_QUERY,
    '-W',
    '-f=${Package}\t${binary:Package}\t${db:Status-Abbrev}\t${Version}\n',
    '--',
    ...names,
  ],
  queryExitOk: (code) => code === 0 || code === 1,
  parseQuery: parseDpkgQuery,
  sameVersion: (a, b) => withoutZeroEpoch(a) === withoutZeroEpoch(b),
  // the kept directory is root's (0700); apt's _apt sandbox user could not write there
  keepArgv: (p: PackageVersion) => [APT_GET, '-o', 'APT::Sandbox::User=root', 'download', `${p.name}=${p.version}`],
  keptSuffix: '.deb',
  identityArgv: (file) => [DPKG_DEB, '-f', file, 'Package', 'Version'],
  parseIdentity: (stdout) => {
    const name = /^Package: (\S+)$/m.exec(stdout)?.[1];
    const version = /^Version: (\S+)$/m.exec(stdout)?.[1];
    return name && version ? { name, version } : null;
  },
  installArgv: (pkgs) => [
    APT_GET,
    'install',
    '-y',
    '--no-install-recommends',
    ...KEEP_CONFIG,
    ...LOCK_WAIT,
    ...pkgs.map((p) => `${p.name}=${p.version}`),
  ],
  rollbackArgvs: (files) => [
    [
      APT_GET,
      'install',
      '-y',
      '--allow-downgrades',
      '--no-install-recommends',
      ...KEEP_CONFIG,
      ...LOCK_WAIT,
      ...files.map((f) => f.file),
    ],
  ],
  removeArgv: (names) => [APT_GET, 'remove', '-y', ...LOCK_WAIT, '--', ...names],
  env: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C', PATH: FIXED_PATH, APT_LISTCHANGES_FRONTEND: 'none' },
  lockFiles: ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock'],
  describeInstallFailure: describeAptFailure,
};
