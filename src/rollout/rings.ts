/**
 * Ring selection: which target machines go into which ring. Pure and deterministic: the same
 * rings, machines, seed and volunteers always give the same plan.
 *
 * Rules, in the order they are applied:
 * 1. Every machine lands in at most one ring; machine ids are deduplicated (first occurrence wins).
 * 2. Explicit rings claim their listed machines first, in ring order: a machine listed by two
 *    explicit rings belongs to the earlier one. Listed ids that are not target machines are
 *    reported in `unknownIds` and ignored.
 * 3. The other rings then take, in ring order, from the machines not yet placed:
 *    - percent p: ceil(p × T / 100) machines, T = number of target machines (so "10%" means a tenth
 *      of the whole fleet, and any p > 0 takes at least one), capped at what is left. Machines are
 *      ranked by SHA-256(seed, NUL, machine id) and taken from the lowest rank: a seeded shuffle that
 *      does not move the other machines when one is added or removed.
 *    - least-critical-first: machines sorted by criticality (low, medium, high, critical), then
 *      name, then id; the first `count`. Without `count`: every machine at the lowest criticality left.
 *    - one-per-role: one machine per distinct role (machines without a role form one role), roles in
 *      name order with the role-less last; per role the least critical, then first by name, then id.
 *      `count` caps the number of roles.
 *    - volunteers: machines whose id is in `volunteers` or tagged "volunteer", by name then id;
 *      `count` caps them.
 * 4. Catch-all: when the LAST ring is a percent ring of exactly 100 or is named "broad"
 *    (case-insensitive, surrounding blanks ignored), it takes every machine still unplaced after all
 *    other rings have chosen (after its own explicit list, if it has one), whatever its members say.
 * 5. Machines in no ring are returned in `unplaced` (only possible without a catch-all last ring).
 *
 * Within a ring, machine ids are in the order the ring chose them (list order, rank, sort order);
 * the catch-all appends the rest in the order of `machines`.
 */
import { createHash } from 'node:crypto';
import { PatchhiveError } from '../errors.js';
import type { Criticality } from '../protocol/api.js';
import { RING_STRATEGIES, type RingCandidate, type RingSpec } from './model.js';

/** The tag that makes a machine a volunteer for the `volunteers` strategy. */
export const VOLUNTEER_TAG = 'volunteer';

/** The ring a machine was placed in. */
export interface RingAssignment {
  name: string;
  machineIds: string[];
}

/** The result of ring selection: one entry per ring, in ring order. */
export interface RingPlan {
  rings: RingAssignment[];
  /** Target machines no ring took. */
  unplaced: string[];
  /** Ids listed by explicit rings that are not among the target machines. */
  unknownIds: string[];
}

const CRITICALITY_RANK: Record<Criticality, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Problems with a ring list, each with a JSON path ("$[1].members.percent: …"); empty when valid. */
export function ringSpecProblems(rings: readonly RingSpec[]): string[] {
  const problems: string[] = [];
  const input: unknown = rings; // from a request body: not proven an array yet
  if (!Array.isArray(input) || rings.length === 0) return ['$: a deployment needs at least one ring'];
  const names = new Set<string>();
  rings.forEach((ring, i) => {
    const at = `$[${i}]`;
    const name = typeof ring.name === 'string' ? ring.name.trim() : '';
    if (!name) problems.push(`${at}.name: must be a non-empty string`);
    else if (names.has(name.toLowerCase())) problems.push(`${at}.name: duplicate ring name "${name}"`);
    names.add(name.toLowerCase());
    problems.push(...membersProblems(ring, at));
    if (!isNonNegativeInteger(ring.soakSeconds)) problems.push(`${at}.soakSeconds: must be an integer ≥ 0`);
    const ratio = ring.gate?.minSuccessRatio;
    if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1))
      problems.push(`${at}.gate.minSuccessRatio: must be between 0 and 1`);
    if (!isNonNegativeInteger(ring.gate?.maxFailures)) problems.push(`${at}.gate.maxFailures: must be an integer ≥ 0`);
  });
  return problems;
}

function membersProblems(ring: RingSpec, at: string): string[] {
  const m = ring.members;
  switch (m?.kind) {
    case 'explicit':
      return Array.isArray(m.machineIds) && m.machineIds.every((id) => typeof id === 'string' && id !== '')
        ? []
        : [`${at}.members.machineIds: must be a list of machine ids`];
    case 'percent':
      return typeof m.percent === 'number' && m.percent >= 0 && m.percent <= 100
        ? []
        : [`${at}.members.percent: must be between 0 and 100`];
    case 'strategy': {
      const out: string[] = [];
      if (!(RING_STRATEGIES as readonly string[]).includes(m.strategy))
        out.push(`${at}.members.strategy: unknown strategy "${String(m.strategy)}"`);
      if (m.count !== undefined && !(isNonNegativeInteger(m.count) && m.count > 0))
        out.push(`${at}.members.count: must be an integer ≥ 1`);
      return out;
    }
    default:
      return [`${at}.members.kind: must be explicit, percent or strategy`];
  }
}

