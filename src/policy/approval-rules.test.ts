import { describe, expect, it } from 'vitest';
import { approvalRuleProblems, autoDecision, fixSucceededAt, ruleMatches } from './approval-rules.js';
import type { ApprovalRule, BulletinFacts } from './model.js';

/** A rule that matches everything in every group (builder). */
function rule(over: Partial<ApprovalRule> = {}): ApprovalRule {
  return {
    id: over.name ?? 'r',
    name: 'r',
    priority: 100,
    enabled: true,
    groupId: null,
    match: {},
    decision: 'approve',
    reason: null,
    emergency: false,
    after: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'alice',
    ...over,
  };
}

const BULLETIN: BulletinFacts = {
  id: 'DSA-5678-1',
  sourceId: 'debian-tracker',
  severity: 'important',
  published: '2026-03-01',
  products: ['Debian 12', 'OpenSSL'],
  packages: ['openssl', 'libssl3'],
};

describe('ruleMatches', () => {
  const cases: { name: string; rule: ApprovalRule; group?: string; expected: boolean }[] = [
    { name: 'empty match, every group', rule: rule(), expected: true },
    {
      name: 'empty lists match anything',
      rule: rule({ match: { severities: [], sources: [], products: [], packages: [] } }),
      expected: true,
    },
    { name: 'disabled rule', rule: rule({ enabled: false }), expected: false },
    { name: 'rule for this group', rule: rule({ groupId: 'web' }), expected: true },
    { name: 'rule for another group', rule: rule({ groupId: 'db' }), expected: false },
    { name: 'severity in list', rule: rule({ match: { severities: ['critical', 'important'] } }), expected: true },
    { name: 'severity not in list', rule: rule({ match: { severities: ['critical'] } }), expected: false },
    { name: 'source matches', rule: rule({ match: { sources: ['debian-tracker'] } }), expected: true },
    {
      name: 'source is exact (case matters for ids)',
      rule: rule({ match: { sources: ['Debian-Tracker'] } }),
      expected: false,
    },
    { name: 'source differs', rule: rule({ match: { sources: ['msrc'] } }), expected: false },
    { name: 'product, case-insensitive', rule: rule({ match: { products: ['openssl'] } }), expected: true },
    {
      name: 'product must match exactly, not as a substring',
      rule: rule({ match: { products: ['Debian'] } }),
      expected: false,
    },
    { name: 'package, case-insensitive', rule: rule({ match: { packages: ['LIBSSL3'] } }), expected: true },
    { name: 'package differs', rule: rule({ match: { packages: ['nginx'] } }), expected: false },
    {
      name: 'all criteria match',
      rule: rule({
        groupId: 'web',
        match: {
          severities: ['important'],
          sources: ['debian-tracker'],
          products: ['Debian 12'],
          packages: ['openssl'],
        },
      }),
      expected: true,
    },
    {
      name: 'one criterion of several fails',
      rule: rule({ match: { severities: ['important'], sources: ['debian-tracker'], packages: ['nginx'] } }),
      expected: false,
    },
    {
      name: 'criteria match but wrong group',
      rule: rule({ groupId: 'db', match: { severities: ['important'] } }),
      expected: false,
    },
  ];
  it.each(cases)('$name → $expected', ({ rule: r, group, expected }) => {
    expect(ruleMatches(r, BULLETIN, group ?? 'web')).toBe(expected);
  });

  it('a bulletin without packages does not match a package rule', () => {
    expect(ruleMatches(rule({ match: { packages: ['openssl'] } }), { ...BULLETIN, packages: [] }, 'web')).toBe(false);
  });
});

