/**
 * The agent's job executor on a real Debian machine (a debootstrap chroot of the point release):
 * real apt-get installs of the exact security versions apt offers, the replaced .debs kept, a
 * rollback back to them, a local package whose postinst fails, and every refusal — each proven by
 * dpkg's own database. Then the real agent process, killed in the middle of an apt install and
 * restarted: the install is reconciled, not run twice, and the server gets the true result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJobLedger, type JobLedger } from '../../src/agent/job-ledger.js';
import { createArtifactFetcher } from '../../src/agent/jobs/artifacts.js';
import { createJobExecutor, type JobExecutor } from '../../src/agent/jobs/executor.js';
import { createJobReportStore } from '../../src/agent/jobs/reports.js';
import { AGENT_POLICY_FORMAT, loadLocalPolicy } from '../../src/agent/local-policy.js';
import { createCommandRunner } from '../../src/agent/jobs/runner.js';
import { commandEnvironment } from '../../src/agent/jobs/setup.js';
import { startFakeServer, TEST_ENROLL_TOKEN, type FakeServer } from '../../src/agent/test-server.js';
import { JOB_FORMAT, type JobBody, type JobStep } from '../../src/protocol/jobs.js';
import { signJob } from '../../src/rollout/job-envelope.js';
import { CLI_MAIN, ROOT, runCli } from '../support/cli.js';
import {
  cleanupStaleMounts,
  createDebianMachine,
  parseUpgradable,
  runCommand,
  whyNoDebianMachines,
  type DebianMachine,
  type UpgradableLine,
} from '../support/debian-machines.js';

const skipReason = process.env.CI === 'true' ? undefined : await whyNoDebianMachines();
if (skipReason) console.warn(`agent-jobs e2e skipped: ${skipReason}`);

const keyPair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Packages whose security updates are small and self-contained; the first two apt offers are used. */
const PREFERRED = ['liblzma5', 'libpcre2-8-0', 'tzdata', 'perl-base'];

async function dpkgStatus(root: string): Promise<string> {
  return (await runCommand('chroot', [root, 'dpkg-query', '-W', '-f=${Package} ${Version} ${db:Status-Abbrev}\n']))
    .stdout;
}

async function installedVersion(root: string, name: string): Promise<string | undefined> {
  const line = (await dpkgStatus(root)).split('\n').find((l) => l.startsWith(`${name} `));
  const [, version, abbrev] = line?.split(' ') ?? [];
  return abbrev === 'ii' ? version : undefined;
}

