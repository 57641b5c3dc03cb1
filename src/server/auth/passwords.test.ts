import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  generatePassword,
  hashPassword,
  verifyAgainstDummy,
  verifyPassword,
  type ScryptParams,
} from './passwords.js';

const light: ScryptParams = { ln: 10, r: 8, p: 1 };

describe('passwords', () => {
  it('stores a self-describing salted hash that verifies the password and nothing else', async () => {
    const stored = await hashPassword('correct horse battery', light);
    expect(stored).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await hashPassword('correct horse battery', light)).not.toBe(stored);
    expect(await verifyPassword('correct horse battery', stored, light)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword('correct horse batterY', stored, light)).toEqual({ ok: false, needsRehash: false });
  });

  it('asks for a rehash when the parameters changed, and only on a match', async () => {
    const stored = await hashPassword('correct horse battery', light);
    const current: ScryptParams = { ln: 11, r: 8, p: 1 };
    expect(await verifyPassword('correct horse battery', stored, current)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('wrong horse battery', stored, current)).toEqual({ ok: false, needsRehash: false });
  });

  it('never matches a malformed or out-of-bounds stored hash', async () => {
    for (const bad of [
      '',
      'plain',
      '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      '$argon2id$v=19$x$y',
    ])
      expect((await verifyPassword('whatever password', bad)).ok).toBe(false);
  });

  it('normalises (NFKC) so the same password typed differently matches', async () => {
    const stored = await hashPassword('ﬁle cabinet twelve', light);
    expect((await verifyPassword('file cabinet twelve', stored, light)).ok).toBe(true);
  });

  it('the dummy verification costs the time of a real one and never throws', async () => {
    await expect(verifyAgainstDummy('anything at all', light)).resolves.toBeUndefined();
  });

  it('policy: 12 to 1024 characters, not the user name', () => {
    expect(() => checkPasswordPolicy('short', 'alice')).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    expect(() => checkPasswordPolicy('x'.repeat(1025), 'alice')).toThrow(/at most 1024/);
    expect(() => checkPasswordPolicy('administrator1', 'Administrator1')).toThrow(/user name/);
    expect(() => checkPasswordPolicy('a long enough pass', 'alice')).not.toThrow();
    expect(() => checkPasswordPolicy(generatePassword(), 'alice')).not.toThrow();
  });
});
