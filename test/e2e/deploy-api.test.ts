/**
 * Deployments through the real API over a real store (SQLite and PostgreSQL), with simulated agents
 * that enroll, check in with crafted inventories, verify every envelope they receive against the
 * key they pinned (src/agent/job-verify.ts), "install" by changing their package list, and report.
 * Covers: rings advancing only after each gate and soak; a pilot failure halting before broad and
 * queueing rollbacks with the previous versions; validation by rescan; maintenance windows;
 * deadline → missed, and catch-up of a machine that returns in time; pause, resume, abort; refusals.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyJob } from '../../src/agent/job-verify.js';
import type { Inventory } from '../../src/inventory/model.js';
import type { CheckinResponse, EnrollResponse, JobReport } from '../../src/protocol/agent.js';
import type { DeploymentDetailWire, DeploymentWire, JobWire } from '../../src/protocol/deploy-api.js';
import { inventoryHash } from '../../src/protocol/inventory-hash.js';
import type { JobBody } from '../../src/protocol/jobs.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import {
  callApi,
  expectApi,
  expectRefused,
  nativeCatalog,
  tempDir,
  TestClock,
  whyNoPostgres,
} from './server-test-helpers.js';

const noPostgres = await whyNoPostgres();
if (noPostgres) console.warn(`deploy e2e on PostgreSQL skipped: ${noPostgres}`);

const HOUR = 3_600_000;
/** Installed on every simulated machine, each below its bulletin's fix. */
const BASE: Record<string, string> = {
  openssl: '3.0.11-1~deb12u2',
  curl: '7.88.1-10+deb12u5',
  zlib1g: '1:1.2.13.dfsg-1',
  'vim-tiny': '2:9.0.1378-2',
  gzip: '1.12-1',
};
const BULLETINS = [
  { id: 'PH-SSL', pkg: 'openssl', fixed: '3.0.15-1~deb12u1' },
  { id: 'PH-CURL', pkg: 'curl', fixed: '7.88.1-10+deb12u8' },
  { id: 'PH-ZLIB', pkg: 'zlib1g', fixed: '1:1.2.13.dfsg-1+deb12u1' },
  { id: 'PH-VIM', pkg: 'vim-tiny', fixed: '2:9.0.1378-2+deb12u1' },
  { id: 'PH-GZIP', pkg: 'gzip', fixed: '1.12-1+deb12u1' },
];
const NAMES = [
  'lab1',
  'p1',
  'p2',
  'p3',
  'p4',
  'f-lab',
  'f-pilot1',
  'f-pilot2',
  'f-broad',
  'v1',
  'v2',
  'e1',
  'e2',
  'd1',
  'd2',
  'w1',
];

/** One enrolled agent that verifies its jobs like the real one and installs by editing its package list. */
class SimAgent {
  readonly packages = new Map(Object.entries(BASE));
  lastSequence = 0;
  readonly sequences: number[] = [];
  constructor(
    private readonly server: TestServer,
    private readonly clock: TestClock,
    readonly name: string,
    readonly enrolled: EnrollResponse,
  ) {}

  get machineId(): string {
    return this.enrolled.machineId;
  }

