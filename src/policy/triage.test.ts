import { describe, expect, it } from 'vitest';
import { PatchhiveError, type ErrorCode } from '../errors.js';
import type { Actor, TriageAction, TriageDecision, TriageState } from './model.js';
import {
  actorName,
  applyTriageAction,
  effectiveTriageState,
  emptyTriageDecision,
  type TriageContext,
} from './triage.js';

const KEY = { bulletinId: 'DSA-5678-1', groupId: 'web' };
const NOW = '2026-04-01T12:00:00.000Z';
const alice: Actor = { kind: 'user', user: 'alice', role: 'operator' };
const bob: Actor = { kind: 'user', user: 'bob', role: 'admin' };
const viewer: Actor = { kind: 'user', user: 'victor', role: 'viewer' };
const rule: Actor = { kind: 'rule', ruleId: 'r1', ruleName: 'auto-lab' };
const otherRule: Actor = { kind: 'rule', ruleId: 'r2', ruleName: 'auto-web' };
const system: Actor = { kind: 'system' };

function ctx(over: Partial<TriageContext> = {}): TriageContext {
  return { requiresSecondApprover: false, now: NOW, eventId: 'ev-1', ...over };
}

/** A stored decision in the given state (builder). */
function decision(state: TriageState, over: Partial<TriageDecision> = {}): TriageDecision {
  return {
    ...emptyTriageDecision(KEY, '2026-03-01T00:00:00.000Z'),
    state,
    reason: state === 'ignored' || state === 'declined' ? 'not exposed' : null,
    approvals: state === 'awaiting-second-approval' || state === 'approved' ? ['bob'] : [],
    updatedAt: '2026-03-02T00:00:00.000Z',
    updatedBy: 'bob',
    version: 3,
    ...over,
  };
}

/** The starting points of the table: no decision, each state, and three flavours of ignore. */
const STARTS: Record<string, TriageDecision | undefined> = {
  none: undefined,
  new: decision('new'),
  awaiting: decision('awaiting-second-approval'),
  approved: decision('approved'),
  ignored: decision('ignored'),
  'ignored-until-later': decision('ignored', { ignoreUntil: '2026-05-01T00:00:00.000Z' }),
  'ignored-expired': decision('ignored', { ignoreUntil: '2026-04-01T12:00:00.000Z' }),
  declined: decision('declined'),
};

/** A valid example of each action and who takes it in the table. */
const ACTIONS: Record<TriageAction['kind'], { action: TriageAction; actor: Actor }> = {
  approve: { action: { kind: 'approve' }, actor: alice },
  ignore: { action: { kind: 'ignore', reason: 'mitigated by WAF' }, actor: alice },
  decline: { action: { kind: 'decline', reason: 'breaks the app' }, actor: alice },
  reopen: { action: { kind: 'reopen' }, actor: alice },
  assign: { action: { kind: 'assign', owner: 'team-web' }, actor: alice },
  note: { action: { kind: 'note', text: 'checked with vendor' }, actor: alice },
  expire: { action: { kind: 'expire' }, actor: system },
};

type Outcome = TriageState | ErrorCode;
const T: ErrorCode = 'E_TRIAGE_TRANSITION';
/** Every (start × action) pair; `same` rows keep the start's state. */
const EXPECTED: Record<string, Record<TriageAction['kind'], Outcome | 'same'>> = {
  none: {
    approve: 'approved',
    ignore: 'ignored',
    decline: 'declined',
    reopen: T,
    assign: 'new',
    note: 'new',
    expire: T,
  },
  new: {
    approve: 'approved',
    ignore: 'ignored',
    decline: 'declined',
    reopen: T,
    assign: 'same',
    note: 'same',
    expire: T,
  },
  awaiting: {
    approve: 'approved',
    ignore: 'ignored',
    decline: 'declined',
    reopen: 'new',
    assign: 'same',
    note: 'same',
    expire: T,
  },
  approved: {
    approve: T,
    ignore: 'ignored',
    decline: 'declined',
    reopen: 'new',
    assign: 'same',
    note: 'same',
    expire: T,
  },
  ignored: { approve: T, ignore: T, decline: 'declined', reopen: 'new', assign: 'same', note: 'same', expire: T },
  'ignored-until-later': {
    approve: T,
    ignore: T,
    decline: 'declined',
    reopen: 'new',
    assign: 'same',
    note: 'same',
    expire: T,
  },
  'ignored-expired': {
    approve: T,
    ignore: T,
    decline: 'declined',
    reopen: 'new',
    assign: 'same',
    note: 'same',
    expire: 'new',
  },
  declined: { approve: T, ignore: T, decline: T, reopen: 'new', assign: 'same', note: 'same', expire: T },
};

