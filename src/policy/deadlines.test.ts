import { describe, expect, it } from 'vitest';
import type { Severity } from '../catalog/model.js';
import { PatchhiveError } from '../errors.js';
import {
  DEFAULT_DEADLINE_POLICY,
  deadlineFor,
  deadlinePolicyProblems,
  deadlineStart,
  deadlineStatus,
  resolveDeadlinePolicy,
} from './deadlines.js';
import type { DeadlinePolicy, DeadlinePolicyOverride } from './model.js';

/** The default durations in another zone, with optional per-row duration changes. */
function policyIn(timeZone: string, tested: DeadlinePolicyOverride['tested'] = {}): DeadlinePolicy {
  return resolveDeadlinePolicy(DEFAULT_DEADLINE_POLICY, { timeZone, tested });
}

// Expected values worked out by hand (offsets: CET +1/CEST +2, EST −5/EDT −4, AEDT +11/AEST +10,
// IST +5:30, CHAST +12:45/CHADT +13:45).
const rows: {
  name: string;
  zone: string;
  published: string | null;
  firstSeenAt?: string;
  severity: Severity;
  track: 'tested' | 'emergency';
  tested?: DeadlinePolicyOverride['tested'];
  expected: string | null;
}[] = [
  {
    name: 'UTC date-only P14D',
    zone: 'UTC',
    published: '2026-03-20',
    severity: 'critical',
    track: 'tested',
    expected: '2026-04-03T00:00:00.000Z',
  },
  {
    name: 'UTC timestamp PT24H',
    zone: 'UTC',
    published: '2026-03-20T15:30:00Z',
    severity: 'critical',
    track: 'emergency',
    expected: '2026-03-21T15:30:00.000Z',
  },
  {
    name: 'UTC P60D over February',
    zone: 'UTC',
    published: '2026-01-01',
    severity: 'important',
    track: 'tested',
    expected: '2026-03-02T00:00:00.000Z',
  },
  {
    name: 'UTC P180D',
    zone: 'UTC',
    published: '2026-01-01',
    severity: 'moderate',
    track: 'tested',
    expected: '2026-06-30T00:00:00.000Z',
  },
  {
    name: 'UTC low has no deadline',
    zone: 'UTC',
    published: '2026-01-01',
    severity: 'low',
    track: 'tested',
    expected: null,
  },
  {
    name: 'UTC unknown has no deadline',
    zone: 'UTC',
    published: '2026-01-01',
    severity: 'unknown',
    track: 'tested',
    expected: null,
  },
  {
    name: 'UTC emergency low has no deadline',
    zone: 'UTC',
    published: '2026-01-01',
    severity: 'low',
    track: 'emergency',
    expected: null,
  },
  {
    name: 'UTC first-seen fallback',
    zone: 'UTC',
    published: null,
    firstSeenAt: '2026-05-10T08:00:00.000Z',
    severity: 'critical',
    track: 'tested',
    expected: '2026-05-24T08:00:00.000Z',
  },
  {
    name: 'UTC unparseable publication falls back',
    zone: 'UTC',
    published: 'not a date',
    firstSeenAt: '2026-02-01T00:00:00Z',
    severity: 'critical',
    track: 'tested',
    expected: '2026-02-15T00:00:00.000Z',
  },
  {
    name: 'UTC P1M from 31 January',
    zone: 'UTC',
    published: '2026-01-31',
    severity: 'critical',
    track: 'tested',
    tested: { critical: 'P1M' },
    expected: '2026-02-28T00:00:00.000Z',
  },
  {
    name: 'Berlin P14D across spring-forward (14×24−1 h)',
    zone: 'Europe/Berlin',
    published: '2026-03-20',
    severity: 'critical',
    track: 'tested',
    expected: '2026-04-02T22:00:00.000Z',
  },
  {
    name: 'Berlin PT24H across spring-forward',
    zone: 'Europe/Berlin',
    published: '2026-03-28T12:00:00Z',
    severity: 'critical',
    track: 'emergency',
    expected: '2026-03-29T12:00:00.000Z',
  },
  {
    name: 'Berlin P14D across fall-back (14×24+1 h)',
    zone: 'Europe/Berlin',
    published: '2026-10-20',
    severity: 'critical',
    track: 'tested',
    expected: '2026-11-02T23:00:00.000Z',
  },
  {
    name: 'Berlin PT24H across fall-back',
    zone: 'Europe/Berlin',
    published: '2026-10-24T10:00:00Z',
    severity: 'critical',
    track: 'emergency',
    expected: '2026-10-25T10:00:00.000Z',
  },
  {
    name: 'Berlin P1D across fall-back keeps 12:00 local',
    zone: 'Europe/Berlin',
    published: '2026-10-24T10:00:00Z',
    severity: 'critical',
    track: 'tested',
    tested: { critical: 'P1D' },
    expected: '2026-10-25T11:00:00.000Z',
  },
  {
    name: 'Berlin P1M into summer time',
    zone: 'Europe/Berlin',
    published: '2026-03-15',
    severity: 'critical',
    track: 'tested',
    tested: { critical: 'P1M' },
    expected: '2026-04-14T22:00:00.000Z',
  },
  {
    name: 'Berlin timestamp without offset is local time',
    zone: 'Europe/Berlin',
    published: '2026-03-20T10:00:00',
    severity: 'critical',
    track: 'tested',
    expected: '2026-04-03T08:00:00.000Z',
  },
  {
    name: 'Berlin first-seen fallback P1D across spring-forward',
    zone: 'Europe/Berlin',
    published: null,
    firstSeenAt: '2026-03-28T23:30:00Z',
    severity: 'critical',
    track: 'tested',
    tested: { critical: 'P1D' },
    expected: '2026-03-29T22:30:00.000Z',
  },
  {
    name: 'New York P14D across spring-forward',
    zone: 'America/New_York',
    published: '2026-03-01',
    severity: 'critical',
    track: 'tested',
    expected: '2026-03-15T04:00:00.000Z',
  },
  {
    name: 'New York P14D across fall-back',
    zone: 'America/New_York',
    published: '2026-10-25',
    severity: 'critical',
    track: 'tested',
    expected: '2026-11-08T05:00:00.000Z',
  },
  {
    name: 'New York P60D into summer time',
    zone: 'America/New_York',
    published: '2026-01-15',
    severity: 'important',
    track: 'tested',
    expected: '2026-03-16T04:00:00.000Z',
  },
  {
    name: 'New York emergency P30D across fall-back',
    zone: 'America/New_York',
    published: '2026-10-20T16:00:00Z',
    severity: 'important',
    track: 'emergency',
    expected: '2026-11-19T17:00:00.000Z',
  },
  {
    name: 'Sydney P14D across DST end',
    zone: 'Australia/Sydney',
    published: '2026-03-30',
    severity: 'critical',
    track: 'tested',
    expected: '2026-04-12T14:00:00.000Z',
  },
  {
    name: 'Sydney PT24H across DST end',
    zone: 'Australia/Sydney',
    published: '2026-04-04T12:00:00Z',
    severity: 'critical',
    track: 'emergency',
    expected: '2026-04-05T12:00:00.000Z',
  },
  {
    name: 'Kolkata date-only is local midnight (+05:30)',
    zone: 'Asia/Kolkata',
    published: '2026-06-01',
    severity: 'critical',
    track: 'tested',
    expected: '2026-06-14T18:30:00.000Z',
  },
  {
    name: 'Kolkata timestamp',
    zone: 'Asia/Kolkata',
    published: '2026-06-01T20:00:00Z',
    severity: 'critical',
    track: 'tested',
    expected: '2026-06-15T20:00:00.000Z',
  },
  {
    name: 'Chatham P14D across DST end (+13:45 → +12:45)',
    zone: 'Pacific/Chatham',
    published: '2026-03-30',
    severity: 'critical',
    track: 'tested',
    expected: '2026-04-12T11:15:00.000Z',
  },
  {
    name: 'Chatham P14D across DST start (+12:45 → +13:45)',
    zone: 'Pacific/Chatham',
    published: '2026-09-20',
    severity: 'critical',
    track: 'tested',
    expected: '2026-10-03T10:15:00.000Z',
  },
];

