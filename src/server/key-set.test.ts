import { describe, expect, it } from 'vitest';
import {
  activeKey,
  needsAnnouncement,
  retiredFingerprints,
  retireRetiring,
  retiringKey,
  rotateKeySet,
  shouldRetire,
  signingKeyFor,
  type KeySet,
} from './key-set.js';

const key = (n: string) => ({ fingerprint: `fp-${n}`, publicKeyPem: `pub-${n}`, privateKeyPem: `priv-${n}` });
const T0 = '2026-12-01T00:00:00.000Z';
const T1 = '2026-12-02T00:00:00.000Z';
const initial: KeySet = {
  changedAt: T0,
  keys: [{ ...key('a'), state: 'active', createdAt: T0, retiringSince: null, retiredAt: null }],
};

describe('job-signing key set', () => {
  it('rotates: the new key is active, the old one retiring; a second rotation waits', () => {
    const set = rotateKeySet(initial, key('b'), T1);
    expect(activeKey(set).fingerprint).toBe('fp-b');
    expect(retiringKey(set)).toMatchObject({ fingerprint: 'fp-a', retiringSince: T1 });
    expect(set.changedAt).toBe(T1);
    expect(() => rotateKeySet(set, key('c'), T1)).toThrow(expect.objectContaining({ code: 'E_CONFLICT' }));
    expect(initial.keys).toHaveLength(1); // pure: the input is untouched
  });

  it.each([
    { pinned: 'fp-a', signer: 'fp-a', announce: true },
    { pinned: 'fp-b', signer: 'fp-b', announce: false },
    { pinned: null, signer: 'fp-a', announce: true },
    { pinned: 'fp-unknown', signer: 'fp-b', announce: false },
  ])(
    'during a rotation an agent pinning $pinned gets jobs signed by $signer (announcement: $announce)',
    ({ pinned, signer, announce }) => {
      const set = rotateKeySet(initial, key('b'), T1);
      expect(signingKeyFor(set, pinned).fingerprint).toBe(signer);
      expect(needsAnnouncement(set, pinned)).toBe(announce);
    },
  );

  it('retired keys never sign; agents still on them get the active key (and must re-enroll)', () => {
    const set = retireRetiring(rotateKeySet(initial, key('b'), T1), '2026-12-03T00:00:00.000Z');
    expect(set.keys.map((k) => [k.fingerprint, k.state])).toEqual([
      ['fp-a', 'retired'],
      ['fp-b', 'active'],
    ]);
    expect(signingKeyFor(set, 'fp-a').fingerprint).toBe('fp-b');
    expect(signingKeyFor(set, null).fingerprint).toBe('fp-b');
    expect(needsAnnouncement(set, 'fp-a')).toBe(false);
    expect(retiredFingerprints(set)).toEqual(['fp-a']);
    expect(retireRetiring(set, T1)).toBe(set);
  });

  it.each([
    { left: 0, hours: 1, retire: true },
    { left: 3, hours: 1, retire: false },
    { left: 3, hours: 24, retire: true },
    { left: 3, hours: 30, retire: true },
  ])('retires when $left agents are left after $hours h (limit 24 h): $retire', ({ left, hours, retire }) => {
    const set = rotateKeySet(initial, key('b'), T0);
    const now = new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
    expect(shouldRetire(set, left, now, 24)).toBe(retire);
  });

  it('nothing to retire without a rotation', () => {
    expect(shouldRetire(initial, 0, T1, 24)).toBe(false);
  });
});