describe('autoDecision: which rule decides', () => {
  const never = () => null;
  const NOW = '2026-03-10T00:00:00.000Z';

  it('no matching rule → none', () => {
    expect(autoDecision([rule({ enabled: false }), rule({ groupId: 'db' })], BULLETIN, 'web', never, NOW)).toEqual({
      kind: 'none',
    });
    expect(autoDecision([], BULLETIN, 'web', never, NOW)).toEqual({ kind: 'none' });
  });

  it('lowest priority wins, then name; disabled and non-matching rules are skipped', () => {
    const rules = [
      rule({ id: 'id-a', name: 'z-approve', priority: 10 }),
      rule({ id: 'id-z', name: 'a-decline', priority: 10, decision: 'decline', reason: 'breaks login' }),
      rule({ name: 'first-but-disabled', priority: 1, enabled: false }),
      rule({ name: 'first-but-other-severity', priority: 1, match: { severities: ['low'] } }),
      rule({ name: 'later', priority: 50, decision: 'ignore', reason: 'x' }),
    ];
    expect(autoDecision(rules, BULLETIN, 'web', never, NOW)).toEqual({
      kind: 'decide',
      rule: rules[1],
      action: { kind: 'decline', reason: 'breaks login' },
    });
  });

  it('turns each decision into its action', () => {
    const decide = (r: ApprovalRule) => autoDecision([r], BULLETIN, 'web', never, NOW);
    expect(decide(rule({ emergency: true }))).toMatchObject({ action: { kind: 'approve', emergency: true } });
    expect(decide(rule())).toMatchObject({ action: { kind: 'approve', emergency: false } });
    expect(decide(rule({ decision: 'ignore', reason: 'not exposed' }))).toMatchObject({
      action: { kind: 'ignore', reason: 'not exposed' },
    });
  });

  it('a group rule and a global rule: the priority decides, not the scope', () => {
    const global = rule({ name: 'global', priority: 5, decision: 'ignore', reason: 'later' });
    const scoped = rule({ name: 'web-only', priority: 7, groupId: 'web' });
    expect(autoDecision([scoped, global], BULLETIN, 'web', never, NOW)).toMatchObject({ rule: global });
    expect(autoDecision([scoped, { ...global, priority: 9 }], BULLETIN, 'web', never, NOW)).toMatchObject({
      rule: scoped,
    });
  });
});

describe('autoDecision: test-then-approve', () => {
  const lab = '2026-03-01T10:00:00.000Z'; // the fix succeeded in the lab
  const testThen = rule({ name: 'prod-after-lab', groupId: 'prod', after: { groupId: 'lab', days: 7 } });
  const succeeded = (at: string | null) => (g: string) => (g === 'lab' ? at : null);

  const cases: { name: string; at: string | null; now: string; expected: object }[] = [
    {
      name: 'fix not yet succeeded in the lab',
      at: null,
      now: '2026-06-01T00:00:00Z',
      expected: { kind: 'wait', until: null },
    },
    {
      name: 'one day after success',
      at: lab,
      now: '2026-03-02T10:00:00Z',
      expected: { kind: 'wait', until: '2026-03-08T10:00:00.000Z' },
    },
    {
      name: '1 ms before N days',
      at: lab,
      now: '2026-03-08T09:59:59.999Z',
      expected: { kind: 'wait', until: '2026-03-08T10:00:00.000Z' },
    },
    {
      name: 'exactly N days after',
      at: lab,
      now: '2026-03-08T10:00:00.000Z',
      expected: { kind: 'decide', action: { kind: 'approve', emergency: false } },
    },
    { name: 'well after N days', at: lab, now: '2026-04-01T00:00:00Z', expected: { kind: 'decide' } },
  ];
  it.each(cases)('$name', ({ at, now, expected }) => {
    expect(autoDecision([testThen], BULLETIN, 'prod', succeeded(at), now)).toMatchObject({
      rule: testThen,
      ...expected,
    });
  });

  it('days 0 approves as soon as the fix succeeded', () => {
    const zero = { ...testThen, after: { groupId: 'lab', days: 0 } };
    expect(autoDecision([zero], BULLETIN, 'prod', succeeded(lab), lab)).toMatchObject({ kind: 'decide' });
  });

  it('a partially remediated lab keeps production waiting', () => {
    const labFindings = [
      { open: false, resolvedAt: '2026-03-01T10:00:00.000Z' },
      { open: true, resolvedAt: null },
    ];
    const at = fixSucceededAt(labFindings);
    expect(at).toBeNull();
    expect(autoDecision([testThen], BULLETIN, 'prod', () => at, '2026-06-01T00:00:00Z')).toMatchObject({
      kind: 'wait',
      until: null,
    });
  });

  it('a waiting first rule blocks later rules', () => {
    const fallback = rule({ name: 'fallback', priority: 999, decision: 'decline', reason: 'x' });
    expect(autoDecision([fallback, testThen], BULLETIN, 'prod', succeeded(null), '2026-03-02T00:00:00Z')).toMatchObject(
      { kind: 'wait', rule: testThen },
    );
  });

  it('a global test-then-approve rule does not apply in the group it waits on', () => {
    const global = { ...testThen, groupId: null };
    expect(autoDecision([global], BULLETIN, 'lab', succeeded(lab), '2026-06-01T00:00:00Z')).toEqual({ kind: 'none' });
    expect(autoDecision([global], BULLETIN, 'prod', succeeded(lab), '2026-06-01T00:00:00Z')).toMatchObject({
      kind: 'decide',
    });
  });
});

