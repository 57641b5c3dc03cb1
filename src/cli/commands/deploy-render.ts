/**
 * How `patchhive deploy …` shows deployments, their rings, machines and jobs: column sets for
 * table and CSV, and the multi-part status view. Pure functions of the API's answers.
 */
import { z } from 'zod';
import { jobReportSchema } from '../../protocol/agent.js';
import {
  MACHINE_DEPLOY_STATES,
  type DeploymentDetailWire,
  type DeploymentMachineWire,
  type DeploymentWire,
  type JobWire,
  type RingStatusWire,
} from '../../protocol/deploy-api.js';
import { oneLineText } from '../client/api-client.js';
import type { ClientFormat } from '../client/config.js';
import { renderCsv, renderJson, renderRecord, renderTable, type ColumnSet } from '../client/format.js';

type Counts = DeploymentWire['counts'];

/** The machines finished well, badly, or still on their way, from a counts record. */
function count(c: Counts, ...states: (typeof MACHINE_DEPLOY_STATES)[number][]): number {
  return states.reduce((n, s) => n + (c[s] ?? 0), 0);
}
const total = (c: Counts) => count(c, ...MACHINE_DEPLOY_STATES);
const open = (c: Counts) => count(c, 'pending', 'waiting-window', 'running', 'validating');

/** "pending=2 running=1 succeeded=5": the non-zero counts in state order. */
export function countsText(c: Counts): string {
  const parts = MACHINE_DEPLOY_STATES.filter((s) => (c[s] ?? 0) > 0).map((s) => `${s}=${c[s]}`);
  return parts.length > 0 ? parts.join(' ') : 'none';
}