function codeOf(fn: () => unknown): ErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (e instanceof PatchhiveError) return e.code;
    throw e;
  }
}

describe('applyTriageAction: every (state × action)', () => {
  const rows = Object.entries(EXPECTED).flatMap(([start, byAction]) =>
    Object.entries(byAction).map(([kind, outcome]) => ({ start, kind: kind as TriageAction['kind'], outcome })),
  );
  it.each(rows)('$start × $kind → $outcome', ({ start, kind, outcome }) => {
    const current = STARTS[start];
    const { action, actor } = ACTIONS[kind];
    const run = () => applyTriageAction(current, KEY, action, actor, ctx());
    if (outcome.startsWith('E_')) {
      expect(codeOf(run)).toBe(outcome);
      return;
    }
    const { decision: d, event } = run();
    expect(d.state).toBe(outcome === 'same' ? current?.state : outcome);
    expect(d.version).toBe((current?.version ?? 0) + 1);
    expect(d.updatedAt).toBe(NOW);
    expect(d.updatedBy).toBe(actorName(actor));
    expect(d.createdAt).toBe(current?.createdAt ?? NOW);
    expect(event).toMatchObject({
      id: 'ev-1',
      ...KEY,
      at: NOW,
      action: kind,
      fromState: current?.state ?? null,
      toState: d.state,
    });
  });

  it('names the way out in refusals', () => {
    expect(() => applyTriageAction(STARTS.ignored, KEY, ACTIONS.approve.action, alice, ctx())).toThrow(
      /reopen it first/,
    );
    expect(() => applyTriageAction(STARTS.declined, KEY, ACTIONS.approve.action, alice, ctx())).toThrow(
      /reopen it first/,
    );
    expect(() => applyTriageAction(STARTS.approved, KEY, ACTIONS.approve.action, alice, ctx())).toThrow(
      /already approved/,
    );
  });

  it('refuses a decision of another pair', () => {
    expect(
      codeOf(() => applyTriageAction(STARTS.new, { ...KEY, groupId: 'db' }, ACTIONS.note.action, alice, ctx())),
    ).toBe('E_INTERNAL');
  });
});

describe('applyTriageAction: roles', () => {
  const kinds = Object.keys(ACTIONS) as TriageAction['kind'][];
  it.each(kinds)('a viewer may not %s', (kind) => {
    for (const start of Object.values(STARTS)) {
      expect(codeOf(() => applyTriageAction(start, KEY, ACTIONS[kind].action, viewer, ctx()))).toBe('E_FORBIDDEN');
    }
  });

  it.each(['assign', 'note', 'reopen', 'expire'] as const)('a rule may not %s', (kind) => {
    expect(codeOf(() => applyTriageAction(STARTS['ignored-expired'], KEY, ACTIONS[kind].action, rule, ctx()))).toBe(
      'E_FORBIDDEN',
    );
  });

  it.each(['approve', 'ignore', 'decline'] as const)('a rule may %s', (kind) => {
    expect(applyTriageAction(STARTS.new, KEY, ACTIONS[kind].action, rule, ctx()).decision.updatedBy).toBe(
      'rule:auto-lab',
    );
  });

  it.each([alice, bob])('user $user may not expire, even an expired ignore', (user) => {
    expect(codeOf(() => applyTriageAction(STARTS['ignored-expired'], KEY, ACTIONS.expire.action, user, ctx()))).toBe(
      'E_FORBIDDEN',
    );
  });

  it.each(['approve', 'ignore', 'decline', 'reopen', 'assign', 'note'] as const)('the system may not %s', (kind) => {
    expect(codeOf(() => applyTriageAction(STARTS.approved, KEY, ACTIONS[kind].action, system, ctx()))).toBe(
      'E_FORBIDDEN',
    );
  });

  it('an admin may do what an operator may', () => {
    expect(applyTriageAction(STARTS.approved, KEY, { kind: 'reopen' }, bob, ctx()).decision.state).toBe('new');
  });
});

