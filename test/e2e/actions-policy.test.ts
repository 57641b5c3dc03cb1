/**
 * No free-form commands, end to end: a server on loopback and one real Debian machine (a
 * debootstrap chroot of the point release with the demo package 1.0) whose agent runs with its own
 * local policy file (`--policy-file`, outside the chroot).
 *
 * (a) An operator's deployment whose hook is an argv, or a name that is no action → 4xx, nothing created.
 * (b) An admin adds the action `touch-marker`, a second admin approves it, an operator deploys with
 *     it as pre-hook; the agent's policy does not list it → the validly signed job is refused whole
 *     (the allowed apt install does not run either), the server shows the refusal reason, no marker
 *     exists and `dpkg-query -W` is byte-identical before and after.
 * (c) The policy file now allows the action → a new deployment runs the hook exactly once (one
 *     marker file) and installs the fix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_POLICY_FORMAT } from '../../src/agent/local-policy.js';
import type { ChangeRequestWire } from '../../src/protocol/controls-api.js';
import type { DeploymentDetailWire, JobWire } from '../../src/protocol/deploy-api.js';
import { CLI_MAIN, ROOT, runCli } from '../support/cli.js';
import {
  cleanupStaleMounts,
  createDebianMachine,
  mountSystem,
  runCommand,
  whyNoDebianMachines,
  type DebianMachine,
} from '../support/debian-machines.js';
import { buildDemoDebs, DEMO_NEW, DEMO_OLD, DEMO_PACKAGE, installDemoRepo } from '../support/demo-packages.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { nativeCatalog, waitFor } from './server-test-helpers.js';

const skipReason = process.env.CI === 'true' ? undefined : await whyNoDebianMachines();
if (skipReason) console.warn(`actions-policy e2e skipped: ${skipReason}`);

const MINUTE = 60_000;
const MACHINE = 'policy-1';
const BULLETIN = 'PHT-POLICY-2026-1';
/** The hook: run inside the chroot (the agent runs job commands in --root), a new file each time it runs. */
const MARKER_DIR = 'var/tmp';
const MARKER_PREFIX = 'touch-marker.';
const ACTION_ARGV = ['/usr/bin/mktemp', `/${MARKER_DIR}/${MARKER_PREFIX}XXXXXXXX`];

