/**
 * `patchhive deploy …` and the groups' window and reboot flags end to end: the real `patchhive`
 * process against a real server (SQLite, on loopback). One machine (lab1) speaks the agent
 * protocol over HTTP — it enrolls, checks in, receives its signed job (verified with the pinned
 * key), reports it with step logs and sends its new inventory; the others are imported and never
 * check in, so they stay pending. The ring SPEC parser's own tests are in deploy-spec.test.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../inventory/model.js';
import type { MachineWire, SourceWire, SyncRecordWire } from '../../protocol/api.js';
import type { CheckinResponse, EnrollResponse, JobReport } from '../../protocol/agent.js';
import type { DeploymentDetailWire, DeploymentPlanWire, DeploymentWire, JobWire } from '../../protocol/deploy-api.js';
import { inventoryHash } from '../../protocol/inventory-hash.js';
import type { JobBody } from '../../protocol/jobs.js';
import { verifyJob } from '../../agent/job-verify.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import {
  callApi,
  debianInventory,
  expectApi,
  nativeCatalog,
  removeInventoryRoots,
  tempDir,
  waitFor,
} from '../../../test/e2e/server-test-helpers.js';
import { runApiCli, type ApiCliResult } from '../client/test-support.js';

let server: TestServer;
let work: { dir: string; remove(): Promise<void> };
let lab: SimAgent;

function cli(args: string[], token = server.adminToken): Promise<ApiCliResult> {
  return runApiCli(args, { PATCHHIVE_SERVER: server.url, PATCHHIVE_TOKEN: token });
}

async function ok(args: string[], token?: string): Promise<string> {
  const r = await cli(args, token);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

async function okJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, '--format', 'json'])) as T;
}

/** Expects exit code 2 with the error code on the single stderr error line, and nothing on stdout. */
async function refused(args: string[], code: string, message?: RegExp): Promise<ApiCliResult> {
  const r = await cli(args);
  expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`^patchhive: error: .*\\[${code}\\]$`, 'm'));
  if (message) expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
  return r;
}

/** A machine that speaks the agent protocol itself: enough agent to receive, check and report jobs. */
class SimAgent {
  private constructor(
    readonly enrolled: EnrollResponse,
    public inventory: Inventory,
  ) {}

  static async enroll(name: string, inventory: Inventory): Promise<SimAgent> {
    const token = await expectApi<{ secret: string }>(server, 'POST', '/enrollment-tokens', 201, {
      body: { maxUses: 1, expiresInHours: 1 },
    });
    const enrolled = await expectApi<EnrollResponse>(server, 'POST', '/api/v1/agent/enroll', 201, {
      token: null,
      body: { token: token.secret, hostname: name },
    });
    return new SimAgent(enrolled, inventory);
  }

  /** One check-in with the inventory and the reports; returns the jobs handed out, each verified. */
  async checkin(jobReports: JobReport[] = []): Promise<JobBody[]> {
    const body = {
      inventoryHash: inventoryHash(this.inventory),
      inventory: this.inventory,
      ...(jobReports.length ? { jobReports } : {}),
    };
    const res = await callApi<CheckinResponse>(server, 'POST', '/api/v1/agent/checkin', {
      token: this.enrolled.credential,
      body,
    });
    expect(res.status, res.text).toBe(200);
    return res.body.jobs.map((envelope) => {
      const v = verifyJob(envelope, {
        agentId: this.enrolled.agentId,
        pinnedPublicKeyPem: this.enrolled.jobSigningPublicKey,
        lastSequence: 0,
        now: new Date().toISOString(),
      });
      if (!v.ok) throw new Error(`job refused: ${v.reason}`);
      return v.job;
    });
  }

  /** The inventory after installing: these packages at these versions. */
  upgrade(versions: Record<string, string>): void {
    const items = this.inventory.packages!.items.map((p) =>
      versions[p.name] ? { ...p, version: versions[p.name]! } : p,
    );
    this.inventory = {
      ...this.inventory,
      collectedAt: new Date().toISOString(),
      packages: { ...this.inventory.packages!, items },
    };
  }
}

