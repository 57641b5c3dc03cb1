import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../errors.js';
import type { Criticality } from '../protocol/api.js';
import type { RingCandidate, RingMembers, RingSpec } from './model.js';
import { isCatchAllRing, ringSpecProblems, selectRingMembers } from './rings.js';

/** A machine builder: id doubles as name unless given. */
function machine(id: string, over: Partial<RingCandidate> = {}): RingCandidate {
  return { id, name: id, role: null, criticality: 'medium', tags: [], ...over };
}

function ring(name: string, members: RingMembers, soakSeconds = 0): RingSpec {
  return { name, members, soakSeconds, gate: { minSuccessRatio: 1, maxFailures: 0 } };
}

const crit = (id: string, criticality: Criticality, role: string | null = null, tags: string[] = []): RingCandidate =>
  machine(id, { criticality, role, tags });

/** Ten machines m00..m09 with varied attributes. */
const FLEET: RingCandidate[] = [
  crit('m00', 'critical', 'db'),
  crit('m01', 'low', 'web'),
  crit('m02', 'high', 'web', ['volunteer']),
  crit('m03', 'low', 'db'),
  crit('m04', 'medium', null),
  crit('m05', 'medium', 'web'),
  crit('m06', 'low', null, ['volunteer']),
  crit('m07', 'critical', 'dns'),
  crit('m08', 'medium', 'dns'),
  crit('m09', 'high', null),
];
const NO_VOLUNTEERS = new Set<string>();

const table: {
  name: string;
  rings: RingSpec[];
  volunteers?: Set<string>;
  expected: string[][];
  unplaced?: string[];
  unknown?: string[];
}[] = [
  {
    name: 'explicit rings first, earlier ring wins a doubly listed machine, unknown ids reported',
    rings: [
      ring('lab', { kind: 'explicit', machineIds: ['m03', 'zz', 'm01'] }),
      ring('pilot', { kind: 'explicit', machineIds: ['m01', 'm05'] }),
    ],
    expected: [['m03', 'm01'], ['m05']],
    unplaced: ['m00', 'm02', 'm04', 'm06', 'm07', 'm08', 'm09'],
    unknown: ['zz'],
  },
  {
    name: 'explicit in a later ring is claimed before an earlier strategy ring',
    rings: [
      ring('lab', { kind: 'strategy', strategy: 'least-critical-first', count: 2 }),
      ring('pilot', { kind: 'explicit', machineIds: ['m01'] }),
    ],
    expected: [['m03', 'm06'], ['m01']],
    unplaced: ['m00', 'm02', 'm04', 'm05', 'm07', 'm08', 'm09'],
  },
  {
    name: 'least-critical-first with count: criticality then name',
    rings: [
      ring('lab', { kind: 'strategy', strategy: 'least-critical-first', count: 4 }),
      ring('broad', { kind: 'percent', percent: 0 }),
    ],
    expected: [
      ['m01', 'm03', 'm06', 'm04'],
      ['m00', 'm02', 'm05', 'm07', 'm08', 'm09'],
    ],
  },
  {
    name: 'least-critical-first without count: every machine at the lowest criticality left',
    rings: [
      ring('lab', { kind: 'explicit', machineIds: ['m01', 'm03', 'm06'] }),
      ring('next', { kind: 'strategy', strategy: 'least-critical-first' }),
    ],
    expected: [
      ['m01', 'm03', 'm06'],
      ['m04', 'm05', 'm08'],
    ],
    unplaced: ['m00', 'm02', 'm07', 'm09'],
  },
  {
    name: 'one-per-role: roles by name, role-less last, least critical per role',
    rings: [ring('pilot', { kind: 'strategy', strategy: 'one-per-role' })],
    expected: [['m03', 'm08', 'm01', 'm06']],
    unplaced: ['m00', 'm02', 'm04', 'm05', 'm07', 'm09'],
  },
  {
    name: 'one-per-role with count caps the roles',
    rings: [ring('pilot', { kind: 'strategy', strategy: 'one-per-role', count: 2 })],
    expected: [['m03', 'm08']],
    unplaced: ['m00', 'm01', 'm02', 'm04', 'm05', 'm06', 'm07', 'm09'],
  },
  {
    name: 'volunteers: tagged or listed, by name',
    rings: [
      ring('pilot', { kind: 'strategy', strategy: 'volunteers' }),
      ring('Broad ', { kind: 'strategy', strategy: 'volunteers' }),
    ],
    volunteers: new Set(['m09', 'nope']),
    expected: [
      ['m02', 'm06', 'm09'],
      ['m00', 'm01', 'm03', 'm04', 'm05', 'm07', 'm08'],
    ],
  },
  {
    name: 'volunteers with count',
    rings: [ring('pilot', { kind: 'strategy', strategy: 'volunteers', count: 1 })],
    expected: [['m02']],
    unplaced: ['m00', 'm01', 'm03', 'm04', 'm05', 'm06', 'm07', 'm08', 'm09'],
  },
  {
    name: 'last ring percent 100 is catch-all',
    rings: [ring('lab', { kind: 'explicit', machineIds: ['m00'] }), ring('rest', { kind: 'percent', percent: 100 })],
    expected: [['m00'], ['m01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07', 'm08', 'm09']],
  },
  {
    name: 'last ring named broad takes the rest after its own explicit list',
    rings: [
      ring('broad', { kind: 'explicit', machineIds: ['m09'] }),
      ring('lab', { kind: 'strategy', strategy: 'volunteers' }),
    ].reverse(),
    expected: [
      ['m02', 'm06'],
      ['m09', 'm00', 'm01', 'm03', 'm04', 'm05', 'm07', 'm08'],
    ],
  },
  {
    name: 'a ring named broad that is not last is an ordinary ring',
    rings: [
      ring('broad', { kind: 'strategy', strategy: 'volunteers' }),
      ring('after', { kind: 'explicit', machineIds: ['m00'] }),
    ],
    expected: [['m02', 'm06'], ['m00']],
    unplaced: ['m01', 'm03', 'm04', 'm05', 'm07', 'm08', 'm09'],
  },
];

