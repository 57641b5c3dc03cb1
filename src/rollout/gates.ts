/**
 * Gate decisions: where a ring stands and what a deployment should do next. Pure; `now` is passed in.
 *
 * Counting (per ring):
 * - finished = succeeded, failed, missed, rolled-back; the others (pending, waiting-window,
 *   running) are unfinished. With a deployment deadline, an unfinished machine at or after the
 *   deadline counts as missed.
 * - failures = failed + rolled-back. A missed machine is not a failure (an offline laptop must not
 *   halt a rollout) but it is not a success either: it lowers the success ratio.
 * - success ratio = succeeded / members.
 *
 * Status, first match wins:
 * 1. halted  — failures > maxFailures (at once, even while members are still running);
 * 2. running — some member has not finished;
 * 3. halted  — every member finished and the success ratio < minSuccessRatio;
 * 4. soaking — now < soak end, where the soak runs soakSeconds from the latest `finishedAt` of the
 *    members (or from ringStartedAt when none is known, or when it is later);
 * 5. passed. A ring with no members passes at once, without a soak: nothing ran that could fail.
 */
import { PatchhiveError } from '../errors.js';
import { instantMillis } from '../policy/deadlines.js';
import { FINISHED_RUN_STATES, type MachineResult, type RingGate, type RingSpec } from './model.js';

/** The verdict on one ring. */
export type RingStatus = 'running' | 'soaking' | 'passed' | 'halted';

/** A ring's status with the counts and the reason behind it. */
export interface RingEvaluation {
  status: RingStatus;
  reason: string;
  counts: { members: number; succeeded: number; failures: number; missed: number; unfinished: number };
  /** When the soak ends (set once every member finished and the gate held). */
  soakEndsAt: string | null;
}

/** Where one ring of a running deployment stands. */
export interface RingProgress {
  spec: RingSpec;
  /** The ring's members (from selectRingMembers). */
  machineIds: string[];
  /** null: not started yet. */
  startedAt: string | null;
  /** Known results; a member without one counts as pending. */
  results: MachineResult[];
}

/** What the deployment should do now. */
export type NextAction =
  | { kind: 'start-ring'; ring: number; name: string }
  | { kind: 'wait'; ring: number; name: string; status: 'running' | 'soaking'; reason: string }
  | { kind: 'halt'; ring: number; name: string; reason: string }
  | { kind: 'complete' };

/** Evaluates one ring's gate (rules in the header); `deadline` turns unfinished members into missed once reached. */
export function evaluateRing(
  results: readonly MachineResult[],
  gate: RingGate,
  ringStartedAt: string,
  soakSeconds: number,
  now: string,
  deadline: string | null = null,
): RingEvaluation {
  const nowMs = millis(now, 'now');
  const pastDeadline = deadline !== null && nowMs >= millis(deadline, 'deadline');
  const counts = { members: results.length, succeeded: 0, failures: 0, missed: 0, unfinished: 0 };
  let lastFinished = millis(ringStartedAt, 'ringStartedAt');
  for (const r of results) {
    if (!FINISHED_RUN_STATES.has(r.state)) {
      if (pastDeadline) counts.missed++;
      else counts.unfinished++;
      continue;
    }
    if (r.state === 'succeeded') counts.succeeded++;
    else if (r.state === 'missed') counts.missed++;
    else counts.failures++;
    if (r.finishedAt) lastFinished = Math.max(lastFinished, millis(r.finishedAt, 'finishedAt'));
  }
  const out = (status: RingStatus, reason: string, soakEndsAt: string | null = null): RingEvaluation => ({
    status,
    reason,
    counts,
    soakEndsAt,
  });

  if (counts.failures > gate.maxFailures) {
    return out('halted', `${counts.failures} failure(s) exceed the ring's limit of ${gate.maxFailures}`);
  }
  if (counts.unfinished > 0) {
    return out('running', `${counts.members - counts.unfinished} of ${counts.members} machine(s) finished`);
  }
  if (counts.members === 0) return out('passed', 'the ring has no members');
  const ratio = counts.succeeded / counts.members;
  if (ratio < gate.minSuccessRatio) {
    const missed = counts.missed > 0 ? ` (${counts.missed} missed)` : '';
    return out(
      'halted',
      `success ratio ${formatRatio(ratio)} is below the required ${formatRatio(gate.minSuccessRatio)}${missed}`,
    );
  }
  const soakEnd = lastFinished + soakSeconds * 1000;
  const soakEndsAt = new Date(soakEnd).toISOString();
  if (nowMs < soakEnd) return out('soaking', `soaking until ${soakEndsAt}`, soakEndsAt);
  const soaked = soakSeconds > 0 ? `, soaked ${soakSeconds}s` : '';
  return out('passed', `${counts.succeeded} of ${counts.members} succeeded${soaked}`, soakEndsAt);
}

/**
 * The next step for a deployment: rings run in order; the first ring not yet started is started
 * once every ring before it passed; a halted ring halts the deployment; all rings passed completes it.
 */
export function nextAction(
  progress: { rings: readonly RingProgress[]; deadline: string | null },
  now: string,
): NextAction {
  for (const [i, ring] of progress.rings.entries()) {
    const name = ring.spec.name;
    if (ring.startedAt === null) return { kind: 'start-ring', ring: i, name };
    const e = evaluateRing(
      resultsOf(ring),
      ring.spec.gate,
      ring.startedAt,
      ring.spec.soakSeconds,
      now,
      progress.deadline,
    );
    if (e.status === 'halted') return { kind: 'halt', ring: i, name, reason: e.reason };
    if (e.status !== 'passed') return { kind: 'wait', ring: i, name, status: e.status, reason: e.reason };
  }
  return { kind: 'complete' };
}

/** One result per member, in member order; members without a result are pending; results for non-members are ignored. */
function resultsOf(ring: RingProgress): MachineResult[] {
  const known = new Map(ring.results.map((r) => [r.machineId, r]));
  return [...new Set(ring.machineIds)].map((id) => known.get(id) ?? { machineId: id, state: 'pending' });
}

function formatRatio(r: number): string {
  return String(Math.round(r * 1000) / 1000);
}

function millis(iso: string, what: string): number {
  const ms = instantMillis(iso);
  if (ms === null) throw new PatchhiveError('E_BAD_REQUEST', `${what} is not an ISO 8601 time: "${iso}"`);
  return ms;
}
