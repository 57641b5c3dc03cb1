import { describe, expect, it } from 'vitest';
import { isInsideRoot, isSecretPath, judgeProbePath, normaliseProbePath, pathInRoot } from './probe-policy.js';

describe('normaliseProbePath', () => {
  it.each([
    ['/etc/debian_version', '/etc/debian_version'],
    ['/etc//./debian_version', '/etc/debian_version'],
    ['/etc/../root/.ssh/id_rsa', '/root/.ssh/id_rsa'],
    ['/../../etc/hostname', '/etc/hostname'],
    ['/usr/lib/', '/usr/lib'],
    ['/', '/'],
    ['etc/passwd', undefined],
    ['C:\\Windows\\System32\\ntdll.dll', undefined],
    ['%SystemRoot%\\x.dll', undefined],
    ['/etc/hostname\0.txt', undefined],
  ])('%j → %j', (input, expected) => {
    expect(normaliseProbePath(input)).toBe(expected);
  });
});

describe('judgeProbePath: text probes', () => {
  it.each([
    ['/etc/debian_version', true],
    ['/etc/os-release', true],
    ['/usr/lib/os-release', true],
    ['/opt/app/VERSION', true],
    ['/var/lib/dpkg/status', true],
    ['/proc/version', true],
    ['/boot/config-6.1.0-28-amd64', true],
    // outside the allowlist
    ['/proc/self/environ', false],
    ['/proc/versionx', false],
    ['/var/lib/dpkgx/status', false],
    ['/home/alice/.bash_history', false],
    ['/root/.ssh/id_ed25519', false],
    ['/var/log/auth.log', false],
    ['/tmp/x', false],
    ['/etc', false],
    // known secrets, although under /etc/
    ['/etc/shadow', false],
    ['/etc/shadow-', false],
    ['/etc/gshadow', false],
    ['/etc/ssh/ssh_host_ed25519_key', false],
    ['/etc/ssh/ssh_host_rsa_key.pub', false],
    ['/etc/ssh/sshd_config.d/../ssh_host_rsa_key', false],
    ['/etc/ssl/private/server.key', false],
    ['/etc/ssl/private/server.pem', false],
    ['/etc/krb5.keytab', false],
    ['/etc/ssh/sshd_config', true],
    ['/etc/ssl/certs/ca-certificates.crt', true],
    // dot-dot cannot smuggle a path past the checks
    ['/etc/../etc/shadow', false],
    ['/usr/../home/alice/notes', false],
    ['relative/path', false],
  ])('%s → allowed %s', (p, ok) => {
    expect(judgeProbePath(p, 'text').ok).toBe(ok);
  });

  it('a custom allowlist replaces the default; exact entries match only themselves', () => {
    expect(judgeProbePath('/srv/app/VERSION', 'text', ['/srv/app/VERSION']).ok).toBe(true);
    expect(judgeProbePath('/srv/app/VERSION.bak', 'text', ['/srv/app/VERSION']).ok).toBe(false);
    expect(judgeProbePath('/etc/hostname', 'text', ['/srv/']).ok).toBe(false);
  });

  it('says why a path is refused', () => {
    expect(judgeProbePath('/etc/shadow', 'text')).toEqual({ ok: false, reason: 'a secret file' });
    expect(judgeProbePath('/home/a', 'text')).toEqual({ ok: false, reason: 'outside the text-probe allowlist' });
  });
});

describe('judgeProbePath: file probes (exists, size, sha256)', () => {
  it.each([
    ['/usr/lib/x86_64-linux-gnu/libssl.so.3', true],
    ['/usr/sbin/sshd', true],
    ['/lib/modules/6.1.0/modules.dep', true],
    ['/home/alice/bin/tool', true],
    ['/proc/kcore', false],
    ['/proc', false],
    ['/sys/firmware/efi/efivars/x', false],
    ['/dev/sda', false],
    ['/run/secrets/db', false],
    ['/etc/shadow', false],
    ['/etc/ssh/ssh_host_ecdsa_key', false],
    ['/var/lib/patchhive-agent/agent.json', false],
    ['/root/.bashrc', false],
  ])('%s → allowed %s', (p, ok) => {
    expect(judgeProbePath(p, 'file').ok).toBe(ok);
  });
});

describe('isSecretPath', () => {
  it('matches ssh key files by name only inside /etc/ssh', () => {
    expect(isSecretPath('/etc/ssh/ssh_host_dsa_key')).toBe(true);
    expect(isSecretPath('/usr/share/doc/keyutils/README')).toBe(false);
  });
});

describe('isInsideRoot / pathInRoot', () => {
  it.each([
    ['/srv/img', '/srv/img/etc/hostname', true],
    ['/srv/img', '/srv/img', true],
    ['/srv/img', '/srv/img2/etc/hostname', false],
    ['/srv/img', '/srv/etc/hostname', false],
    ['/srv/img', '/etc/shadow', false],
    ['/', '/etc/shadow', true],
  ])('root %s, %s → %s', (root, real, inside) => {
    expect(isInsideRoot(root, real)).toBe(inside);
  });

  it("maps a host path below the root to the machine's view", () => {
    expect(pathInRoot('/srv/img', '/srv/img/etc/shadow')).toBe('/etc/shadow');
    expect(pathInRoot('/srv/img', '/srv/img')).toBe('/');
    expect(pathInRoot('/', '/etc/hostname')).toBe('/etc/hostname');
  });
});
