/**
 * The rollout as the routes and the check-in see it: create deployments, follow them, pause,
 * resume, abort, roll back; list jobs; and, at each check-in, take the agent's job reports and hand
 * out its jobs. The work is done by the planner, the engine, delivery and reports.
 */
import { PatchhiveError } from '../../../errors.js';
import type { JobReport } from '../../../protocol/agent.js';
import type { JobSummaryWire } from '../../../protocol/console-api.js';
import type {
  DeploymentCreateParsed,
  DeploymentDetailWire,
  DeploymentPlanWire,
  DeploymentWire,
  JobWire,
} from '../../../protocol/deploy-api.js';
import {
  DEPLOYMENT_STATUSES,
  type DeploymentMachineRecord,
  type DeploymentRecord,
  type DeploymentStatus,
} from '../../../store/ports.js';
import type { RolloutDeps } from './deps.js';
import { JobDelivery } from './delivery.js';
import { RolloutEngine } from './engine.js';
import { DeploymentPlanner, type PlannedDeployment } from './planner.js';
import { previewDeployment, type PreviewMachine } from './preview.js';
import { JobReports, type ReportsOutcome } from './reports.js';
import { canRollBack, queueRollbacks } from './rollback.js';
import { countsByRing, deploymentToWire, jobSummaryToWire, jobToWire, machineRunToWire } from './wire.js';
import { seesTarget, WHOLE_FLEET, type Scope } from '../../auth/scope.js';

export class RolloutService {
  readonly engine: RolloutEngine;
  private readonly planner: DeploymentPlanner;
  private readonly delivery: JobDelivery;
  private readonly reports: JobReports;

  constructor(private readonly deps: RolloutDeps) {
    this.engine = new RolloutEngine(deps);
    this.planner = new DeploymentPlanner(deps);
    this.reports = new JobReports(deps, (id) => this.engine.advance(id));
    this.delivery = new JobDelivery(
      deps,
      (id) =>
        void this.engine
          .advance(id)
          .catch((err) => deps.log.error({ err, deploymentId: id }, 'advancing a deployment failed')),
    );
  }

  /**
   * Plans and stores a deployment, and starts its first ring at once. A scoped caller's target and
   * rings name only groups and machines it sees (others are as unknown: not found). What is stored
   * is exactly what plan() answers for the same request (and seed), at the same moment.
   */
  async create(
    req: DeploymentCreateParsed,
    createdBy: string,
    scope: Scope = WHOLE_FLEET,
  ): Promise<DeploymentDetailWire> {
    const planned = await this.prepare(req, createdBy, scope);
    await this.deps.store.rollout.createDeployment(planned.record, planned.rows);
    this.deps.log.info(
      {
        deploymentId: planned.record.id,
        status: 'running',
        machines: planned.rows.length,
        unplaced: planned.unplaced.length,
      },
      'deployment created',
    );
    await this.engine.advance(planned.record.id);
    const detail = await this.detail(await this.load(planned.record.id), planned.unplaced);
    return planned.skipped.length > 0 ? { ...detail, skippedBulletins: planned.skipped } : detail;
  }

  /**
   * The dry run of create(): the same planning, answered ring by ring and machine by machine, with
   * each machine's window and reboot policy; nothing is stored. Refuses what create() refuses.
   */
  async plan(req: DeploymentCreateParsed, createdBy: string, scope: Scope = WHOLE_FLEET): Promise<DeploymentPlanWire> {
    const planned = await this.prepare(req, createdBy, scope);
    const ids = [...new Set([...planned.rows.map((r) => r.machineId), ...planned.unplaced])];
    const machines = new Map<string, PreviewMachine>();
    for (const m of ids.length > 0 ? await this.deps.store.machines.list({ ids }) : []) {
      const groups = await this.deps.groups.groupsOf(m);
      machines.set(m.id, {
        name: m.name,
        windows: groups.flatMap((g) => (g.maintenanceWindow ? [g.maintenanceWindow] : [])),
        rebootPolicies: groups.map((g) => g.rebootPolicy),
      });
    }
    return previewDeployment(planned, machines, {
      now: this.deps.now().toISOString(),
      defaultRebootPolicy: this.deps.settings.defaultRebootPolicy,
    });
  }