describe.skipIf(skipReason !== undefined)('agent jobs on a real Debian chroot', () => {
  let work: string;
  let machine: DebianMachine;
  let root: string;
  let stateDir: string;
  let ledger: JobLedger;
  let executor: JobExecutor;
  let artifactServer: Server;
  let artifactUrl: string;
  let targets: UpgradableLine[];
  let policyFile: string;
  const server = keyPair();
  const log: string[] = [];
  let sequence = 0;
  const fetcher = createArtifactFetcher({ userAgent: 'patchhive-agent/e2e' });

  const job = (steps: JobStep[], over: Partial<JobBody> = {}): JobBody => ({
    format: JOB_FORMAT,
    agentId: 'agent-e2e',
    jobId: `job-${++sequence}`,
    sequence,
    issuedAt: iso(Date.now() - 60_000),
    expiresAt: iso(Date.now() + 3_600_000),
    deploymentId: 'dep-e2e',
    steps,
    artifacts: [],
    reboot: 'if-required',
    ...over,
  });

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'patchhive-agent-jobs-'));
    machine = await createDebianMachine('jobs-m1', work);
    root = machine.root;
    await runCommand('mount', ['-t', 'proc', 'proc', path.join(root, 'proc')]);
    const upgradable = parseUpgradable((await runCommand('chroot', [root, 'apt', 'list', '--upgradable'])).stdout);
    targets = [...PREFERRED.flatMap((n) => upgradable.filter((u) => u.name === n)), ...upgradable].slice(0, 2);
    targets = [...new Map(targets.map((t) => [t.name, t])).values()];
    expect(targets.length, 'the point release should lag the security suite').toBeGreaterThan(0);
    stateDir = path.join(root, 'var/lib/patchhive-agent');
    // the agent's policy lives outside the managed root; it allows the one action these jobs use
    policyFile = path.join(work, 'policy', 'agent-policy.json');
    await mkdir(path.dirname(policyFile), { mode: 0o755 });
    await writeFile(
      policyFile,
      JSON.stringify({
        schema: AGENT_POLICY_FORMAT,
        actions: [{ name: 'touch-marker', argvPrefix: ['/usr/bin/touch'] }],
      }),
      { mode: 0o644 },
    );
    ledger = await openJobLedger(stateDir);
    const proxy = {
      httpProxy: process.env.http_proxy ?? '',
      httpsProxy: process.env.https_proxy ?? '',
      noProxy: process.env.no_proxy ?? '',
    };
    const runner = createCommandRunner(root, commandEnvironment(proxy), path.join(stateDir, 'command-output'));
    executor = createJobExecutor({
      agentId: 'agent-e2e',
      keys: () => ({ pinned: server.pub, retired: [] }),
      ledger,
      reports: createJobReportStore(stateDir, (l) => log.push(l)),
      stateDir,
      root,
      runner,
      platform: 'linux',
      windows: { systemRoot: 'C:\\Windows' },
      reboot: { commandFor: () => null, userSessionPresent: async () => false },
      fetchArtifact: fetcher.fetch,
      localPolicy: () => loadLocalPolicy(policyFile),
      now: () => new Date(),
      info: (l) => log.push(l),
      warn: (l) => log.push(l),
    });
    artifactServer = createServer((_req, res) => res.end('these bytes are not the signed ones\n'));
    await new Promise<void>((r) => artifactServer.listen(0, '127.0.0.1', r));
    const addr = artifactServer.address() as { port: number };
    artifactUrl = `http://127.0.0.1:${addr.port}/fix.bin`;
  });

  afterAll(async () => {
    await ledger?.close();
    await fetcher.close();
    await new Promise((r) => artifactServer?.close(r));
    if (work) {
      await cleanupStaleMounts(work);
      await machine?.destroy();
      await rm(work, { recursive: true, force: true });
    }
    if (log.length > 0) console.log(log.join('\n'));
  });

  it('installs the exact security versions with apt, keeps the replaced .debs, then rolls back to them', async () => {
    const before = new Map(targets.map((t) => [t.name, t.from]));
    const install = job([
      {
        kind: 'pre-hook',
        action: 'touch-marker',
        command: ['/usr/bin/touch', '/root/pre-hook-ran'],
        timeoutSeconds: 60,
      },
      {
        kind: 'install',
        manager: 'apt',
        packages: targets.map((t) => ({ name: t.name, version: t.to })),
        timeoutSeconds: 1800,
      },
      {
        kind: 'post-hook',
        action: 'touch-marker',
        command: ['/usr/bin/touch', '/root/post-hook-ran'],
        timeoutSeconds: 60,
      },
      { kind: 'reboot', graceSeconds: 0, when: 'if-required', maxDeferrals: 0, deferralsUsed: 0 },
      { kind: 'verify', bulletinIds: ['DSA-E2E-1'] },
    ]);
    const r = await executor.handleEnvelope(signJob(install, server.priv));
    expect(r.report?.state, JSON.stringify(r.report, null, 2)).toBe('succeeded');
    for (const t of targets) expect(await installedVersion(root, t.name)).toBe(t.to);
    expect(existsSync(path.join(root, 'root/pre-hook-ran')) && existsSync(path.join(root, 'root/post-hook-ran'))).toBe(
      true,
    );
    expect(r.report!.keptPackages).toEqual(
      targets.map((t) => ({ name: t.name, version: t.from })).sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(r.report!.steps[1]!.log).toMatch(/Unpacking|Setting up/);
    // the old .debs are really there, and dpkg-deb says what they are
    const keptDir = path.join(root, 'var/lib/patchhive/kept', install.jobId);
    const debs = readdirSync(keptDir).filter((f) => f.endsWith('.deb'));
    expect(debs).toHaveLength(targets.length);
    for (const d of debs) {
      const { stdout } = await runCommand('dpkg-deb', ['-f', path.join(keptDir, d), 'Package', 'Version']);
      const [, name, version] = /^Package: (\S+)\nVersion: (\S+)/.exec(stdout)!;
      expect(before.get(name!)).toBe(version);
    }

    const rollback = job([
      {
        kind: 'rollback',
        manager: 'apt',
        fromJobId: install.jobId,
        packages: r.report!.keptPackages,
        remove: [],
        timeoutSeconds: 1800,
      },
    ]);
    const rb = await executor.handleEnvelope(signJob(rollback, server.priv));
    expect(rb.report?.state, JSON.stringify(rb.report, null, 2)).toBe('succeeded');
    for (const t of targets) expect(await installedVersion(root, t.name)).toBe(t.from);
  });

  it('a local package whose postinst fails: the step fails naming it; a rollback removes it', async () => {
    const pkg = path.join(work, 'pkg');
    await mkdir(path.join(pkg, 'DEBIAN'), { recursive: true });
    await writeFile(
      path.join(pkg, 'DEBIAN/control'),
      'Package: patchhive-broken\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Patchhive tests <t@example.org>\nDescription: postinst fails\n',
    );
    await writeFile(
      path.join(pkg, 'DEBIAN/postinst'),
      '#!/bin/sh\necho "patchhive-broken: refusing to configure" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const repo = path.join(root, 'opt/localrepo');
    await mkdir(repo, { recursive: true });
    const deb = path.join(repo, 'patchhive-broken_1.0-1_all.deb');
    await runCommand('dpkg-deb', ['--root-owner-group', '--build', pkg, deb]);
    const bytes = readFileSync(deb);
    const control = (await readFile(path.join(pkg, 'DEBIAN/control'), 'utf8')).trimEnd();
    const sha = createHash('sha256').update(bytes).digest('hex');
    await writeFile(
      path.join(repo, 'Packages'),
      `${control}\nFilename: ./patchhive-broken_1.0-1_all.deb\nSize: ${bytes.length}\nSHA256: ${sha}\n\n`,
    );
    await writeFile(path.join(root, 'etc/apt/sources.list.d/local.list'), 'deb [trusted=yes] file:/opt/localrepo ./\n');
    await runCommand('chroot', [
      root,
      'apt-get',
      'update',
      '-o',
      'Dir::Etc::sourcelist=sources.list.d/local.list',
      '-o',
      'Dir::Etc::sourceparts=-',
      '-o',
      'APT::Get::List-Cleanup=0',
    ]);

    const broken = job([
      {
        kind: 'install',
        manager: 'apt',
        packages: [{ name: 'patchhive-broken', version: '1.0-1' }],
        timeoutSeconds: 600,
      },
      { kind: 'verify', bulletinIds: ['LOCAL-1'] },
    ]);
    const r = await executor.handleEnvelope(signJob(broken, server.priv));
    expect(r.report).toMatchObject({
      state: 'failed',
      message: expect.stringContaining('the post-installation script of patchhive-broken exited 1'),
    });
    expect(r.report!.steps).toHaveLength(1); // verify did not run
    expect(await dpkgStatus(root)).toMatch(/^patchhive-broken 1\.0-1 iF *$/m);

    const rollback = job([
      {
        kind: 'rollback',
        manager: 'apt',
        fromJobId: broken.jobId,
        packages: [],
        remove: ['patchhive-broken'],
        timeoutSeconds: 600,
      },
    ]);
    const rb = await executor.handleEnvelope(signJob(rollback, server.priv));
    expect(rb.report?.state, JSON.stringify(rb.report, null, 2)).toBe('succeeded');
    expect(await installedVersion(root, 'patchhive-broken')).toBeUndefined();
  });

  it("refuses a forged signature, a replayed sequence, an expired job, another agent's job, a hook its local policy does not allow and a wrong artifact — installing nothing", async () => {
    const accepted = job([{ kind: 'verify', bulletinIds: ['X'] }]);
    expect((await executor.handleEnvelope(signJob(accepted, server.priv))).report?.state).toBe('succeeded');
    const statusBefore = await dpkgStatus(root);
    const marker = '/root/refused-job-ran';
    const steps = (): JobStep[] => [
      { kind: 'pre-hook', action: 'touch-marker', command: ['/usr/bin/touch', marker], timeoutSeconds: 60 },
      {
        kind: 'install',
        manager: 'apt',
        packages: targets.map((t) => ({ name: t.name, version: t.to })),
        timeoutSeconds: 600,
      },
    ];
    const good = Buffer.from('the signed artifact\n');
    const cases: [string, () => unknown][] = [
      ['bad-signature', () => signJob(job(steps()), keyPair().priv)],
      ['replayed', () => signJob({ ...job(steps()), sequence: accepted.sequence }, server.priv)],
      [
        'expired',
        () =>
          signJob(
            job(steps(), { issuedAt: iso(Date.now() - 7_200_000), expiresAt: iso(Date.now() - 3_600_000) }),
            server.priv,
          ),
      ],
      ['wrong-agent', () => signJob(job(steps(), { agentId: 'agent-other' }), server.priv)],
      // validly signed, but the local policy allows touch-marker only as /usr/bin/touch …
      [
        'not-allowed-by-local-policy',
        () => signJob(job([{ ...steps()[0]!, action: 'drain-node' } as JobStep, ...steps().slice(1)]), server.priv),
      ],
      [
        'not-allowed-by-local-policy',
        () =>
          signJob(
            job([
              ...steps().slice(1),
              {
                kind: 'post-hook',
                action: 'touch-marker',
                command: ['/bin/sh', '-c', `touch ${marker}`],
                timeoutSeconds: 60,
              },
            ]),
            server.priv,
          ),
      ],
      [
        'hash-mismatch',
        () =>
          signJob(
            job(steps(), {
              artifacts: [
                {
                  id: 'fix',
                  url: artifactUrl,
                  size: 'these bytes are not the signed ones\n'.length,
                  sha256: createHash('sha256').update(good).digest('hex'),
                },
              ],
            }),
            server.priv,
          ),
      ],
    ];
    for (const [reason, envelope] of cases) {
      const r = await executor.handleEnvelope(envelope());
      expect(r.report, reason).toMatchObject({ state: 'refused', refusal: reason, steps: [] });
    }
    expect(await dpkgStatus(root)).toBe(statusBefore);
    expect(existsSync(path.join(root, marker))).toBe(false);
    const artifacts = path.join(stateDir, 'artifacts');
    expect(existsSync(artifacts) ? readdirSync(artifacts) : []).toEqual([]); // the wrong download was deleted
    expect(ledger.lastSequence()).toBe(accepted.sequence);
  });
});

