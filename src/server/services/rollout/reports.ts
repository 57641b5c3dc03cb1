/**
 * Job reports from agents, and validation by rescan. A report is stored on its job and moves the
 * machine's run: an install that succeeded is only `validating` — it becomes `succeeded` once the
 * machine's new inventory is assessed and none of the bulletins it targeted is still open (an
 * installer that exited 0 proves nothing). Reports for unknown jobs, or another agent's, are
 * acknowledged and ignored.
 */
import type { JobReport } from '../../../protocol/agent.js';
import {
  DEPLOYMENT_STATUSES,
  OPEN_STATUSES,
  type DeploymentMachineRecord,
  type JobRecord,
} from '../../../store/ports.js';
import type { RolloutDeps } from './deps.js';

type RowPatch = Partial<Omit<DeploymentMachineRecord, 'deploymentId' | 'machineId'>>;

const FINAL_REPORT_STATES = new Set<JobRecord['state']>(['succeeded', 'failed', 'refused', 'interrupted']);

/** What the check-in answer needs from the reports it carried. */
export interface ReportsOutcome {
  acknowledged: { jobId: string; state: string }[];
  /** Some install of this machine now waits for its rescan. */
  validating: boolean;
}

export class JobReports {
  constructor(
    private readonly deps: RolloutDeps,
    private readonly advance: (deploymentId: string) => Promise<void>,
  ) {}

  /** Stores the reports of one agent's check-in and moves the machines' runs; acknowledges every report. */
  async accept(agentId: string, reports: readonly JobReport[]): Promise<ReportsOutcome> {
    const { rollout } = this.deps.store;
    const acknowledged: ReportsOutcome['acknowledged'] = [];
    const touched = new Set<string>();
    let validating = false;
    for (const r of reports) {
      acknowledged.push({ jobId: r.jobId, state: r.state });
      const job = await rollout.getJob(r.jobId);
      if (!job || job.agentId !== agentId) continue;
      // A late "running" never undoes a final report; a repeated final report changes nothing.
      if (r.state === 'running' && FINAL_REPORT_STATES.has(job.state)) continue;
      if (job.state === r.state && FINAL_REPORT_STATES.has(job.state)) continue;
      const now = this.deps.now().toISOString();
      await rollout.updateJob(job.id, {
        state: r.state,
        report: JSON.stringify(r),
        reportedAt: now,
        message: reportSummary(r),
      });
      if (!job.deploymentId) continue;
      const row = await rollout.getDeploymentMachine(job.deploymentId, job.machineId);
      if (!row) continue;
      const patch = job.kind === 'install' ? installPatch(row, job, r, now) : rollbackPatch(row, job, r, now);
      if (!patch) continue;
      await rollout.updateDeploymentMachine(job.deploymentId, job.machineId, patch);
      touched.add(job.deploymentId);
      validating ||= patch.state === 'validating';
    }
    for (const id of touched) await this.advance(id);
    return { acknowledged, validating };
  }

  /** After the machine's findings were re-assessed: each install waiting for validation succeeds or fails. */
  async validateMachine(machineId: string): Promise<void> {
    const { store } = this.deps;
    const rows = (await store.rollout.runsForMachine(machineId, [...DEPLOYMENT_STATUSES])).filter(
      (r) => r.state === 'validating',
    );
    for (const row of rows) {
      const open =
        row.plan.bulletinIds.length === 0
          ? []
          : (
              await store.findings.list({
                machineIds: [machineId],
                bulletinIds: row.plan.bulletinIds,
                statuses: [...OPEN_STATUSES],
                resolved: false,
              })
            ).items.map((f) => f.bulletinId);
      const now = this.deps.now().toISOString();
      const patch: RowPatch =
        open.length === 0
          ? {
              state: 'succeeded',
              message: `validated by rescan: ${row.plan.bulletinIds.length} bulletin(s) resolved`,
              finishedAt: now,
              updatedAt: now,
            }
          : {
              state: 'failed',
              message: `still missing after install: ${[...new Set(open)].sort().join(', ')}`.slice(0, 2000),
              finishedAt: now,
              updatedAt: now,
            };
      await store.rollout.updateDeploymentMachine(row.deploymentId, machineId, patch);
      this.deps.log.debug(
        { deploymentId: row.deploymentId, machineId, state: patch.state },
        'install validated by rescan',
      );
      await this.advance(row.deploymentId);
    }
  }
}

/** One line for the job list: what the agent said, with the refusal reason when it refused. */
function reportSummary(r: JobReport): string {
  const failed = r.steps.find((s) => s.result === 'failed' || s.result === 'interrupted');
  const text =
    r.state === 'refused'
      ? `refused (${r.refusal ?? 'unknown'}): ${r.message}`
      : r.message || failed?.message || r.state;
  return text.slice(0, 2000);
}

/** How an install job's report moves the machine (null: the report is for an older job, or a rollback owns the run now). */
function installPatch(row: DeploymentMachineRecord, job: JobRecord, r: JobReport, now: string): RowPatch | null {
  if (
    row.jobId !== job.id ||
    row.state === 'rolled-back' ||
    row.rollbackState === 'pending' ||
    row.rollbackState === 'running' ||
    row.rollbackState === 'succeeded'
  )
    return null;
  const deferrals = Math.max(row.rebootDeferrals, r.rebootDeferrals);
  switch (r.state) {
    case 'running':
      return { state: 'running', rebootDeferrals: deferrals, updatedAt: now };
    case 'succeeded':
      return {
        state: 'validating',
        message: `installed; waiting for the rescan to confirm${r.rebootPending ? ' (a reboot is pending)' : ''}`,
        rebootDeferrals: deferrals,
        finishedAt: null,
        updatedAt: now,
      };
    default: {
      const message = r.state === 'refused' ? `job ${reportSummary(r)}` : `install ${r.state}: ${reportSummary(r)}`;
      return {
        state: 'failed',
        message: message.slice(0, 2000),
        rebootDeferrals: deferrals,
        finishedAt: now,
        updatedAt: now,
      };
    }
  }
}

/** How a rollback job's report moves the machine. */
function rollbackPatch(row: DeploymentMachineRecord, job: JobRecord, r: JobReport, now: string): RowPatch | null {
  if (row.rollbackJobId !== job.id) return null;
  switch (r.state) {
    case 'running':
      return { rollbackState: 'running', updatedAt: now };
    case 'succeeded':
      return {
        state: 'rolled-back',
        rollbackState: 'succeeded',
        message: 'rolled back to the versions before the install',
        finishedAt: now,
        updatedAt: now,
      };
    default:
      return {
        rollbackState: 'failed',
        message: `rollback ${r.state}: ${reportSummary(r)}`.slice(0, 2000),
        updatedAt: now,
      };
  }
}