function succeededReport(jobId: string, sequence: number, kinds: string[]): JobReport {
  const at = new Date().toISOString();
  return {
    jobId,
    sequence,
    state: 'succeeded',
    refusal: null,
    message: 'all steps succeeded',
    steps: kinds.map((kind, index) => ({
      index,
      kind,
      result: 'succeeded',
      exitCode: kind === 'install' ? 0 : null,
      startedAt: at,
      finishedAt: at,
      log:
        kind === 'install'
          ? 'Setting up apt (2.6.2) ...\nSetting up gzip (1.12-1.1) ...\n\u001b[31mred\u001b[0m\n'
          : '',
      message: kind === 'install' ? 'installed 3 packages' : `${kind} done`,
    })),
    rebootPending: false,
    rebootDeferrals: 0,
    keptPackages: [
      { name: 'apt', version: '2.6.1' },
      { name: 'libapt-pkg6.0', version: '2.6.1' },
      { name: 'gzip', version: '1.12-1' },
    ],
    finishedAt: at,
  };
}

beforeAll(async () => {
  work = await tempDir('patchhive-deploy-cli-');
  server = (await startTestServer({ listen: true }))!;
  const catalogFile = path.join(work.dir, 'inhouse.json');
  writeFileSync(
    catalogFile,
    nativeCatalog('inhouse', [
      { id: 'PH-APT', pkg: 'apt', fixed: '2.6.2' },
      { id: 'PH-GZIP', pkg: 'gzip', fixed: '1.12-1.1', severity: 'low' },
    ]),
  );
  const source = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
    body: { name: 'inhouse', url: catalogFile, format: 'native', allowUnsigned: true },
  });
  expect(await expectApi<SyncRecordWire>(server, 'POST', `/sources/${source.id}/sync`, 200)).toMatchObject({
    result: 'updated',
  });
  const now = new Date();
  lab = await SimAgent.enroll('lab1', await debianInventory('status-minbase-12-point-release.txt', 'lab1', now));
  expect(await lab.checkin()).toEqual([]);
  for (const name of ['pilot1', 'broad1', 'broad2']) {
    const inv = await debianInventory('status-minbase-12-point-release.txt', name, now);
    await expectApi<MachineWire>(server, 'POST', '/machines/import', 201, { body: { inventory: inv } });
  }
  await expectApi(server, 'POST', '/groups', 201, {
    body: { name: 'fleet', kind: 'static', members: ['lab1', 'pilot1', 'broad1', 'broad2'] },
  });
  for (const bulletin of ['PH-APT', 'PH-GZIP']) {
    await expectApi(server, 'POST', '/triage/actions', 200, {
      body: { items: [{ bulletin, group: 'fleet' }], action: { kind: 'approve' } },
    });
  }
  // the assessment queue runs in the background: wait until every machine's two findings are open
  for (const name of ['lab1', 'pilot1', 'broad1', 'broad2']) {
    await waitFor(`${name} assessed`, async () => {
      const r = await callApi<{ items: unknown[] }>(server, 'GET', `/findings?machine=${name}`);
      return r.body.items?.length === 2 ? true : undefined;
    });
  }
});

afterAll(async () => {
  await server?.destroy();
  await work?.remove();
  await removeInventoryRoots();
});

