/** RolloutStore on Kysely: deployments, their machines (one row per machine) and signed jobs. */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { PatchhiveError } from '../errors.js';
import type {
  DeploymentMachineRecord,
  DeploymentMachineState,
  DeploymentPlanSpec,
  DeploymentRecord,
  DeploymentStatus,
  JobKind,
  JobRecord,
  JobState,
  MachinePlan,
  RolloutStore,
  RollbackState,
} from './ports.js';
import {
  chunk,
  definedOnly,
  inList,
  inTransaction,
  ROWS_PER_INSERT,
  requireTouched,
  toCount,
  toJson,
  updateById,
  type StoreKind,
} from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `deployments`. */
export interface DeploymentRow {
  id: string;
  name: string;
  status: string;
  spec_json: string;
  current_ring: number;
  ring_started_at_json: string;
  status_reason: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  version: number;
}

/** A row of `deployment_machines`: one machine's part in one deployment. */
export interface DeploymentMachineRow {
  deployment_id: string;
  machine_id: string;
  ring_index: number;
  state: string;
  plan_json: string;
  job_id: string | null;
  reboot_deferrals: number;
  rollback_state: string | null;
  rollback_job_id: string | null;
  message: string | null;
  updated_at: string;
  finished_at: string | null;
}

/** A row of `jobs`: one signed envelope for one agent. */
export interface JobRow {
  id: string;
  agent_id: string;
  machine_id: string;
  deployment_id: string | null;
  kind: string;
  sequence: number;
  envelope: string;
  state: string;
  issued_at: string;
  expires_at: string;
  delivered_at: string | null;
  report: string | null;
  reported_at: string | null;
  message: string | null;
}

/** The tables the rollout area owns. */
export interface RolloutTables {
  deployments: DeploymentRow;
  deployment_machines: DeploymentMachineRow;
  jobs: JobRow;
}

type DeploymentPatch = Parameters<RolloutStore['updateDeployment']>[1];
type MachinePatch = Parameters<RolloutStore['updateDeploymentMachine']>[2];

/** Machine ids per UPDATE … WHERE machine_id IN (…) (bound as one parameter, see inList). */
const IDS_PER_UPDATE = 1000;

function deploymentFromRow(r: Selectable<DeploymentRow>): DeploymentRecord {
  return {
    id: r.id,
    name: r.name,
    status: r.status as DeploymentStatus,
    spec: JSON.parse(r.spec_json) as DeploymentPlanSpec,
    currentRing: Number(r.current_ring),
    ringStartedAt: JSON.parse(r.ring_started_at_json) as (string | null)[],
    statusReason: r.status_reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    version: Number(r.version),
  };
}

function machineToRow(m: DeploymentMachineRecord): DeploymentMachineRow {
  return {
    deployment_id: m.deploymentId,
    machine_id: m.machineId,
    ring_index: m.ringIndex,
    state: m.state,
    plan_json: toJson(m.plan),
    job_id: m.jobId,
    reboot_deferrals: m.rebootDeferrals,
    rollback_state: m.rollbackState,
    rollback_job_id: m.rollbackJobId,
    message: m.message,
    updated_at: m.updatedAt,
    finished_at: m.finishedAt,
  };
}