describe('applyTriageAction: second approver', () => {
  const two = ctx({ requiresSecondApprover: true });
  const approveBy = (d: TriageDecision | undefined, actor: Actor, c = two) =>
    applyTriageAction(d, KEY, { kind: 'approve' }, actor, c).decision;

  it('the first approval only gets it to awaiting', () => {
    const d = approveBy(undefined, alice);
    expect(d).toMatchObject({ state: 'awaiting-second-approval', approvals: ['alice'], version: 1 });
  });

  it('the same user twice is refused', () => {
    const d = approveBy(undefined, alice);
    expect(codeOf(() => approveBy(d, alice))).toBe('E_SECOND_APPROVER');
  });

  it('a different user completes the approval', () => {
    const d = approveBy(approveBy(undefined, alice), bob);
    expect(d).toMatchObject({ state: 'approved', approvals: ['alice', 'bob'], version: 2 });
  });

  it('a rule counts as one approval; a user then completes it', () => {
    const first = approveBy(undefined, rule);
    expect(first).toMatchObject({ state: 'awaiting-second-approval', approvals: ['rule:auto-lab'] });
    expect(approveBy(first, alice)).toMatchObject({ state: 'approved', approvals: ['rule:auto-lab', 'alice'] });
  });

  it('the same rule twice is refused; a user then a rule completes it', () => {
    expect(codeOf(() => approveBy(approveBy(undefined, rule), rule))).toBe('E_SECOND_APPROVER');
    expect(approveBy(approveBy(undefined, alice), otherRule).state).toBe('approved');
  });

  it("two different rules cannot complete it: one of the two approvals must be a person's", () => {
    expect(codeOf(() => approveBy(approveBy(undefined, rule), otherRule))).toBe('E_SECOND_APPROVER');
  });

  it('without the requirement one approval suffices, and a pending approval can be completed by its approver', () => {
    expect(approveBy(undefined, alice, ctx())).toMatchObject({ state: 'approved', approvals: ['alice'] });
    const pending = approveBy(undefined, alice);
    expect(approveBy(pending, alice, ctx())).toMatchObject({ state: 'approved', approvals: ['alice'] });
  });

  it('keeps the emergency flag of the first approval unless the second sets it', () => {
    const first = applyTriageAction(undefined, KEY, { kind: 'approve', emergency: true }, alice, two).decision;
    expect(first.emergency).toBe(true);
    expect(approveBy(first, bob).emergency).toBe(true);
    expect(applyTriageAction(first, KEY, { kind: 'approve', emergency: false }, bob, two).decision.emergency).toBe(
      false,
    );
  });
});

describe('expired ignores', () => {
  it('effectiveTriageState treats an ignore that has run out as new', () => {
    expect(effectiveTriageState(undefined, NOW)).toBe('new');
    expect(effectiveTriageState(STARTS.ignored, NOW)).toBe('ignored');
    expect(effectiveTriageState(STARTS['ignored-until-later'], NOW)).toBe('ignored');
    expect(effectiveTriageState(STARTS['ignored-expired'], NOW)).toBe('new'); // ignoreUntil == now
    expect(effectiveTriageState(STARTS['ignored-expired'], '2026-04-01T11:59:59.999Z')).toBe('ignored');
    expect(effectiveTriageState(STARTS.declined, '2099-01-01T00:00:00Z')).toBe('declined');
  });

  it('expire returns it to the queue and clears the ignore', () => {
    const { decision: d, event } = applyTriageAction(
      STARTS['ignored-until-later'],
      KEY,
      { kind: 'expire' },
      system,
      ctx({ now: '2026-05-01T00:00:00.000Z' }),
    );
    expect(d).toMatchObject({ state: 'new', reason: null, ignoreUntil: null, updatedBy: 'system', version: 4 });
    expect(event).toMatchObject({
      actor: 'system',
      action: 'expire',
      fromState: 'ignored',
      toState: 'new',
      detail: {},
    });
  });
});

