import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DEBIAN_12_OS_RELEASE, fixture, makeRoot, removeRoots } from '../inventory/test-support.js';
import { createAgentClient } from './client.js';
import { collectAgentInventory } from './collect.js';
import { AGENT_EXIT, formatDelay, runAgentLoop, type AgentRunDeps } from './run.js';
import { NO_PROBES, type AgentState } from './state.js';
import { enrolledState, signTestJob, startFakeServer, type FakeServer } from './test-server.js';
import { JOB_FORMAT, type JobBody } from '../protocol/jobs.js';
import { openJobLedger } from './job-ledger.js';
import { createJobHandling } from './jobs/checkin-jobs.js';
import { createJobExecutor } from './jobs/executor.js';
import { createJobReportStore } from './jobs/reports.js';
import { fakeRunner, policyAllowing } from './jobs/test-support.js';

afterAll(removeRoots);

const STATUS = readFileSync(fixture('debian', 'status-minbase-12-point-release.txt'), 'utf8');

interface Harness {
  deps: AgentRunDeps;
  saved: AgentState[];
  warnings: string[];
  sleeps: number[];
  controller: AbortController;
}

/** Deps around a real client and a real collector on a temp root; sleeping only records the delay. */
function harness(serverUrl: string, root: string, opts: { stopAfterSleeps?: number; random?: number } = {}): Harness {
  const h: Harness = {
    saved: [],
    warnings: [],
    sleeps: [],
    controller: new AbortController(),
    deps: undefined as unknown as AgentRunDeps,
  };
  h.deps = {
    client: createAgentClient(serverUrl, { userAgent: 'patchhive-agent/test' }),
    collect: (probes) =>
      collectAgentInventory({ root, now: new Date('2026-05-01T10:00:00Z'), probes, machineId: 'machine-1' }),
    save: async (s) => {
      h.saved.push(s);
    },
    random: () => opts.random ?? 0.5,
    sleep: async (ms) => {
      h.sleeps.push(ms);
      if (h.sleeps.length >= (opts.stopAfterSleeps ?? 1)) h.controller.abort();
    },
    warn: (line) => h.warnings.push(line),
    info: () => undefined,
    signal: h.controller.signal,
    backoff: { baseMs: 5_000, capMs: 15 * 60_000 },
    agentVersion: '0.0.0-test',
  };
  return h;
}

const debianRoot = () =>
  makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE, 'etc/debian_version': '12.15\n', 'var/lib/dpkg/status': STATUS });

