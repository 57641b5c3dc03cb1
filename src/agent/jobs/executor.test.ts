import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import { JOB_FORMAT, type JobBody, type JobStep } from '../../protocol/jobs.js';
import { openJobLedger, type JobLedger } from '../job-ledger.js';
import { signTestJob } from '../test-server.js';
import type { ArtifactFetcher } from './artifacts.js';
import { createJobExecutor, type JobExecutorDeps } from './executor.js';
import { DEFAULT_LOCAL_POLICY } from '../local-policy.js';
import { createJobReportStore } from './reports.js';
import { fakeDpkg, fakeRunner, policyAllowing, type FakeDpkg, type FakeRunner } from './test-support.js';

afterAll(removeRoots);

const keys = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};
const SERVER = keys();
const NOW = new Date('2026-05-01T10:00:00Z');
const NEW = '3.0.17-1~deb12u2';
const OLD = '3.0.15-1~deb12u1';

const APT: JobStep = {
  kind: 'install',
  manager: 'apt',
  packages: [{ name: 'openssl', version: NEW }],
  timeoutSeconds: 600,
};
const VERIFY: JobStep = { kind: 'verify', bulletinIds: ['DSA-5999-1'] };

function body(over: Partial<JobBody> = {}): JobBody {
  return {
    format: JOB_FORMAT,
    agentId: 'agent-1',
    jobId: 'job-1',
    sequence: 1,
    issuedAt: '2026-05-01T09:59:00Z',
    expiresAt: '2026-05-02T09:59:00Z',
    deploymentId: 'dep-1',
    steps: [
      { kind: 'pre-hook', action: 'hook', command: ['/usr/local/bin/hook', 'pre'], timeoutSeconds: 30 },
      APT,
      VERIFY,
    ],
    artifacts: [],
    reboot: 'if-required',
    ...over,
  };
}

interface World {
  root: string;
  stateDir: string;
  dpkg: FakeDpkg;
  runner: FakeRunner;
  ledger: JobLedger;
  deps: JobExecutorDeps;
  info: string[];
  warn: string[];
  fetched: string[];
}

async function world(
  opts: {
    artifacts?: Record<string, Buffer>;
    root?: string;
    stateDir?: string;
    dpkg?: FakeDpkg;
    policy?: JobExecutorDeps['localPolicy'];
  } = {},
): Promise<World> {
  const root = opts.root ?? (await makeRoot({}));
  const stateDir = opts.stateDir ?? path.join(await makeRoot({}), 'state');
  const dpkg = opts.dpkg ?? fakeDpkg(root, { openssl: OLD }, { openssl: [OLD, NEW] });
  const runner = fakeRunner(
    root,
    (argv) => (argv[0] === '/usr/local/bin/hook' ? { exitCode: argv[1] === 'fail' ? 1 : 0 } : undefined),
    dpkg.handler,
  );
  const ledger = await openJobLedger(stateDir, { now: () => NOW });
  const w = {
    root,
    stateDir,
    dpkg,
    runner,
    ledger,
    info: [] as string[],
    warn: [] as string[],
    fetched: [] as string[],
  } as World;
  const fetchArtifact: ArtifactFetcher = async (a, file) => {
    w.fetched.push(a.id);
    const bytes = opts.artifacts?.[a.id];
    if (!bytes) throw new Error('the download answered HTTP 404');
    await writeFile(file, bytes, { mode: 0o600 });
  };
  w.deps = {
    agentId: 'agent-1',
    keys: () => ({ pinned: SERVER.pub, retired: [] }),
    ledger,
    reports: createJobReportStore(stateDir, (l) => w.warn.push(l)),
    stateDir,
    root,
    runner,
    platform: 'linux',
    windows: { systemRoot: 'C:\\Windows' },
    reboot: { commandFor: () => null, userSessionPresent: async () => false },
    fetchArtifact,
    localPolicy: opts.policy ?? policyAllowing({ name: 'hook' }, { name: 'vendor-fix' }),
    now: () => NOW,
    info: (l) => w.info.push(l),
    warn: (l) => w.warn.push(l),
  };
  return w;
}

