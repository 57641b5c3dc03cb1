/**
 * dnf/rpm as a PackageBackend: exact NEVRA installs (`dnf -y install name-[epoch:]version-release`),
 * the replaced versions kept with `dnf download --destdir`, rollback by downgrading to (or
 * installing) the kept rpms, and rpm's database as the judge.
 *
 * Not run on this project's test machines (Debian, no dnf): its argv and the interpretation of
 * rpm's answers are unit-tested with a fake runner only.
 */
import type { PackageVersion } from './outcome.js';
import type { InstalledPackage, PackageBackend } from './packages.js';
import { FIXED_PATH } from './runner.js';

const DNF = '/usr/bin/dnf';
const RPM = '/usr/bin/rpm';
const QUERY_FORMAT = '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n';

/** "1.2-3" and "0:1.2-3" are the same rpm version (epoch 0). */
function withEpoch(v: string): string {
  return /^[0-9]+:/.test(v) ? v : `0:${v}`;
}

/** Parses `rpm -q --qf '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\n'`; "package x is not installed" lines are skipped. */
export function parseRpmQuery(stdout: string, names: readonly string[]): Map<string, InstalledPackage> {
  const wanted = new Set(names);
  const out = new Map<string, InstalledPackage>();
  for (const line of stdout.split('\n')) {
    const [name, version] = line.split('\t');
    // several installed versions (kernels): the last listed is the newest install
    if (name !== undefined && version && wanted.has(name)) out.set(name, { version, ok: true });
  }
  return out;
}

/** Why a dnf transaction failed: the scriptlet that failed, or dnf's "Error:" line. */
export function describeDnfFailure(log: string): string | null {
  const scriptlet = /Error in (\S+) scriptlet in rpm package (\S+)/.exec(log);
  if (scriptlet) return `the ${scriptlet[1]} scriptlet of ${scriptlet[2]} failed`;
  const err = log.split('\n').find((l) => l.startsWith('Error:'));
  return err ? err.slice(6).trim().slice(0, 300) : null;
}

const nevra = (p: PackageVersion) => `${p.name}-${p.version}`;

export const dnfBackend: PackageBackend = {
  manager: 'dnf',
  queryArgv: (names) => [RPM, '-q', '--qf', QUERY_FORMAT, '--', ...names],
  // rpm -q exits with the number of packages not installed
  queryExitOk: (code) => code !== null,
  parseQuery: parseRpmQuery,
  sameVersion: (a, b) => withEpoch(a) === withEpoch(b),
  keepArgv: (p, dir) => [DNF, 'download', '--destdir', dir, nevra(p)],
  keptSuffix: '.rpm',
  identityArgv: (file) => [RPM, '-qp', '--qf', QUERY_FORMAT, file],
  parseIdentity: (stdout) => {
    const [name, version] = (stdout.split('\n')[0] ?? '').split('\t');
    return name && version ? { name, version } : null;
  },
  installArgv: (pkgs) => [DNF, '-y', 'install', ...pkgs.map(nevra)],
  rollbackArgvs: (files) => {
    const downgrade = files.filter((f) => f.installedNow).map((f) => f.file);
    const install = files.filter((f) => !f.installedNow).map((f) => f.file);
    return [
      ...(downgrade.length ? [[DNF, '-y', 'downgrade', ...downgrade]] : []),
      ...(install.length ? [[DNF, '-y', 'install', ...install]] : []),
    ];
  },
  removeArgv: (names) => [DNF, '-y', 'remove', ...names],
  env: { LC_ALL: 'C', PATH: FIXED_PATH },
  lockFiles: ['/var/lib/rpm/.rpm.lock', '/usr/lib/sysimage/rpm/.rpm.lock'],
  describeInstallFailure: describeDnfFailure,
};