describe('deadlineFor', () => {
  it.each(rows)('$name', (row) => {
    const input = {
      severity: row.severity,
      published: row.published,
      firstSeenAt: row.firstSeenAt ?? '2020-01-01T00:00:00Z',
    };
    expect(deadlineFor(input, policyIn(row.zone, row.tested), row.track)).toBe(row.expected);
  });

  it('refuses a policy with an unknown zone or a bad duration', () => {
    const input = { severity: 'critical' as const, published: '2026-01-01', firstSeenAt: '2026-01-01T00:00:00Z' };
    expect(() => deadlineFor(input, { ...DEFAULT_DEADLINE_POLICY, timeZone: 'Mars/Olympus' }, 'tested')).toThrow(
      PatchhiveError,
    );
    expect(() => deadlineFor(input, policyIn('UTC', { critical: 'fortnight' }), 'tested')).toThrow(/ISO 8601 duration/);
  });
});

describe('deadlineStart', () => {
  it('is local midnight for a date-only publication and first sighting without one', () => {
    expect(
      deadlineStart({ published: '2026-03-20', firstSeenAt: '2026-04-01T00:00:00Z' }, policyIn('Europe/Berlin')),
    ).toBe('2026-03-19T23:00:00.000Z');
    expect(deadlineStart({ published: null, firstSeenAt: '2026-04-01T00:00:00Z' }, policyIn('Europe/Berlin'))).toBe(
      '2026-04-01T00:00:00.000Z',
    );
  });
});