describe('deploy create', () => {
  it('refuses bad ring syntax before asking the server', async () => {
    // independent runs, in parallel (each is a process start)
    await Promise.all([
      refused(
        ['deploy', 'create', '--name', 'x', '--group', 'fleet', '--ring', 'lab=machines:'],
        'E_USAGE',
        /--ring "lab=machines:": "machines:" needs/,
      ),
      refused(
        ['deploy', 'create', '--name', 'x', '--group', 'fleet', '--ring', 'p=10%,soak=1y'],
        'E_USAGE',
        /soak "1y"/,
      ),
      refused(['deploy', 'create', '--name', 'x', '--group', 'fleet'], 'E_USAGE', /needs at least one --ring/),
      refused(['deploy', 'create', '--name', 'x', '--ring', 'broad=rest'], 'E_USAGE', /needs a target/),
      refused(
        ['deploy', 'create', '--name', 'x', '--group', 'fleet', '--ring', 'broad=rest', '--pre-hook', '/usr/bin/snap'],
        'E_USAGE',
        /expected an action name/,
      ),
      refused(
        ['deploy', 'create', '--name', 'x', '--group', 'fleet', '--ring', 'broad=rest', '--deadline', 'soon'],
        'E_USAGE',
        /--deadline/,
      ),
    ]);
    expect((await okJson<{ items: unknown[] }>(['deploy', 'list'])).items).toEqual([]);
  });

  it('--dry-run prints the plan per ring and machine (table and JSON) and creates nothing', async () => {
    const count = async () =>
      (await expectApi<{ items: DeploymentWire[] }>(server, 'GET', '/api/v1/deployments', 200)).items.length;
    const before = await count();
    const args = ['deploy', 'create', '--name', 'dry', '--group', 'fleet', '--ring', 'lab=machines:lab1'];
    const out = await ok([...args, '--ring', 'broad=rest', '--reboot', 'never', '--dry-run']);
    expect(out).toMatch(/^name:\s+dry$/m);
    expect(out).toMatch(/^RING\s+MACHINE\s+START\s+PACKAGES\s+WINDOW\s+REBOOT\s+NOT INSTALLED$/m);
    expect(out).toMatch(/^lab\s+lab1\s+pending\s+\S*=\S*.*any time\s+never, 0 deferrals/m);
    expect(out).toMatch(/^broad\s+broad2\s+pending\s+/m);
    expect(out).toMatch(/^Dry run: nothing was created\. Give --seed \S+ /m);
    // Not named broad: a last ring named broad takes the rest whatever it says.
    const plan = await okJson<DeploymentPlanWire>([...args, '--ring', 'second=machines:broad1', '--dry-run']);
    expect(plan.rings.map((r) => r.name)).toEqual(['lab', 'second']);
    expect(plan.rings[0]!.machines).toMatchObject([{ machineName: 'lab1', state: 'pending' }]);
    expect(plan.rings[0]!.machines[0]!.packages.length).toBeGreaterThan(0);
    expect(plan.unplaced.map((m) => m.machineName).sort()).toEqual(['broad2', 'pilot1']);
    expect(plan.warnings.join('\n')).toMatch(/in no ring and will not be patched/);
    expect(await count()).toBe(before);
    await refused([...args, '--group', 'no-such-group', '--dry-run'], 'E_GROUP_NOT_FOUND');
  });

  it('creates a deployment through three rings and prints the plan', async () => {
    const out = await ok([
      'deploy',
      'create',
      '--name',
      'may-fixes',
      '--group',
      'fleet',
      '--ring',
      'lab=machines:lab1',
      '--ring',
      'pilot=machines:pilot1,soak=1d',
      '--ring',
      'broad=rest,max-failures=1,min-success=50%',
      '--reboot',
      'never',
      '--deadline',
      '7d',
    ]);
    expect(out).toMatch(/^name:\s+may-fixes$/m);
    expect(out).toMatch(/^status:\s+running$/m);
    expect(out).toMatch(/^RING\s+STATUS\s+MEMBERS\s+SUCCEEDED\s+FAILED\s+OPEN\s+MISSED\s+SOAK\s+GATE\s+STARTED$/m);
    expect(out).toMatch(/^lab\s+running\s+1\s+0\s+0\s+1\s+0\s+0\s+min-success=100% max-failures=0\s+\d{4}-/m);
    expect(out).toMatch(/^pilot\s+waiting\s+1\s+0\s+0\s+1\s+0\s+1d\s+min-success=100% max-failures=0\s+-$/m);
    expect(out).toMatch(/^broad\s+waiting\s+2\s+.*min-success=50% max-failures=1/m);
    expect(out).toMatch(/^MACHINE\s+RING\s+STATE\s+PACKAGES\s+ROLLBACK\s+UPDATED\s+MESSAGE$/m);
    expect(out).toMatch(/^lab1\s+lab\s+pending\s+3\s+-/m);
    expect(out).toMatch(/^broad2\s+broad\s+pending\s+3\s+-/m);
  });

  it('takes a spec file, with flags overriding it', async () => {
    const spec = path.join(work.dir, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        name: 'from-file',
        target: { machines: ['broad1'] },
        rings: [{ name: 'only', members: { kind: 'percent', percent: 100 } }],
      }),
    );
    const d = await okJson<DeploymentDetailWire>([
      'deploy',
      'create',
      '--spec-file',
      spec,
      '--name',
      'spec-run',
      '--bulletin',
      'PH-GZIP',
    ]);
    expect(d).toMatchObject({ name: 'spec-run', bulletinIds: ['PH-GZIP'], rollbackOnHalt: true });
    expect(d.rings.map((r) => r.name)).toEqual(['only']);
    expect(d.machines.map((m) => [m.machineName, m.packages.map((p) => p.name)])).toEqual([['broad1', ['gzip']]]);
    writeFileSync(spec, '{"name": ');
    await refused(['deploy', 'create', '--spec-file', spec], 'E_INPUT_MALFORMED');
  });

  it("an unknown group is the server's error code", async () => {
    await refused(
      ['deploy', 'create', '--name', 'x', '--group', 'no-such-group', '--ring', 'broad=rest'],
      'E_GROUP_NOT_FOUND',
    );
  });
});