describe('a job that verifies', () => {
  it('is journaled, run step by step, reported and queued', async () => {
    const w = await world();
    const r = await createJobExecutor(w.deps).handleEnvelope(signTestJob(body(), SERVER.priv));
    expect(r.kind).toBe('ran');
    expect(r.report).toMatchObject({
      jobId: 'job-1',
      sequence: 1,
      state: 'succeeded',
      refusal: null,
      keptPackages: [{ name: 'openssl', version: OLD }],
      rebootPending: false,
    });
    expect(r.report!.steps.map((s) => [s.index, s.kind, s.result])).toEqual([
      [0, 'pre-hook', 'succeeded'],
      [1, 'install', 'succeeded'],
      [2, 'verify', 'succeeded'],
    ]);
    expect(w.dpkg.snapshot()).toEqual([`openssl ${NEW}`]);
    expect(w.ledger.resumePoint('job-1')).toMatchObject({ outcome: 'succeeded', interruptedStep: null });
    expect(w.ledger.lastSequence()).toBe(1);
    expect(await w.deps.reports.pending()).toEqual([r.report]);
    expect(w.info[0]).toBe('job job-1 (deployment dep-1): accepted, 3 steps');
    expect(w.info).toContain('job job-1: step 1 install: installed 1 package; kept 1 for rollback … ok');
    const journal = (await readFile(w.ledger.file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).type);
    expect(journal).toEqual([
      'accepted',
      'step-started',
      'step-finished',
      'step-started',
      'step-finished',
      'step-started',
      'step-finished',
      'job-finished',
    ]);
  });

  it('a failing step ends the job: later steps are not run, the report names it', async () => {
    const w = await world();
    const job = body({
      steps: [
        { kind: 'pre-hook', action: 'hook', command: ['/usr/local/bin/hook', 'fail'], timeoutSeconds: 30 },
        APT,
        VERIFY,
      ],
    });
    const r = await createJobExecutor(w.deps).handleEnvelope(signTestJob(job, SERVER.priv));
    expect(r.report).toMatchObject({
      state: 'failed',
      message: 'step 0 (pre-hook) failed: pre-hook /usr/local/bin/hook exited 1',
    });
    expect(r.report!.steps).toHaveLength(1);
    expect(w.dpkg.snapshot()).toEqual([`openssl ${OLD}`]);
    expect(w.ledger.resumePoint('job-1')?.outcome).toBe('failed');
  });

  it('a job id the journal knows is not run again; its report is queued again', async () => {
    const w = await world();
    const ex = createJobExecutor(w.deps);
    const env = signTestJob(body(), SERVER.priv);
    await ex.handleEnvelope(env);
    await w.deps.reports.acknowledge([{ jobId: 'job-1', state: 'succeeded' }]);
    const calls = w.runner.calls.length;
    const again = await ex.handleEnvelope(env);
    expect(again).toMatchObject({ kind: 'known', report: { state: 'succeeded' } });
    expect(w.runner.calls).toHaveLength(calls);
    expect((await w.deps.reports.pending()).map((p) => p.jobId)).toEqual(['job-1']);
  });
});

