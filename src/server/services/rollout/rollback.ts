/**
 * Queueing rollbacks: for each machine whose install job ran, a signed rollback job that returns its
 * packages to the exact versions the job replaced (and removes the ones it added). Queued jobs are
 * handed out at the machine's next check-in, whatever its maintenance window: they restore service.
 */
import { PatchhiveError } from '../../../errors.js';
import type { DeploymentMachineRecord, DeploymentRecord, JobRecord } from '../../../store/ports.js';
import type { RolloutDeps } from './deps.js';
import { issueJob } from './issue.js';
import { buildRollbackJobBody, jobExpiry, rollbackTargets } from './job-build.js';

/** Machine states in which an install job was handed out, so something may need undoing. */
const RAN_INSTALL = new Set(['running', 'validating', 'succeeded', 'failed']);

/** Whether a machine's run can be rolled back now (an install job ran; no rollback queued or done). */
export function canRollBack(r: DeploymentMachineRecord): boolean {
  return (
    r.jobId !== null &&
    RAN_INSTALL.has(r.state) &&
    (r.plan.manager === 'apt' || r.plan.manager === 'dnf') &&
    r.rollbackState !== 'pending' &&
    r.rollbackState !== 'running' &&
    r.rollbackState !== 'succeeded'
  );
}

/** Queues rollback jobs for these machines (those canRollBack accepts); returns who got one and who did not, and why. */
export async function queueRollbacks(
  deps: RolloutDeps,
  d: DeploymentRecord,
  rows: readonly DeploymentMachineRecord[],
  reason: string,
): Promise<{ queued: string[]; skipped: { machineId: string; reason: string }[] }> {
  const queued: string[] = [];
  const skipped: { machineId: string; reason: string }[] = [];
  const now = deps.now().toISOString();
  for (const row of rows.filter(canRollBack)) {
    const machine = await deps.store.machines.get(row.machineId);
    const skip = async (why: string) => {
      skipped.push({ machineId: row.machineId, reason: why });
      await deps.store.rollout.updateDeploymentMachine(d.id, row.machineId, {
        message: `rollback not queued: ${why}`,
        updatedAt: now,
      });
    };
    if (!machine?.agentId) {
      await skip('the machine has no agent');
      continue;
    }
    const installJob = await deps.store.rollout.getJob(row.jobId!);
    const targets = rollbackTargets(row.plan, keptPackagesOf(installJob?.report ?? null));
    if (targets.packages.length === 0 && targets.remove.length === 0) {
      await skip('the install job replaced no package');
      continue;
    }
    const manager = row.plan.manager as 'apt' | 'dnf';
    let record: JobRecord;
    try {
      ({ record } = await issueJob(deps, {
        agentId: machine.agentId,
        machineId: row.machineId,
        deploymentId: d.id,
        kind: 'rollback',
        expiresAt: jobExpiry(now, deps.settings.jobLifetimeHours * 3_600_000, null),
        delivered: false,
        body: (h) => buildRollbackJobBody(h, manager, row.jobId!, targets),
      }));
    } catch (err) {
      // A version the agent reported that a job cannot carry: this machine is skipped, the others go on.
      if (!(err instanceof PatchhiveError)) throw err;
      await skip(err.message);
      continue;
    }
    await deps.store.rollout.updateDeploymentMachine(d.id, row.machineId, {
      rollbackState: 'pending',
      rollbackJobId: record.id,
      message: `rollback queued: ${reason}`.slice(0, 2000),
      updatedAt: now,
    });
    queued.push(row.machineId);
  }
  return { queued, skipped };
}

/** The packages an install job's report says the agent kept (null: no report to go by). */
function keptPackagesOf(report: string | null): { name: string; version: string }[] | null {
  if (!report) return null;
  try {
    const kept = (JSON.parse(report) as { keptPackages?: unknown }).keptPackages;
    if (!Array.isArray(kept)) return null;
    return (kept as ({ name?: unknown; version?: unknown } | null)[]).filter(
      (k): k is { name: string; version: string } => typeof k?.name === 'string' && typeof k?.version === 'string',
    );
  } catch {
    return null;
  }
}