describe('deploy status, jobs and validation', () => {
  it('the lab machine gets its signed job, reports it, and is validated by its new inventory', async () => {
    const jobs = await lab.checkin();
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.steps.map((s) => s.kind)).toEqual(['install', 'verify']);

    let status = await ok(['deploy', 'status', 'may-fixes', '--machines']);
    expect(status).toMatch(/^lab1\s+lab\s+running\s+3\s+/m);

    lab.upgrade({ apt: '2.6.2', 'libapt-pkg6.0': '2.6.2', gzip: '1.12-1.1' });
    await lab.checkin([
      succeededReport(
        job.jobId,
        job.sequence,
        job.steps.map((s) => s.kind),
      ),
    ]);
    await waitFor('lab1 validated', async () => {
      const { items } = await expectApi<{ items: DeploymentWire[] }>(server, 'GET', '/deployments', 200);
      const d = await expectApi<DeploymentDetailWire>(
        server,
        'GET',
        `/deployments/${items.find((i) => i.name === 'may-fixes')!.id}`,
        200,
      );
      return d.machines.find((m) => m.machineName === 'lab1')?.state === 'succeeded' ? d : undefined;
    });
    status = await ok(['deploy', 'status', 'may-fixes', '--machines']);
    expect(status).toMatch(/^lab\s+passed\s+1\s+1\s+0\s+0\s+0/m);
    expect(status).toMatch(/^pilot\s+running\s+1\s+/m);
    expect(status).toMatch(/^current_ring:\s+pilot$/m);
    expect(status).toMatch(/^lab1\s+lab\s+succeeded\s+3\s+/m);
  });

  it('jobs lists the jobs; --logs prints each step with its log tail, escapes removed', async () => {
    const table = await ok(['deploy', 'jobs', 'may-fixes']);
    expect(table).toMatch(/^JOB\s+KIND\s+MACHINE\s+SEQ\s+STATE\s+ISSUED\s+REPORTED\s+MESSAGE$/m);
    expect(table).toMatch(/^\S+\s+install\s+lab1\s+1\s+succeeded\s+/m);
    const logs = await ok(['deploy', 'jobs', 'may-fixes', '--machine', 'lab1', '--logs']);
    expect(logs).toMatch(/^== job \S+ \(install, lab1, sequence 1\): succeeded$/m);
    expect(logs).toMatch(/^-- step 0 install: succeeded exit 0 — installed 3 packages$/m);
    expect(logs).toContain('   | Setting up apt (2.6.2) ...\n   | Setting up gzip (1.12-1.1) ...\n');
    expect(logs).not.toContain('\u001b');
    const json = await okJson<{ items: JobWire[] }>(['deploy', 'jobs', 'may-fixes']);
    expect(json.items.map((j) => [j.kind, j.machineName, j.state])).toEqual([['install', 'lab1', 'succeeded']]);
    const csv = await ok(['deploy', 'jobs', 'may-fixes', '--format', 'csv']);
    expect(csv.split('\r\n')[0]).toBe(
      'id,kind,machine_id,machine,deployment_id,sequence,state,issued_at,expires_at,delivered_at,reported_at,message,steps',
    );
    expect(csv).toContain(',install verify\r\n');
  });

  it('status in CSV gives the rings, or with --machines the machines; an unknown one is E_DEPLOYMENT_NOT_FOUND', async () => {
    const rings = await ok(['deploy', 'status', 'may-fixes', '--format', 'csv']);
    expect(rings.split('\r\n')[0]).toMatch(
      /^index,ring,status,started_at,members,pending,waiting_window,running,validating,succeeded,failed,missed,rolled_back,success_ratio/,
    );
    expect(rings.split('\r\n').filter(Boolean)).toHaveLength(4);
    const machines = await ok(['deploy', 'status', 'may-fixes', '--machines', '--format', 'csv']);
    expect(machines).toMatch(
      /^\S+,lab1,lab,0,succeeded,.*apt=2\.6\.2 libapt-pkg6\.0=2\.6\.2 gzip=1\.12-1\.1,apt=2\.6\.1 libapt-pkg6\.0=2\.6\.1 gzip=1\.12-1,/m,
    );
    await refused(['deploy', 'status', 'no-such-deployment'], 'E_DEPLOYMENT_NOT_FOUND');
  });
});