describe.skipIf(skipReason !== undefined)('actions and the agent local policy on a real Debian machine', () => {
  let work: string;
  let server: TestServer;
  let machine: DebianMachine;
  let unmount: (() => Promise<void>) | undefined;
  let agent: ChildProcess | undefined;
  const agentLog: string[] = [];
  let policyFile: string;
  let admin2: string;
  let operator: string;

  const call = async (
    token: string,
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; json: any }> => {
    const res = await fetch(`${server.url}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: await res.json() };
  };
  const api = async <T>(token: string, method: string, url: string, body?: unknown): Promise<T> => {
    const r = await call(token, method, url, body);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json as T;
  };
  const deploy = (name: string, hooks: object) =>
    call(operator, 'POST', '/deployments', {
      name,
      target: { machines: [MACHINE] },
      rings: [{ name: 'all', members: { kind: 'explicit', machines: [MACHINE] } }],
      rebootPolicy: { mode: 'never', onlyInWindow: false, maxDeferrals: 0 },
      rollbackOnHalt: false,
      ...hooks,
    });
  const jobsOf = async (id: string) =>
    (await api<{ items: JobWire[] }>(server.adminToken, 'GET', `/deployments/${id}/jobs?machine=${MACHINE}`)).items;
  const dpkgQuery = async () => (await runCommand('chroot', [machine.root, 'dpkg-query', '-W'])).stdout;
  const markers = async () =>
    (await readdir(path.join(machine.root, MARKER_DIR))).filter((f) => f.startsWith(MARKER_PREFIX));
  const writePolicy = (policy: object) =>
    writeFile(policyFile, `${JSON.stringify({ schema: AGENT_POLICY_FORMAT, ...policy }, null, 2)}\n`, { mode: 0o644 });
  const waitForMachine = (id: string, what: string, ok: (state: string) => boolean) =>
    waitFor(
      what,
      async () => {
        const d = await api<DeploymentDetailWire>(server.adminToken, 'GET', `/deployments/${id}`);
        const m = d.machines.find((x) => x.machineName === MACHINE);
        return m && ok(m.state) ? m : undefined;
      },
      5 * MINUTE,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nagent log (tail):\n${agentLog.slice(-30).join('')}`);
    });

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'patchhive-actions-policy-'));
    server = (await startTestServer({
      database: 'sqlite',
      listen: true,
      config: { checkinIntervalSeconds: 5, rollout: { tickSeconds: 1 } },
    }))!;
    admin2 = await server.tokenFor('admin');
    operator = await server.tokenFor('operator');
    machine = await createDebianMachine(MACHINE, work);
    unmount = await mountSystem(machine.root);
    await installDemoRepo(machine.root, await buildDemoDebs(await mkdtemp(path.join(work, 'debs-'))));

    const catalog = path.join(work, 'demo-catalog.json');
    await writeFile(
      catalog,
      nativeCatalog('demo', [{ id: BULLETIN, pkg: DEMO_PACKAGE, fixed: DEMO_NEW, severity: 'important' }]),
    );
    const source = await api<{ id: string }>(server.adminToken, 'POST', '/sources', {
      name: 'demo',
      url: catalog,
      allowUnsigned: true,
    });
    expect((await api<{ result: string }>(server.adminToken, 'POST', `/sources/${source.id}/sync`)).result).toBe(
      'updated',
    );

    // the agent's own policy, root-owned 0644 in a 0755 directory outside the managed root; it allows another action only
    policyFile = path.join(work, 'etc-patchhive', 'agent-policy.json');
    await mkdir(path.dirname(policyFile), { mode: 0o755 });
    await writePolicy({ actions: [{ name: 'snapshot', argvPrefix: ['/usr/local/sbin/snapshot'] }] });

    const enrollment = await api<{ secret: string }>(server.adminToken, 'POST', '/enrollment-tokens', {
      maxUses: 1,
      expiresInHours: 1,
    });
    const tokenFile = path.join(work, 'enroll-token');
    await writeFile(tokenFile, enrollment.secret, { mode: 0o600 });
    const enrolled = await runCli([
      'agent',
      'enroll',
      '--server',
      server.url,
      '--token-file',
      tokenFile,
      '--root',
      machine.root,
      '--server-key-fingerprint',
      server.keyFingerprint,
    ]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agent = spawn(
      process.execPath,
      ['--import', 'tsx', CLI_MAIN, 'agent', 'run', '--root', machine.root, '--policy-file', policyFile],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    agent.stdout!.on('data', (d: Buffer) => agentLog.push(d.toString()));
    agent.stderr!.on('data', (d: Buffer) => agentLog.push(d.toString()));

    await waitFor(
      'the machine assessed with the demo fix missing',
      async () => {
        const res = await api<{ items: { bulletinId: string }[] }>(
          server.adminToken,
          'GET',
          `/findings?machine=${MACHINE}&status=missing&limit=100`,
        );
        return res.items.some((f) => f.bulletinId === BULLETIN) ? true : undefined;
      },
      3 * MINUTE,
    );
    await api(server.adminToken, 'POST', '/groups', { name: 'policy-lab', kind: 'static', members: [MACHINE] });
    const triage = await api<{ applied: number }>(operator, 'POST', '/triage/actions', {
      items: [{ bulletin: BULLETIN, group: 'policy-lab' }],
      action: { kind: 'approve' },
    });
    expect(triage.applied).toBe(1);
  }, 10 * MINUTE);

  afterAll(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent!.once('exit', r));
    }
    await server?.destroy();
    await unmount?.();
    await machine?.destroy();
    if (work) {
      await cleanupStaleMounts(work);
      await rm(work, { recursive: true, force: true });
    }
  }, 5 * MINUTE);

  it("(a) an operator's deployment with a hook that is no action is refused with 4xx; nothing is created", async () => {
    const argv = await deploy('raw argv', { preHook: ['/usr/bin/touch', '/root/pwned'] });
    expect(argv.status).toBe(400);
    const unknown = await deploy('unknown action', { preHook: 'touch-marker' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: 'E_ACTION_NOT_FOUND' });
    const shell = await deploy('shell in a name', { postHook: 'touch-marker; rm -rf /' });
    expect(shell.status).toBe(400);
    expect((await api<{ items: unknown[] }>(server.adminToken, 'GET', '/deployments')).items).toEqual([]);
  });

  it(
    "(b) an action approved by a second admin but not in the agent's policy: refused and reported, nothing runs, dpkg byte-identical",
    async () => {
      expect((await call(operator, 'POST', '/actions', { name: 'touch-marker', argv: ACTION_ARGV })).status).toBe(403);
      const proposed = await api<ChangeRequestWire>(server.adminToken, 'POST', '/actions', {
        name: 'touch-marker',
        argv: ACTION_ARGV,
        description: 'leaves a marker file',
        timeoutSeconds: 60,
      });
      expect(proposed).toMatchObject({ kind: 'action.put', status: 'pending' });
      expect((await deploy('before approval', { preHook: 'touch-marker' })).status).toBe(409);
      expect((await call(server.adminToken, 'POST', `/changes/${proposed.id}/approve`)).status).toBe(403); // not by its proposer
      expect(await api<ChangeRequestWire>(admin2, 'POST', `/changes/${proposed.id}/approve`)).toMatchObject({
        status: 'approved',
      });

      const before = await dpkgQuery();
      expect(before).toContain(`${DEMO_PACKAGE}\t${DEMO_OLD}\n`);
      expect(await markers()).toEqual([]);
      const created = await deploy('hook not in the local policy', { preHook: 'touch-marker' });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const id = (created.json as DeploymentDetailWire).id;

      const failed = await waitForMachine(id, 'the job to be refused', (s) => s === 'failed');
      expect(failed.message).toMatch(
        /^job refused \(not-allowed-by-local-policy\): job \S+: step 0: pre-hook action "touch-marker" \(\/usr\/bin\/mktemp\) is not in the local policy's actions; refused by the local policy /,
      );
      const [job] = await jobsOf(id);
      expect(job).toMatchObject({ kind: 'install', state: 'refused' });
      // the signed job carried the action's exact argv and an allowed apt install: refused whole
      expect((job!.steps as { kind: string }[]).map((s) => s.kind)).toEqual(['pre-hook', 'install', 'verify']);
      expect(job!.steps[0]).toEqual({
        kind: 'pre-hook',
        action: 'touch-marker',
        command: ACTION_ARGV,
        timeoutSeconds: 60,
      });
      expect(job!.report).toMatchObject({ state: 'refused', refusal: 'not-allowed-by-local-policy', steps: [] });
      expect(agentLog.join('')).toMatch(/refused job \S+: not-allowed-by-local-policy: .*touch-marker.*; nothing run/);

      expect(await dpkgQuery()).toBe(before); // byte-identical: not even the allowed apt install ran
      expect(await markers()).toEqual([]);
      console.log(`actions-policy e2e (b): ${failed.message}`);
    },
    8 * MINUTE,
  );

  it(
    '(c) the policy file now allows the action: a new deployment runs the hook exactly once',
    async () => {
      await writePolicy({
        actions: [
          { name: 'snapshot', argvPrefix: ['/usr/local/sbin/snapshot'] },
          { name: 'touch-marker', argvPrefix: ['/usr/bin/mktemp'] },
        ],
      });
      const created = await deploy('hook allowed', { preHook: 'touch-marker' });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const id = (created.json as DeploymentDetailWire).id;
      const done = await waitForMachine(
        id,
        'the job to run and be validated',
        (s) => s === 'succeeded' || s === 'failed',
      );
      expect(done.state, done.message ?? '').toBe('succeeded');
      const [job] = await jobsOf(id);
      expect(job).toMatchObject({ state: 'succeeded', report: { refusal: null } });
      expect(
        (job!.report as { steps: { kind: string; result: string }[] }).steps.map((s) => [s.kind, s.result]),
      ).toEqual([
        ['pre-hook', 'succeeded'],
        ['install', 'succeeded'],
        ['verify', 'succeeded'],
      ]);
      expect(await dpkgQuery()).toContain(`${DEMO_PACKAGE}\t${DEMO_NEW}\n`);
      // once: one marker now, and still one after two more check-ins
      expect(await markers()).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 12_000));
      expect(await markers()).toHaveLength(1);
      expect((await jobsOf(id)).length).toBe(1);
    },
    8 * MINUTE,
  );
});