describe('deadlineStatus', () => {
  const utc = DEFAULT_DEADLINE_POLICY;
  const statusRows: {
    name: string;
    due: string;
    start: string;
    now: string;
    policy: DeadlinePolicy;
    expected: string;
  }[] = [
    {
      name: 'on-track 8 days out of a 60-day window',
      due: '2026-03-02T00:00:00.000Z',
      start: '2026-01-01T00:00:00Z',
      now: '2026-02-22T00:00:00Z',
      policy: utc,
      expected: 'on-track',
    },
    {
      name: 'on-track 1 ms before the 7-day mark',
      due: '2026-03-02T00:00:00.000Z',
      start: '2026-01-01T00:00:00Z',
      now: '2026-02-22T23:59:59.999Z',
      policy: utc,
      expected: 'on-track',
    },
    {
      name: 'due-soon exactly 7 days out',
      due: '2026-03-02T00:00:00.000Z',
      start: '2026-01-01T00:00:00Z',
      now: '2026-02-23T00:00:00Z',
      policy: utc,
      expected: 'due-soon',
    },
    {
      name: 'due-soon 1 ms before due',
      due: '2026-03-02T00:00:00.000Z',
      start: '2026-01-01T00:00:00Z',
      now: '2026-03-01T23:59:59.999Z',
      policy: utc,
      expected: 'due-soon',
    },
    {
      name: 'PT24H: on-track before the last quarter',
      due: '2026-03-21T00:00:00.000Z',
      start: '2026-03-20T00:00:00Z',
      now: '2026-03-20T17:59:59.999Z',
      policy: utc,
      expected: 'on-track',
    },
    {
      name: 'PT24H: due-soon in the last quarter (6 h)',
      due: '2026-03-21T00:00:00.000Z',
      start: '2026-03-20T00:00:00Z',
      now: '2026-03-20T18:00:00Z',
      policy: utc,
      expected: 'due-soon',
    },
    {
      name: 'overdue exactly at dueAt',
      due: '2026-03-02T00:00:00.000Z',
      start: '2026-01-01T00:00:00Z',
      now: '2026-03-02T00:00:00.000Z',
      policy: utc,
      expected: 'overdue',
    },
    {
      name: 'overdue after dueAt',
      due: '2026-03-02T00:00:00.000Z',
      start: '2026-01-01T00:00:00Z',
      now: '2026-06-01T00:00:00Z',
      policy: utc,
      expected: 'overdue',
    },
    // Apr 3 00:00 CEST minus 7 calendar days = Mar 27 00:00 CET (7×24−1 h earlier).
    {
      name: 'Berlin: 7 calendar days before across DST',
      due: '2026-04-02T22:00:00.000Z',
      start: '2026-01-01',
      now: '2026-03-26T23:00:00Z',
      policy: policyIn('Europe/Berlin'),
      expected: 'due-soon',
    },
    {
      name: 'Berlin: 1 ms before the calendar mark',
      due: '2026-04-02T22:00:00.000Z',
      start: '2026-01-01',
      now: '2026-03-26T22:59:59.999Z',
      policy: policyIn('Europe/Berlin'),
      expected: 'on-track',
    },
    {
      name: 'a shorter dueSoon setting wins over the quarter',
      due: '2026-03-02T00:00:00.000Z',
      start: '2026-01-01T00:00:00Z',
      now: '2026-02-27T00:00:00Z',
      policy: { ...utc, dueSoon: 'P2D' },
      expected: 'on-track',
    },
  ];
  it.each(statusRows)('$name', (row) => {
    expect(deadlineStatus(row.due, row.start, row.now, row.policy)).toBe(row.expected);
  });
});

