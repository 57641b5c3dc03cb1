import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmod, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../inventory/test-support.js';
import { collectProbes, MAX_TEXT_PROBE_BYTES } from './probes.js';

afterAll(removeRoots);

const text = (textFiles: string[]) => ({ files: [], registry: [], textFiles });
const files = (paths: string[]) => ({ files: paths, registry: [], textFiles: [] });
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('text-file probes inside a root', () => {
  it('reads an allowed file; a missing one is exists: false', async () => {
    const root = await makeRoot({ 'etc/debian_version': '12.15\n' });
    const r = await collectProbes(text(['/etc/debian_version', '/etc/nothing-here']), { root });
    expect(r.textFiles).toEqual([
      { path: '/etc/debian_version', exists: true, content: '12.15\n' },
      { path: '/etc/nothing-here', exists: false },
    ]);
  });

  it('an absolute symlink is followed inside the root, never to the host file', async () => {
    const root = await makeRoot({ 'etc/hostname': 'inside\n', 'usr/lib/os-release': 'ID=debian\n' });
    await symlink('/etc/hostname', path.join(root, 'etc/link-to-hostname'));
    await symlink('../usr/lib/os-release', path.join(root, 'etc/os-release'));
    const r = await collectProbes(text(['/etc/link-to-hostname', '/etc/os-release']), { root });
    expect(r.textFiles).toEqual([
      { path: '/etc/link-to-hostname', exists: true, content: 'inside\n' },
      { path: '/etc/os-release', exists: true, content: 'ID=debian\n' },
    ]);
  });

  it('a relative symlink climbing above the root stops at the root (like a chroot)', async () => {
    const root = await makeRoot({ 'etc/motd': 'hi\n' });
    await symlink('../../../../../../../../etc/passwd', path.join(root, 'etc/escape'));
    const r = await collectProbes(text(['/etc/escape', '/../../etc/passwd']), { root });
    // the host's /etc/passwd exists; the root has none
    expect(r.textFiles).toEqual([
      { path: '/etc/escape', exists: false },
      { path: '/etc/passwd', requested: '/../../etc/passwd', exists: false },
    ]);
  });

  it('a symlink chain too long for the in-root resolver is still refused when it really leads outside (realpath check)', async () => {
    const root = await makeRoot({ 'etc/motd': 'hi\n' });
    // l0 → l1 → … → l44 → /etc/passwd: the in-root resolver gives up after 40 hops; realpath then
    // resolves against the host and lands outside the root, which the prefix check must catch.
    for (let i = 0; i < 44; i++) await symlink(`l${i + 1}`, path.join(root, `etc/l${i}`));
    await symlink('/etc/passwd', path.join(root, 'etc/l44'));
    const r = await collectProbes({ files: ['/etc/l0'], registry: [], textFiles: ['/etc/l0'] }, { root });
    expect(r).toEqual({ files: [], textFiles: [] });
  });

  it('a symlink from an allowed path to a secret or a disallowed path is refused, not read', async () => {
    const root = await makeRoot({ 'etc/shadow': 'root:$6$secret:19000::::::\n', 'home/alice/notes': 'private\n' });
    await symlink('/etc/shadow', path.join(root, 'etc/innocent'));
    await symlink('../home/alice/notes', path.join(root, 'etc/notes'));
    const r = await collectProbes(text(['/etc/innocent', '/etc/notes', '/etc/shadow', '/home/alice/notes']), { root });
    expect(r.textFiles).toEqual([]);
  });

  it('only world-readable files are read', async () => {
    const root = await makeRoot({ 'etc/app/secret.conf': 'password=x\n', 'etc/app/public.conf': 'port=1\n' });
    await chmod(path.join(root, 'etc/app/secret.conf'), 0o640);
    const r = await collectProbes(text(['/etc/app/secret.conf', '/etc/app/public.conf']), { root });
    expect(r.textFiles).toEqual([{ path: '/etc/app/public.conf', exists: true, content: 'port=1\n' }]);
  });

  it('content is capped at 64 KiB; a directory or a FIFO is not a file (and does not hang)', async () => {
    const big = 'x'.repeat(MAX_TEXT_PROBE_BYTES + 100);
    const root = await makeRoot({ 'etc/big.txt': big, 'etc/dir/x': '' });
    execFileSync('mkfifo', [path.join(root, 'etc/fifo')]);
    const r = await collectProbes(text(['/etc/big.txt', '/etc/dir', '/etc/fifo']), { root });
    expect(r.textFiles.map((t) => [t.path, t.exists, t.content?.length])).toEqual([
      ['/etc/big.txt', true, MAX_TEXT_PROBE_BYTES],
      ['/etc/dir', false, undefined],
      ['/etc/fifo', false, undefined],
    ]);
  });

  it('the root may itself be reached through a symlink', async () => {
    const real = await makeRoot({ 'etc/debian_version': '12.15\n' });
    const holder = await makeRoot({});
    await symlink(real, path.join(holder, 'root-link'));
    const r = await collectProbes(text(['/etc/debian_version']), { root: path.join(holder, 'root-link') });
    expect(r.textFiles).toEqual([{ path: '/etc/debian_version', exists: true, content: '12.15\n' }]);
  });
});

