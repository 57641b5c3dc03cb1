/** Which changes weaken a control, and who may decide a change request when. */
import { describe, expect, it } from 'vitest';
import { checkDecision, loosensApprovalRule, turnsSecondApproverOff } from './controls.js';

describe('turnsSecondApproverOff', () => {
  it.each([
    [true, { requiresSecondApprover: false }, true],
    [true, { requiresSecondApprover: true }, false],
    [true, {}, false],
    [false, { requiresSecondApprover: false }, false],
    [false, { requiresSecondApprover: true }, false],
  ])('on=%s, patch %j → %s', (on, patch, weakens) =>
    expect(turnsSecondApproverOff({ requiresSecondApprover: on }, patch)).toBe(weakens),
  );
});

describe('loosensApprovalRule', () => {
  it.each([
    [{ enabled: false }, false],
    [{}, false],
    [{ enabled: false, priority: undefined }, false],
    [{ enabled: true }, true],
    [{ enabled: false, priority: 1 }, true],
    [{ match: { severities: ['critical'] } }, true],
    [{ priority: 500 }, true],
    [{ reason: null }, true],
    [{ emergency: true }, true],
  ])('%j → %s', (patch, loosens) => expect(loosensApprovalRule(patch)).toBe(loosens));
});

describe('checkDecision', () => {
  const pending = { status: 'pending' as const, proposedBy: 'alice', expiresAt: '2026-12-08T00:00:00.000Z' };
  const now = '2026-12-07T00:00:00.000Z';
  it.each([
    ['bob approves', pending, 'bob', 'approve', { ok: true }],
    ['alice approves her own', pending, 'alice', 'approve', { ok: false, reason: 'own-change' }],
    ['alice withdraws her own', pending, 'alice', 'reject', { ok: true }],
    [
      'already approved',
      { ...pending, status: 'approved' as const },
      'bob',
      'approve',
      { ok: false, reason: 'not-pending' },
    ],
    ['rejected', { ...pending, status: 'rejected' as const }, 'bob', 'reject', { ok: false, reason: 'not-pending' }],
    ['expired exactly now', { ...pending, expiresAt: now }, 'bob', 'approve', { ok: false, reason: 'expired' }],
  ] as const)('%s', (_, change, user, decision, result) =>
    expect(checkDecision(change, user, decision, now)).toEqual(result),
  );
});