function isNonNegativeInteger(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** True when this ring, as the last one, takes every machine left (percent 100 or named "broad"). */
export function isCatchAllRing(ring: RingSpec): boolean {
  return (
    (ring.members.kind === 'percent' && ring.members.percent === 100) || ring.name.trim().toLowerCase() === 'broad'
  );
}

/** Places each target machine in at most one ring (see the header for the exact rules); throws E_BAD_REQUEST for invalid rings. */
export function selectRingMembers(
  rings: readonly RingSpec[],
  machines: readonly RingCandidate[],
  opts: { seed: string; volunteers: ReadonlySet<string> },
): RingPlan {
  const problems = ringSpecProblems(rings);
  if (problems.length > 0)
    throw new PatchhiveError('E_BAD_REQUEST', `invalid rings: ${problems.join('; ')}`, { path: '$.rings' });

  const byId = new Map<string, RingCandidate>();
  for (const m of machines) if (!byId.has(m.id)) byId.set(m.id, m);
  const placed = new Set<string>();
  const chosen: string[][] = rings.map(() => []);
  const unknown = new Set<string>();
  const take = (ringIndex: number, ids: Iterable<string>): void => {
    for (const id of ids) {
      if (placed.has(id)) continue;
      placed.add(id);
      chosen[ringIndex]!.push(id);
    }
  };

  rings.forEach((ring, i) => {
    if (ring.members.kind !== 'explicit') return;
    for (const id of ring.members.machineIds) if (!byId.has(id)) unknown.add(id);
    take(
      i,
      ring.members.machineIds.filter((id) => byId.has(id)),
    );
  });

  const last = rings.length - 1;
  const catchAll = isCatchAllRing(rings[last]!);
  rings.forEach((ring, i) => {
    if (ring.members.kind === 'explicit' || (i === last && catchAll)) return;
    const left = [...byId.values()].filter((m) => !placed.has(m.id));
    take(i, pickByMembers(ring, left, byId.size, opts));
  });
  if (catchAll) take(last, byId.keys());

  return {
    rings: rings.map((ring, i) => ({ name: ring.name, machineIds: chosen[i]! })),
    unplaced: [...byId.keys()].filter((id) => !placed.has(id)),
    unknownIds: [...unknown],
  };
}

/** The ids a percent or strategy ring takes from the machines left. */
function pickByMembers(
  ring: RingSpec,
  left: RingCandidate[],
  total: number,
  opts: { seed: string; volunteers: ReadonlySet<string> },
): string[] {
  const m = ring.members;
  if (m.kind === 'percent') {
    // The epsilon keeps 0.1×30 (2.9999…) from rounding up to 4.
    const count = Math.ceil((m.percent * total) / 100 - 1e-9);
    return seededOrder(left, opts.seed).slice(0, count);
  }
  if (m.kind !== 'strategy') return [];
  switch (m.strategy) {
    case 'least-critical-first': {
      const sorted = [...left].sort(byCriticalityThenName);
      if (m.count !== undefined) return sorted.slice(0, m.count).map((x) => x.id);
      const lowest = sorted[0]?.criticality;
      return sorted.filter((x) => x.criticality === lowest).map((x) => x.id);
    }
    case 'one-per-role':
      return onePerRole(left).slice(0, m.count ?? Infinity);
    case 'volunteers':
      return left
        .filter((x) => opts.volunteers.has(x.id) || x.tags.includes(VOLUNTEER_TAG))
        .sort(byNameThenId)
        .slice(0, m.count ?? Infinity)
        .map((x) => x.id);
  }
}

function onePerRole(left: RingCandidate[]): string[] {
  const best = new Map<string | null, RingCandidate>();
  for (const x of [...left].sort(byCriticalityThenName)) if (!best.has(x.role)) best.set(x.role, x);
  const roles = [...best.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : compareText(a, b)));
  return roles.map((r) => best.get(r)!.id);
}

/** Ids ranked by SHA-256(seed NUL id): stable per machine, independent of the others. */
function seededOrder(left: RingCandidate[], seed: string): string[] {
  const ranked = left.map((x) => ({
    id: x.id,
    rank: createHash('sha256').update(`${seed}\u0000${x.id}`).digest('hex'),
  }));
  ranked.sort((a, b) => compareText(a.rank, b.rank) || compareText(a.id, b.id));
  return ranked.map((x) => x.id);
}

function byCriticalityThenName(a: RingCandidate, b: RingCandidate): number {
  return CRITICALITY_RANK[a.criticality] - CRITICALITY_RANK[b.criticality] || byNameThenId(a, b);
}

function byNameThenId(a: RingCandidate, b: RingCandidate): number {
  return compareText(a.name, b.name) || compareText(a.id, b.id);
}

/** Code-unit order: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