function machineFromRow(r: Selectable<DeploymentMachineRow>): DeploymentMachineRecord {
  return {
    deploymentId: r.deployment_id,
    machineId: r.machine_id,
    ringIndex: Number(r.ring_index),
    state: r.state as DeploymentMachineState,
    plan: JSON.parse(r.plan_json) as MachinePlan,
    jobId: r.job_id,
    rebootDeferrals: Number(r.reboot_deferrals),
    rollbackState: r.rollback_state as RollbackState | null,
    rollbackJobId: r.rollback_job_id,
    message: r.message,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

function jobFromRow(r: Selectable<JobRow>): JobRecord {
  return {
    id: r.id,
    agentId: r.agent_id,
    machineId: r.machine_id,
    deploymentId: r.deployment_id,
    kind: r.kind as JobKind,
    sequence: Number(r.sequence),
    envelope: r.envelope,
    state: r.state as JobState,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    deliveredAt: r.delivered_at,
    report: r.report,
    reportedAt: r.reported_at,
    message: r.message,
  };
}

/** The columns a deployment patch sets (undefined fields are left alone). */
function deploymentSet(p: DeploymentPatch): Partial<DeploymentRow> {
  return definedOnly({
    name: p.name,
    status: p.status,
    spec_json: p.spec === undefined ? undefined : toJson(p.spec),
    current_ring: p.currentRing,
    ring_started_at_json: p.ringStartedAt === undefined ? undefined : toJson(p.ringStartedAt),
    status_reason: p.statusReason,
    updated_at: p.updatedAt,
    finished_at: p.finishedAt,
  });
}

/** The columns a machine patch sets (undefined fields are left alone). */
function machineSet(p: MachinePatch): Partial<DeploymentMachineRow> {
  return definedOnly({
    ring_index: p.ringIndex,
    state: p.state,
    plan_json: p.plan === undefined ? undefined : toJson(p.plan),
    job_id: p.jobId,
    reboot_deferrals: p.rebootDeferrals,
    rollback_state: p.rollbackState,
    rollback_job_id: p.rollbackJobId,
    message: p.message,
    updated_at: p.updatedAt,
    finished_at: p.finishedAt,
  });
}

const deploymentNotFound = (id: string) => new PatchhiveError('E_DEPLOYMENT_NOT_FOUND', `no deployment with id ${id}`);

async function requireDeployment(trx: Transaction<RolloutTables>, id: string): Promise<void> {
  const row = await trx.selectFrom('deployments').select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw deploymentNotFound(id);
}

/** Creates the rollout area over `db`. */
export function createRolloutStore(db: Kysely<RolloutTables>, kind: StoreKind): RolloutStore {
  const store: RolloutStore = {
    async createDeployment(d, machines) {
      const stray = machines.find((m) => m.deploymentId !== d.id);
      if (stray)
        throw new PatchhiveError(
          'E_INTERNAL',
          `createDeployment: machine ${stray.machineId} belongs to deployment ${stray.deploymentId}, not ${d.id}`,
        );
      await inTransaction(db, async (trx) => {
        await trx
          .insertInto('deployments')
          .values({
            id: d.id,
            name: d.name,
            status: d.status,
            spec_json: toJson(d.spec),
            current_ring: d.currentRing,
            ring_started_at_json: toJson(d.ringStartedAt),
            status_reason: d.statusReason,
            created_by: d.createdBy,
            created_at: d.createdAt,
            updated_at: d.updatedAt,
            finished_at: d.finishedAt,
            version: d.version,
          })
          .execute();
        for (const part of chunk(machines, ROWS_PER_INSERT)) {
          await trx.insertInto('deployment_machines').values(part.map(machineToRow)).execute();
        }
      });
    },
    async getDeployment(id) {
      const r = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
      return r && deploymentFromRow(r);
    },
    async listDeployments(filter) {
      let q = db.selectFrom('deployments').selectAll();
      if (filter.statuses) q = q.where(inList(kind, 'status', filter.statuses));
      q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
      if (filter.limit !== undefined) q = q.limit(filter.limit);
      return (await q.execute()).map(deploymentFromRow);
    },
    async updateDeployment(id, patch, expectedVersion) {
      // The version check and the write are one statement: two writers of the same version
      // cannot both succeed (the second matches no row once the first committed).
      let q = db
        .updateTable('deployments')
        .set({ ...deploymentSet(patch), version: sql<number>`version + 1` })
        .where('id', '=', id);
      if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
      const row = await q.returningAll().executeTakeFirst();
      if (row) return deploymentFromRow(row);
      const stored = await db.selectFrom('deployments').select('version').where('id', '=', id).executeTakeFirst();
      if (!stored) throw deploymentNotFound(id);
      throw new PatchhiveError(
        'E_CONFLICT',
        `deployment ${id} changed: version ${Number(stored.version)}, not ${expectedVersion}`,
      );
    },
    async listDeploymentMachines(deploymentId, filter = {}) {
      let q = db.selectFrom('deployment_machines').selectAll().where('deployment_id', '=', deploymentId);
      if (filter.ringIndex !== undefined) q = q.where('ring_index', '=', filter.ringIndex);
      if (filter.states) q = q.where(inList(kind, 'state', filter.states));
      if (filter.machineIds) q = q.where(inList(kind, 'machine_id', filter.machineIds));
      return (await q.orderBy('ring_index').orderBy('machine_id').execute()).map(machineFromRow);
    },
    async getDeploymentMachine(deploymentId, machineId) {
      const r = await db
        .selectFrom('deployment_machines')
        .selectAll()
        .where('deployment_id', '=', deploymentId)
        .where('machine_id', '=', machineId)
        .executeTakeFirst();
      return r && machineFromRow(r);
    },
    async updateDeploymentMachine(deploymentId, machineId, patch) {
      const set = machineSet(patch);
      // An empty patch still checks that the row exists (setting the key to itself).
      const res = await db
        .updateTable('deployment_machines')
        .set(Object.keys(set).length > 0 ? set : { deployment_id: deploymentId })
        .where('deployment_id', '=', deploymentId)
        .where('machine_id', '=', machineId)
        .executeTakeFirst();
      requireTouched(res, 'E_DEPLOYMENT_NOT_FOUND', `machine ${machineId} is not part of deployment ${deploymentId}`);
    },
    async updateDeploymentMachines(deploymentId, machineIds, patch) {
      const set = machineSet(patch);
      await inTransaction(db, async (trx) => {
        await requireDeployment(trx, deploymentId);
        if (Object.keys(set).length === 0) return;
        // Ids that are not part of the deployment match no row and are left out.
        for (const part of chunk([...new Set(machineIds)], IDS_PER_UPDATE)) {
          await trx
            .updateTable('deployment_machines')
            .set(set)
            .where('deployment_id', '=', deploymentId)
            .where(inList(kind, 'machine_id', part))
            .execute();
        }
      });
    },
    async runsForMachine(machineId, statuses) {
      if (statuses.length === 0) return [];
      const rows = await db
        .selectFrom('deployment_machines as dm')
        .innerJoin('deployments as d', 'd.id', 'dm.deployment_id')
        .selectAll('dm')
        .where('dm.machine_id', '=', machineId)
        .where(inList(kind, 'd.status', statuses))
        .orderBy('d.created_at')
        .orderBy('d.id')
        .execute();
      return rows.map(machineFromRow);
    },
    async countMachineStates(deploymentId) {
      const rows = await db
        .selectFrom('deployment_machines')
        .select((eb) => ['ring_index', 'state', eb.fn.countAll().as('n')])
        .where('deployment_id', '=', deploymentId)
        .groupBy(['ring_index', 'state'])
        .orderBy('ring_index')
        .orderBy('state')
        .execute();
      return rows.map((r) => ({
        ringIndex: Number(r.ring_index),
        state: r.state as DeploymentMachineState,
        count: toCount(r.n as number | string),
      }));
    },

    async createJob(j) {
      await db
        .insertInto('jobs')
        .values({
          id: j.id,
          agent_id: j.agentId,
          machine_id: j.machineId,
          deployment_id: j.deploymentId,
          kind: j.kind,
          sequence: j.sequence,
          envelope: j.envelope,
          state: j.state,
          issued_at: j.issuedAt,
          expires_at: j.expiresAt,
          delivered_at: j.deliveredAt,
          report: j.report,
          reported_at: j.reportedAt,
          message: j.message,
        })
        .execute();
    },
    async getJob(id) {
      const r = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return r && jobFromRow(r);
    },
    async updateJob(id, patch) {
      const set = definedOnly({
        state: patch.state,
        delivered_at: patch.deliveredAt,
        report: patch.report,
        reported_at: patch.reportedAt,
        message: patch.message,
      });
      await updateById(db, 'jobs', id, set, 'E_JOB_NOT_FOUND', `no job with id ${id}`);
    },
    async listJobsOfMachine(machineId, filter) {
      if (filter.deploymentIds?.length === 0) return { items: [], total: 0 };
      let q = db.selectFrom('jobs').where('machine_id', '=', machineId);
      if (filter.deploymentIds) q = q.where(inList(kind, 'deployment_id', filter.deploymentIds));
      const counted = await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      const rows = await q
        .selectAll()
        .orderBy('issued_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit)
        .offset(filter.offset)
        .execute();
      return { items: rows.map(jobFromRow), total: toCount(counted?.n) };
    },
    async listJobs(filter) {
      let q = db.selectFrom('jobs').selectAll();
      if (filter.machineId !== undefined) q = q.where('machine_id', '=', filter.machineId);
      if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId);
      if (filter.deploymentId !== undefined) q = q.where('deployment_id', '=', filter.deploymentId);
      if (filter.states) q = q.where(inList(kind, 'state', filter.states));
      q = q.orderBy('sequence').orderBy('agent_id').orderBy('id');
      if (filter.limit !== undefined) q = q.limit(filter.limit);
      return (await q.execute()).map(jobFromRow);
    },
  };
  return guardArea(store, {
    noun: 'deployment, deployment machine or job',
    missingReference: { code: 'E_DEPLOYMENT_NOT_FOUND', message: 'the deployment does not exist' },
  });
}
