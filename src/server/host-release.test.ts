import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_12_OS_RELEASE } from '../inventory/test-support.js';
import { hostDebianRelease } from './host-release.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'patchhive-host-release-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hostDebianRelease', () => {
  it.each([
    ['Debian 12', DEBIAN_12_OS_RELEASE, 'bookworm'],
    [
      'Ubuntu (its codenames are not Debian releases)',
      'ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n',
      undefined,
    ],
    ['Debian without a codename (sid images)', 'ID=debian\n', undefined],
    ['a codename that is not a word', 'ID=debian\nVERSION_CODENAME="../x"\n', undefined],
  ])('%s', async (name, text, want) => {
    const file = path.join(dir, name.replace(/\W+/g, '-'));
    await writeFile(file, text);
    expect(await hostDebianRelease(file)).toBe(want);
  });

  it('an unreadable file: undefined', async () => {
    expect(await hostDebianRelease(path.join(dir, 'absent'))).toBeUndefined();
  });
});