describe('resolveDeadlinePolicy', () => {
  it('returns the base without an override', () => {
    expect(resolveDeadlinePolicy(DEFAULT_DEADLINE_POLICY, null)).toEqual(DEFAULT_DEADLINE_POLICY);
    expect(resolveDeadlinePolicy(DEFAULT_DEADLINE_POLICY, undefined)).toEqual(DEFAULT_DEADLINE_POLICY);
  });

  it('applies given fields, keeps absent ones, and honours null as "no deadline"', () => {
    const p = resolveDeadlinePolicy(DEFAULT_DEADLINE_POLICY, {
      timeZone: 'Europe/Berlin',
      tested: { critical: 'P7D', moderate: null },
      emergency: { low: 'P90D' },
      dueSoon: 'P3D',
    });
    expect(p).toEqual({
      timeZone: 'Europe/Berlin',
      tested: { critical: 'P7D', important: 'P60D', moderate: null, low: null, unknown: null },
      emergency: { critical: 'PT24H', important: 'P30D', moderate: 'P120D', low: 'P90D', unknown: null },
      dueSoon: 'P3D',
    });
    expect(DEFAULT_DEADLINE_POLICY.tested.critical).toBe('P14D');
  });

  it('treats explicit undefined like absent', () => {
    const p = resolveDeadlinePolicy(DEFAULT_DEADLINE_POLICY, { tested: { critical: undefined } });
    expect(p.tested.critical).toBe('P14D');
  });
});

describe('deadlinePolicyProblems', () => {
  const cases: { name: string; override: unknown; problems: string[] }[] = [
    { name: 'empty override', override: {}, problems: [] },
    {
      name: 'full valid override',
      override: {
        timeZone: 'Pacific/Chatham',
        tested: { critical: 'P7D', low: null },
        emergency: { critical: 'PT12H' },
        dueSoon: 'P2DT12H',
      },
      problems: [],
    },
    {
      name: 'unknown zone',
      override: { timeZone: 'Europe/Atlantis' },
      problems: ['$.timeZone: not an IANA time zone'],
    },
    { name: 'offset is not a zone', override: { timeZone: '+05:00' }, problems: ['$.timeZone: not an IANA time zone'] },
    {
      name: 'bad duration',
      override: { tested: { critical: '14 days' } },
      problems: ['$.tested.critical: not an ISO 8601 duration'],
    },
    {
      name: 'zero duration',
      override: { emergency: { important: 'P0D' } },
      problems: ['$.emergency.important: must be longer than zero'],
    },
    {
      name: 'negative duration',
      override: { tested: { moderate: '-P1D' } },
      problems: ['$.tested.moderate: must be longer than zero'],
    },
    {
      name: 'mixed-sign duration',
      override: { tested: { moderate: 'P1DT-23H' } },
      problems: ['$.tested.moderate: must be longer than zero'],
    },
    {
      name: 'number instead of duration',
      override: { tested: { critical: 14 } },
      problems: ['$.tested.critical: not an ISO 8601 duration'],
    },
    {
      name: 'unknown severity',
      override: { tested: { urgent: 'P1D' } },
      problems: ['$.tested.urgent: unknown severity'],
    },
    {
      name: 'track not an object',
      override: { emergency: 'P1D' },
      problems: ['$.emergency: must be an object of severity → duration'],
    },
    { name: 'bad dueSoon', override: { dueSoon: 'soon' }, problems: ['$.dueSoon: not an ISO 8601 duration'] },
    { name: 'unknown field', override: { zone: 'UTC' }, problems: ['$.zone: unknown field'] },
    {
      name: 'several problems at once',
      override: { timeZone: 'X', dueSoon: 'P0D', tested: { critical: 'x' } },
      problems: [
        '$.timeZone: not an IANA time zone',
        '$.tested.critical: not an ISO 8601 duration',
        '$.dueSoon: must be longer than zero',
      ],
    },
  ];
  it.each(cases)('$name', ({ override, problems }) => {
    expect(deadlinePolicyProblems(override as DeadlinePolicyOverride)).toEqual(problems);
  });
});