  inventory(): Inventory {
    return {
      schema: 'patchhive.inventory/1',
      machine: { name: this.name },
      collectedAt: this.clock.now().toISOString(),
      collector: 'dpkg',
      os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
      packages: {
        manager: 'dpkg',
        items: [...this.packages]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, version]) => ({ name, version, arch: 'amd64' })),
      },
    };
  }

  /** Checks in (with the inventory unless told not to) and returns the answer; waits for the assessment. */
  async checkin(reports: JobReport[] = [], opts: { sendInventory?: boolean } = {}): Promise<CheckinResponse> {
    const inv = this.inventory();
    const body = {
      inventoryHash: inventoryHash(inv),
      ...(opts.sendInventory === false ? {} : { inventory: inv }),
      ...(reports.length > 0 ? { jobReports: reports } : {}),
    };
    const res = await expectApi<CheckinResponse>(this.server, 'POST', '/agent/checkin', 200, {
      token: this.enrolled.credential,
      body,
    });
    await this.server.assessment.whenIdle();
    return res;
  }

  /** Verifies each envelope as the agent would, with its ledger's last sequence; all must pass. */
  accept(res: CheckinResponse): JobBody[] {
    return res.jobs.map((envelope) => {
      const v = verifyJob(envelope, {
        agentId: this.enrolled.agentId,
        pinnedPublicKeyPem: this.enrolled.jobSigningPublicKey,
        lastSequence: this.lastSequence,
        now: this.clock.now().toISOString(),
      });
      if (!v.ok) throw new Error(`${this.name} refused a job: ${v.reason} ${v.message}`);
      this.lastSequence = v.job.sequence;
      this.sequences.push(v.job.sequence);
      return v.job;
    });
  }

  /** Runs an install job: every package to its exact version; the report lists what it kept. */
  install(job: JobBody, outcome: 'succeeded' | 'failed' = 'succeeded'): JobReport {
    const step = job.steps.find((s) => s.kind === 'install');
    if (!step || !('packages' in step)) throw new Error('not an install job');
    const kept = step.packages
      .filter((p) => this.packages.get(p.name) !== p.version)
      .map((p) => ({ name: p.name, version: this.packages.get(p.name)! }));
    if (outcome === 'succeeded') for (const p of step.packages) this.packages.set(p.name, p.version);
    return this.report(job, outcome, kept, outcome === 'succeeded' ? 'installed' : 'postinst of a package exited 1');
  }

  /** Runs a rollback job: the listed packages back to their versions. */
  rollback(job: JobBody): JobReport {
    const step = job.steps[0]!;
    if (step.kind !== 'rollback' || !('packages' in step)) throw new Error('not a rollback job');
    for (const p of step.packages) this.packages.set(p.name, p.version);
    return this.report(job, 'succeeded', [], 'rolled back');
  }

  report(
    job: JobBody,
    state: JobReport['state'],
    kept: { name: string; version: string }[],
    message: string,
  ): JobReport {
    const at = this.clock.now().toISOString();
    return {
      jobId: job.jobId,
      sequence: job.sequence,
      state,
      refusal: null,
      message,
      steps: job.steps.map((s, index) => ({
        index,
        kind: s.kind,
        result: state === 'succeeded' ? 'succeeded' : 'failed',
        exitCode: state === 'succeeded' ? 0 : 1,
        startedAt: at,
        finishedAt: at,
        log: `step ${index} ${s.kind}\n`,
        message,
      })),
      rebootPending: false,
      rebootDeferrals: 0,
      keptPackages: kept,
      finishedAt: at,
    };
  }
}