/** "1d", "12h", "90m", "45s", "0": a soak for people. */
export function durationText(seconds: number): string {
  if (seconds === 0) return '0';
  for (const [unit, size] of [
    ['w', 604_800],
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** A gate on one line: "min-success=100% max-failures=0". */
export function gateText(g: RingStatusWire['gate']): string {
  return `min-success=${Math.round(g.minSuccessRatio * 10_000) / 100}% max-failures=${g.maxFailures}`;
}

/** Columns of deployments (list, pause/resume/abort answers). */
export const DEPLOYMENT_COLUMNS: ColumnSet<DeploymentWire> = {
  table: [
    { header: 'NAME', value: (d) => d.name, max: 40 },
    { header: 'STATUS', value: (d) => d.status },
    { header: 'RING', value: (d) => d.currentRing, max: 20 },
    { header: 'MACHINES', value: (d) => total(d.counts) },
    { header: 'SUCCEEDED', value: (d) => count(d.counts, 'succeeded') },
    { header: 'FAILED', value: (d) => count(d.counts, 'failed', 'rolled-back') },
    { header: 'OPEN', value: (d) => open(d.counts) },
    { header: 'CREATED', value: (d) => d.createdAt },
    { header: 'DEADLINE', value: (d) => d.deadline },
    { header: 'ID', value: (d) => d.id },
  ],
  full: [
    { header: 'id', value: (d) => d.id },
    { header: 'name', value: (d) => d.name },
    { header: 'status', value: (d) => d.status },
    { header: 'status_reason', value: (d) => d.statusReason },
    { header: 'current_ring', value: (d) => d.currentRing },
    { header: 'rings', value: (d) => d.rings.map((r) => `${r.name}:${r.status}`) },
    { header: 'counts', value: (d) => countsText(d.counts) },
    { header: 'bulletins', value: (d) => d.bulletinIds },
    { header: 'deadline', value: (d) => d.deadline },
    { header: 'reboot', value: (d) => (d.rebootPolicy ? rebootText(d.rebootPolicy) : null) },
    { header: 'rollback_on_halt', value: (d) => d.rollbackOnHalt },
    { header: 'unplaced', value: (d) => d.unplaced },
    { header: 'created_by', value: (d) => d.createdBy },
    { header: 'created_at', value: (d) => d.createdAt },
    { header: 'updated_at', value: (d) => d.updatedAt },
    { header: 'finished_at', value: (d) => d.finishedAt },
  ],
};

/** A reboot policy on one line: "if-required, only in window, 2 deferrals". */
export function rebootText(p: NonNullable<DeploymentWire['rebootPolicy']>): string {
  return `${p.mode}${p.onlyInWindow ? ', only in window' : ''}, ${p.maxDeferrals} deferral${p.maxDeferrals === 1 ? '' : 's'}`;
}

/** Columns of the rings of a deployment. */
export const RING_COLUMNS: ColumnSet<RingStatusWire> = {
  table: [
    { header: 'RING', value: (r) => r.name, max: 30 },
    { header: 'STATUS', value: (r) => r.status },
    { header: 'MEMBERS', value: (r) => r.members },
    { header: 'SUCCEEDED', value: (r) => count(r.counts, 'succeeded') },
    { header: 'FAILED', value: (r) => count(r.counts, 'failed', 'rolled-back') },
    { header: 'OPEN', value: (r) => open(r.counts) },
    { header: 'MISSED', value: (r) => count(r.counts, 'missed') },
    { header: 'SOAK', value: (r) => durationText(r.soakSeconds) },
    { header: 'GATE', value: (r) => gateText(r.gate) },
    { header: 'STARTED', value: (r) => r.startedAt },
  ],
  full: [
    { header: 'index', value: (r) => r.index },
    { header: 'ring', value: (r) => r.name },
    { header: 'status', value: (r) => r.status },
    { header: 'started_at', value: (r) => r.startedAt },
    { header: 'members', value: (r) => r.members },
    ...MACHINE_DEPLOY_STATES.map((s) => ({
      header: s.replace('-', '_'),
      value: (r: RingStatusWire) => r.counts[s] ?? 0,
    })),
    { header: 'success_ratio', value: (r) => r.successRatio },
    { header: 'soak_seconds', value: (r) => r.soakSeconds },
    { header: 'min_success_ratio', value: (r) => r.gate.minSuccessRatio },
    { header: 'max_failures', value: (r) => r.gate.maxFailures },
  ],
};

/** Columns of the machines of a deployment. */
export const MACHINE_COLUMNS: ColumnSet<DeploymentMachineWire> = {
  table: [
    { header: 'MACHINE', value: (m) => m.machineName, max: 40 },
    { header: 'RING', value: (m) => m.ring, max: 20 },
    { header: 'STATE', value: (m) => m.state },
    { header: 'PACKAGES', value: (m) => m.packages.length },
    { header: 'ROLLBACK', value: (m) => m.rollback },
    { header: 'UPDATED', value: (m) => m.updatedAt },
    { header: 'MESSAGE', value: (m) => m.message, max: 100 },
  ],
  full: [
    { header: 'machine_id', value: (m) => m.machineId },
    { header: 'machine', value: (m) => m.machineName },
    { header: 'ring', value: (m) => m.ring },
    { header: 'ring_index', value: (m) => m.ringIndex },
    { header: 'state', value: (m) => m.state },
    { header: 'message', value: (m) => m.message },
    { header: 'bulletins', value: (m) => m.bulletinIds },
    { header: 'packages', value: (m) => m.packages.map((p) => `${p.name}=${p.version}`) },
    { header: 'previous_versions', value: (m) => m.packages.map((p) => `${p.name}=${p.previousVersion ?? '(new)'}`) },
    { header: 'not_installable', value: (m) => m.notInstallable.map((n) => n.bulletinId) },
    { header: 'job_id', value: (m) => m.jobId },
    { header: 'reboot_deferrals', value: (m) => m.rebootDeferrals },
    { header: 'rollback', value: (m) => m.rollback },
    { header: 'rollback_job_id', value: (m) => m.rollbackJobId },
    { header: 'updated_at', value: (m) => m.updatedAt },
    { header: 'finished_at', value: (m) => m.finishedAt },
  ],
};

/** Columns of jobs. */
export const JOB_COLUMNS: ColumnSet<JobWire> = {
  table: [
    { header: 'JOB', value: (j) => j.id },
    { header: 'KIND', value: (j) => j.kind },
    { header: 'MACHINE', value: (j) => j.machineName, max: 40 },
    { header: 'SEQ', value: (j) => j.sequence },
    { header: 'STATE', value: (j) => j.state },
    { header: 'ISSUED', value: (j) => j.issuedAt },
    { header: 'REPORTED', value: (j) => j.reportedAt },
    { header: 'MESSAGE', value: (j) => j.message, max: 100 },
  ],
  full: [
    { header: 'id', value: (j) => j.id },
    { header: 'kind', value: (j) => j.kind },
    { header: 'machine_id', value: (j) => j.machineId },
    { header: 'machine', value: (j) => j.machineName },
    { header: 'deployment_id', value: (j) => j.deploymentId },
    { header: 'sequence', value: (j) => j.sequence },
    { header: 'state', value: (j) => j.state },
    { header: 'issued_at', value: (j) => j.issuedAt },
    { header: 'expires_at', value: (j) => j.expiresAt },
    { header: 'delivered_at', value: (j) => j.deliveredAt },
    { header: 'reported_at', value: (j) => j.reportedAt },
    { header: 'message', value: (j) => j.message },
    { header: 'steps', value: (j) => j.steps.map(stepKind) },
  ],
};

function stepKind(step: unknown): string {
  const kind = z.object({ kind: z.string() }).safeParse(step);
  return kind.success ? oneLineText(kind.data.kind, 32) : '?';
}

/**
 * The deployment, its rings, and (when asked) one line per machine. JSON is the API's answer (with
 * the machines); CSV is the rings, or with `withMachines` the machines.
 */
export function renderStatus(format: ClientFormat, d: DeploymentDetailWire, withMachines: boolean): string {
  if (format === 'json') return renderJson(d);
  if (format === 'csv')
    return withMachines ? renderCsv(MACHINE_COLUMNS.full, d.machines) : renderCsv(RING_COLUMNS.full, d.rings);
  const head = renderRecord(
    DEPLOYMENT_COLUMNS.full.filter((c) => c.header !== 'rings'),
    d,
  );
  const rings = renderTable(RING_COLUMNS.table, d.rings);
  const machines = !withMachines
    ? ''
    : d.machines.length === 0
      ? '\nNo machines.\n'
      : `\n${renderTable(MACHINE_COLUMNS.table, d.machines)}`;
  return `${head}\n${rings}${machines}`;
}

/** Keeps line breaks and tabs, turns every other control character into a space (no terminal escapes). */
function safeLog(log: string): string {
  return log.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

/** Each job's step results and log tails, indented under a heading per job and step. */
export function renderJobLogs(jobs: readonly JobWire[]): string {
  const out: string[] = [];
  for (const j of jobs) {
    out.push(
      `\n== job ${oneLineText(j.id, 200)} (${j.kind}, ${oneLineText(j.machineName, 200)}, sequence ${j.sequence}): ${j.state}\n`,
    );
    const report = jobReportSchema.safeParse(j.report);
    if (!report.success) {
      out.push(j.report == null ? '   no report yet\n' : '   the report could not be read\n');
      continue;
    }
    const r = report.data;
    if (r.refusal) out.push(`   refused: ${r.refusal}: ${oneLineText(r.message)}\n`);
    else if (r.message) out.push(`   ${oneLineText(r.message)}\n`);
    for (const s of r.steps) {
      const exit = s.exitCode === null ? '' : ` exit ${s.exitCode}`;
      out.push(
        `-- step ${s.index} ${oneLineText(s.kind, 32)}: ${s.result}${exit}${s.message ? ` — ${oneLineText(s.message)}` : ''}\n`,
      );
      const log = safeLog(s.log).replace(/\n+$/, '');
      if (log !== '')
        out.push(
          log
            .split('\n')
            .map((l) => `   | ${l}`)
            .join('\n') + '\n',
        );
    }
  }
  return out.join('');
}