describe('deploy pause, resume, rollback, abort, list', () => {
  it('pause and resume change the status; a second pause is refused with E_DEPLOYMENT_STATE', async () => {
    expect(await ok(['deploy', 'pause', 'may-fixes', '--reason', 'change freeze'])).toMatch(/^status:\s+paused$/m);
    expect((await okJson<DeploymentWire>(['deploy', 'status', 'may-fixes'])).statusReason).toBe('change freeze');
    await refused(['deploy', 'pause', 'may-fixes'], 'E_DEPLOYMENT_STATE');
    const resumed = await okJson<DeploymentWire>(['deploy', 'resume', 'may-fixes']);
    expect(resumed.status).toBe('running');
    await refused(['deploy', 'resume', 'may-fixes'], 'E_DEPLOYMENT_STATE');
  });

  it('rollback queues a rollback job for a machine that installed; one that never did is refused', async () => {
    await refused(['deploy', 'rollback', 'may-fixes', '--machine', 'pilot1'], 'E_DEPLOYMENT_STATE');
    const out = await ok(['deploy', 'rollback', 'may-fixes', '--machine', 'lab1', '--reason', 'bad gzip']);
    expect(out).toMatch(/^lab1\s+lab\s+succeeded\s+3\s+pending\s+/m);
    expect(out).not.toMatch(/^pilot1\s/m);
    const jobs = await lab.checkin();
    expect(jobs).toHaveLength(1);
    // back to the versions the agent reported it kept
    expect(jobs[0]!.steps).toEqual([
      expect.objectContaining({
        kind: 'rollback',
        manager: 'apt',
        packages: [
          { name: 'apt', version: '2.6.1' },
          { name: 'libapt-pkg6.0', version: '2.6.1' },
          { name: 'gzip', version: '1.12-1' },
        ],
        remove: [],
      }),
    ]);
    const listed = await okJson<{ items: JobWire[] }>(['deploy', 'jobs', 'may-fixes', '--machine', 'lab1']);
    expect(listed.items.map((j) => j.kind).sort()).toEqual(['install', 'rollback']);
  });

  it('abort ends it for good; --watch shows a settled deployment once', async () => {
    const aborted = await okJson<DeploymentWire>(['deploy', 'abort', 'may-fixes', '--reason', 'enough']);
    expect(aborted).toMatchObject({ status: 'aborted', statusReason: 'enough' });
    await refused(['deploy', 'abort', 'may-fixes'], 'E_DEPLOYMENT_STATE');
    // a settled deployment: --watch shows it once and returns
    const watched = await ok(['deploy', 'status', 'may-fixes', '--watch', '1']);
    expect(watched.match(/^--- \d{4}-/gm)).toHaveLength(1);
    expect(watched).toMatch(/^status:\s+aborted$/m);
  });

  it('list filters by status; a name used twice must be given as an id', async () => {
    const list = await ok(['deploy', 'list', '--status', 'aborted']);
    expect(list).toMatch(/^NAME\s+STATUS\s+RING\s+MACHINES\s+SUCCEEDED\s+FAILED\s+OPEN\s+CREATED\s+DEADLINE\s+ID$/m);
    expect(list).toMatch(/^may-fixes\s+aborted\s+/m);
    expect(list).not.toContain('spec-run');
    const all = await okJson<{ items: DeploymentWire[] }>(['deploy', 'list']);
    expect(all.items.map((d) => d.name).sort()).toEqual(['may-fixes', 'spec-run']);
    await refused(['deploy', 'list', '--status', 'sleeping'], 'E_USAGE', /unknown status "sleeping"/);

    const twin = await okJson<DeploymentDetailWire>([
      'deploy',
      'create',
      '--name',
      'spec-run',
      '--machine',
      'broad2',
      '--ring',
      'broad=rest',
    ]);
    await refused(['deploy', 'status', 'spec-run'], 'E_USAGE', /2 deployments are named "spec-run"; give an id/);
    expect((await okJson<DeploymentWire>(['deploy', 'status', twin.id])).id).toBe(twin.id);
  });
});

