import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeServerCert, makeTestCa, type TestServerCert } from '../../test/support/test-pki.js';
import { readTlsMaterial } from './tls.js';

describe('readTlsMaterial', () => {
  let dir: string;
  let a: TestServerCert;
  let b: TestServerCert;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'patchhive-tls-unit-'));
    const ca = makeTestCa(dir);
    a = makeServerCert(ca, 'a', 0x0a0a);
    b = makeServerCert(ca, 'b', 0x0b0b);
    await chmod(a.keyFile, 0o600);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads a matching certificate and key; reports the leaf and whether the key file is private', async () => {
    const m = await readTlsMaterial({ certFile: a.certFile, keyFile: a.keyFile });
    expect(m.leaf.serialNumber).toBe(a.serial);
    expect(m.leaf.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(m.keyPermissive).toBe(false);
    const open = path.join(dir, 'open.key');
    await copyFile(a.keyFile, open);
    await chmod(open, 0o644);
    expect((await readTlsMaterial({ certFile: a.certFile, keyFile: open })).keyPermissive).toBe(true);
  });

  it.each([
    [
      'a key of another certificate',
      () => ({ certFile: a.certFile, keyFile: b.keyFile }),
      /does not fit the certificate/,
    ],
    [
      'a missing certificate',
      () => ({ certFile: path.join(dir, 'none.pem'), keyFile: a.keyFile }),
      /cannot read the TLS certificate file \(ENOENT\)/,
    ],
    [
      'a missing key',
      () => ({ certFile: a.certFile, keyFile: path.join(dir, 'none.key') }),
      /cannot read the TLS key file \(ENOENT\)/,
    ],
    [
      'a certificate file without a certificate',
      () => ({ certFile: a.keyFile, keyFile: a.keyFile }),
      /holds no PEM certificate/,
    ],
  ])('refuses %s (E_CONFIG_INVALID, no key text in the message)', async (_what, files, message) => {
    const err = await readTlsMaterial(files()).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'E_CONFIG_INVALID', message: expect.stringMatching(message) });
    expect((err as Error).message).not.toMatch(/PRIVATE KEY/);
  });

  it('refuses a garbage key file', async () => {
    const bad = path.join(dir, 'garbage.key');
    await writeFile(bad, 'not a key\n');
    await expect(readTlsMaterial({ certFile: a.certFile, keyFile: bad })).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringMatching(/does not fit the certificate or cannot be read/),
    });
  });
});