describe('refusals run nothing', () => {
  const OTHER = keys();
  const cases: [string, string, () => unknown, number][] = [
    ['forged (another key)', 'bad-signature', () => signTestJob(body(), OTHER.priv), 0],
    [
      'changed after signing',
      'bad-signature',
      () => ({ ...signTestJob(body(), SERVER.priv), job: { ...body(), steps: [APT] } }),
      0,
    ],
    ['another agent', 'wrong-agent', () => signTestJob(body({ agentId: 'agent-2' }), SERVER.priv), 0],
    ['replayed sequence', 'replayed', () => signTestJob(body({ jobId: 'job-old', sequence: 5 }), SERVER.priv), 5],
    [
      'expired',
      'expired',
      () => signTestJob(body({ issuedAt: '2026-04-01T00:00:00Z', expiresAt: '2026-04-02T00:00:00Z' }), SERVER.priv),
      0,
    ],
    [
      'malformed',
      'malformed',
      () => ({
        job: {
          ...body(),
          steps: [
            { kind: 'install', manager: 'apt', packages: [{ name: '-oAPT::x', version: '1' }], timeoutSeconds: 1 },
          ],
        },
        signature: 'x',
      }),
      0,
    ],
  ];
  it.each(cases)('%s → %s', async (_name, reason, envelope, lastSequence) => {
    const w = await world();
    if (lastSequence > 0) {
      await w.ledger.accepted('job-earlier', lastSequence);
      await w.ledger.jobFinished('job-earlier', 'succeeded');
    }
    const r = await createJobExecutor(w.deps).handleEnvelope(envelope());
    expect(r.kind).toBe('refused');
    expect(r.report).toMatchObject({ state: 'refused', refusal: reason, steps: [], finishedAt: NOW.toISOString() });
    expect(w.runner.calls).toEqual([]);
    expect(w.fetched).toEqual([]);
    expect(w.ledger.lastSequence()).toBe(lastSequence);
    expect(w.warn[0]).toMatch(new RegExp(`^patchhive agent: refused job job-(1|old): ${reason}: .*; nothing run$`));
    expect((await w.deps.reports.pending())[0]?.refusal).toBe(reason);
  });

  it('a validly signed job with a hook the local policy does not allow is refused whole: no step runs, nothing is fetched', async () => {
    const w = await world({ policy: policyAllowing({ name: 'snapshot' }), artifacts: { fix: Buffer.from('x') } });
    const job = body({
      steps: [
        APT,
        { kind: 'post-hook', action: 'touch-marker', command: ['/usr/bin/touch', '/root/marker'], timeoutSeconds: 30 },
        VERIFY,
      ],
      artifacts: [
        { id: 'fix', url: 'http://127.0.0.1:9/fix', size: 1, sha256: createHash('sha256').update('x').digest('hex') },
      ],
    });
    const r = await createJobExecutor(w.deps).handleEnvelope(signTestJob(job, SERVER.priv));
    expect(r.kind).toBe('refused');
    expect(r.report).toMatchObject({ state: 'refused', refusal: 'not-allowed-by-local-policy', steps: [] });
    expect(r.report!.message).toBe(
      'job job-1: step 1: post-hook action "touch-marker" (/usr/bin/touch) is not in the local policy\'s actions; refused by the local policy /etc/patchhive/agent-policy.json',
    );
    expect(w.runner.calls).toEqual([]); // not even the allowed apt install
    expect(w.fetched).toEqual([]);
    expect(w.dpkg.snapshot()).toEqual([`openssl ${OLD}`]);
    expect(w.ledger.lastSequence()).toBe(0);
    expect(w.ledger.resumePoint('job-1')).toBeNull();
    expect(w.warn).toEqual([
      expect.stringMatching(/^patchhive agent: refused job job-1: not-allowed-by-local-policy: .*; nothing run$/),
    ]);
    expect((await w.deps.reports.pending()).map((p) => [p.jobId, p.refusal])).toEqual([
      ['job-1', 'not-allowed-by-local-policy'],
    ]);
  });

  it('the default policy refuses hooks, scripts and config edits; a bad signature is refused as such first', async () => {
    const w = await world({
      policy: async () => ({
        policy: DEFAULT_LOCAL_POLICY,
        source: 'default',
        file: '/etc/patchhive/agent-policy.json',
        problem: null,
      }),
    });
    const ex = createJobExecutor(w.deps);
    const steps: JobStep[][] = [
      [{ kind: 'pre-hook', action: 'hook', command: ['/usr/local/bin/hook', 'pre'], timeoutSeconds: 30 }, APT],
      [{ kind: 'install', manager: 'script', action: 'vendor-fix', command: ['/opt/fix.sh'], timeoutSeconds: 30 }],
      [APT, { kind: 'config', change: { type: 'file-edit', path: '/etc/motd', content: 'x', expectedSha256: null } }],
    ];
    for (const [i, s] of steps.entries()) {
      const r = await ex.handleEnvelope(
        signTestJob(body({ jobId: `job-d${i}`, sequence: i + 1, steps: s }), SERVER.priv),
      );
      expect(r.report, `job-d${i}`).toMatchObject({ refusal: 'not-allowed-by-local-policy' });
      expect(r.report!.message).toMatch(
        /refused by the default local policy \(no \/etc\/patchhive\/agent-policy\.json\)$/,
      );
    }
    const forged = await ex.handleEnvelope(signTestJob(body({ jobId: 'job-f' }), OTHER.priv));
    expect(forged.report).toMatchObject({ refusal: 'bad-signature' });
    expect(w.runner.calls).toEqual([]);
    // an apt-only job still runs under the default
    const apt = await ex.handleEnvelope(signTestJob(body({ jobId: 'job-apt', steps: [APT, VERIFY] }), SERVER.priv));
    expect(apt.report?.state).toBe('succeeded');
  });

  it('an envelope without a readable job id is only logged', async () => {
    const w = await world();
    expect(await createJobExecutor(w.deps).handleEnvelope({ job: { jobId: '-x' } })).toEqual({
      kind: 'ignored',
      report: null,
    });
    expect(w.warn).toEqual([expect.stringMatching(/refused job \(unreadable id\): malformed/)]);
  });
});