describe('groups: maintenance window and reboot policy', () => {
  it('create sets them, show prints them, set changes only the parts given and clears them', async () => {
    const created = await okJson<{ maintenanceWindow: unknown; rebootPolicy: unknown }>([
      'groups',
      'create',
      'night',
      '--members',
      'broad1',
      '--window-cron',
      '0 22 * * 0',
      '--window-minutes',
      '360',
      '--window-tz',
      'Europe/Berlin',
      '--reboot',
      'if-required',
      '--reboot-only-in-window',
      '--reboot-max-deferrals',
      '2',
    ]);
    expect(created).toMatchObject({
      maintenanceWindow: { cron: '0 22 * * 0', durationMinutes: 360, timeZone: 'Europe/Berlin' },
      rebootPolicy: { mode: 'if-required', onlyInWindow: true, maxDeferrals: 2 },
    });
    const shown = await ok(['groups', 'show', 'night']);
    expect(shown).toMatch(/^maintenance_window:\s+0 22 \* \* 0 for 360 min \(Europe\/Berlin\)$/m);
    expect(shown).toMatch(/^reboot_policy:\s+if-required, only in window, 2 deferrals$/m);

    const changed = await okJson<{ maintenanceWindow: unknown; rebootPolicy: unknown }>([
      'groups',
      'set',
      'night',
      '--window-minutes',
      '120',
      '--no-reboot-only-in-window',
    ]);
    expect(changed).toMatchObject({
      maintenanceWindow: { cron: '0 22 * * 0', durationMinutes: 120, timeZone: 'Europe/Berlin' },
      rebootPolicy: { mode: 'if-required', onlyInWindow: false, maxDeferrals: 2 },
    });
    const cleared = await okJson<{ maintenanceWindow: unknown; rebootPolicy: unknown }>([
      'groups',
      'set',
      'night',
      '--no-window',
      '--default-reboot',
    ]);
    expect(cleared).toMatchObject({ maintenanceWindow: null, rebootPolicy: null });
    expect(await ok(['groups', 'show', 'night'])).toMatch(/^maintenance_window:\s+-$/m);
  });

  it('refuses a window without its length, a bad zone or cron, and contradictory flags', async () => {
    await Promise.all([
      refused(
        ['groups', 'create', 'w1', '--members', 'broad1', '--window-cron', '0 2 * * *'],
        'E_USAGE',
        /needs --window-cron and --window-minutes/,
      ),
      refused(
        [
          'groups',
          'create',
          'w1',
          '--members',
          'broad1',
          '--window-cron',
          '0 2 * * *',
          '--window-minutes',
          '60',
          '--window-tz',
          'Mars/Olympus',
        ],
        'E_USAGE',
        /--window-tz: not an IANA time zone/,
      ),
      refused(
        ['groups', 'create', 'w1', '--members', 'broad1', '--window-cron', 'every night', '--window-minutes', '60'],
        'E_USAGE',
        /--window-cron: /,
      ),
      refused(
        ['groups', 'create', 'w1', '--members', 'broad1', '--reboot-max-deferrals', '1'],
        'E_USAGE',
        /needs --reboot/,
      ),
      refused(
        ['groups', 'set', 'fleet', '--no-window', '--window-minutes', '5'],
        'E_USAGE',
        /either --no-window or --window-\* options/,
      ),
      refused(
        ['groups', 'set', 'fleet', '--window-minutes', '5'],
        'E_USAGE',
        /needs --window-cron and --window-minutes/,
      ),
    ]);
    expect(
      (await expectApi<{ items: { name: string }[] }>(server, 'GET', '/groups', 200)).items.map((g) => g.name),
    ).not.toContain('w1');
  });
});
