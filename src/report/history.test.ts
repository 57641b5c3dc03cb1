import { describe, expect, it } from 'vitest';
import type { FindingFact } from './model.js';
import { createRemediationAccumulator, createTrendAccumulator } from './history.js';

const fact = (over: Partial<FindingFact>): FindingFact => ({
  machineId: 'm1',
  bulletinId: 'B1',
  status: 'installed',
  severity: 'critical',
  firstSeenAt: '2026-03-01T00:00:00.000Z',
  resolvedAt: '2026-03-03T00:00:00.000Z',
  ...over,
});

describe('createTrendAccumulator', () => {
  const snap = (machineId: string, day: string, openBySeverity: Record<string, number>) => ({
    machineId,
    day,
    counts: {},
    openBySeverity,
  });

  it('counts each machine with its latest snapshot on every day of the range, earlier ones included', () => {
    const acc = createTrendAccumulator({ fromDay: '2026-03-02', lastDay: '2026-03-04' }, new Set(['m1', 'm2']));
    acc.add([snap('m2', '2026-02-20', { important: 4 })]); // before the range: the starting state
    acc.add([
      snap('m1', '2026-03-03', { critical: 2, low: 1 }),
      snap('m2', '2026-03-03', {}),
      snap('m3', '2026-03-03', { critical: 9 }), // not a chosen machine
    ]);
    expect(acc.finish()).toEqual([
      {
        day: '2026-03-02',
        openFindings: 4,
        openBySeverity: { critical: 0, important: 4, moderate: 0, low: 0, unknown: 0 },
        machinesWithOpen: 1,
      },
      {
        day: '2026-03-03',
        openFindings: 3,
        openBySeverity: { critical: 2, important: 0, moderate: 0, low: 1, unknown: 0 },
        machinesWithOpen: 1,
      },
      {
        day: '2026-03-04',
        openFindings: 3,
        openBySeverity: { critical: 2, important: 0, moderate: 0, low: 1, unknown: 0 },
        machinesWithOpen: 1,
      },
    ]);
  });

  it('leaves out the days before any snapshot, and takes every machine without a set', () => {
    const acc = createTrendAccumulator({ fromDay: '2026-03-01', lastDay: '2026-03-03' });
    acc.add([snap('mx', '2026-03-02', { low: 1 }), snap('my', '2026-03-02', { low: 2 })]);
    expect(acc.finish().map((p) => [p.day, p.openFindings])).toEqual([
      ['2026-03-02', 3],
      ['2026-03-03', 3],
    ]);
    expect(createTrendAccumulator({ fromDay: '2026-03-01', lastDay: '2026-03-03' }).finish()).toEqual([]);
  });
});

describe('createRemediationAccumulator', () => {
  const range = { fromDay: '2026-03-01', toDay: '2026-03-31' };

  it.each([
    { name: 'nothing resolved', facts: [], mean: null, median: null, resolved: 0 },
    { name: 'open findings do not count', facts: [fact({ resolvedAt: null })], mean: null, median: null, resolved: 0 },
    { name: 'one finding', facts: [fact({})], mean: 2, median: 2, resolved: 1 },
    {
      name: 'odd count: the middle one',
      facts: [
        fact({ resolvedAt: '2026-03-02T00:00:00.000Z' }),
        fact({ resolvedAt: '2026-03-11T00:00:00.000Z' }),
        fact({ resolvedAt: '2026-03-04T00:00:00.000Z' }),
      ],
      mean: 4.7,
      median: 3,
      resolved: 3,
    },
    {
      name: 'even count: the mean of the two middle ones',
      facts: [fact({ resolvedAt: '2026-03-02T00:00:00.000Z' }), fact({ resolvedAt: '2026-03-05T00:00:00.000Z' })],
      mean: 2.5,
      median: 2.5,
      resolved: 2,
    },
    {
      name: 'the range is whole UTC days: the last day counts to its end, the day after does not',
      facts: [
        fact({ firstSeenAt: '2026-03-30T00:00:00.000Z', resolvedAt: '2026-03-31T23:59:59.000Z' }),
        fact({ resolvedAt: '2026-04-01T00:00:00.000Z' }),
        fact({ firstSeenAt: '2026-02-01T00:00:00.000Z', resolvedAt: '2026-02-28T23:00:00.000Z' }),
      ],
      mean: 2,
      median: 2,
      resolved: 1,
    },
  ])('$name', ({ facts, mean, median, resolved }) => {
    const acc = createRemediationAccumulator(range);
    acc.add(facts);
    const r = acc.finish();
    expect([r.resolved, r.meanDays, r.medianDays]).toEqual([resolved, mean, median]);
    expect(r.bySeverity.critical).toEqual({ resolved, meanDays: mean, medianDays: median });
    expect(r.bySeverity.low).toEqual({ resolved: 0, meanDays: null, medianDays: null });
  });

  it('splits by severity and keeps to the chosen machines', () => {
    const acc = createRemediationAccumulator(range, new Set(['m1']));
    acc.add([
      fact({ severity: 'low', resolvedAt: '2026-03-11T00:00:00.000Z' }),
      fact({}),
      fact({ machineId: 'm2', resolvedAt: '2026-03-21T00:00:00.000Z' }),
    ]);
    const r = acc.finish();
    expect(r.resolved).toBe(2);
    expect(r.meanDays).toBe(6);
    expect(r.bySeverity.low.meanDays).toBe(10);
    expect(r.bySeverity.critical.meanDays).toBe(2);
  });
});
