/**
 * The rollout engine: moves deployments along. Per deployment, one at a time: machines still
 * unfinished at the deadline become missed; then the gates decide (nextAction) — start the next
 * ring, wait, halt (and roll back the halted ring when the deployment says so) or complete.
 * Runs on every tick and right after anything that changes a deployment's machines.
 */
import { nextAction } from '../../../rollout/gates.js';
import type { DeploymentMachineRecord, DeploymentRecord, DeploymentStatus } from '../../../store/ports.js';
import type { RolloutDeps } from './deps.js';
import { queueRollbacks } from './rollback.js';
import { isUnfinished, ringProgressOf } from './wire.js';

/** Deployments the engine still looks at. */
export const ACTIVE_STATUSES: readonly DeploymentStatus[] = ['running', 'paused'];

export class RolloutEngine {
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly deps: RolloutDeps) {}

  /** Advances every running or paused deployment; one failing deployment does not stop the others. */
  async tick(): Promise<void> {
    for (const d of await this.deps.store.rollout.listDeployments({ statuses: [...ACTIVE_STATUSES], limit: 100_000 })) {
      await this.advance(d.id).catch((err) =>
        this.deps.log.error({ err, deploymentId: d.id }, 'advancing a deployment failed'),
      );
    }
  }

  /** Advances that are queued behind a running change and have not started yet, per deployment. */
  private readonly waiting = new Map<string, Promise<void>>();

  /**
   * Advances one deployment (serialised with every other change to it). A request that arrives
   * while another advance of the same deployment waits to start joins that one: it has not read
   * anything yet, so it sees this caller's changes too — a burst of reports costs one advance.
   */
  advance(id: string): Promise<void> {
    const queued = this.waiting.get(id);
    if (queued) return queued;
    const run = this.locked(id, () => {
      this.waiting.delete(id);
      return this.advanceNow(id);
    });
    this.waiting.set(id, run);
    return run;
  }

  /** Runs `fn` when no other change to this deployment runs, so two decisions never interleave. */
  locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  private async advanceNow(id: string): Promise<void> {
    const { store } = this.deps;
    let d = await store.rollout.getDeployment(id);
    if (!d || !ACTIVE_STATUSES.includes(d.status)) return;
    const now = this.deps.now().toISOString();
    let rows = await store.rollout.listDeploymentMachines(id);
    rows = await this.markMissed(d, rows, now);
    if (d.status !== 'running') return;
    for (let guard = 0; guard <= d.spec.rings.length; guard++) {
      const action = nextAction({ rings: ringProgressOf(d, rows), deadline: d.spec.deadline }, now);
      if (action.kind === 'wait') return;
      if (action.kind === 'start-ring') {
        const ringStartedAt = d.spec.rings.map((_, i) => d!.ringStartedAt[i] ?? null);
        ringStartedAt[action.ring] = now;
        d = await store.rollout.updateDeployment(id, { ringStartedAt, currentRing: action.ring, updatedAt: now });
        this.deps.log.info({ deploymentId: id, ring: action.name }, 'deployment ring started');
        continue;
      }
      if (action.kind === 'halt') {
        await this.halt(d, rows, action.ring, `ring ${action.name} halted: ${action.reason}`, now);
        return;
      }
      await store.rollout.updateDeployment(id, {
        status: 'completed',
        currentRing: d.spec.rings.length,
        statusReason: null,
        finishedAt: now,
        updatedAt: now,
      });
      this.deps.log.info({ deploymentId: id, status: 'completed' }, 'deployment completed');
      return;
    }
  }

  private async halt(
    d: DeploymentRecord,
    rows: DeploymentMachineRecord[],
    ring: number,
    reason: string,
    now: string,
  ): Promise<void> {
    const halted = await this.deps.store.rollout.updateDeployment(d.id, {
      status: 'halted',
      statusReason: reason,
      currentRing: ring,
      finishedAt: now,
      updatedAt: now,
    });
    this.deps.log.warn({ deploymentId: d.id, status: 'halted', reason }, 'deployment halted');
    if (!halted.spec.rollbackOnHalt) return;
    const { queued } = await queueRollbacks(
      this.deps,
      halted,
      rows.filter((r) => r.ringIndex === ring),
      reason,
    );
    if (queued.length > 0)
      this.deps.log.info({ deploymentId: d.id, machines: queued.length }, 'rollback queued for the halted ring');
  }

  /** Past the deadline, every unfinished machine is missed (it never counts as done). */
  private async markMissed(
    d: DeploymentRecord,
    rows: DeploymentMachineRecord[],
    now: string,
  ): Promise<DeploymentMachineRecord[]> {
    if (d.spec.deadline === null || Date.parse(now) < Date.parse(d.spec.deadline)) return rows;
    const late = rows.filter((r) => isUnfinished(r.state)).map((r) => r.machineId);
    if (late.length === 0) return rows;
    const patch = {
      state: 'missed' as const,
      message: `the deadline ${d.spec.deadline} passed before the machine finished`,
      finishedAt: now,
      updatedAt: now,
    };
    await this.deps.store.rollout.updateDeploymentMachines(d.id, late, patch);
    this.deps.log.info(
      { deploymentId: d.id, machines: late.length },
      'deployment deadline passed: unfinished machines missed',
    );
    const lateSet = new Set(late);
    return rows.map((r) => (lateSet.has(r.machineId) ? { ...r, ...patch } : r));
  }
}