describe('artifacts are checked before anything is accepted', () => {
  const good = Buffer.from('the fix');
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const withArtifact = (size: number, hash: string) =>
    body({
      steps: [
        {
          kind: 'install',
          manager: 'script',
          action: 'vendor-fix',
          command: ['/usr/local/bin/hook', 'install'],
          timeoutSeconds: 5,
        },
      ],
      artifacts: [{ id: 'fix', url: 'http://127.0.0.1:9/fix', size, sha256: hash }],
    });

  it.each([
    ['hash-mismatch', Buffer.from('the fiX')],
    ['size-mismatch', Buffer.from('the fix, longer')],
  ])('%s: refused, the file deleted, nothing run or journaled', async (reason, served) => {
    const w = await world({ artifacts: { fix: served } });
    const r = await createJobExecutor(w.deps).handleEnvelope(
      signTestJob(withArtifact(good.length, sha(good)), SERVER.priv),
    );
    expect(r.report).toMatchObject({ state: 'refused', refusal: reason });
    expect(w.runner.calls).toEqual([]);
    expect(w.ledger.lastSequence()).toBe(0);
    expect(existsSync(path.join(w.stateDir, 'artifacts/job-1'))).toBe(false);
  });

  it('a download that fails is refused as download-failed; a good one is used and cleaned up after the job', async () => {
    const bad = await world();
    const r = await createJobExecutor(bad.deps).handleEnvelope(
      signTestJob(withArtifact(good.length, sha(good)), SERVER.priv),
    );
    expect(r.report).toMatchObject({
      refusal: 'download-failed',
      message: 'artifact fix: the download answered HTTP 404',
    });
    const w = await world({ artifacts: { fix: good } });
    const ok = await createJobExecutor(w.deps).handleEnvelope(
      signTestJob(withArtifact(good.length, sha(good)), SERVER.priv),
    );
    expect(ok.report?.state).toBe('succeeded');
    expect(existsSync(path.join(w.stateDir, 'artifacts/job-1'))).toBe(false);
  });
});

