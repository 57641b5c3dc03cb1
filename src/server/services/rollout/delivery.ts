/**
 * Jobs for a machine at its check-in (the hot path: the agent's open jobs and, when it has no
 * install job open, one indexed query for its runs). Queued rollback jobs are handed out at once;
 * a delivered job the agent has not reported is handed out again, the same envelope, until it
 * expires — then the machine is pending again and gets a new job while the deadline allows
 * (catch-up). A pending machine of a started ring gets its install job when one of its groups'
 * maintenance windows is open (or it has none); otherwise it waits for the window.
 */
import type { DeploymentMachineRecord, DeploymentRecord, JobRecord, MachineRecord } from '../../../store/ports.js';
import type { JobEnvelope } from '../../../protocol/jobs.js';
import { signJob } from '../../../rollout/job-envelope.js';
import type { RolloutDeps } from './deps.js';
import { issueJob } from './issue.js';
import { buildInstallJobBody, effectiveRebootPolicy, jobExpiry, windowGate } from './job-build.js';

/** The most envelopes one check-in answer carries (the wire allows 10). */
const MAX_JOBS_PER_ANSWER = 10;

export class JobDelivery {
  constructor(
    private readonly deps: RolloutDeps,
    /** Told when a machine's run changed state, so the engine can re-evaluate its deployment. */
    private readonly changed: (deploymentId: string) => void,
  ) {}

  /** The signed envelopes to hand this agent now, oldest sequence first. */
  async jobsFor(agentId: string, machineId: string): Promise<unknown[]> {
    const { store } = this.deps;
    const now = this.deps.now();
    const out: unknown[] = [];
    const deployments = new Map<string, DeploymentRecord | undefined>();
    const deployment = async (id: string) => {
      if (!deployments.has(id)) deployments.set(id, await store.rollout.getDeployment(id));
      return deployments.get(id);
    };
    let installOpen = false;
    for (const j of await store.rollout.listJobs({ agentId, states: ['issued', 'delivered', 'running'] })) {
      if (j.machineId !== machineId) continue;
      if (j.state === 'running') {
        installOpen ||= j.kind === 'install';
        continue;
      }
      if (Date.parse(j.expiresAt) <= now.getTime()) {
        await this.expire(j, now.toISOString());
        continue;
      }
      if (j.kind === 'install') {
        // Halted or aborted: an install the agent has not started is not handed out again.
        const d = j.deploymentId ? await deployment(j.deploymentId) : undefined;
        if (!d || (d.status !== 'running' && d.status !== 'paused')) continue;
        installOpen = true;
      }
      if (j.state === 'issued') await this.markDelivered(j, now.toISOString());
      out.push(await this.storedEnvelope(j, agentId));
    }
    if (!installOpen && out.length < MAX_JOBS_PER_ANSWER) {
      const job = await this.nextInstallJob(agentId, machineId, now, deployment);
      if (job) out.push(job);
    }
    return out.slice(0, MAX_JOBS_PER_ANSWER);
  }

  /**
   * A stored envelope as handed out again. Issued before the job-signing keys last changed, it is
   * signed again with the key this agent may use now (the same body; Ed25519 signatures are
   * deterministic, so an unchanged key gives the same envelope): a job never reaches an agent
   * signed by a key retired since it was issued.
   */
  private async storedEnvelope(j: JobRecord, agentId: string): Promise<unknown> {
    const envelope = JSON.parse(j.envelope) as JobEnvelope;
    if (j.issuedAt >= this.deps.jobSigner.changedAt()) return envelope;
    return signJob(envelope.job, await this.deps.jobSigner.privateKeyFor(agentId));
  }

  private async markDelivered(j: JobRecord, at: string): Promise<void> {
    await this.deps.store.rollout.updateJob(j.id, { state: 'delivered', deliveredAt: at });
    if (j.kind === 'rollback' && j.deploymentId) {
      await this.deps.store.rollout.updateDeploymentMachine(j.deploymentId, j.machineId, {
        rollbackState: 'running',
        updatedAt: at,
      });
    }
  }