describe('runAgentLoop against a server on loopback', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await startFakeServer();
    return () => server.close();
  });

  it('runs until stopped between cycles; waits the server interval ±10 %', async () => {
    const h = harness(server.url, await debianRoot(), { stopAfterSleeps: 2, random: 0 });
    expect(await runAgentLoop(enrolledState(server), { once: false }, h.deps)).toBe(AGENT_EXIT.ok);
    expect(server.checkins.map((c) => c.body.inventory !== undefined)).toEqual([true, false]);
    expect(h.sleeps).toEqual([3_240_000, 3_240_000]);
    expect(h.warnings).toEqual([]);
  });

  it('a server that lost the inventory gets it again at once (inventoryWanted)', async () => {
    const root = await debianRoot();
    const h = harness(server.url, root);
    await runAgentLoop(enrolledState(server), { once: true }, h.deps);
    const accepted = h.saved.at(-1)!;
    expect(accepted.lastAcceptedHash).toMatch(/^[0-9a-f]{64}$/);
    server.inventories.clear();
    await runAgentLoop(accepted, { once: true }, harness(server.url, root).deps);
    expect(server.checkins.map((c) => c.body.inventory !== undefined)).toEqual([true, false, true]);
  });

  it('at most one follow-up per cycle, even when every answer asks for new probes', async () => {
    let n = 0;
    server.onCheckin = () => {
      server.probes = { ...NO_PROBES, textFiles: [`/etc/probe-${++n}`] };
    };
    const h = harness(server.url, await debianRoot(), { stopAfterSleeps: 2 });
    await runAgentLoop(enrolledState(server), { once: false }, h.deps);
    expect(server.checkins).toHaveLength(4); // two cycles, each a check-in and one follow-up
    // the follow-up carries the probe the previous answer asked for
    expect(server.checkins[1]?.body.inventory?.textFiles?.map((t) => t.path)).toContain('/etc/probe-1');
  });

  it('a server that is down: one warning per failure, full-jitter backoff growing to the window', async () => {
    const root = await debianRoot();
    const down = await startFakeServer();
    await down.close();
    const h = harness(down.url, root, { stopAfterSleeps: 4, random: 0.99 });
    expect(await runAgentLoop(enrolledState(down), { once: false }, h.deps)).toBe(AGENT_EXIT.ok);
    expect(h.sleeps).toEqual([4_950, 9_900, 19_800, 39_600]);
    expect(h.warnings).toHaveLength(4);
    expect(h.warnings[0]).toMatch(
      /^patchhive agent: check-in failed \(1 in a row\): cannot reach the server at http:\/\/127\.0\.0\.1:\d+ for the check-in \(ECONNREFUSED\) \[E_SERVER_UNREACHABLE\]; retrying in 5s$/,
    );
    expect(h.warnings[3]).toMatch(/\(4 in a row\).*retrying in 40s$/);
    for (const w of h.warnings) expect(w).not.toContain(down.credential);
  });

  it('a success resets the backoff', async () => {
    let failing = 2;
    server.onCheckin = () => {
      if (failing-- > 0) throw new Error('database is down');
    };
    const h = harness(server.url, await debianRoot(), { stopAfterSleeps: 4, random: 0.5 });
    h.deps.sleep = async (ms) => {
      h.sleeps.push(ms);
      if (h.sleeps.length === 3) failing = 1; // fail once more after the success
      if (h.sleeps.length >= 4) h.controller.abort();
    };
    await runAgentLoop(enrolledState(server), { once: false }, h.deps);
    expect(h.sleeps).toEqual([2_500, 5_000, 3_600_000, 2_500]);
    expect(h.warnings[0]).toMatch(/answered the check-in with HTTP 500 \[E_SERVER_ERROR\]/);
  });

  it('--once: a failure is exit 2 with one line; revoked is exit 3', async () => {
    const down = await startFakeServer();
    await down.close();
    const h = harness(down.url, await debianRoot());
    expect(await runAgentLoop(enrolledState(down), { once: true }, h.deps)).toBe(AGENT_EXIT.error);
    expect(h.warnings).toHaveLength(1);
    expect(h.sleeps).toEqual([]);

    server.revoked = true;
    const r = harness(server.url, await debianRoot(), { stopAfterSleeps: 100 });
    expect(await runAgentLoop(enrolledState(server), { once: false }, r.deps)).toBe(AGENT_EXIT.revoked);
    expect(r.sleeps).toEqual([]); // no retry
    expect(r.warnings).toEqual([expect.stringMatching(/revoked this agent's credential \[E_TOKEN_REVOKED\]/)]);
  });

  it('a collection failure is a failure like any other (backoff, no check-in)', async () => {
    const root = await makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE });
    const h = harness(server.url, root, { stopAfterSleeps: 1, random: 0.5 });
    await runAgentLoop(enrolledState(server), { once: false }, h.deps);
    expect(server.checkins).toHaveLength(0);
    expect(h.warnings[0]).toMatch(/no dpkg status .* \[E_COLLECT_FAILED\]; retrying in 3s$/);
  });

  it('an already aborted signal runs no cycle', async () => {
    const h = harness(server.url, await debianRoot());
    h.controller.abort();
    expect(await runAgentLoop(enrolledState(server), { once: false }, h.deps)).toBe(AGENT_EXIT.ok);
    expect(server.checkins).toHaveLength(0);
  });
});

describe('formatDelay', () => {
  it.each([
    [850, '850ms'],
    [5_000, '5s'],
    [65_000, '1m 05s'],
    [900_000, '15m 00s'],
  ])('%d → %s', (ms, text) => {
    expect(formatDelay(ms)).toBe(text);
  });
});