describe('resume after a restart', () => {
  /** A job accepted and journaled up to a crash: `started` steps started, the first `finished` of them finished. */
  async function crashed(
    job: JobBody,
    started: number,
    finished: number,
    setup?: (w: World) => Promise<void>,
    policy?: JobExecutorDeps['localPolicy'],
  ): Promise<World> {
    const w = await world();
    await w.deps.reports.saveEnvelope(job.jobId, signTestJob(job, SERVER.priv));
    await w.ledger.accepted(job.jobId, job.sequence);
    for (let i = 0; i < started; i++) {
      await w.ledger.stepStarted(job.jobId, i);
      if (i < finished) await w.ledger.stepFinished(job.jobId, i, 'succeeded');
    }
    await setup?.(w);
    await w.ledger.close();
    return world({ root: w.root, stateDir: w.stateDir, dpkg: w.dpkg, ...(policy ? { policy } : {}) }); // the restarted agent
  }
  const JOB = body({
    steps: [APT, { kind: 'reboot', graceSeconds: 0, when: 'always', maxDeferrals: 0, deferralsUsed: 0 }, VERIFY],
  });

  it('an install cut short but complete in dpkg is reconciled, not re-run; the job goes on', async () => {
    const w = await crashed(JOB, 1, 0, async (x) => {
      x.dpkg.installed.set('openssl', { version: NEW, abbrev: 'ii ' });
    });
    const [report] = await createJobExecutor(w.deps).resumeUnfinished();
    expect(report).toMatchObject({ state: 'succeeded', rebootPending: true }); // no reboot command for this root
    expect(report!.steps.map((s) => [s.index, s.result, s.message.slice(0, 30)])).toEqual([
      [0, 'succeeded', 'reconciled after restart, not '],
      [1, 'skipped', 'a reboot is needed, but this a'],
      [2, 'succeeded', 'the server re-assesses 1 bulle'],
    ]);
    expect(w.runner.calls.some((c) => c.argv.includes('install') || c.argv.includes('download'))).toBe(false);
    expect(w.ledger.unfinishedJobs()).toEqual([]);
    expect((await w.deps.reports.pending())[0]).toEqual(report);
  });

  it('an install cut short and incomplete fails the job with the versions; nothing re-run', async () => {
    const w = await crashed(JOB, 1, 0);
    const [report] = await createJobExecutor(w.deps).resumeUnfinished();
    expect(report).toMatchObject({
      state: 'failed',
      message: `step 0 (install) interrupted: interrupted by a restart and not re-run: openssl ${OLD} (wanted ${NEW})`,
    });
    expect(report!.steps).toHaveLength(1);
    expect(w.dpkg.snapshot()).toEqual([`openssl ${OLD}`]);
    expect(w.ledger.resumePoint('job-1')?.outcome).toBe('failed');
  });

  it('a reboot step cut short counts as done; a crash between steps goes on with the next step', async () => {
    const w = await crashed(JOB, 2, 1, async (x) => {
      x.dpkg.installed.set('openssl', { version: NEW, abbrev: 'ii ' });
    });
    const [report] = await createJobExecutor(w.deps).resumeUnfinished();
    expect(report!.steps.map((s) => [s.index, s.result])).toEqual([
      [0, 'succeeded'],
      [1, 'succeeded'],
      [2, 'succeeded'],
    ]);
    expect(report!.steps[0]!.message).toBe('(journaled; its log was lost in a restart)');
    expect(w.runner.calls).toEqual([]);

    const between = await crashed(JOB, 1, 1);
    const [r2] = await createJobExecutor(between.deps).resumeUnfinished();
    expect(r2!.steps.map((s) => s.index)).toEqual([0, 1, 2]);
  });

  it('a hook cut short fails the job; a lost envelope reports the job interrupted', async () => {
    const hookJob = body({
      steps: [{ kind: 'post-hook', action: 'hook', command: ['/usr/local/bin/hook', 'x'], timeoutSeconds: 5 }, VERIFY],
    });
    const w = await crashed(hookJob, 1, 0);
    const [r] = await createJobExecutor(w.deps).resumeUnfinished();
    expect(r).toMatchObject({ state: 'failed' });
    expect(r!.steps[0]).toMatchObject({
      result: 'interrupted',
      message: 'interrupted by an agent restart (post-hook); not re-run',
    });
    expect(w.runner.calls).toEqual([]);

    const lost = await crashed(JOB, 1, 0, async (x) => rm(path.join(x.stateDir, 'jobs/job-1/envelope.json')));
    const [l] = await createJobExecutor(lost.deps).resumeUnfinished();
    expect(l).toMatchObject({ state: 'interrupted', jobId: 'job-1' });
    expect(lost.ledger.resumePoint('job-1')?.outcome).toBe('interrupted');
  });

  it('a policy narrowed during the restart: nothing more runs that it now refuses', async () => {
    const job = body({
      steps: [
        APT,
        { kind: 'post-hook', action: 'hook', command: ['/usr/local/bin/hook', 'post'], timeoutSeconds: 5 },
        VERIFY,
      ],
    });
    const w = await crashed(
      job,
      1,
      1,
      async (x) => {
        x.dpkg.installed.set('openssl', { version: NEW, abbrev: 'ii ' });
      },
      policyAllowing(),
    );
    const [r] = await createJobExecutor(w.deps).resumeUnfinished();
    expect(r).toMatchObject({ state: 'failed' });
    expect(r!.message).toMatch(
      /step 1: post-hook action "hook" .* is not in the local policy's actions; .*; nothing more run after the restart$/,
    );
    expect(w.runner.calls).toEqual([]);
    expect(w.ledger.unfinishedJobs()).toEqual([]);
  });

  it('an envelope altered on disk is not trusted', async () => {
    const w = await crashed(JOB, 0, 0, async (x) => {
      const file = path.join(x.stateDir, 'jobs/job-1/envelope.json');
      const env = JSON.parse(await readFile(file, 'utf8'));
      env.job.steps[0].packages[0].version = '9.9.9-1';
      await writeFile(file, JSON.stringify(env));
    });
    const [r] = await createJobExecutor(w.deps).resumeUnfinished();
    expect(r?.state).toBe('interrupted');
    expect(w.runner.calls).toEqual([]);
  });
});
