import { describe, expect, it } from 'vitest';
import { thrownError } from '../../../test/support/errors.js';
import { dailySnapshotOf, summariseFindings, type FindingSummaryInput } from './snapshot.js';

const f = (status: FindingSummaryInput['status'], severity: FindingSummaryInput['severity']): FindingSummaryInput => ({
  status,
  severity,
});

describe('summariseFindings', () => {
  it.each<{ name: string; findings: FindingSummaryInput[]; counts: object; openBySeverity: object }>([
    { name: 'no findings', findings: [], counts: {}, openBySeverity: {} },
    {
      name: 'missing and affected are open; the rest only counted',
      findings: [
        f('missing', 'critical'),
        f('missing', 'critical'),
        f('affected', 'low'),
        f('installed', 'critical'),
        f('unknown', 'important'),
        f('superseded', 'moderate'),
        f('not-applicable', 'low'),
      ],
      counts: { missing: 2, affected: 1, installed: 1, unknown: 1, superseded: 1, 'not-applicable': 1 },
      openBySeverity: { critical: 2, low: 1 },
    },
    {
      name: 'only closed findings: nothing open',
      findings: [f('installed', 'critical'), f('installed', 'important'), f('unknown', 'critical')],
      counts: { installed: 2, unknown: 1 },
      openBySeverity: {},
    },
    {
      name: 'unknown severity is kept as its own bucket',
      findings: [f('missing', 'unknown'), f('affected', 'unknown'), f('missing', 'moderate')],
      counts: { missing: 2, affected: 1 },
      openBySeverity: { unknown: 2, moderate: 1 },
    },
  ])('$name', ({ findings, counts, openBySeverity }) => {
    expect(summariseFindings(findings)).toEqual({ counts, openBySeverity });
  });
});

describe('dailySnapshotOf', () => {
  it.each([
    ['midday UTC', '2026-11-21T12:00:00Z', '2026-11-21'],
    ['first millisecond of the day', '2026-11-21T00:00:00.000Z', '2026-11-21'],
    ['last millisecond of the day', '2026-11-21T23:59:59.999Z', '2026-11-21'],
    ['a local time east of UTC that is still the previous UTC day', '2026-11-22T01:30:00+02:00', '2026-11-21'],
    ['a local time west of UTC that is already the next UTC day', '2026-12-31T20:00:00-05:00', '2027-01-01'],
    ['leap day', '2028-02-29T08:00:00Z', '2028-02-29'],
  ])('%s: %s → day %s', (_name, iso, day) => {
    const s = dailySnapshotOf('m-1', [f('missing', 'important'), f('installed', 'low')], new Date(iso));
    expect(s).toEqual({
      machineId: 'm-1',
      day,
      counts: { missing: 1, installed: 1 },
      openBySeverity: { important: 1 },
    });
  });

  it('refuses an invalid date', () => {
    expect(thrownError(() => dailySnapshotOf('m-1', [], new Date('not a date'))).code).toBe('E_INTERNAL');
  });
});