  /** The one planning step of create() and plan(): scope check, then the planner. */
  private async prepare(req: DeploymentCreateParsed, createdBy: string, scope: Scope): Promise<PlannedDeployment> {
    if (scope.kind !== 'fleet') await this.checkNamesInScope(req, scope);
    return this.planner.plan(req, createdBy);
  }

  /** Deployments, newest first; `status` is a comma-separated list. A scoped caller sees those whose target is within its scope. */
  async list(
    q: { status?: string | undefined; limit: number },
    scope: Scope = WHOLE_FLEET,
  ): Promise<{ items: DeploymentWire[] }> {
    const statuses = q.status ? parseStatuses(q.status) : undefined;
    const items: DeploymentWire[] = [];
    // Scoped: filter before the limit, so a page is not emptied by deployments the caller does not see.
    const all = await this.deps.store.rollout.listDeployments({
      ...(statuses ? { statuses } : {}),
      ...(scope.kind === 'fleet' ? { limit: q.limit } : {}),
    });
    for (const d of all.filter((x) => seesTarget(scope, x.spec.target)).slice(0, q.limit)) {
      items.push((await this.summary(d)).wire);
    }
    return { items };
  }

  /** One deployment with its machines. */
  async get(id: string, scope: Scope = WHOLE_FLEET): Promise<DeploymentDetailWire> {
    return this.detail(await this.load(id, scope));
  }

  /** running → paused: nothing new is handed out; machines already installing go on and report. */
  async pause(
    id: string,
    reason: string | undefined,
    by: string,
    scope: Scope = WHOLE_FLEET,
  ): Promise<DeploymentDetailWire> {
    await this.load(id, scope);
    return this.transition(id, ['running'], 'paused', reason ?? `paused by ${by}`);
  }

  /** paused → running, and the engine looks at it at once. */
  async resume(id: string, by: string, scope: Scope = WHOLE_FLEET): Promise<DeploymentDetailWire> {
    await this.load(id, scope);
    const out = await this.transition(id, ['paused'], 'running', null, by);
    await this.engine.advance(id);
    return this.get(out.id);
  }

  /** Stops a deployment for good: queued jobs are cancelled, machines stay as they are. */
  async abort(
    id: string,
    reason: string | undefined,
    by: string,
    scope: Scope = WHOLE_FLEET,
  ): Promise<DeploymentDetailWire> {
    await this.load(id, scope);
    const out = await this.transition(id, ['running', 'paused', 'halted'], 'aborted', reason ?? `aborted by ${by}`);
    await this.cancelQueuedJobs(out.id);
    return this.get(out.id);
  }

  /** Queues rollback jobs for the listed machines, or for every machine that ran an install job. */
  async rollback(
    id: string,
    req: { machines?: string[] | undefined; reason?: string | undefined },
    by: string,
    scope: Scope = WHOLE_FLEET,
  ): Promise<DeploymentDetailWire> {
    const d = await this.load(id, scope);
    await this.engine.locked(d.id, async () => {
      const rows = await this.deps.store.rollout.listDeploymentMachines(d.id);
      const chosen = req.machines ? await this.chosenRows(rows, req.machines, scope) : rows.filter(canRollBack);
      const reason = req.reason ?? `requested by ${by}`;
      const { queued, skipped } = await queueRollbacks(this.deps, d, chosen, reason);
      this.deps.log.info({ deploymentId: d.id, queued: queued.length, skipped: skipped.length }, 'rollback requested');
    });
    return this.get(d.id);
  }

  /** The deployment's jobs (of one machine, when given), with their reports and step logs. */
  async jobs(id: string, machine: string | undefined, scope: Scope = WHOLE_FLEET): Promise<{ items: JobWire[] }> {
    const d = await this.load(id, scope);
    const machineId = machine ? (await this.deps.machines.resolve(machine, scope)).id : undefined;
    const jobs = await this.deps.store.rollout.listJobs({ deploymentId: d.id, ...(machineId ? { machineId } : {}) });
    const names = await this.machineNames(jobs.map((j) => j.machineId));
    return { items: jobs.map((j) => jobToWire(j, names.get(j.machineId) ?? j.machineId)) };
  }