  /** An unreported job past its expiry: an install frees the machine for a new job; a rollback failed. */
  private async expire(j: JobRecord, at: string): Promise<void> {
    const { rollout } = this.deps.store;
    await rollout.updateJob(j.id, { state: 'expired', message: 'expired before the agent reported it' });
    if (!j.deploymentId) return;
    const row = await rollout.getDeploymentMachine(j.deploymentId, j.machineId);
    if (!row) return;
    if (j.kind === 'install' && row.jobId === j.id && row.state === 'running') {
      await rollout.updateDeploymentMachine(j.deploymentId, j.machineId, {
        state: 'pending',
        message: `job ${j.id} expired unreported; a new job follows if the deadline allows`,
        updatedAt: at,
      });
      this.changed(j.deploymentId);
    } else if (j.kind === 'rollback' && row.rollbackJobId === j.id) {
      await rollout.updateDeploymentMachine(j.deploymentId, j.machineId, {
        rollbackState: 'failed',
        message: `rollback job ${j.id} expired before the machine checked in`,
        updatedAt: at,
      });
    }
  }

  /** The install job of the first run of this machine whose ring has started and whose window is open. */
  private async nextInstallJob(
    agentId: string,
    machineId: string,
    now: Date,
    deployment: (id: string) => Promise<DeploymentRecord | undefined>,
  ): Promise<unknown> {
    const { store } = this.deps;
    const runs = await store.rollout.runsForMachine(machineId, ['running']);
    let machine: MachineRecord | undefined;
    let groups: Awaited<ReturnType<RolloutDeps['groups']['groupsOf']>> | undefined;
    for (const run of runs) {
      if (run.state !== 'pending' && run.state !== 'waiting-window') continue;
      const d = await deployment(run.deploymentId);
      if (!d || d.status !== 'running' || run.ringIndex > d.currentRing || !d.ringStartedAt[run.ringIndex]) continue;
      if (d.spec.deadline !== null && now.getTime() >= Date.parse(d.spec.deadline)) continue;
      if (run.plan.packages.length === 0 || (run.plan.manager !== 'apt' && run.plan.manager !== 'dnf')) continue;
      machine ??= await store.machines.get(machineId);
      if (!machine) return undefined;
      groups ??= await this.deps.groups.groupsOf(machine);
      const gate = windowGate(
        groups.flatMap((g) => (g.maintenanceWindow ? [g.maintenanceWindow] : [])),
        now.toISOString(),
      );
      if (!gate.open) {
        await this.waitForWindow(run, gate.nextStart, now.toISOString());
        continue;
      }
      return this.issueInstall(
        agentId,
        d,
        run,
        groups.map((g) => g.rebootPolicy),
        now.toISOString(),
      );
    }
    return undefined;
  }

  private async waitForWindow(run: DeploymentMachineRecord, nextStart: string | null, at: string): Promise<void> {
    const message = `outside its maintenance window${nextStart ? `; the next opens at ${nextStart}` : '; no window opens again'}`;
    if (run.state === 'waiting-window' && run.message === message) return;
    await this.deps.store.rollout.updateDeploymentMachine(run.deploymentId, run.machineId, {
      state: 'waiting-window',
      message,
      updatedAt: at,
    });
  }

  private async issueInstall(
    agentId: string,
    d: DeploymentRecord,
    run: DeploymentMachineRecord,
    groupPolicies: DeploymentRecord['spec']['rebootPolicy'][],
    at: string,
  ): Promise<unknown> {
    const policy = effectiveRebootPolicy(d.spec.rebootPolicy, groupPolicies, this.deps.settings.defaultRebootPolicy);
    const { record, envelope } = await issueJob(this.deps, {
      agentId,
      machineId: run.machineId,
      deploymentId: d.id,
      kind: 'install',
      expiresAt: jobExpiry(at, this.deps.settings.jobLifetimeHours * 3_600_000, d.spec.deadline),
      delivered: true,
      body: (h) =>
        buildInstallJobBody(h, run.plan, {
          policy,
          preHook: d.spec.preHook,
          postHook: d.spec.postHook,
          deferralsUsed: run.rebootDeferrals,
        }),
    });
    await this.deps.store.rollout.updateDeploymentMachine(d.id, run.machineId, {
      state: 'running',
      jobId: record.id,
      message: null,
      updatedAt: at,
    });
    this.deps.log.debug(
      { deploymentId: d.id, machineId: run.machineId, jobId: record.id, sequence: record.sequence },
      'install job delivered',
    );
    return envelope;
  }
}
