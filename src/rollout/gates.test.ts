import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../errors.js';
import { evaluateRing, nextAction, type RingProgress } from './gates.js';
import type { MachineResult, MachineRunState, RingGate, RingSpec } from './model.js';

const T0 = '2026-05-04T08:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** Results from a compact list of states: ids m0, m1, …; finished ones at T0+10min. */
function results(...states: MachineRunState[]): MachineResult[] {
  return states.map((state, i) => ({
    machineId: `m${i}`,
    state,
    finishedAt: ['pending', 'waiting-window', 'running'].includes(state) ? null : at(10),
  }));
}

const STRICT: RingGate = { minSuccessRatio: 1, maxFailures: 0 };
const LENIENT: RingGate = { minSuccessRatio: 0.75, maxFailures: 1 };

const table: {
  name: string;
  results: MachineResult[];
  gate: RingGate;
  soak: number;
  now: string;
  deadline?: string;
  status: string;
  reason: RegExp;
}[] = [
  {
    name: 'all pending',
    results: results('pending', 'waiting-window'),
    gate: STRICT,
    soak: 0,
    now: at(1),
    status: 'running',
    reason: /0 of 2 machine\(s\) finished/,
  },
  {
    name: 'some running',
    results: results('succeeded', 'running'),
    gate: STRICT,
    soak: 0,
    now: at(20),
    status: 'running',
    reason: /1 of 2/,
  },
  {
    name: 'soak 0 passes as soon as all succeed',
    results: results('succeeded', 'succeeded'),
    gate: STRICT,
    soak: 0,
    now: at(10),
    status: 'passed',
    reason: /^2 of 2 succeeded$/,
  },
  {
    name: 'soaking from the last finish',
    results: results('succeeded', 'succeeded'),
    gate: STRICT,
    soak: 3600,
    now: at(69),
    status: 'soaking',
    reason: /until 2026-05-04T09:10:00.000Z/,
  },
  {
    name: 'soak over',
    results: results('succeeded', 'succeeded'),
    gate: STRICT,
    soak: 3600,
    now: at(70),
    status: 'passed',
    reason: /soaked 3600s/,
  },
  {
    name: 'one failure over a limit of 0 halts while others run',
    results: results('failed', 'running'),
    gate: STRICT,
    soak: 0,
    now: at(20),
    status: 'halted',
    reason: /1 failure\(s\) exceed the ring's limit of 0/,
  },
  {
    name: 'rolled-back counts as a failure',
    results: results('rolled-back', 'succeeded'),
    gate: { minSuccessRatio: 0, maxFailures: 0 },
    soak: 0,
    now: at(20),
    status: 'halted',
    reason: /1 failure/,
  },
  {
    name: 'failures within the limit keep running',
    results: results('failed', 'running', 'succeeded', 'succeeded'),
    gate: LENIENT,
    soak: 0,
    now: at(20),
    status: 'running',
    reason: /3 of 4/,
  },
  {
    name: 'ratio 3/4 meets 0.75',
    results: results('failed', 'succeeded', 'succeeded', 'succeeded'),
    gate: LENIENT,
    soak: 0,
    now: at(20),
    status: 'passed',
    reason: /3 of 4 succeeded/,
  },
  {
    name: 'ratio 2/4 below 0.75 halts once all finished',
    results: results('failed', 'missed', 'succeeded', 'succeeded'),
    gate: LENIENT,
    soak: 0,
    now: at(20),
    status: 'halted',
    reason: /success ratio 0.5 is below the required 0.75 \(1 missed\)/,
  },
  {
    name: 'missed is not a failure for maxFailures',
    results: results('missed', 'missed', 'running'),
    gate: { minSuccessRatio: 0, maxFailures: 0 },
    soak: 0,
    now: at(20),
    status: 'running',
    reason: /2 of 3/,
  },
  {
    name: 'missed lowers the ratio',
    results: results('missed', 'succeeded'),
    gate: STRICT,
    soak: 0,
    now: at(20),
    status: 'halted',
    reason: /0.5 is below the required 1/,
  },
  {
    name: 'deadline turns unfinished into missed',
    results: results('succeeded', 'running'),
    gate: STRICT,
    soak: 0,
    now: at(30),
    deadline: at(30),
    status: 'halted',
    reason: /0.5 .*\(1 missed\)/,
  },
  {
    name: 'before the deadline unfinished stays running',
    results: results('succeeded', 'running'),
    gate: STRICT,
    soak: 0,
    now: at(29),
    deadline: at(30),
    status: 'running',
    reason: /1 of 2/,
  },
  {
    name: 'deadline with a lenient ratio passes',
    results: results('succeeded', 'succeeded', 'succeeded', 'pending'),
    gate: LENIENT,
    soak: 0,
    now: at(40),
    deadline: at(30),
    status: 'passed',
    reason: /3 of 4/,
  },
  {
    name: 'empty ring passes at once, without soak',
    results: [],
    gate: STRICT,
    soak: 86400,
    now: T0,
    status: 'passed',
    reason: /no members/,
  },
  {
    name: 'halt during the soak',
    results: results('succeeded', 'rolled-back'),
    gate: STRICT,
    soak: 3600,
    now: at(30),
    status: 'halted',
    reason: /1 failure/,
  },
];