describe('file probes', () => {
  it('exists, size and sha256; missing → exists: false; sorted and de-duplicated by normal form', async () => {
    const bin = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]);
    const root = await makeRoot({ 'usr/sbin/sshd': bin });
    const r = await collectProbes(files(['/usr/sbin/sshd', '/usr/bin/none', '/usr//sbin/sshd']), { root });
    expect(r.files).toEqual([
      { path: '/usr/bin/none', exists: false },
      { path: '/usr/sbin/sshd', exists: true, size: 8, sha256: sha256(bin) },
    ]);
  });

  it('a file only root may read is reported without its hash', async () => {
    const root = await makeRoot({ 'usr/lib/private.bin': 'abc' });
    await chmod(path.join(root, 'usr/lib/private.bin'), 0o600);
    const r = await collectProbes(files(['/usr/lib/private.bin']), { root });
    expect(r.files).toEqual([{ path: '/usr/lib/private.bin', exists: true, size: 3 }]);
  });

  it('secrets, pseudo file systems and non-POSIX paths are refused (omitted)', async () => {
    const root = await makeRoot({ 'etc/shadow': 'x', 'proc/kcore': 'x', 'etc/ssh/ssh_host_rsa_key': 'x' });
    const r = await collectProbes(
      files(['/etc/shadow', '/proc/kcore', '/etc/ssh/ssh_host_rsa_key', 'C:\\Windows\\x.dll']),
      { root },
    );
    expect(r.files).toEqual([]);
  });

  it('hashes a file larger than one read chunk', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const root = await makeRoot({ 'opt/app/big.bin': data });
    const r = await collectProbes(files(['/opt/app/big.bin']), { root });
    expect(r.files[0]).toEqual({ path: '/opt/app/big.bin', exists: true, size: data.length, sha256: sha256(data) });
  });

  it('registry probes are ignored on Linux', async () => {
    const root = await makeRoot({});
    const r = await collectProbes(
      { files: [], textFiles: [], registry: [{ hive: 'HKEY_LOCAL_MACHINE', key: 'SOFTWARE\\X', name: 'V' }] },
      { root },
    );
    expect(r).toEqual({ files: [], textFiles: [] });
  });

  it('the real machine root works too (read-only, allowed paths)', async () => {
    const r = await collectProbes(text(['/etc/passwd', '/etc/shadow']), { root: '/' });
    expect(r.textFiles).toHaveLength(1);
    expect(r.textFiles[0]).toMatchObject({
      path: '/etc/passwd',
      exists: true,
      content: await readFile('/etc/passwd', 'utf8'),
    });
  });
});