describe('runAgentLoop with jobs (real executor and journal, simulated installer)', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await startFakeServer();
    return () => server.close();
  });

  /** A job whose script step "installs" a package by adding it to the root's dpkg status (so the inventory changes). */
  const job = (jobId: string, sequence: number, agentId = 'agent-1'): JobBody => ({
    format: JOB_FORMAT,
    agentId,
    jobId,
    sequence,
    issuedAt: '2026-05-01T09:00:00Z',
    expiresAt: '2026-05-02T09:00:00Z',
    deploymentId: 'dep-1',
    steps: [
      {
        kind: 'install',
        manager: 'script',
        action: 'vendor-fix',
        command: ['/opt/vendor/install-hello'],
        timeoutSeconds: 60,
      },
      { kind: 'verify', bulletinIds: ['DSA-0000-1'] },
    ],
    artifacts: [],
    reboot: 'never',
  });

  async function withJobs(root: string, stateDir?: string) {
    const dir = stateDir ?? path.join(await makeRoot({}), 'state');
    const runner = fakeRunner(root, (argv) => {
      if (argv[0] !== '/opt/vendor/install-hello') return undefined;
      appendFileSync(
        path.join(root, 'var/lib/dpkg/status'),
        '\nPackage: hello\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.10-3\n',
      );
      return { exitCode: 0 };
    });
    const ledger = await openJobLedger(dir);
    const reports = createJobReportStore(dir, () => undefined);
    const info: string[] = [];
    const executor = createJobExecutor({
      agentId: 'agent-1',
      keys: () => ({ pinned: server.publicKeyPem, retired: [] }),
      ledger,
      reports,
      stateDir: dir,
      root,
      runner,
      platform: 'linux',
      windows: { systemRoot: 'C:\\Windows' },
      reboot: { commandFor: () => null, userSessionPresent: async () => false },
      fetchArtifact: async () => {
        throw new Error('no artifacts here');
      },
      localPolicy: policyAllowing({ name: 'vendor-fix', argvPrefix: ['/opt/vendor/install-hello'] }),
      now: () => new Date('2026-05-01T10:00:00Z'),
      info: (l) => info.push(l),
      warn: (l) => info.push(l),
    });
    return { dir, runner, ledger, reports, info, jobs: createJobHandling(executor, reports) };
  }

  it('runs the jobs of an answer, then checks in at once with the report and the fresh inventory', async () => {
    const root = await debianRoot();
    const j = await withJobs(root);
    server.jobs = [signTestJob(job('job-1', 1), server.privateKeyPem)];
    const h = harness(server.url, root);
    h.deps.jobs = j.jobs;
    expect(await runAgentLoop(enrolledState(server), { once: true }, h.deps)).toBe(AGENT_EXIT.ok);
    expect(server.checkins).toHaveLength(2);
    const [first, second] = server.checkins.map((c) => c.body);
    expect(first!.jobReports).toBeUndefined();
    expect(second!.jobReports).toEqual([expect.objectContaining({ jobId: 'job-1', state: 'succeeded', sequence: 1 })]);
    expect(second!.inventoryHash).not.toBe(first!.inventoryHash);
    expect(second!.inventory?.packages?.items.some((p) => p.name === 'hello')).toBe(true);
    expect(await j.reports.pending()).toEqual([]); // acknowledged
    expect(j.runner.calls).toHaveLength(1);

    // the next cycle: the server no longer hands it out; nothing runs, one check-in
    await runAgentLoop(h.saved.at(-1)!, { once: true }, h.deps);
    expect(server.checkins).toHaveLength(3);
    expect(j.runner.calls).toHaveLength(1);
  });

  it('a report goes with every check-in until the server acknowledges it', async () => {
    const root = await debianRoot();
    const j = await withJobs(root);
    server.acknowledgeReports = false;
    server.jobs = [signTestJob(job('job-1', 1, 'agent-2'), server.privateKeyPem)]; // refused: another agent's
    const h = harness(server.url, root);
    h.deps.jobs = j.jobs;
    await runAgentLoop(enrolledState(server), { once: true }, h.deps);
    await runAgentLoop(h.saved.at(-1) ?? enrolledState(server), { once: true }, h.deps);
    const sent = server.checkins.map((c) => c.body.jobReports?.map((r) => `${r.jobId} ${r.state} ${r.refusal}`));
    expect(sent).toEqual([undefined, ['job-1 refused wrong-agent'], ['job-1 refused wrong-agent']]);
    expect(j.runner.calls).toEqual([]);
    server.acknowledgeReports = true;
    await runAgentLoop(h.saved.at(-1) ?? enrolledState(server), { once: true }, h.deps);
    expect(await j.reports.pending()).toEqual([]);
  });

  it('a job the agent died in is resumed at start and reported on the first check-in', async () => {
    const root = await debianRoot();
    const crashed = await withJobs(root);
    await crashed.reports.saveEnvelope('job-7', signTestJob(job('job-7', 7), server.privateKeyPem));
    await crashed.ledger.accepted('job-7', 7);
    await crashed.ledger.stepStarted('job-7', 0); // died inside the script install
    await crashed.ledger.close();
    const j = await withJobs(root, crashed.dir);
    const h = harness(server.url, root);
    h.deps.jobs = j.jobs;
    await runAgentLoop(enrolledState(server), { once: true }, h.deps);
    expect(server.checkins[0]!.body.jobReports).toEqual([
      expect.objectContaining({
        jobId: 'job-7',
        state: 'failed',
        steps: [expect.objectContaining({ index: 0, result: 'interrupted' })],
      }),
    ]);
    expect(j.runner.calls).toEqual([]); // never re-run
    expect(j.ledger.unfinishedJobs()).toEqual([]);
  });
});