describe('selectRingMembers', () => {
  it.each(table)('$name', ({ rings, volunteers, expected, unplaced = [], unknown = [] }) => {
    const plan = selectRingMembers(rings, FLEET, { seed: 's1', volunteers: volunteers ?? NO_VOLUNTEERS });
    expect(plan.rings.map((r) => r.machineIds)).toEqual(expected);
    expect(plan.rings.map((r) => r.name)).toEqual(rings.map((r) => r.name));
    expect(plan.unplaced).toEqual(unplaced);
    expect(plan.unknownIds).toEqual(unknown);
  });

  it('places every machine exactly once', () => {
    const rings = [
      ring('lab', { kind: 'explicit', machineIds: ['m07'] }),
      ring('canary', { kind: 'percent', percent: 20 }),
      ring('pilot', { kind: 'strategy', strategy: 'one-per-role' }),
      ring('broad', { kind: 'percent', percent: 5 }),
    ];
    const plan = selectRingMembers(rings, [...FLEET, FLEET[3]!], { seed: 'x', volunteers: NO_VOLUNTEERS });
    const all = plan.rings.flatMap((r) => r.machineIds);
    expect(all.sort()).toEqual(FLEET.map((m) => m.id).sort());
    expect(plan.unplaced).toEqual([]);
    expect(plan.rings[1]!.machineIds).toHaveLength(2);
  });

  it('a last percent ring below 100 is not catch-all: the rest stays unplaced', () => {
    const rings = [
      ring('lab', { kind: 'explicit', machineIds: ['m00', 'm01'] }),
      ring('rest', { kind: 'percent', percent: 70 }),
    ];
    const plan = selectRingMembers(rings, FLEET, { seed: 's', volunteers: NO_VOLUNTEERS });
    expect(plan.rings[1]!.machineIds).toHaveLength(7);
    expect(plan.unplaced).toHaveLength(1);
    expect(plan.rings[1]!.machineIds).not.toContain(plan.unplaced[0]);
  });

  it('percent of the whole target, rounded up, capped at what is left', () => {
    const pct = (p: number, lab: string[]) =>
      selectRingMembers(
        [ring('lab', { kind: 'explicit', machineIds: lab }), ring('p', { kind: 'percent', percent: p })],
        FLEET,
        {
          seed: 's',
          volunteers: NO_VOLUNTEERS,
        },
      ).rings[1]!.machineIds.length;
    expect(pct(10, [])).toBe(1);
    expect(pct(1, [])).toBe(1);
    expect(pct(0, [])).toBe(0);
    expect(pct(30, [])).toBe(3);
    expect(pct(31, [])).toBe(4);
    expect(pct(50, ['m00', 'm01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07'])).toBe(2);
  });

  it('percent sampling: same seed → same plan, other seed → other plan, stable when a machine is added', () => {
    const rings = [ring('canary', { kind: 'percent', percent: 30 }), ring('rest', { kind: 'percent', percent: 100 })];
    const plan = (seed: string, machines = FLEET) =>
      selectRingMembers(rings, machines, { seed, volunteers: NO_VOLUNTEERS }).rings[0]!.machineIds;
    expect(plan('alpha')).toEqual(plan('alpha'));
    expect(plan('alpha')).toEqual(
      selectRingMembers(rings, [...FLEET].reverse(), { seed: 'alpha', volunteers: NO_VOLUNTEERS }).rings[0]!.machineIds,
    );
    const seeds = ['alpha', 'beta', 'gamma', 'delta'].map((s) => plan(s).join(','));
    expect(new Set(seeds).size).toBeGreaterThan(1);
    // 30% of 10 and of 9 are both 3: dropping a machine outside the sample leaves the sample alone.
    const sample = plan('alpha');
    const outsider = FLEET.find((m) => !sample.includes(m.id))!;
    expect(
      plan(
        'alpha',
        FLEET.filter((m) => m !== outsider),
      ),
    ).toEqual(sample);
  });

  it('rejects invalid rings with E_BAD_REQUEST', () => {
    const bad = () =>
      selectRingMembers([ring('x', { kind: 'percent', percent: 120 })], FLEET, { seed: '', volunteers: NO_VOLUNTEERS });
    expect(bad).toThrow(PatchhiveError);
    expect(bad).toThrow(/percent: must be between 0 and 100/);
  });
});

