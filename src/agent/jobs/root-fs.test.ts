import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import { writeFileAtomic } from '../../common/atomic-write.js';
import { isInsideRoot, resolveInRoot } from './root-fs.js';

afterAll(removeRoots);

describe('resolveInRoot', () => {
  it('follows symlinks as a chroot would: absolute targets restart at the root, ".." stops at it', async () => {
    const root = await makeRoot({ 'run/reboot-required': '', 'etc/real.conf': 'x' });
    await mkdir(path.join(root, 'var'));
    await symlink('/run', path.join(root, 'var/run')); // Debian's own link: must not reach the host's /run
    await symlink('../../../../../../etc/passwd', path.join(root, 'etc/escape'));
    await symlink('real.conf', path.join(root, 'etc/link.conf'));
    expect(await resolveInRoot(root, '/var/run/reboot-required')).toBe(path.join(root, 'run/reboot-required'));
    expect(await resolveInRoot(root, '/etc/escape')).toBe(path.join(root, 'etc/passwd'));
    expect(await resolveInRoot(root, '/etc/link.conf')).toBe(path.join(root, 'etc/real.conf'));
    expect(await resolveInRoot(root, '/no/such/file')).toBe(path.join(root, 'no/such/file'));
    expect(isInsideRoot(root, await resolveInRoot(root, '/../../etc/escape'))).toBe(true);
  });

  it('a symlink loop is an error', async () => {
    const root = await makeRoot({});
    await symlink('/b', path.join(root, 'a'));
    await symlink('/a', path.join(root, 'b'));
    await expect(resolveInRoot(root, '/a/x')).rejects.toMatchObject({ code: 'E_INPUT_MALFORMED' });
  });
});

describe('writeFileAtomic with an exact mode', () => {
  it('writes atomically with the exact mode, whatever the umask', async () => {
    const root = await makeRoot({ 'f.conf': 'old' });
    const file = path.join(root, 'f.conf');
    await writeFileAtomic(file, 'new', { mode: 0o666 });
    expect(await readFile(file, 'utf8')).toBe('new');
    expect((await stat(file)).mode & 0o7777).toBe(0o666);
    await writeFile(path.join(root, 'other'), 'x');
    await expect(writeFileAtomic(path.join(root, 'missing-dir/f'), 'x', { mode: 0o644 })).rejects.toMatchObject({
      code: 'E_OUTPUT_FAILED',
    });
  });
});