describe('decision contents and history', () => {
  it('records an ignore with normalised until, appended note and the event detail', () => {
    const current = decision('approved', { notes: 'first note', emergency: true, owner: 'team-web' });
    const action: TriageAction = {
      kind: 'ignore',
      reason: '  mitigated by WAF ',
      until: '2026-06-01T02:00:00+02:00',
      note: 'see ticket 42',
    };
    const { decision: d, event } = applyTriageAction(current, KEY, action, alice, ctx({ eventId: 'ev-9' }));
    expect(d).toEqual({
      ...current,
      state: 'ignored',
      reason: 'mitigated by WAF',
      ignoreUntil: '2026-06-01T00:00:00.000Z',
      notes: 'first note\nsee ticket 42',
      approvals: [],
      emergency: false,
      updatedAt: NOW,
      updatedBy: 'alice',
      version: 4,
    });
    expect(event).toEqual({
      id: 'ev-9',
      ...KEY,
      at: NOW,
      actor: 'alice',
      action: 'ignore',
      fromState: 'approved',
      toState: 'ignored',
      detail: { reason: 'mitigated by WAF', until: '2026-06-01T00:00:00.000Z', note: 'see ticket 42' },
    });
  });

  it('starts a new decision at version 1 with fromState null', () => {
    const { decision: d, event } = applyTriageAction(undefined, KEY, { kind: 'approve', emergency: true }, rule, ctx());
    expect(d).toMatchObject({
      state: 'approved',
      emergency: true,
      version: 1,
      createdAt: NOW,
      approvals: ['rule:auto-lab'],
    });
    expect(event).toMatchObject({
      actor: 'rule:auto-lab',
      fromState: null,
      toState: 'approved',
      detail: { emergency: true },
    });
  });

  it('reopen clears approvals, reason, expiry and emergency but keeps owner and notes', () => {
    const current = decision('approved', { emergency: true, owner: 'ops', notes: 'n' });
    const d = applyTriageAction(current, KEY, { kind: 'reopen', note: 'regression' }, bob, ctx()).decision;
    expect(d).toMatchObject({
      state: 'new',
      approvals: [],
      reason: null,
      ignoreUntil: null,
      emergency: false,
      owner: 'ops',
      notes: 'n\nregression',
    });
  });

  it('assign sets and clears the owner; note appends', () => {
    const assigned = applyTriageAction(STARTS.declined, KEY, { kind: 'assign', owner: ' team-db ' }, alice, ctx());
    expect(assigned.decision).toMatchObject({ state: 'declined', owner: 'team-db', reason: 'not exposed' });
    expect(assigned.event.detail).toEqual({ owner: 'team-db' });
    expect(
      applyTriageAction(assigned.decision, KEY, { kind: 'assign', owner: '' }, alice, ctx()).decision.owner,
    ).toBeNull();
    expect(
      applyTriageAction(assigned.decision, KEY, { kind: 'assign', owner: null }, alice, ctx()).decision.owner,
    ).toBeNull();
    const noted = applyTriageAction(undefined, KEY, { kind: 'note', text: 'a' }, alice, ctx()).decision;
    expect(applyTriageAction(noted, KEY, { kind: 'note', text: 'b' }, alice, ctx()).decision.notes).toBe('a\nb');
  });
});

describe('input validation', () => {
  const long = 'x'.repeat(2001);
  const bad: { name: string; action: TriageAction }[] = [
    { name: 'ignore without reason', action: { kind: 'ignore', reason: '   ' } },
    { name: 'ignore with a too long reason', action: { kind: 'ignore', reason: long } },
    { name: 'ignore until the past', action: { kind: 'ignore', reason: 'r', until: '2026-03-01T00:00:00Z' } },
    { name: 'ignore until now', action: { kind: 'ignore', reason: 'r', until: NOW } },
    { name: 'ignore until garbage', action: { kind: 'ignore', reason: 'r', until: 'next week' } },
    { name: 'decline without reason', action: { kind: 'decline', reason: '' } },
    { name: 'empty note', action: { kind: 'note', text: ' ' } },
    { name: 'too long note', action: { kind: 'note', text: long } },
    { name: 'too long approve note', action: { kind: 'approve', note: long } },
    { name: 'too long owner', action: { kind: 'assign', owner: 'o'.repeat(201) } },
  ];
  it.each(bad)('$name → E_BAD_REQUEST', ({ action }) => {
    expect(codeOf(() => applyTriageAction(STARTS.new, KEY, action, alice, ctx()))).toBe('E_BAD_REQUEST');
  });

  it('accepts the limits', () => {
    const max = 'x'.repeat(2000);
    expect(applyTriageAction(STARTS.new, KEY, { kind: 'decline', reason: max }, alice, ctx()).decision.reason).toBe(
      max,
    );
    expect(
      applyTriageAction(STARTS.new, KEY, { kind: 'assign', owner: 'o'.repeat(200) }, alice, ctx()).decision.owner,
    ).toHaveLength(200);
  });
});

describe('actorName', () => {
  it('names users, rules and the system', () => {
    expect([alice, rule, system].map(actorName)).toEqual(['alice', 'rule:auto-lab', 'system']);
  });
});