for (const database of ['sqlite', 'postgres'] as TestDatabase[]) {
  describe.skipIf(database === 'postgres' && noPostgres !== undefined)(
    `deployments through the API on ${database}`,
    () => {
      const clock = new TestClock(Date.parse('2026-11-21T10:00:00.000Z'));
      let server: TestServer;
      let work: { dir: string; remove(): Promise<void> };
      let operator: string;
      let viewer: string;
      const agents = new Map<string, SimAgent>();
      const agent = (name: string) => agents.get(name)!;
      const tick = () => server.services.rollout.tick();
      const detail = (id: string) =>
        expectApi<DeploymentDetailWire>(server, 'GET', `/deployments/${id}`, 200, { token: viewer });
      const stateOf = (d: DeploymentDetailWire, name: string) => d.machines.find((m) => m.machineName === name)?.state;
      const create = (body: object) =>
        expectApi<DeploymentDetailWire>(server, 'POST', '/deployments', 201, { token: operator, body });
      const gate = (minSuccessRatio: number, maxFailures: number) => ({ minSuccessRatio, maxFailures });

      beforeAll(async () => {
        work = await tempDir('patchhive-deploy-');
        server = (await startTestServer({
          database,
          now: clock.now,
          config: { rollout: { tickSeconds: 0, jobLifetimeHours: 1 } },
        }))!;
        operator = await server.tokenFor('operator');
        viewer = await server.tokenFor('viewer');
        const catalogFile = path.join(work.dir, 'inhouse.json');
        await writeFile(catalogFile, nativeCatalog('inhouse', BULLETINS));
        const source = await expectApi<{ id: string }>(server, 'POST', '/sources', 201, {
          body: { name: 'inhouse', url: catalogFile, format: 'native', allowUnsigned: true },
        });
        await expectApi(server, 'POST', `/sources/${source.id}/sync`, 200);
        const token = await server.services.tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 100 }, 'test');
        for (const name of NAMES) {
          const enrolled = await expectApi<EnrollResponse>(server, 'POST', '/agent/enroll', 201, {
            token: null,
            body: { token: token.secret, hostname: name },
          });
          const a = new SimAgent(server, clock, name, enrolled);
          agents.set(name, a);
          const first = await a.checkin();
          expect(first.jobs).toEqual([]);
        }
        await expectApi(server, 'POST', '/groups', 201, {
          body: { name: 'fleet', kind: 'static', members: NAMES.filter((n) => n !== 'w1') },
        });
        await expectApi(server, 'POST', '/groups', 201, {
          body: {
            name: 'windowed',
            kind: 'static',
            members: ['w1'],
            maintenanceWindow: { cron: '0 22 * * *', durationMinutes: 120, timeZone: 'UTC' },
          },
        });
        const items = BULLETINS.flatMap((b) => [
          { bulletin: b.id, group: 'fleet' },
          { bulletin: b.id, group: 'windowed' },
        ]);
        const approved = await expectApi<{ applied: number }>(server, 'POST', '/triage/actions', 200, {
          token: operator,
          body: { items, action: { kind: 'approve' } },
        });
        expect(approved.applied).toBe(items.length);
      });
      afterAll(async () => {
        await server?.destroy();
        await work?.remove();
      });

      it('refuses bad deployments: unknown group or machine, invalid rings, members outside the target, a viewer', async () => {
        const rings = [{ name: 'all', members: { kind: 'percent', percent: 100 } }];
        await expectRefused(server, 'POST', '/deployments', 404, 'E_GROUP_NOT_FOUND', {
          token: operator,
          body: { name: 'x', target: { groups: ['nope'] }, rings },
        });
        await expectRefused(server, 'POST', '/deployments', 404, 'E_MACHINE_NOT_FOUND', {
          token: operator,
          body: { name: 'x', target: { machines: ['nope'] }, rings },
        });
        await expectRefused(server, 'POST', '/deployments', 404, 'E_BULLETIN_NOT_FOUND', {
          token: operator,
          body: { name: 'x', target: { machines: ['e1'] }, bulletins: ['NOPE-1'], rings },
        });
        const dup = await callApi(server, 'POST', '/deployments', {
          token: operator,
          body: {
            name: 'x',
            target: { machines: ['e1'] },
            rings: [...rings, { name: 'ALL', members: { kind: 'percent', percent: 10 } }],
          },
        });
        expect(dup.status).toBe(400);
        expect(dup.body.error).toMatchObject({
          code: 'E_BAD_REQUEST',
          message: expect.stringContaining('$.rings[1].name: duplicate ring name'),
        });
        const outside = await callApi(server, 'POST', '/deployments', {
          token: operator,
          body: {
            name: 'x',
            target: { machines: ['e1'] },
            rings: [{ name: 'lab', members: { kind: 'explicit', machines: ['e2'] } }],
          },
        });
        expect(outside.status).toBe(400);
        await expectRefused(server, 'POST', '/deployments', 403, 'E_FORBIDDEN', {
          token: viewer,
          body: { name: 'x', target: { machines: ['e1'] }, rings },
        });
        await expectRefused(server, 'GET', '/deployments/nope', 404, 'E_DEPLOYMENT_NOT_FOUND', { token: viewer });
        await expectRefused(server, 'GET', '/jobs/nope', 404, 'E_JOB_NOT_FOUND', { token: viewer });
        expect(
          (await expectApi<{ items: DeploymentWire[] }>(server, 'GET', '/deployments', 200, { token: viewer })).items,
        ).toEqual([]);
      });

      it('pause, resume and abort; a wrong status is E_DEPLOYMENT_STATE', async () => {
        const d = await create({
          name: 'pause-abort',
          target: { machines: ['e1', 'e2'] },
          bulletins: ['PH-GZIP'],
          rings: [
            { name: 'lab', members: { kind: 'explicit', machines: ['e1'] } },
            { name: 'broad', members: { kind: 'percent', percent: 100 } },
          ],
        });
        expect(d).toMatchObject({ status: 'running', currentRing: 'lab', unplaced: [] });
        expect(d.rings.map((r) => r.status)).toEqual(['running', 'waiting']);
        const paused = await expectApi<DeploymentDetailWire>(server, 'POST', `/deployments/${d.id}/pause`, 200, {
          token: operator,
          body: { reason: 'change freeze' },
        });
        expect(paused).toMatchObject({ status: 'paused', statusReason: 'change freeze' });
        await expectRefused(server, 'POST', `/deployments/${d.id}/pause`, 409, 'E_DEPLOYMENT_STATE', {
          token: operator,
          body: {},
        });
        expect((await agent('e1').checkin()).jobs).toEqual([]); // paused: nothing new is handed out
        await expectRefused(server, 'POST', `/deployments/${d.id}/resume`, 403, 'E_FORBIDDEN', {
          token: viewer,
          body: {},
        });
        const resumed = await expectApi<DeploymentDetailWire>(server, 'POST', `/deployments/${d.id}/resume`, 200, {
          token: operator,
          body: {},
        });
        expect(resumed).toMatchObject({ status: 'running', statusReason: null });
        await expectRefused(server, 'POST', `/deployments/${d.id}/resume`, 409, 'E_DEPLOYMENT_STATE', {
          token: operator,
          body: {},
        });
        const [job] = agent('e1').accept(await agent('e1').checkin());
        expect(job).toBeDefined();
        expect(stateOf(await detail(d.id), 'e1')).toBe('running');
        // A rollback queued, then the abort: the queued (never handed out) job is cancelled.
        const queued = await expectApi<DeploymentDetailWire>(server, 'POST', `/deployments/${d.id}/rollback`, 200, {
          token: operator,
          body: {},
        });
        const rollbackJobId = queued.machines.find((m) => m.machineName === 'e1')!.rollbackJobId!;
        expect(rollbackJobId).toEqual(expect.any(String));
        await expectRefused(server, 'POST', `/deployments/${d.id}/rollback`, 409, 'E_DEPLOYMENT_STATE', {
          token: operator,
          body: { machines: ['e2'] },
        }); // never installed
        const aborted = await expectApi<DeploymentDetailWire>(server, 'POST', `/deployments/${d.id}/abort`, 200, {
          token: operator,
          body: { reason: 'wrong fix' },
        });
        expect(aborted).toMatchObject({ status: 'aborted', statusReason: 'wrong fix', finishedAt: expect.any(String) });
        expect(stateOf(aborted, 'e1')).toBe('running'); // left as it is
        expect((await expectApi<JobWire>(server, 'GET', `/jobs/${rollbackJobId}`, 200, { token: viewer })).state).toBe(
          'cancelled',
        );
        expect((await agent('e1').checkin()).jobs).toEqual([]); // an aborted install is not handed out again
        expect((await agent('e2').checkin()).jobs).toEqual([]);
        for (const action of ['pause', 'resume', 'abort'])
          await expectRefused(server, 'POST', `/deployments/${d.id}/${action}`, 409, 'E_DEPLOYMENT_STATE', {
            token: operator,
            body: {},
          });
        const listed = await expectApi<{ items: DeploymentWire[] }>(server, 'GET', '/deployments?status=aborted', 200, {
          token: viewer,
        });
        expect(listed.items.map((x) => x.id)).toEqual([d.id]);
        await expectRefused(server, 'GET', '/deployments?status=nope', 400, 'E_BAD_REQUEST', { token: viewer });
      });

      it('validation by rescan: "succeeded" with an unchanged inventory fails; with the fixed version it succeeds', async () => {
        const d = await create({
          name: 'validate',
          target: { machines: ['v1', 'v2'] },
          bulletins: ['PH-ZLIB'],
          rings: [{ name: 'all', members: { kind: 'percent', percent: 100 }, gate: gate(0.5, 1) }],
        });
        expect(d.machines.find((m) => m.machineName === 'v1')).toMatchObject({
          state: 'pending',
          bulletinIds: ['PH-ZLIB'],
          packages: [{ name: 'zlib1g', version: '1:1.2.13.dfsg-1+deb12u1', previousVersion: '1:1.2.13.dfsg-1' }],
        });
        const [j1] = agent('v1').accept(await agent('v1').checkin());
        const [j2] = agent('v2').accept(await agent('v2').checkin());
        expect(j1!.steps.map((s) => s.kind)).toEqual(['install', 'reboot', 'verify']);
        expect(j1!.steps[0]).toMatchObject({
          kind: 'install',
          manager: 'apt',
          packages: [{ name: 'zlib1g', version: '1:1.2.13.dfsg-1+deb12u1' }],
        });
        // v1 claims success but changes nothing: the same inventory, already assessed, is validated at once.
        const lie = agent('v1').report(j1!, 'succeeded', [], 'installer exited 0');
        const res = await agent('v1').checkin([lie], { sendInventory: false });
        expect(res.acknowledgedJobReports).toEqual([{ jobId: j1!.jobId, state: 'succeeded' }]);
        // Reports for an unknown job, or for another agent's job, are acknowledged and ignored.
        const stray = await agent('v1').checkin(
          [
            { ...lie, jobId: 'no-such-job' },
            { ...lie, jobId: j2!.jobId, sequence: j2!.sequence },
          ],
          { sendInventory: false },
        );
        expect(stray.acknowledgedJobReports).toEqual([
          { jobId: 'no-such-job', state: 'succeeded' },
          { jobId: j2!.jobId, state: 'succeeded' },
        ]);
        expect((await expectApi<JobWire>(server, 'GET', `/jobs/${j2!.jobId}`, 200, { token: viewer })).state).toBe(
          'delivered',
        );
        let now = await detail(d.id);
        expect(now.machines.find((m) => m.machineName === 'v1')).toMatchObject({
          state: 'failed',
          message: 'still missing after install: PH-ZLIB',
        });
        await agent('v2').checkin([agent('v2').install(j2!)]);
        now = await detail(d.id);
        expect(now.machines.find((m) => m.machineName === 'v2')).toMatchObject({
          state: 'succeeded',
          message: expect.stringMatching(/^validated by rescan/),
        });
        await tick();
        now = await detail(d.id);
        expect(now.status).toBe('completed'); // 1 of 2 succeeded, 1 failure: within this gate
        const jobs = await expectApi<{ items: JobWire[] }>(server, 'GET', `/deployments/${d.id}/jobs?machine=v2`, 200, {
          token: viewer,
        });
        expect(jobs.items).toHaveLength(1);
        expect(jobs.items[0]).toMatchObject({
          kind: 'install',
          state: 'succeeded',
          machineName: 'v2',
          report: {
            state: 'succeeded',
            steps: expect.arrayContaining([expect.objectContaining({ log: 'step 0 install\n' })]),
          },
        });
        expect((await expectApi<JobWire>(server, 'GET', `/jobs/${j1!.jobId}`, 200, { token: viewer })).state).toBe(
          'succeeded',
        );
        // On demand: roll back v2; a second request for it is refused while one is queued.
        const rolled = await expectApi<DeploymentDetailWire>(server, 'POST', `/deployments/${d.id}/rollback`, 200, {
          token: operator,
          body: { machines: ['v2'], reason: 'app broke' },
        });
        expect(rolled.machines.find((m) => m.machineName === 'v2')).toMatchObject({
          rollback: 'pending',
          rollbackJobId: expect.any(String),
        });
        await expectRefused(server, 'POST', `/deployments/${d.id}/rollback`, 409, 'E_DEPLOYMENT_STATE', {
          token: operator,
          body: { machines: ['v2'] },
        });
        const [rb] = agent('v2').accept(await agent('v2').checkin());
        expect(rb!.steps).toEqual([
          {
            kind: 'rollback',
            manager: 'apt',
            fromJobId: j2!.jobId,
            packages: [{ name: 'zlib1g', version: '1:1.2.13.dfsg-1' }],
            remove: [],
            timeoutSeconds: 3600,
          },
        ]);
        await agent('v2').checkin([agent('v2').rollback(rb!)]);
        expect((await detail(d.id)).machines.find((m) => m.machineName === 'v2')).toMatchObject({
          state: 'rolled-back',
          rollback: 'succeeded',
        });
      });

      it('a failure in pilot halts before broad and rolls the pilot back to the previous versions', async () => {
        const d = await create({
          name: 'pilot-fails',
          target: { machines: ['f-lab', 'f-pilot1', 'f-pilot2', 'f-broad'] },
          bulletins: ['PH-CURL'],
          rings: [
            { name: 'lab', members: { kind: 'explicit', machines: ['f-lab'] } },
            { name: 'pilot', members: { kind: 'explicit', machines: ['f-pilot1', 'f-pilot2'] } },
            { name: 'broad', members: { kind: 'percent', percent: 100 } },
          ],
        });
        const [lab] = agent('f-lab').accept(await agent('f-lab').checkin());
        expect((await agent('f-pilot1').checkin()).jobs).toEqual([]); // pilot has not started
        await agent('f-lab').checkin([agent('f-lab').install(lab!)]);
        await tick();
        expect((await detail(d.id)).currentRing).toBe('pilot');
        const [p1] = agent('f-pilot1').accept(await agent('f-pilot1').checkin());
        const [p2] = agent('f-pilot2').accept(await agent('f-pilot2').checkin());
        // The halt queues the rollback at once: it is in the very answer to the failing report.
        const [rb1] = agent('f-pilot1').accept(
          await agent('f-pilot1').checkin([agent('f-pilot1').install(p1!, 'failed')]),
        );
        expect(rb1!.steps[0]).toMatchObject({
          kind: 'rollback',
          fromJobId: p1!.jobId,
          packages: [{ name: 'curl', version: BASE.curl }],
        });
        const halted = await detail(d.id);
        expect(halted).toMatchObject({
          status: 'halted',
          statusReason: expect.stringMatching(/^ring pilot halted: 1 failure/),
        });
        expect(halted.rings.map((r) => r.status)).toEqual(['passed', 'halted', 'waiting']);
        expect(halted.machines.find((m) => m.machineName === 'f-pilot1')).toMatchObject({
          state: 'failed',
          rollback: 'running',
        });
        expect(halted.machines.find((m) => m.machineName === 'f-pilot2')).toMatchObject({
          state: 'running',
          rollback: 'pending',
        }); // queued, not yet handed out
        expect(halted.machines.find((m) => m.machineName === 'f-lab')!.rollback).toBeNull(); // only the halted ring
        expect((await agent('f-broad').checkin()).jobs).toEqual([]); // never reaches broad
        // pilot2 finishes its install (not validated: a rollback owns the run now), then runs its rollback, handed out again until reported.
        const withRollback = await agent('f-pilot2').checkin([agent('f-pilot2').install(p2!)]);
        expect(withRollback.jobs).toHaveLength(1);
        const [rb2] = agent('f-pilot2').accept(await agent('f-pilot2').checkin());
        expect(rb2).toEqual((withRollback.jobs[0] as { job: unknown }).job);
        expect(rb2!.steps[0]).toMatchObject({
          kind: 'rollback',
          fromJobId: p2!.jobId,
          packages: [{ name: 'curl', version: BASE.curl }],
        });
        await agent('f-pilot2').checkin([agent('f-pilot2').rollback(rb2!)]);
        await agent('f-pilot1').checkin([agent('f-pilot1').rollback(rb1!)]);
        const after = await detail(d.id);
        expect(after.machines.filter((m) => m.ring === 'pilot').map((m) => [m.state, m.rollback])).toEqual([
          ['rolled-back', 'succeeded'],
          ['rolled-back', 'succeeded'],
        ]);
        expect(agent('f-pilot2').packages.get('curl')).toBe(BASE.curl);
        expect(stateOf(after, 'f-broad')).toBe('pending');
        await tick();
        expect((await detail(d.id)).status).toBe('halted');
      });

      it('three rings (lab explicit, pilot percent, broad catch-all) advance only after each gate and soak', async () => {
        const d = await create({
          name: 'three-rings',
          target: { groups: ['fleet'] },
          bulletins: ['PH-SSL'],
          rings: [
            { name: 'lab', members: { kind: 'explicit', machines: ['lab1'] }, soakSeconds: 3600 },
            { name: 'pilot', members: { kind: 'percent', percent: 25 }, soakSeconds: 3600 },
            { name: 'broad', members: { kind: 'percent', percent: 100 } },
          ],
          seed: 'fixed-seed',
        });
        // The whole fleet group is the target (every machine but w1); every member has PH-SSL open and approved.
        const fleet = NAMES.filter((n) => n !== 'w1');
        const members = (ring: string) => d.machines.filter((m) => m.ring === ring).map((m) => m.machineName);
        expect(members('lab')).toEqual(['lab1']);
        expect(members('pilot')).toHaveLength(Math.ceil(0.25 * fleet.length)); // a quarter of the whole target, rounded up
        expect([...members('lab'), ...members('pilot'), ...members('broad')].sort()).toEqual([...fleet].sort());
        expect(d.machines.every((m) => m.state === 'pending' && m.packages[0]?.version === '3.0.15-1~deb12u1')).toBe(
          true,
        );
        const runRing = async (ring: string) => {
          for (const name of members(ring)) {
            const a = agent(name);
            const jobs = a.accept(await a.checkin());
            expect(jobs, `${name} in ${ring}`).toHaveLength(1);
            await a.checkin([a.install(jobs[0]!)]);
          }
        };
        for (const n of [...members('pilot'), ...members('broad')].slice(0, 3))
          expect((await agent(n).checkin()).jobs).toEqual([]);
        await runRing('lab');
        await tick();
        let now = await detail(d.id);
        expect(now.rings.map((r) => r.status)).toEqual(['soaking', 'waiting', 'waiting']);
        clock.advance(1800_000);
        await tick();
        expect((await detail(d.id)).rings[1]!.status).toBe('waiting'); // half the soak
        clock.advance(1801_000);
        await tick();
        now = await detail(d.id);
        expect(now.rings.map((r) => r.status)).toEqual(['passed', 'running', 'waiting']);
        for (const n of members('broad').slice(0, 2)) expect((await agent(n).checkin()).jobs).toEqual([]);
        await runRing('pilot');
        await tick();
        expect((await detail(d.id)).rings.map((r) => r.status)).toEqual(['passed', 'soaking', 'waiting']);
        clock.advance(3601_000);
        await tick();
        now = await detail(d.id);
        expect(now.rings.map((r) => r.status)).toEqual(['passed', 'passed', 'running']);
        await runRing('broad');
        await tick();
        now = await detail(d.id);
        expect(now).toMatchObject({ status: 'completed', currentRing: null, finishedAt: expect.any(String) });
        expect(now.machines.every((m) => m.state === 'succeeded')).toBe(true);
        expect(now.rings.map((r) => r.successRatio)).toEqual([1, 1, 1]);
        const jobs = await expectApi<{ items: JobWire[] }>(server, 'GET', `/deployments/${d.id}/jobs`, 200, {
          token: viewer,
        });
        expect(jobs.items).toHaveLength(fleet.length);
        expect(jobs.items.every((j) => j.state === 'succeeded' && j.kind === 'install')).toBe(true);
      });

      it('deadline: a machine that never checks in is missed; one that returns before it catches up', async () => {
        const deadline = new Date(clock.now().getTime() + 3 * HOUR).toISOString();
        const d = await create({
          name: 'deadline',
          target: { machines: ['d1', 'd2'] },
          bulletins: ['PH-VIM'],
          deadline,
          rings: [{ name: 'all', members: { kind: 'percent', percent: 100 }, gate: gate(0.5, 0) }],
        });
        const [first] = agent('d2').accept(await agent('d2').checkin());
        expect(Date.parse(first!.expiresAt) - Date.parse(first!.issuedAt)).toBe(HOUR); // jobLifetimeHours: 1
        // d2 goes offline before running it; its job expires; it returns before the deadline.
        clock.advance(90 * 60_000);
        const back = agent('d2').accept(await agent('d2').checkin());
        expect(back).toHaveLength(1);
        expect(back[0]!.jobId).not.toBe(first!.jobId);
        expect((await expectApi<JobWire>(server, 'GET', `/jobs/${first!.jobId}`, 200, { token: viewer })).state).toBe(
          'expired',
        );
        await agent('d2').checkin([agent('d2').install(back[0]!)]);
        let now = await detail(d.id);
        expect(stateOf(now, 'd2')).toBe('succeeded');
        expect(stateOf(now, 'd1')).toBe('pending'); // never checked in: pending, never done
        await tick();
        expect((await detail(d.id)).status).toBe('running');
        clock.advance(2 * HOUR);
        await tick();
        now = await detail(d.id);
        expect(now.machines.find((m) => m.machineName === 'd1')).toMatchObject({
          state: 'missed',
          message: expect.stringContaining('deadline'),
        });
        expect(now.status).toBe('completed'); // 1 of 2 succeeded meets 0.5; a missed machine is no failure
        expect((await agent('d1').checkin()).jobs).toEqual([]); // too late
      });

      it('a machine outside its maintenance window waits, and gets its job once the window opens', async () => {
        const d = await create({
          name: 'window',
          target: { machines: ['w1'] },
          bulletins: ['PH-VIM'],
          rings: [{ name: 'all', members: { kind: 'percent', percent: 100 } }],
        });
        expect(clock.now().getUTCHours()).toBeLessThan(22);
        expect((await agent('w1').checkin()).jobs).toEqual([]);
        let now = await detail(d.id);
        const next = new Date(clock.now());
        next.setUTCHours(22, 0, 0, 0);
        expect(now.machines[0]).toMatchObject({
          state: 'waiting-window',
          message: `outside its maintenance window; the next opens at ${next.toISOString()}`,
        });
        clock.advance(next.getTime() - clock.now().getTime() + 30_000);
        const jobs = agent('w1').accept(await agent('w1').checkin());
        expect(jobs).toHaveLength(1);
        await agent('w1').checkin([agent('w1').install(jobs[0]!)]);
        now = await detail(d.id);
        expect(now).toMatchObject({ status: 'completed' });
        expect(stateOf(now, 'w1')).toBe('succeeded');
      });

      it('the job sequence numbers each agent received are strictly increasing', () => {
        let checked = 0;
        for (const a of agents.values()) {
          for (let i = 1; i < a.sequences.length; i++) expect(a.sequences[i]!).toBeGreaterThan(a.sequences[i - 1]!);
          checked += a.sequences.length;
        }
        expect(checked).toBeGreaterThan(20);
      });
    },
  );
}
