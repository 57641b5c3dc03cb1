/**
 * The rollout end to end on real Debian machines: a server on loopback and four debootstrap
 * chroots of the point release (lab-1, pilot-1, broad-1, broad-2), each with its own running
 * agent (`--root`). The catalog is built from the chroots' own bookworm-security index, so the
 * fixed versions are exactly what apt can install, plus a local test package whose 1.1 breaks on
 * the pilot machine.
 *
 * 1. Security fixes plus the breaking package: lab passes, pilot fails, the deployment halts
 *    before broad, and the automatic rollback returns the pilot's packages to their previous
 *    versions (dpkg status proves it); the broad machines are untouched.
 * 2. The same fixes without the breakage: lab → pilot → broad; broad-2 is outside its group's
 *    maintenance window and waits for it; validation by rescan marks each machine done; every
 *    chroot's dpkg status shows the security versions.
 * 3. An agent killed during its install job and restarted neither installs twice nor loses the
 *    result, and the server's state matches the machine's dpkg status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetailWire, JobWire } from '../../src/protocol/deploy-api.js';
import { buildIndexOval, parsePackagesIndex } from '../support/index-oval.js';
import { CLI_MAIN, ROOT, runCli } from '../support/cli.js';
import {
  cleanupStaleMounts,
  createDebianMachine,
  mountSystem,
  parseUpgradable,
  runCommand,
  whyNoDebianMachines,
  type DebianMachine,
  type UpgradableLine,
} from '../support/debian-machines.js';
import {
  buildDemoDebs,
  DEMO_CONFIGURING,
  DEMO_NEW,
  DEMO_OLD,
  DEMO_PACKAGE,
  installDemoRepo,
  setDemoFailure,
  setDemoSlow,
} from '../support/demo-packages.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { adminApi, nativeCatalog, waitFor } from './server-test-helpers.js';

const skipReason = process.env.CI === 'true' ? undefined : await whyNoDebianMachines();
if (skipReason) console.warn(`rollout e2e skipped: ${skipReason}`);

const SECURITY_LIST =
  'var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages';
const DEMO_BULLETIN = 'PHT-DEMO-2026-1';
const MINUTE = 60_000;

/** The server's clock: real time plus an offset the test moves (agents keep the real clock). */
class OffsetClock {
  offsetMs = 0;
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);
}

type Dpkg = Map<string, string>;

/** Every installed package of a chroot with its version and dpkg status letters. */
async function dpkgStatus(m: DebianMachine): Promise<Dpkg> {
  const { stdout } = await runCommand('chroot', [
    m.root,
    'dpkg-query',
    '-W',
    '-f=${Package} ${db:Status-Abbrev} ${Version}\n',
  ]);
  const map: Dpkg = new Map();
  for (const line of stdout.trim().split('\n')) {
    // "${db:Status-Abbrev}" is three characters, the last often a blank: "apt ii  2.6.1"
    const [, name, status, version] = /^(\S+) (\S+)\s+(\S+)$/.exec(line) ?? [];
    if (status?.startsWith('i') || status?.startsWith('h')) map.set(name!, `${version} ${status}`);
  }
  return map;
}

const versionOf = (d: Dpkg, pkg: string): string | undefined => d.get(pkg)?.split(' ')[0];