  /**
   * A machine's jobs across deployments, newest first, without their steps and reports (those are
   * at job()). A scoped caller sees the machine only if in scope, and then only the jobs of
   * deployments it sees (as job() does).
   */
  async machineJobs(
    machine: string,
    page: { limit: number; offset: number },
    scope: Scope = WHOLE_FLEET,
  ): Promise<{ items: JobSummaryWire[]; total: number }> {
    const m = await this.deps.machines.resolve(machine, scope);
    const visible = scope.kind === 'fleet' ? undefined : await this.visibleDeploymentsOf(m.id, scope);
    const res = await this.deps.store.rollout.listJobsOfMachine(m.id, {
      ...(visible ? { deploymentIds: visible } : {}),
      limit: page.limit,
      offset: page.offset,
    });
    return { items: res.items.map((j) => jobSummaryToWire(j, m.name)), total: res.total };
  }

  /** The deployments the machine took part in whose target the scope sees. */
  private async visibleDeploymentsOf(machineId: string, scope: Scope): Promise<string[]> {
    const runs = await this.deps.store.rollout.runsForMachine(machineId, [...DEPLOYMENT_STATUSES]);
    const out: string[] = [];
    for (const id of new Set(runs.map((r) => r.deploymentId))) {
      const d = await this.deps.store.rollout.getDeployment(id);
      if (d && seesTarget(scope, d.spec.target)) out.push(id);
    }
    return out;
  }

  /** One job; for a scoped caller, only a job of a deployment it sees. */
  async job(id: string, scope: Scope = WHOLE_FLEET): Promise<JobWire> {
    const j = await this.deps.store.rollout.getJob(id);
    const d =
      j?.deploymentId && scope.kind !== 'fleet'
        ? await this.deps.store.rollout.getDeployment(j.deploymentId)
        : undefined;
    if (!j || (scope.kind !== 'fleet' && !(d && seesTarget(scope, d.spec.target))))
      throw new PatchhiveError('E_JOB_NOT_FOUND', `no job ${JSON.stringify(id)}`);
    const names = await this.machineNames([j.machineId]);
    return jobToWire(j, names.get(j.machineId) ?? j.machineId);
  }

  /** Advances every running or paused deployment (the scheduler's tick). */
  tick(): Promise<void> {
    return this.engine.tick();
  }

  /** Check-in: stores the agent's job reports and acknowledges them. */
  acceptReports(agentId: string, reports: readonly JobReport[]): Promise<ReportsOutcome> {
    return this.reports.accept(agentId, reports);
  }

  /** Check-in: the signed jobs to hand out now. */
  jobsFor(agentId: string, machineId: string): Promise<unknown[]> {
    return this.delivery.jobsFor(agentId, machineId);
  }

  /** After a machine's findings were re-assessed: validates its installs waiting for the rescan. */
  validateMachine(machineId: string): Promise<void> {
    return this.reports.validateMachine(machineId);
  }

  private async transition(
    id: string,
    from: DeploymentStatus[],
    to: DeploymentStatus,
    reason: string | null,
    by?: string,
  ): Promise<DeploymentDetailWire> {
    const d = await this.load(id);
    await this.engine.locked(d.id, async () => {
      const fresh = await this.load(d.id);
      if (!from.includes(fresh.status)) {
        throw new PatchhiveError(
          'E_DEPLOYMENT_STATE',
          `deployment ${fresh.name} is ${fresh.status}; only a ${from.join(' or ')} deployment can become ${to}`,
        );
      }
      const now = this.deps.now().toISOString();
      const final = to === 'aborted';
      await this.deps.store.rollout.updateDeployment(
        d.id,
        { status: to, statusReason: reason, updatedAt: now, ...(final ? { finishedAt: now } : {}) },
        fresh.version,
      );
      this.deps.log.info(
        { deploymentId: d.id, status: to, from: fresh.status, ...(by ? { by } : {}) },
        `deployment ${to}`,
      );
    });
    return this.get(d.id);
  }

  /** Every group and machine the request names (target and explicit ring members) must be in the scope. */
  private async checkNamesInScope(req: DeploymentCreateParsed, scope: Scope): Promise<void> {
    for (const ref of req.target.groups) await this.deps.groups.resolve(ref, scope);
    for (const ref of req.target.machines) await this.deps.machines.resolve(ref, scope);
    for (const r of req.rings) {
      if (r.members.kind === 'explicit')
        for (const ref of r.members.machines) await this.deps.machines.resolve(ref, scope);
    }
  }

