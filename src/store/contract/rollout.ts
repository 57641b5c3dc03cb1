/** Contract of RolloutStore (deployments, their machines, jobs), AgentStore.nextJobSequence and group rollout fields. */
import { describe, expect, it } from 'vitest';
import type { AgentRecord, DeploymentMachineRecord, DeploymentRecord, Store } from '../ports.js';
import {
  at,
  deployment,
  deploymentMachine,
  expectStoreError,
  group,
  hashSecret,
  job,
  machine,
  uid,
  type ContractContext,
} from './builders.js';

/** `n` machine rows of deployment `d`, spread over its rings round-robin (ids sort as created). */
function machineRows(d: DeploymentRecord, n: number, rings = 1): DeploymentMachineRecord[] {
  const tag = uid('dm');
  return Array.from({ length: n }, (_, i) =>
    deploymentMachine(d.id, `${tag}-${String(i).padStart(6, '0')}`, { ringIndex: i % rings }),
  );
}

/** A machine with an enrolled agent. */
async function enrolledAgent(s: Store): Promise<AgentRecord> {
  const m = machine();
  await s.machines.create(m);
  const a: AgentRecord = {
    id: uid('agent'),
    machineId: m.id,
    credentialHash: hashSecret('cred'),
    createdAt: at(0),
    revokedAt: null,
    lastCheckinAt: null,
  };
  await s.agents.createAgent(a);
  return a;
}