describe('fixSucceededAt', () => {
  const cases: { name: string; findings: { open: boolean; resolvedAt: string | null }[]; expected: string | null }[] = [
    { name: 'no machine had the finding', findings: [], expected: null },
    { name: 'all still open', findings: [{ open: true, resolvedAt: null }], expected: null },
    {
      name: 'one resolved',
      findings: [{ open: false, resolvedAt: '2026-03-01T00:00:00.000Z' }],
      expected: '2026-03-01T00:00:00.000Z',
    },
    {
      name: 'all resolved → the latest',
      findings: [
        { open: false, resolvedAt: '2026-03-05T00:00:00.000Z' },
        { open: false, resolvedAt: '2026-03-07T00:00:00.000Z' },
        { open: false, resolvedAt: '2026-03-06T00:00:00.000Z' },
      ],
      expected: '2026-03-07T00:00:00.000Z',
    },
    {
      name: 'one of several still open',
      findings: [
        { open: false, resolvedAt: '2026-03-05T00:00:00.000Z' },
        { open: true, resolvedAt: null },
      ],
      expected: null,
    },
    {
      name: 'closed without resolvedAt neither blocks nor counts',
      findings: [
        { open: false, resolvedAt: null },
        { open: false, resolvedAt: '2026-03-05T00:00:00.000Z' },
      ],
      expected: '2026-03-05T00:00:00.000Z',
    },
    { name: 'only closed without resolvedAt', findings: [{ open: false, resolvedAt: null }], expected: null },
  ];
  it.each(cases)('$name', ({ findings, expected }) => {
    expect(fixSucceededAt(findings)).toBe(expected);
  });
});

describe('approvalRuleProblems', () => {
  const base = (() => {
    const { id: _id, createdAt: _c, createdBy: _b, ...rest } = rule({ name: 'ok', groupId: 'prod' });
    return rest;
  })();
  const cases: { name: string; over: Partial<ApprovalRule>; problems: string[] }[] = [
    { name: 'valid approve rule', over: {}, problems: [] },
    { name: 'valid test-then-approve', over: { after: { groupId: 'lab', days: 365 } }, problems: [] },
    { name: 'valid ignore with reason', over: { decision: 'ignore', reason: 'not exposed' }, problems: [] },
    { name: 'empty name', over: { name: '  ' }, problems: ['$.name: must not be empty'] },
    {
      name: 'ignore without reason',
      over: { decision: 'ignore', reason: null },
      problems: ['$.reason: required when the decision is ignore'],
    },
    {
      name: 'decline with blank reason',
      over: { decision: 'decline', reason: ' ' },
      problems: ['$.reason: required when the decision is decline'],
    },
    {
      name: 'negative days',
      over: { after: { groupId: 'lab', days: -1 } },
      problems: ['$.after.days: must be a whole number from 0 to 365'],
    },
    {
      name: 'too many days',
      over: { after: { groupId: 'lab', days: 366 } },
      problems: ['$.after.days: must be a whole number from 0 to 365'],
    },
    {
      name: 'fractional days',
      over: { after: { groupId: 'lab', days: 1.5 } },
      problems: ['$.after.days: must be a whole number from 0 to 365'],
    },
    {
      name: 'waits on its own group',
      over: { after: { groupId: 'prod', days: 3 } },
      problems: ["$.after.groupId: must differ from the rule's group"],
    },
    {
      name: 'unknown severity',
      over: { match: { severities: ['critical', 'urgent' as never] } },
      problems: ['$.match.severities[1]: unknown severity "urgent"'],
    },
    {
      name: 'emergency ignore',
      over: { decision: 'ignore', reason: 'r', emergency: true },
      problems: ['$.emergency: only an approval can be an emergency'],
    },
    { name: 'non-integer priority', over: { priority: 1.5 }, problems: ['$.priority: must be an integer'] },
    {
      name: 'several problems',
      over: { name: '', decision: 'decline', reason: null, after: { groupId: 'prod', days: 400 } },
      problems: [
        '$.name: must not be empty',
        '$.reason: required when the decision is decline',
        '$.after.days: must be a whole number from 0 to 365',
        "$.after.groupId: must differ from the rule's group",
      ],
    },
  ];
  it.each(cases)('$name', ({ over, problems }) => {
    expect(approvalRuleProblems({ ...base, ...over })).toEqual(problems);
  });
});