  private async cancelQueuedJobs(id: string): Promise<void> {
    const { rollout } = this.deps.store;
    const now = this.deps.now().toISOString();
    for (const j of await rollout.listJobs({ deploymentId: id, states: ['issued'] })) {
      await rollout.updateJob(j.id, {
        state: 'cancelled',
        message: 'the deployment was aborted before the job was handed out',
      });
      const row = await rollout.getDeploymentMachine(id, j.machineId);
      if (j.kind === 'rollback' && row?.rollbackJobId === j.id) {
        await rollout.updateDeploymentMachine(id, j.machineId, {
          rollbackState: null,
          message: 'rollback cancelled: the deployment was aborted',
          updatedAt: now,
        });
      }
    }
  }

  private async chosenRows(
    rows: DeploymentMachineRecord[],
    refs: string[],
    scope: Scope,
  ): Promise<DeploymentMachineRecord[]> {
    const out: DeploymentMachineRecord[] = [];
    for (const [i, ref] of refs.entries()) {
      const m = await this.deps.machines.resolve(ref, scope);
      const row = rows.find((r) => r.machineId === m.id);
      if (!row)
        throw new PatchhiveError('E_BAD_REQUEST', `machine ${m.name} is not part of this deployment`, {
          path: `$.machines[${i}]`,
        });
      if (!canRollBack(row)) {
        throw new PatchhiveError(
          'E_DEPLOYMENT_STATE',
          `machine ${m.name} has no install to roll back (state ${row.state}, rollback ${row.rollbackState ?? 'none'})`,
        );
      }
      out.push(row);
    }
    return out;
  }

  /** A deployment; one whose target is outside the scope is as unknown. */
  private async load(id: string, scope: Scope = WHOLE_FLEET): Promise<DeploymentRecord> {
    const d = await this.deps.store.rollout.getDeployment(id);
    if (!d || !seesTarget(scope, d.spec.target))
      throw new PatchhiveError('E_DEPLOYMENT_NOT_FOUND', `no deployment ${JSON.stringify(id)}`);
    return d;
  }

  private async detail(d: DeploymentRecord, unplaced?: string[]): Promise<DeploymentDetailWire> {
    const { wire, rows } = await this.summary(d, unplaced);
    const names = await this.machineNames(rows.map((r) => r.machineId));
    return { ...wire, machines: rows.map((r) => machineRunToWire(d, r, names.get(r.machineId) ?? r.machineId)) };
  }

  private async summary(
    d: DeploymentRecord,
    unplaced?: string[],
  ): Promise<{ wire: DeploymentWire; rows: DeploymentMachineRecord[] }> {
    const rows = await this.deps.store.rollout.listDeploymentMachines(d.id);
    const left = unplaced ?? (await this.unplacedNow(d, new Set(rows.map((r) => r.machineId))));
    return { wire: deploymentToWire(d, countsByRing(rows), left), rows };
  }

  /** Target machines (groups as they are now, and listed machines) that are in no ring. */
  private async unplacedNow(d: DeploymentRecord, placed: Set<string>): Promise<string[]> {
    const ids = new Set<string>(d.spec.target.machineIds);
    for (const gid of d.spec.target.groupIds) {
      const g = await this.deps.store.groups.get(gid);
      if (g) for (const m of await this.deps.groups.memberIds(g)) ids.add(m);
    }
    const left = [...ids].filter((m) => !placed.has(m));
    if (left.length === 0) return [];
    const existing = new Set((await this.deps.store.machines.list({ ids: left })).map((m) => m.id));
    return left.filter((m) => existing.has(m));
  }

  private async machineNames(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    return new Map((await this.deps.store.machines.list({ ids: unique })).map((m) => [m.id, m.name]));
  }
}

function parseStatuses(text: string): DeploymentStatus[] {
  const out: DeploymentStatus[] = [];
  for (const s of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!(DEPLOYMENT_STATUSES as readonly string[]).includes(s)) {
      throw new PatchhiveError(
        'E_BAD_REQUEST',
        `unknown status ${JSON.stringify(s)}; expected ${DEPLOYMENT_STATUSES.join(', ')}`,
        { path: '$.status' },
      );
    }
    out.push(s as DeploymentStatus);
  }
  return out;
}