describe.skipIf(skipReason !== undefined)('rollout through rings on four real Debian machines (SQLite)', () => {
  const clock = new OffsetClock();
  let work: string;
  let server: TestServer;
  const machines = new Map<string, DebianMachine>();
  const unmounts: (() => Promise<void>)[] = [];
  const agents = new Map<string, ChildProcess>();
  const agentLogs: string[] = [];
  let securityVersions: Map<string, string>;
  const pendingAtStart = new Map<string, UpgradableLine[]>();
  let tokenFile: string;

  const api = adminApi(() => server);
  const deployment = (id: string) => api<DeploymentDetailWire>('GET', `/deployments/${id}`);
  const machineState = (d: DeploymentDetailWire, name: string) => d.machines.find((m) => m.machineName === name);
  const jobsOf = async (id: string, machine: string) =>
    (await api<{ items: JobWire[] }>('GET', `/deployments/${id}/jobs?machine=${machine}`)).items;
  const m = (name: string) => machines.get(name)!;

  const startAgent = (name: string): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, 'agent', 'run', '--root', m(name).root], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => agentLogs.push(`${name}: ${d.toString()}`));
    child.stderr.on('data', (d: Buffer) => agentLogs.push(`${name}: ${d.toString()}`));
    agents.set(name, child);
    return child;
  };

  const enroll = async (name: string): Promise<void> => {
    const { fingerprint } = await api<{ fingerprint: string }>('GET', '/server-key');
    const r = await runCli([
      'agent',
      'enroll',
      '--server',
      server.url,
      '--token-file',
      tokenFile,
      '--root',
      m(name).root,
      '--server-key-fingerprint',
      fingerprint,
    ]);
    expect(r.code, r.stderr).toBe(0);
  };

  /** Approves, in each of `groups`, every bulletin some machine misses (optionally leaving one out). */
  const approveMissing = async (groups: string[], except: string[] = []): Promise<string[]> => {
    const res = await api<{ items: { bulletinId: string }[] }>('GET', '/findings?status=missing&limit=1000');
    const ids = [...new Set(res.items.map((f) => f.bulletinId))].filter((b) => !except.includes(b)).sort();
    for (const group of groups) {
      const r = await api<{ applied: number; refused: number; items: { ok: boolean; error?: { code: string } }[] }>(
        'POST',
        '/triage/actions',
        {
          items: ids.map((bulletin) => ({ bulletin, group })),
          action: { kind: 'approve' },
        },
      );
      // an already approved pair is refused as a transition; everything else must apply
      for (const item of r.items) if (!item.ok) expect(item.error?.code).toBe('E_TRIAGE_TRANSITION');
    }
    return ids;
  };

  const waitForDeployment = (
    id: string,
    what: string,
    ok: (d: DeploymentDetailWire) => boolean,
    timeoutMs = 8 * MINUTE,
  ) =>
    waitFor(
      what,
      async () => {
        const d = await deployment(id);
        return ok(d) ? d : undefined;
      },
      timeoutMs,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nagent logs (tail):\n${agentLogs.slice(-40).join('')}`);
    });

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'patchhive-rollout-'));
    // Start three hours "ago": broad-2's window (opened 30 minutes ago, two hours long) is closed then.
    clock.offsetMs = -3 * 60 * MINUTE;
    server = (await startTestServer({
      database: 'sqlite',
      listen: true,
      now: clock.now,
      config: { checkinIntervalSeconds: 5, rollout: { tickSeconds: 1 } },
    }))!;
    const debs = await buildDemoDebs(await mkdtemp(path.join(work, 'debs-')));
    for (const name of ['lab-1', 'pilot-1', 'broad-1', 'broad-2', 'kill-1']) {
      const machine = await createDebianMachine(name, work);
      machines.set(name, machine);
      unmounts.push(await mountSystem(machine.root));
      await installDemoRepo(machine.root, debs);
    }
    await setDemoFailure(m('pilot-1').root, true);
    for (const [name, machine] of machines) {
      const { stdout } = await runCommand('chroot', [machine.root, 'apt', 'list', '--upgradable']);
      pendingAtStart.set(name, parseUpgradable(stdout));
    }

    // The catalog: the machines' own security index (what apt can install) and the demo package.
    const index = await readFile(path.join(m('lab-1').root, SECURITY_LIST), 'utf8');
    securityVersions = new Map(parsePackagesIndex(index).packages.map((p) => [p.name, p.version]));
    const ovalFile = path.join(work, 'bookworm-security.oval.xml');
    await writeFile(ovalFile, buildIndexOval(index, { release: '12' }));
    const demoFile = path.join(work, 'demo-catalog.json');
    await writeFile(
      demoFile,
      nativeCatalog('patchhive-demo', [
        { id: DEMO_BULLETIN, pkg: DEMO_PACKAGE, fixed: DEMO_NEW, severity: 'important' },
      ]),
    );
    for (const [name, url] of [
      ['bookworm-security', ovalFile],
      ['demo', demoFile],
    ]) {
      // The demo catalog is an unsigned native catalog: the source must allow that explicitly.
      const source = await api<{ id: string }>('POST', '/sources', { name, url, allowUnsigned: name === 'demo' });
      expect((await api<{ result: string }>('POST', `/sources/${source.id}/sync`)).result).toBe('updated');
    }

    const enrollment = await api<{ secret: string }>('POST', '/enrollment-tokens', { maxUses: 5, expiresInHours: 1 });
    tokenFile = path.join(work, 'enroll-token');
    await writeFile(tokenFile, enrollment.secret, { mode: 0o600 });
    for (const name of machines.keys()) {
      await enroll(name);
      startAgent(name);
    }
    await waitFor(
      'five assessed machines',
      async () => {
        const res = await api<{ items: { assessedAt: string | null; assessmentPending: boolean }[] }>(
          'GET',
          '/machines',
        );
        return res.items.filter((x) => x.assessedAt && !x.assessmentPending).length === 5 ? true : undefined;
      },
      3 * MINUTE,
    );

    // broad-2's group has a daily two-hour window that opened 30 minutes before the real now.
    const opened = new Date(Date.now() - 30 * MINUTE);
    await api('POST', '/groups', {
      name: 'fleet',
      kind: 'static',
      members: ['lab-1', 'pilot-1', 'broad-1', 'broad-2'],
    });
    await api('POST', '/groups', {
      name: 'night-shift',
      kind: 'static',
      members: ['broad-2'],
      maintenanceWindow: {
        cron: `${opened.getUTCMinutes()} ${opened.getUTCHours()} * * *`,
        durationMinutes: 120,
        timeZone: 'UTC',
      },
    });
    await api('POST', '/groups', { name: 'solo', kind: 'static', members: ['kill-1'] });
  }, 15 * MINUTE);

  afterAll(async () => {
    for (const a of agents.values()) {
      if (a.exitCode === null && a.signalCode === null) {
        a.kill('SIGTERM');
      }
    }
    await Promise.all(
      [...agents.values()].map((a) =>
        a.exitCode !== null || a.signalCode !== null ? Promise.resolve() : new Promise((r) => a.once('exit', r)),
      ),
    );
    await server?.destroy();
    for (const u of unmounts) await u();
    for (const machine of machines.values()) await machine.destroy();
    if (work) {
      await cleanupStaleMounts(work);
      await rm(work, { recursive: true, force: true });
    }
  }, 5 * MINUTE);

  it(
    'a fix that breaks in the pilot ring halts the rollout before broad, and rollback restores the pilot',
    async () => {
      await approveMissing(['fleet', 'night-shift']);
      const before = new Map(
        await Promise.all([...machines.values()].map(async (x) => [x.name, await dpkgStatus(x)] as const)),
      );
      expect(versionOf(before.get('pilot-1')!, DEMO_PACKAGE)).toBe(DEMO_OLD);

      const created = await api<DeploymentDetailWire>('POST', '/deployments', {
        name: 'security fixes and the demo package',
        target: { groups: ['fleet'] },
        rings: [
          { name: 'lab', members: { kind: 'explicit', machines: ['lab-1'] } },
          { name: 'pilot', members: { kind: 'explicit', machines: ['pilot-1'] } },
          { name: 'broad', members: { kind: 'percent', percent: 100 } },
        ],
        rebootPolicy: { mode: 'if-required', onlyInWindow: false, maxDeferrals: 0 },
        rollbackOnHalt: true,
      });
      expect(created.rings.map((r) => r.members)).toEqual([1, 1, 2]);
      const pilotPlan = machineState(created, 'pilot-1')!;
      expect(pilotPlan.packages.map((p) => p.name)).toContain(DEMO_PACKAGE);

      const halted = await waitForDeployment(
        created.id,
        'the deployment to halt and the pilot to be rolled back',
        (d) => d.status === 'halted' && machineState(d, 'pilot-1')?.rollback === 'succeeded',
      );
      expect(halted.rings.map((r) => r.status)).toEqual(['passed', 'halted', 'waiting']);
      expect(machineState(halted, 'lab-1')!.state).toBe('succeeded');
      expect(machineState(halted, 'pilot-1')!.state).toBe('rolled-back');
      for (const b of ['broad-1', 'broad-2']) {
        expect(machineState(halted, b)!.state).toBe('pending');
        expect(await jobsOf(created.id, b)).toEqual([]);
      }

      // the failed install names the broken maintainer script in its log
      const [install, rollback] = await jobsOf(created.id, 'pilot-1');
      expect(install!.kind).toBe('install');
      expect(install!.state).toBe('failed');
      expect(JSON.stringify(install!.report)).toMatch(/patchhive-demo/);
      expect(rollback!.kind).toBe('rollback');
      expect(rollback!.state).toBe('succeeded');

      console.log(
        `rollout e2e: pilot plan ${pilotPlan.packages.map((p) => `${p.name} ${p.previousVersion} → ${p.version}`).join(', ')}; install ${install!.state}, rollback ${rollback!.state}`,
      );
      // dpkg proves it: the pilot is back where it was, lab has the fixes, broad is untouched
      const pilotAfter = await dpkgStatus(m('pilot-1'));
      for (const p of pilotPlan.packages)
        expect(pilotAfter.get(p.name), p.name).toBe(before.get('pilot-1')!.get(p.name));
      expect(versionOf(pilotAfter, DEMO_PACKAGE)).toBe(DEMO_OLD);
      const labAfter = await dpkgStatus(m('lab-1'));
      for (const p of machineState(halted, 'lab-1')!.packages)
        expect(versionOf(labAfter, p.name), p.name).toBe(p.version);
      expect(versionOf(labAfter, DEMO_PACKAGE)).toBe(DEMO_NEW);
      expect(await dpkgStatus(m('broad-1'))).toEqual(before.get('broad-1'));
      expect(await dpkgStatus(m('broad-2'))).toEqual(before.get('broad-2'));
    },
    12 * MINUTE,
  );

  it(
    'the real security updates go through lab, pilot and broad; a machine outside its window waits for it',
    async () => {
      await setDemoFailure(m('pilot-1').root, false);
      const created = await api<DeploymentDetailWire>('POST', '/deployments', {
        name: 'security fixes',
        target: { groups: ['fleet'] },
        rings: [
          { name: 'lab', members: { kind: 'explicit', machines: ['lab-1'] } },
          { name: 'pilot', members: { kind: 'explicit', machines: ['pilot-1'] }, soakSeconds: 1 },
          { name: 'broad', members: { kind: 'percent', percent: 100 } },
        ],
        rebootPolicy: { mode: 'if-required', onlyInWindow: false, maxDeferrals: 0 },
      });
      const waiting = await waitForDeployment(
        created.id,
        'broad-1 done while broad-2 waits for its window',
        (d) =>
          machineState(d, 'broad-1')?.state === 'succeeded' && machineState(d, 'broad-2')?.state === 'waiting-window',
      );
      expect(waiting.status).toBe('running');
      expect(await jobsOf(created.id, 'broad-2')).toEqual([]);
      expect(machineState(waiting, 'broad-2')!.message ?? '').toMatch(/window/);

      clock.offsetMs = 0; // the window is open now
      const done = await waitForDeployment(created.id, 'the deployment to complete', (d) => d.status === 'completed');
      expect(done.machines.map((x) => [x.machineName, x.state])).toEqual(
        expect.arrayContaining([
          ['lab-1', 'succeeded'],
          ['pilot-1', 'succeeded'],
          ['broad-1', 'succeeded'],
          ['broad-2', 'succeeded'],
        ]),
      );
      console.log(
        `rollout e2e: ${done.machines.map((x) => `${x.machineName} ${x.state} (${x.packages.length} packages)`).join(', ')}`,
      );
      // validation was by rescan: no approved finding is open on any fleet machine
      for (const name of ['lab-1', 'pilot-1', 'broad-1', 'broad-2']) {
        const open = await api<{ items: { bulletinId: string }[] }>(
          'GET',
          `/findings?machine=${name}&status=missing&limit=1000`,
        );
        expect(
          open.items.map((f) => f.bulletinId),
          name,
        ).toEqual([]);
        const dpkg = await dpkgStatus(m(name));
        expect(versionOf(dpkg, DEMO_PACKAGE), name).toBe(DEMO_NEW);
        // every update pending at the start is installed at exactly the security suite's version
        const due = pendingAtStart.get(name)!.filter((u) => u.name !== DEMO_PACKAGE);
        expect(due.length, name).toBeGreaterThan(0);
        for (const u of due) {
          expect(u.suite, u.name).toMatch(/-security$/);
          expect(dpkg.get(u.name), `${name}: ${u.name}`).toBe(`${u.to} ii`);
          expect(securityVersions.get(u.name)).toBe(u.to);
        }
        expect(await m(name).upgradable(), name).toEqual([]);
      }
    },
    12 * MINUTE,
  );

  it(
    'an agent killed during its install job neither installs twice nor loses the result',
    async () => {
      await setDemoSlow(m('kill-1').root, true);
      await approveMissing(['solo']);
      const agent = agents.get('kill-1')!;
      const ledger = path.join(m('kill-1').root, 'var/lib/patchhive-agent/job-ledger.jsonl');
      const created = await api<DeploymentDetailWire>('POST', '/deployments', {
        name: 'kill test',
        target: { machines: ['kill-1'] },
        rings: [{ name: 'only', members: { kind: 'explicit', machines: ['kill-1'] } }],
        rebootPolicy: { mode: 'never', onlyInWindow: false, maxDeferrals: 0 },
      });
      const plan = machineState(created, 'kill-1')!;
      expect(plan.packages.length).toBeGreaterThan(0);
      // kill the agent while dpkg configures the (slow) demo package: the install step is under way
      await waitFor(
        'the demo package to be configuring',
        async () => (existsSync(path.join(m('kill-1').root, DEMO_CONFIGURING)) ? true : undefined),
        5 * MINUTE,
      );
      const atKill = await readFile(ledger, 'utf8');
      expect(atKill).toMatch(/"type":"step-started"/);
      expect(atKill).not.toMatch(/"type":"job-finished"/);
      agent.kill('SIGKILL');
      await new Promise((r) => agent.once('exit', r));
      startAgent('kill-1');

      const final = await waitForDeployment(created.id, 'the killed machine to reach a final state', (d) =>
        ['succeeded', 'failed'].includes(machineState(d, 'kill-1')!.state),
      );
      const records = (await readFile(ledger, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; jobId: string; index?: number });
      const jobId = machineState(final, 'kill-1')!.jobId!;
      const started = records.filter((r) => r.jobId === jobId && r.type === 'step-started').map((r) => r.index);
      expect(started.length).toBeGreaterThan(0);
      expect(new Set(started).size).toBe(started.length); // no step started twice: nothing re-run
      const history = await readFile(path.join(m('kill-1').root, 'var/log/apt/history.log'), 'utf8').catch(() => '');
      const installs = history
        .split('\n')
        .filter((l) => l.startsWith('Commandline: ') && l.includes(`${DEMO_PACKAGE}=${DEMO_NEW}`));
      expect(installs, history).toHaveLength(1); // the job's install ran once, never a second time

      const dpkg = await dpkgStatus(m('kill-1'));
      const allAtTarget = plan.packages.every((p) => dpkg.get(p.name) === `${p.version} ii`);
      const jobs = await jobsOf(created.id, 'kill-1');
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.report).not.toBeNull(); // the result reached the server after the restart
      // the server's verdict is the machine's truth
      expect(machineState(final, 'kill-1')!.state).toBe(allAtTarget ? 'succeeded' : 'failed');
    },
    12 * MINUTE,
  );
});