describe('ringSpecProblems', () => {
  it.each([
    { name: 'empty list', rings: [], expected: ['$: a deployment needs at least one ring'] },
    {
      name: 'duplicate names (case-insensitive)',
      rings: [ring('Lab', { kind: 'percent', percent: 1 }), ring('lab', { kind: 'percent', percent: 1 })],
      expected: ['$[1].name: duplicate ring name "lab"'],
    },
    {
      name: 'blank name',
      rings: [ring(' ', { kind: 'percent', percent: 1 })],
      expected: ['$[0].name: must be a non-empty string'],
    },
    {
      name: 'negative percent',
      rings: [ring('a', { kind: 'percent', percent: -1 })],
      expected: ['$[0].members.percent: must be between 0 and 100'],
    },
    {
      name: 'unknown strategy',
      rings: [ring('a', { kind: 'strategy', strategy: 'random' as 'volunteers' })],
      expected: ['$[0].members.strategy: unknown strategy "random"'],
    },
    {
      name: 'zero count',
      rings: [ring('a', { kind: 'strategy', strategy: 'volunteers', count: 0 })],
      expected: ['$[0].members.count: must be an integer ≥ 1'],
    },
    {
      name: 'bad explicit ids',
      rings: [ring('a', { kind: 'explicit', machineIds: [''] })],
      expected: ['$[0].members.machineIds: must be a list of machine ids'],
    },
    {
      name: 'negative soak',
      rings: [ring('a', { kind: 'percent', percent: 1 }, -5)],
      expected: ['$[0].soakSeconds: must be an integer ≥ 0'],
    },
    {
      name: 'bad gate',
      rings: [{ ...ring('a', { kind: 'percent', percent: 1 }), gate: { minSuccessRatio: 1.5, maxFailures: 0.5 } }],
      expected: ['$[0].gate.minSuccessRatio: must be between 0 and 1', '$[0].gate.maxFailures: must be an integer ≥ 0'],
    },
    {
      name: 'valid',
      rings: [
        ring('a', { kind: 'percent', percent: 0 }),
        ring('b', { kind: 'strategy', strategy: 'one-per-role', count: 3 }),
      ],
      expected: [],
    },
  ])('$name', ({ rings, expected }) => {
    expect(ringSpecProblems(rings)).toEqual(expected);
  });
});

describe('isCatchAllRing', () => {
  it.each([
    { r: ring('rest', { kind: 'percent', percent: 100 }), expected: true },
    { r: ring(' BROAD ', { kind: 'strategy', strategy: 'volunteers' }), expected: true },
    { r: ring('broadcast', { kind: 'percent', percent: 50 }), expected: false },
    { r: ring('rest', { kind: 'percent', percent: 99.9 }), expected: false },
  ])('$r.name $r.members.kind → $expected', ({ r, expected }) => {
    expect(isCatchAllRing(r)).toBe(expected);
  });
});
