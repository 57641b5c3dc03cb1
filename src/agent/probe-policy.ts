/**
 * Which probe paths the agent may read (pure). The agent runs as root, so it reads only what a
 * catalog plausibly needs and never a known secret: a refused probe is left out of the inventory
 * ("not collected"), never read.
 */
import path from 'node:path';

/** Where text-file probes may read (a prefix ending in "/" is a folder; otherwise the exact file). */
export const DEFAULT_TEXT_PROBE_ALLOW: readonly string[] = [
  '/etc/',
  '/usr/',
  '/opt/',
  '/var/lib/dpkg/',
  '/proc/version',
  '/boot/',
];

/** Pseudo file systems a file probe (exists/size/sha256) must not touch: /proc/kcore alone is all of memory. */
const FILE_PROBE_DENY_PREFIXES: readonly string[] = ['/proc/', '/sys/', '/dev/', '/run/'];

/** Folders whose every file is secret (private keys, credentials, Wi-Fi and VPN secrets). */
const SECRET_DIRS: readonly string[] = [
  '/etc/ssl/private/',
  '/etc/pki/tls/private/',
  '/etc/NetworkManager/system-connections/',
  '/etc/wireguard/',
  '/etc/sssd/',
  '/etc/patchhive-agent/',
  '/var/lib/patchhive-agent/',
  '/root/',
];

/** Known secret files (exact paths). */
const SECRET_FILES: ReadonlySet<string> = new Set([
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/security/opasswd',
  '/etc/krb5.keytab',
  '/etc/ppp/chap-secrets',
  '/etc/ppp/pap-secrets',
]);

export type ProbeKind = 'text' | 'file';

export type PathVerdict = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Normalises a probe path as the machine sees it: absolute POSIX, no NUL, "." and ".." folded
 * (so "/etc/../root/x" is judged as "/root/x"). Undefined for anything else (Windows paths too).
 */
export function normaliseProbePath(requested: string): string | undefined {
  if (!requested.startsWith('/') || requested.includes('\0')) return undefined;
  const norm = path.posix.normalize(requested);
  return norm.length > 1 && norm.endsWith('/') ? norm.slice(0, -1) : norm;
}

/** True for the files the agent never reads or hashes, whatever the server asks. */
export function isSecretPath(p: string): boolean {
  if (SECRET_FILES.has(p)) return true;
  if (SECRET_DIRS.some((dir) => p.startsWith(dir))) return true;
  const base = path.posix.basename(p);
  if (p.startsWith('/etc/ssh/') && base.toLowerCase().includes('key')) return true;
  if (/\.keytab$/i.test(base)) return true;
  return false;
}

/** True when `p` is under one of the allowed prefixes (a folder prefix ends in "/", else the exact file). */
export function isAllowedBy(p: string, allow: readonly string[]): boolean {
  return allow.some((a) => (a.endsWith('/') ? p.startsWith(a) : p === a));
}

/**
 * Judges one probe path (already resolved or as requested; the agent asks for both): text
 * probes need the allowlist, file probes avoid pseudo file systems; both refuse secrets.
 */
export function judgeProbePath(
  requested: string,
  kind: ProbeKind,
  textAllow: readonly string[] = DEFAULT_TEXT_PROBE_ALLOW,
): PathVerdict {
  const p = normaliseProbePath(requested);
  if (p === undefined) return { ok: false, reason: 'not an absolute POSIX path' };
  if (isSecretPath(p)) return { ok: false, reason: 'a secret file' };
  if (kind === 'text' && !isAllowedBy(p, textAllow)) return { ok: false, reason: 'outside the text-probe allowlist' };
  if (kind === 'file' && FILE_PROBE_DENY_PREFIXES.some((d) => p.startsWith(d) || p === d.slice(0, -1))) {
    return { ok: false, reason: 'a pseudo file system' };
  }
  return { ok: true, path: p };
}

/** True when `real` (an absolute, symlink-free path) is `rootReal` itself or below it. */
export function isInsideRoot(rootReal: string, real: string): boolean {
  if (rootReal === '/') return real.startsWith('/');
  return real === rootReal || real.startsWith(rootReal.endsWith('/') ? rootReal : `${rootReal}/`);
}

/** The machine's view of a host path below the root: "/srv/img/etc/x" under "/srv/img" → "/etc/x". */
export function pathInRoot(rootReal: string, real: string): string {
  if (rootReal === '/') return real;
  const rel = path.relative(rootReal, real);
  return `/${rel.split(path.sep).join('/')}`;
}