describe('evaluateRing', () => {
  it.each(table)('$name → $status', (row) => {
    const e = evaluateRing(row.results, row.gate, T0, row.soak, row.now, row.deadline ?? null);
    expect(e.status).toBe(row.status);
    expect(e.reason).toMatch(row.reason);
  });

  it('soak runs from ringStartedAt when no finish times are known', () => {
    const rs: MachineResult[] = [{ machineId: 'a', state: 'succeeded' }];
    expect(evaluateRing(rs, STRICT, T0, 600, at(9)).status).toBe('soaking');
    const e = evaluateRing(rs, STRICT, T0, 600, at(10));
    expect(e).toEqual({
      status: 'passed',
      reason: '1 of 1 succeeded, soaked 600s',
      counts: { members: 1, succeeded: 1, failures: 0, missed: 0, unfinished: 0 },
      soakEndsAt: at(10),
    });
  });

  it('rejects an unparseable time', () => {
    expect(() => evaluateRing([], STRICT, 'yesterday', 0, T0)).toThrow(PatchhiveError);
  });
});

function spec(name: string, soakSeconds = 0, gate: RingGate = STRICT): RingSpec {
  return { name, members: { kind: 'percent', percent: 100 }, soakSeconds, gate };
}

function progress(
  name: string,
  machineIds: string[],
  startedAt: string | null,
  states: Record<string, MachineRunState> = {},
  soak = 0,
): RingProgress {
  return {
    spec: spec(name, soak),
    machineIds,
    startedAt,
    results: Object.entries(states).map(([machineId, state]) => ({ machineId, state, finishedAt: at(5) })),
  };
}

describe('nextAction', () => {
  it.each([
    {
      name: 'nothing started → start the first ring',
      rings: [progress('lab', ['a'], null), progress('broad', ['b'], null)],
      expected: { kind: 'start-ring', ring: 0, name: 'lab' },
    },
    {
      name: 'first ring running (member without a result is pending)',
      rings: [progress('lab', ['a', 'b'], T0, { a: 'succeeded' }), progress('broad', ['c'], null)],
      expected: { kind: 'wait', ring: 0, name: 'lab', status: 'running', reason: '1 of 2 machine(s) finished' },
    },
    {
      name: 'first ring soaking',
      rings: [progress('lab', ['a'], T0, { a: 'succeeded' }, 3600), progress('broad', ['c'], null)],
      expected: {
        kind: 'wait',
        ring: 0,
        name: 'lab',
        status: 'soaking',
        reason: 'soaking until 2026-05-04T09:05:00.000Z',
      },
    },
    {
      name: 'first ring passed → start the second',
      rings: [progress('lab', ['a'], T0, { a: 'succeeded', z: 'failed' }), progress('broad', ['c'], null)],
      expected: { kind: 'start-ring', ring: 1, name: 'broad' },
    },
    {
      name: 'first ring failed → halt',
      rings: [progress('lab', ['a'], T0, { a: 'failed' }), progress('broad', ['c'], null)],
      expected: { kind: 'halt', ring: 0, name: 'lab', reason: "1 failure(s) exceed the ring's limit of 0" },
    },
    {
      name: 'second ring halted after the first passed',
      rings: [
        progress('lab', ['a'], T0, { a: 'succeeded' }),
        progress('broad', ['c', 'd'], at(10), { c: 'succeeded', d: 'rolled-back' }),
      ],
      expected: { kind: 'halt', ring: 1, name: 'broad', reason: "1 failure(s) exceed the ring's limit of 0" },
    },
    {
      name: 'all passed → complete',
      rings: [progress('lab', ['a'], T0, { a: 'succeeded' }), progress('broad', [], at(10))],
      expected: { kind: 'complete' },
    },
    { name: 'no rings → complete', rings: [], expected: { kind: 'complete' } },
  ])('$name', ({ rings, expected }) => {
    expect(nextAction({ rings, deadline: null }, at(20))).toEqual(expected);
  });

  it('the deadline makes a stuck ring halt instead of waiting forever', () => {
    const rings = [progress('lab', ['a', 'b'], T0, { a: 'succeeded', b: 'waiting-window' })];
    expect(nextAction({ rings, deadline: at(60) }, at(59))).toMatchObject({ kind: 'wait', status: 'running' });
    expect(nextAction({ rings, deadline: at(60) }, at(60))).toMatchObject({
      kind: 'halt',
      reason: expect.stringMatching(/1 missed/),
    });
  });
});