/** Defines the rollout tests for one adapter. */
export function rolloutContract(ctx: ContractContext): void {
  describe('rollout', () => {
    it('creates a deployment with its machines; spec and plans round-trip exactly', async () => {
      const s = ctx.store().rollout;
      const d = deployment();
      const [a, b, c] = [uid('m'), uid('m'), uid('m')];
      const rows = [
        deploymentMachine(d.id, c, {
          ringIndex: 0,
          state: 'running',
          jobId: uid('job'),
          rebootDeferrals: 1,
          message: 'installing',
        }),
        deploymentMachine(d.id, a, {
          ringIndex: 2,
          state: 'failed',
          rollbackState: 'succeeded',
          rollbackJobId: 'j-rb',
          finishedAt: at(5),
        }),
        deploymentMachine(d.id, b, {
          ringIndex: 0,
          plan: { manager: 'windows', bulletinIds: [], packages: [], notInstallable: [] },
        }),
      ];
      await s.createDeployment(d, rows);
      expect(await s.getDeployment(d.id)).toEqual(d);
      // by ring, then machine id (a < b < c: uid counts up)
      expect(await s.listDeploymentMachines(d.id)).toEqual([rows[2], rows[0], rows[1]]);
      expect(await s.getDeploymentMachine(d.id, a)).toEqual(rows[1]);
      expect(await s.getDeploymentMachine(d.id, uid('missing'))).toBeUndefined();
      expect(await s.getDeployment(uid('missing'))).toBeUndefined();
      await expectStoreError(s.createDeployment({ ...d }, []), 'E_CONFLICT');
    });

    it('creates nothing when a machine row fails (one transaction)', async () => {
      const s = ctx.store().rollout;
      const d = deployment();
      const rows = machineRows(d, 900);
      rows.push({ ...rows[10]!, ringIndex: 1 });
      await expectStoreError(s.createDeployment(d, rows), 'E_CONFLICT');
      expect(await s.getDeployment(d.id)).toBeUndefined();
      expect(await s.listDeploymentMachines(d.id)).toEqual([]);
    });

    it('creates a deployment of 10,000 machines and counts them per ring and state', async () => {
      const s = ctx.store().rollout;
      const d = deployment();
      const rows = machineRows(d, 10_000, 4);
      await s.createDeployment(d, rows);
      expect(await s.countMachineStates(d.id)).toEqual(
        [0, 1, 2, 3].map((ringIndex) => ({ ringIndex, state: 'pending', count: 2500 })),
      );
      const all = await s.listDeploymentMachines(d.id);
      expect(all).toHaveLength(10_000);
      expect(all[0]).toEqual(rows[0]);
      expect(all[2500]).toEqual(rows[1]);
      expect(await s.listDeploymentMachines(d.id, { ringIndex: 3 })).toHaveLength(2500);
    });

    it('filters machines by ring, states and ids (combined with AND) and counts states', async () => {
      const s = ctx.store().rollout;
      const d = deployment();
      const rows = machineRows(d, 6, 2).map((r, i) => ({
        ...r,
        state: (['pending', 'running', 'succeeded'] as const)[i % 3]!,
      }));
      await s.createDeployment(d, rows);
      const ids = (list: DeploymentMachineRecord[]) => list.map((r) => r.machineId);
      // ring 0: rows 0 (pending), 2 (succeeded), 4 (running); ring 1: 1 (running), 3 (pending), 5 (succeeded)
      expect(ids(await s.listDeploymentMachines(d.id, { ringIndex: 1 }))).toEqual(ids([rows[1]!, rows[3]!, rows[5]!]));
      expect(ids(await s.listDeploymentMachines(d.id, { states: ['running', 'succeeded'] }))).toEqual(
        ids([rows[2]!, rows[4]!, rows[1]!, rows[5]!]),
      );
      expect(ids(await s.listDeploymentMachines(d.id, { ringIndex: 0, states: ['running'] }))).toEqual([
        rows[4]!.machineId,
      ]);
      expect(
        ids(
          await s.listDeploymentMachines(d.id, {
            machineIds: [rows[5]!.machineId, rows[0]!.machineId, uid('x')],
            states: ['pending'],
          }),
        ),
      ).toEqual([rows[0]!.machineId]);
      expect(await s.listDeploymentMachines(d.id, { states: [] })).toEqual([]);
      expect(await s.countMachineStates(d.id)).toEqual([
        { ringIndex: 0, state: 'pending', count: 1 },
        { ringIndex: 0, state: 'running', count: 1 },
        { ringIndex: 0, state: 'succeeded', count: 1 },
        { ringIndex: 1, state: 'pending', count: 1 },
        { ringIndex: 1, state: 'running', count: 1 },
        { ringIndex: 1, state: 'succeeded', count: 1 },
      ]);
      expect(await s.countMachineStates(uid('missing'))).toEqual([]);
    });

    it('lists deployments newest first, by status, with a limit', async () => {
      const s = ctx.store().rollout;
      // Later than every other deployment of the suite, so the unfiltered limit sees these first.
      const base = 9_000_000;
      const ds = [
        deployment({ createdAt: at(base + 1) }),
        deployment({ createdAt: at(base + 3), status: 'paused' }),
        deployment({ createdAt: at(base + 2), status: 'completed' }),
      ];
      for (const d of ds) await s.createDeployment(d, []);
      const mine = (list: DeploymentRecord[]) => list.filter((x) => ds.some((d) => d.id === x.id)).map((x) => x.id);
      expect(mine(await s.listDeployments({}))).toEqual([ds[1]!.id, ds[2]!.id, ds[0]!.id]);
      expect(mine(await s.listDeployments({ statuses: ['running', 'completed'] }))).toEqual([ds[2]!.id, ds[0]!.id]);
      expect(await s.listDeployments({ limit: 2 })).toEqual([ds[1], ds[2]]);
      expect(await s.listDeployments({ statuses: [] })).toEqual([]);
    });

    it('updates a deployment and bumps its version; a stale version is E_CONFLICT and writes nothing', async () => {
      const s = ctx.store().rollout;
      const d = deployment();
      await s.createDeployment(d, []);
      const started = { currentRing: 0, ringStartedAt: [at(1), null, null], updatedAt: at(1) };
      const v2 = await s.updateDeployment(d.id, started);
      expect(v2).toEqual({ ...d, ...started, version: 2 });
      const halted = {
        status: 'halted' as const,
        statusReason: 'ring pilot: 2 failures > 1',
        updatedAt: at(2),
        finishedAt: at(2),
      };
      const v3 = await s.updateDeployment(d.id, halted, 2);
      expect(v3).toEqual({ ...v2, ...halted, version: 3 });
      await expectStoreError(s.updateDeployment(d.id, { status: 'running', updatedAt: at(3) }, 2), 'E_CONFLICT');
      expect(await s.getDeployment(d.id)).toEqual(v3);
      const spec = { ...d.spec, rings: d.spec.rings.slice(0, 1), deadline: null };
      expect(await s.updateDeployment(d.id, { spec, statusReason: null, finishedAt: null }, 3)).toEqual({
        ...v3,
        spec,
        statusReason: null,
        finishedAt: null,
        version: 4,
      });
      expect((await s.updateDeployment(d.id, {})).version).toBe(5);
      await expectStoreError(s.updateDeployment(uid('missing'), { status: 'paused' }), 'E_DEPLOYMENT_NOT_FOUND');
      await expectStoreError(s.updateDeployment(uid('missing'), { status: 'paused' }, 1), 'E_DEPLOYMENT_NOT_FOUND');
    });

    it('lets exactly one of concurrent updates of the same version win', async () => {
      const s = ctx.store().rollout;
      const d = deployment();
      await s.createDeployment(d, []);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => s.updateDeployment(d.id, { statusReason: `writer ${i}` }, 1)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').every((r) => r.reason.code === 'E_CONFLICT')).toBe(true);
      const stored = await s.getDeployment(d.id);
      expect(stored?.version).toBe(2);
      expect(stored).toEqual((won[0] as PromiseFulfilledResult<DeploymentRecord>).value);
    });

    it('updates one machine row or many; an unknown row or deployment is E_DEPLOYMENT_NOT_FOUND', async () => {
      const s = ctx.store().rollout;
      const d = deployment();
      const rows = machineRows(d, 1500);
      await s.createDeployment(d, rows);
      const one = rows[7]!;
      const patch = {
        state: 'validating' as const,
        jobId: uid('job'),
        rebootDeferrals: 2,
        message: 'rescan pending',
        updatedAt: at(4),
      };
      await s.updateDeploymentMachine(d.id, one.machineId, patch);
      expect(await s.getDeploymentMachine(d.id, one.machineId)).toEqual({ ...one, ...patch });
      await s.updateDeploymentMachine(d.id, one.machineId, { message: null, plan: { ...one.plan, packages: [] } });
      expect(await s.getDeploymentMachine(d.id, one.machineId)).toEqual({
        ...one,
        ...patch,
        message: null,
        plan: { ...one.plan, packages: [] },
      });
      await s.updateDeploymentMachine(d.id, one.machineId, {});
      await expectStoreError(
        s.updateDeploymentMachine(d.id, uid('missing'), { state: 'failed' }),
        'E_DEPLOYMENT_NOT_FOUND',
      );
      await expectStoreError(s.updateDeploymentMachine(d.id, uid('missing'), {}), 'E_DEPLOYMENT_NOT_FOUND');
      await expectStoreError(
        s.updateDeploymentMachine(uid('missing'), one.machineId, { state: 'failed' }),
        'E_DEPLOYMENT_NOT_FOUND',
      );

      const many = rows.slice(100, 1300).map((r) => r.machineId);
      const missed = { state: 'missed' as const, finishedAt: at(9), updatedAt: at(9), message: 'deadline passed' };
      await s.updateDeploymentMachines(d.id, [...many, uid('not-in-deployment'), many[0]!], missed);
      expect(await s.countMachineStates(d.id)).toEqual([
        { ringIndex: 0, state: 'missed', count: 1200 },
        { ringIndex: 0, state: 'pending', count: 299 },
        { ringIndex: 0, state: 'validating', count: 1 },
      ]);
      expect(await s.getDeploymentMachine(d.id, rows[100]!.machineId)).toEqual({ ...rows[100], ...missed });
      expect(await s.getDeploymentMachine(d.id, rows[1300]!.machineId)).toEqual(rows[1300]);
      await s.updateDeploymentMachines(d.id, [], { state: 'failed' });
      await s.updateDeploymentMachines(d.id, many, {});
      await expectStoreError(
        s.updateDeploymentMachines(uid('missing'), many, { state: 'failed' }),
        'E_DEPLOYMENT_NOT_FOUND',
      );
    });

    it("finds a machine's runs in deployments of given statuses, oldest first, and keeps them when the machine is deleted", async () => {
      const store = ctx.store();
      const s = store.rollout;
      const m = machine();
      await store.machines.create(m);
      const base = 6_000_000;
      const newer = deployment({ createdAt: at(base + 2) });
      const older = deployment({ createdAt: at(base + 1), status: 'paused' });
      const done = deployment({ createdAt: at(base), status: 'completed' });
      const rowOf = (d: DeploymentRecord, ringIndex: number) => deploymentMachine(d.id, m.id, { ringIndex });
      for (const [d, ring] of [
        [newer, 1],
        [older, 0],
        [done, 2],
      ] as const)
        await s.createDeployment(d, [rowOf(d, ring), deploymentMachine(d.id, uid('m'))]);
      expect(await s.runsForMachine(m.id, ['running', 'paused'])).toEqual([rowOf(older, 0), rowOf(newer, 1)]);
      expect(await s.runsForMachine(m.id, ['completed', 'halted'])).toEqual([rowOf(done, 2)]);
      expect(await s.runsForMachine(m.id, [])).toEqual([]);
      expect(await s.runsForMachine(uid('missing'), ['running'])).toEqual([]);
      await store.machines.delete(m.id);
      expect(await s.runsForMachine(m.id, ['running', 'paused', 'completed'])).toHaveLength(3);
      expect(await s.getDeploymentMachine(newer.id, m.id)).toEqual(rowOf(newer, 1));
    });

    it('creates, updates and lists jobs; never two jobs with one sequence for one agent', async () => {
      const s = ctx.store().rollout;
      const d = deployment();
      await s.createDeployment(d, []);
      const [agentA, agentB, m] = [uid('agent'), uid('agent'), uid('m')];
      const j1 = job(agentA, m, 1, { deploymentId: d.id });
      const j2 = job(agentA, m, 2, { kind: 'rollback', state: 'delivered', deliveredAt: at(1) });
      const j3 = job(agentB, uid('m'), 1, { deploymentId: d.id, state: 'failed' });
      for (const j of [j2, j3, j1]) await s.createJob(j);
      expect(await s.getJob(j1.id)).toEqual(j1);
      expect(await s.getJob(uid('missing'))).toBeUndefined();
      await expectStoreError(s.createJob(job(agentA, m, 2)), 'E_CONFLICT');
      await expectStoreError(s.createJob({ ...j3, sequence: 9 }), 'E_CONFLICT');
      await expectStoreError(
        s.createJob(job(agentA, m, 3, { deploymentId: uid('missing') })),
        'E_DEPLOYMENT_NOT_FOUND',
      );
      expect(await s.listJobs({ agentId: agentA })).toEqual([j1, j2]);

      const report = JSON.stringify({
        jobId: j1.id,
        sequence: 1,
        state: 'succeeded',
        steps: [{ index: 0, kind: 'install', log: 'Setting up libssl3 …\n' }],
      });
      const patch = {
        state: 'succeeded' as const,
        deliveredAt: at(2),
        report,
        reportedAt: at(3),
        message: 'installed 2 packages',
      };
      await s.updateJob(j1.id, patch);
      expect(await s.getJob(j1.id)).toEqual({ ...j1, ...patch });
      await s.updateJob(j1.id, { message: null });
      await s.updateJob(j1.id, {});
      expect(await s.getJob(j1.id)).toEqual({ ...j1, ...patch, message: null });
      await expectStoreError(s.updateJob(uid('missing'), { state: 'expired' }), 'E_JOB_NOT_FOUND');
      await expectStoreError(s.updateJob(uid('missing'), {}), 'E_JOB_NOT_FOUND');

      const ids = async (f: Parameters<typeof s.listJobs>[0]) => (await s.listJobs(f)).map((j) => j.id);
      // both have sequence 1: then by agent id (agentA < agentB)
      expect(await ids({ deploymentId: d.id })).toEqual([j1.id, j3.id]);
      expect(await ids({ deploymentId: d.id, states: ['failed', 'succeeded'], agentId: agentB })).toEqual([j3.id]);
      expect(await ids({ machineId: m, states: ['delivered'] })).toEqual([j2.id]);
      expect(await ids({ machineId: m, agentId: agentB })).toEqual([]);
      expect(await ids({ agentId: agentA, limit: 1 })).toEqual([j1.id]);
      expect(await ids({ agentId: agentA, states: [] })).toEqual([]);
    });

    it('hands out job sequence numbers atomically, per agent', async () => {
      const s = ctx.store();
      const [a, b] = [await enrolledAgent(s), await enrolledAgent(s)];
      const taken = await Promise.all(Array.from({ length: 20 }, () => s.agents.nextJobSequence(a.id)));
      expect([...taken].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await s.agents.nextJobSequence(b.id)).toBe(1);
      expect(await s.agents.nextJobSequence(a.id)).toBe(21);
      expect(await s.agents.getAgent(a.id)).toEqual(a);
      await expectStoreError(s.agents.nextJobSequence(uid('missing')), 'E_NOT_FOUND');
    });

    it("keeps a group's maintenance window and reboot policy (create, patch, clear)", async () => {
      const s = ctx.store().groups;
      const maintenanceWindow = { cron: '0 22 * * 0', durationMinutes: 240, timeZone: 'Europe/Berlin' };
      const rebootPolicy = { mode: 'if-required' as const, onlyInWindow: true, maxDeferrals: 3 };
      const g = group({ maintenanceWindow, rebootPolicy });
      await s.create(g, []);
      expect(await s.get(g.id)).toEqual(g);
      expect((await s.list()).find((x) => x.id === g.id)).toEqual(g);
      const plain = group();
      await s.create(plain, []);
      expect(await s.getByName(plain.name)).toEqual({ ...plain, maintenanceWindow: null, rebootPolicy: null });

      const always = { mode: 'always' as const, onlyInWindow: false, maxDeferrals: 0 };
      await s.update(g.id, { rebootPolicy: always, description: 'web' });
      expect(await s.get(g.id)).toEqual({ ...g, rebootPolicy: always, description: 'web' });
      await s.update(g.id, { maintenanceWindow: null });
      expect(await s.get(g.id)).toEqual({ ...g, maintenanceWindow: null, rebootPolicy: always, description: 'web' });
      await s.update(plain.id, { maintenanceWindow, rebootPolicy: null });
      expect(await s.get(plain.id)).toEqual({ ...plain, maintenanceWindow });
    });
  });
}
