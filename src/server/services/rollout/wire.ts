/**
 * Deployments, their machines and jobs as the API shows them (src/protocol/deploy-api.ts), and the
 * ring progress the gates read, both from stored records. Pure.
 */
import type { DeploymentMachineWire, DeploymentWire, JobWire, RingStatusWire } from '../../../protocol/deploy-api.js';
import { MACHINE_DEPLOY_STATES } from '../../../protocol/deploy-api.js';
import type { JobSummaryWire } from '../../../protocol/console-api.js';
import type { RingProgress } from '../../../rollout/gates.js';
import type { MachineRunState } from '../../../rollout/model.js';
import type {
  DeploymentMachineRecord,
  DeploymentMachineState,
  DeploymentRecord,
  JobRecord,
} from '../../../store/ports.js';

type Counts = Partial<Record<DeploymentMachineState, number>>;
const UNFINISHED: ReadonlySet<DeploymentMachineState> = new Set(['pending', 'waiting-window', 'running', 'validating']);

/** The state the gate sees: an install that waits for its rescan is still running. */
export function gateStateOf(s: DeploymentMachineState): MachineRunState {
  return s === 'validating' ? 'running' : s;
}

/** True for states a machine leaves by itself (or by a report). */
export function isUnfinished(s: DeploymentMachineState): boolean {
  return UNFINISHED.has(s);
}

/** Each ring's members and results, for nextAction. */
export function ringProgressOf(d: DeploymentRecord, rows: readonly DeploymentMachineRecord[]): RingProgress[] {
  return d.spec.rings.map((spec, i) => {
    const mine = rows.filter((r) => r.ringIndex === i);
    return {
      spec,
      machineIds: mine.map((r) => r.machineId),
      startedAt: d.ringStartedAt[i] ?? null,
      results: mine.map((r) => ({ machineId: r.machineId, state: gateStateOf(r.state), finishedAt: r.finishedAt })),
    };
  });
}

/** Per ring, how many machines are in each state. */
export function countsByRing(
  rows: readonly { ringIndex: number; state: DeploymentMachineState; count?: number }[],
): Map<number, Counts> {
  const out = new Map<number, Counts>();
  for (const r of rows) {
    const c = out.get(r.ringIndex) ?? out.set(r.ringIndex, {}).get(r.ringIndex)!;
    c[r.state] = (c[r.state] ?? 0) + (r.count ?? 1);
  }
  return out;
}

function ringStatus(d: DeploymentRecord, i: number, unfinished: number): RingStatusWire['status'] {
  if (!d.ringStartedAt[i]) return 'waiting';
  if (d.status === 'halted' && i === d.currentRing) return 'halted';
  if (i < d.currentRing || d.status === 'completed') return 'passed';
  // The engine moves on as soon as a ring passes: a current ring with everyone finished is soaking.
  return unfinished > 0 ? 'running' : 'soaking';
}

function sum(c: Counts, pred: (s: DeploymentMachineState) => boolean = () => true): number {
  return Object.entries(c).reduce((n, [s, v]) => (pred(s as DeploymentMachineState) ? n + (v ?? 0) : n), 0);
}

function fullCounts(c: Counts): Record<(typeof MACHINE_DEPLOY_STATES)[number], number> {
  return Object.fromEntries(MACHINE_DEPLOY_STATES.map((s) => [s, c[s] ?? 0])) as Record<
    (typeof MACHINE_DEPLOY_STATES)[number],
    number
  >;
}

/** A deployment with its rings' progress. */
export function deploymentToWire(d: DeploymentRecord, byRing: Map<number, Counts>, unplaced: string[]): DeploymentWire {
  const total: Counts = {};
  const rings = d.spec.rings.map((spec, i): RingStatusWire => {
    const c = byRing.get(i) ?? {};
    for (const [s, v] of Object.entries(c))
      total[s as DeploymentMachineState] = (total[s as DeploymentMachineState] ?? 0) + (v ?? 0);
    const members = sum(c);
    return {
      index: i,
      name: spec.name,
      status: ringStatus(d, i, sum(c, isUnfinished)),
      startedAt: d.ringStartedAt[i] ?? null,
      soakSeconds: spec.soakSeconds,
      gate: spec.gate,
      members,
      counts: fullCounts(c),
      successRatio: members === 0 ? 0 : (c.succeeded ?? 0) / members,
    };
  });
  return {
    id: d.id,
    name: d.name,
    status: d.status,
    statusReason: d.statusReason,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    finishedAt: d.finishedAt,
    deadline: d.spec.deadline,
    bulletinIds: d.spec.bulletinIds,
    rebootPolicy: d.spec.rebootPolicy,
    rollbackOnHalt: d.spec.rollbackOnHalt,
    currentRing: d.spec.rings[d.currentRing]?.name ?? null,
    rings,
    counts: fullCounts(total),
    unplaced,
  };
}

/** One machine's run in a deployment. */
export function machineRunToWire(
  d: DeploymentRecord,
  r: DeploymentMachineRecord,
  machineName: string,
): DeploymentMachineWire {
  return {
    machineId: r.machineId,
    machineName,
    ring: d.spec.rings[r.ringIndex]?.name ?? '?',
    ringIndex: r.ringIndex,
    state: r.state,
    message: r.message,
    bulletinIds: r.plan.bulletinIds,
    packages: r.plan.packages,
    notInstallable: r.plan.notInstallable,
    jobId: r.jobId,
    rebootDeferrals: r.rebootDeferrals,
    rollback: r.rollbackState,
    rollbackJobId: r.rollbackJobId,
    updatedAt: r.updatedAt,
    finishedAt: r.finishedAt,
  };
}

/** A job with its signed steps and the agent's latest report. */
export function jobToWire(j: JobRecord, machineName: string): JobWire {
  const envelope = parseJson(j.envelope) as { job?: { steps?: unknown[] } } | undefined;
  return {
    ...jobSummaryToWire(j, machineName),
    steps: envelope?.job?.steps ?? [],
    report: j.report ? (parseJson(j.report) ?? null) : null,
  };
}

/** A job without its signed steps and report (a machine's job list). */
export function jobSummaryToWire(j: JobRecord, machineName: string): JobSummaryWire {
  return {
    id: j.id,
    kind: j.kind,
    machineId: j.machineId,
    machineName,
    deploymentId: j.deploymentId,
    sequence: j.sequence,
    state: j.state,
    issuedAt: j.issuedAt,
    expiresAt: j.expiresAt,
    deliveredAt: j.deliveredAt,
    reportedAt: j.reportedAt,
    message: j.message,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