describe.skipIf(skipReason !== undefined)('the agent process killed during an apt install', () => {
  let work: string;
  let machine: DebianMachine;
  let fake: FakeServer;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'patchhive-agent-kill-'));
    machine = await createDebianMachine('jobs-kill', work);
    await runCommand('mount', ['-t', 'proc', 'proc', path.join(machine.root, 'proc')]);
    // apt holds its lock and waits before dpkg runs, so the agent can be killed mid-install
    await writeFile(
      path.join(machine.root, 'etc/apt/apt.conf.d/99patchhive-slow'),
      'DPkg::Pre-Invoke { "sleep 8"; };\n',
    );
    fake = await startFakeServer();
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await fake?.close();
    if (work) {
      await cleanupStaleMounts(work);
      await machine?.destroy();
      await rm(work, { recursive: true, force: true });
    }
  });

  it('neither installs twice nor loses the result; the server gets the true state', async () => {
    const root = machine.root;
    const enroll = await runCli([
      'agent',
      'enroll',
      '--server',
      fake.url,
      '--root',
      root,
      '--token',
      TEST_ENROLL_TOKEN,
      '--server-key-fingerprint',
      fake.fingerprint,
    ]);
    expect(enroll.code, enroll.stderr).toBe(0);
    const [target] = parseUpgradable((await runCommand('chroot', [root, 'apt', 'list', '--upgradable'])).stdout);
    expect(target).toBeDefined();
    const body: JobBody = {
      format: JOB_FORMAT,
      agentId: 'agent-1',
      jobId: 'job-kill-1',
      sequence: 1,
      issuedAt: iso(Date.now() - 60_000),
      expiresAt: iso(Date.now() + 3_600_000),
      deploymentId: 'dep-kill',
      steps: [
        {
          kind: 'install',
          manager: 'apt',
          packages: [{ name: target!.name, version: target!.to }],
          timeoutSeconds: 900,
        },
        { kind: 'verify', bulletinIds: ['DSA-KILL-1'] },
      ],
      artifacts: [],
      reboot: 'never',
    };
    fake.jobs = [signJob(body, fake.privateKeyPem)];

    const loader = pathToFileURL(createRequire(path.join(ROOT, 'package.json')).resolve('tsx')).href;
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const agentRun = (extra: string[]) => {
      const child = spawn(process.execPath, ['--import', loader, CLI_MAIN, 'agent', 'run', '--root', root, ...extra], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      return { child, exited, output: () => out };
    };

    const first = agentRun([]);
    // wait until apt-get is installing the exact version inside this root, then kill the agent (only it)
    const installing = () =>
      readdirSync('/proc').some((pid) => {
        if (!/^\d+$/.test(pid)) return false;
        const cmd = (() => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          } catch {
            return '';
          }
        })();
        return cmd.includes('/usr/bin/apt-get\0install') && cmd.includes(`${target!.name}=${target!.to}`);
      });
    for (let i = 0; i < 1200 && !installing(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(installing(), first.output()).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(fake.jobReports).toEqual([]);

    const second = agentRun(['--once']);
    expect(await second.exited, second.output()).toBe(0);
    const report = fake.jobReports.find((r) => r.jobId === 'job-kill-1');
    expect(report, second.output()).toMatchObject({
      state: 'succeeded',
      keptPackages: [{ name: target!.name, version: target!.from }],
    });
    expect(report!.steps[0]).toMatchObject({
      index: 0,
      result: 'succeeded',
      message: expect.stringContaining('reconciled after restart, not re-run'),
    });
    expect(await installedVersion(root, target!.name)).toBe(target!.to);
    // apt's own history: exactly one install of that exact version
    const history = await readFile(path.join(root, 'var/log/apt/history.log'), 'utf8');
    expect(
      history.split('\n').filter((l) => l.startsWith('Commandline:') && l.includes(`${target!.name}=${target!.to}`)),
    ).toHaveLength(1);
    // the server shows the true state, and the agent will not run it again
    const third = agentRun(['--once']);
    expect(await third.exited).toBe(0);
    expect(fake.jobReports.filter((r) => r.jobId === 'job-kill-1')).toHaveLength(1);
    expect((await stat(path.join(root, 'var/lib/patchhive-agent/job-ledger.jsonl'))).mode & 0o777).toBe(0o600);
  });
});
