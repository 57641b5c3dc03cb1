/**
 * `patchhive agent enroll|run` end to end against a small server on loopback: the command layer
 * runs in-process (commander + the real client, collector and state file); when src/cli/main.ts
 * registers the command, the same is also run as a real process, including SIGTERM.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enrolledState,
  signTestJob,
  startFakeServer,
  TEST_ENROLL_TOKEN,
  type FakeServer,
} from '../../agent/test-server.js';
import { JOB_FORMAT, type JobBody } from '../../protocol/jobs.js';
import { mergeProbes } from '../../agent/checkin-plan.js';
import { AGENT_POLICY_FORMAT } from '../../agent/local-policy.js';
import { NO_PROBES } from '../../agent/state.js';
import { DEBIAN_12_OS_RELEASE, fixture, makeRoot, removeRoots } from '../../inventory/test-support.js';
import { CLI_MAIN, ROOT as REPO, runCli } from '../../../test/support/cli.js';
import { checkRebootCommand, registerAgentCommand, type AgentIo } from './agent.js';

afterAll(removeRoots);

const STATUS = readFileSync(fixture('debian', 'status-minbase-12-point-release.txt'), 'utf8');
const EXTRA_PACKAGE = '\nPackage: hello\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.10-3\n';

interface Run {
  code: number | undefined;
  stdout: string[];
  stderr: string[];
  sleeps: number[];
}

/** Runs `patchhive agent ...args` in-process; sleeping records the delay and stops after `stopAfterSleeps`. */
async function agent(args: string[], opts: { env?: NodeJS.ProcessEnv; stopAfterSleeps?: number } = {}): Promise<Run> {
  const run: Run = { code: undefined, stdout: [], stderr: [], sleeps: [] };
  let stop = () => undefined as void;
  const io: Partial<AgentIo> = {
    env: opts.env ?? {},
    stdout: (l) => run.stdout.push(l),
    stderr: (l) => run.stderr.push(l),
    setExitCode: (c) => {
      run.code = c;
    },
    random: () => 0.5,
    sleep: async (ms) => {
      run.sleeps.push(ms);
      if (run.sleeps.length >= (opts.stopAfterSleeps ?? 1)) stop();
    },
    onStopSignal: (s) => {
      stop = s;
      return () => undefined;
    },
  };
  const program = new Command('patchhive').exitOverride();
  registerAgentCommand(program, io);
  await program.parseAsync(['node', 'patchhive', 'agent', ...args]);
  return run;
}

describe('patchhive agent (in-process) against a server on loopback', () => {
  let server: FakeServer;
  let root: string;
  const stateFile = () => path.join(root, 'var/lib/patchhive-agent/agent.json');
  const state = async () => JSON.parse(await readFile(stateFile(), 'utf8'));

  beforeAll(async () => {
    server = await startFakeServer();
    root = await makeRoot({
      'etc/os-release': DEBIAN_12_OS_RELEASE,
      'etc/debian_version': '12.15\n',
      'etc/hostname': 'web01\n',
      'etc/issue': 'Debian GNU/Linux 12 \\n \\l\n',
      'etc/shadow': 'root:$6$secret:19000:0:99999:7:::\n',
      'usr/bin/tool': 'tool-binary',
      'var/lib/dpkg/status': STATUS,
    });
  });
  afterAll(async () => server.close());

  it('enroll: the token from the environment, a 0600 state in a 0700 directory under --root', async () => {
    const r = await agent(
      ['enroll', '--server', server.url, '--root', root, '--server-key-fingerprint', server.fingerprint],
      {
        env: { PATCHHIVE_ENROLL_TOKEN: TEST_ENROLL_TOKEN },
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual([
      `patchhive agent: enrolled as agent agent-1 (machine machine-1); state in ${stateFile()}`,
      `patchhive agent: pinned job-signing key ${server.fingerprint} (matches --server-key-fingerprint)`,
    ]);
    expect((await stat(stateFile())).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(stateFile()))).mode & 0o777).toBe(0o700);
    expect(await state()).toEqual({
      ...enrolledState(server),
      jobSigningKeyFingerprint: server.fingerprint,
      keyTrust: 'fingerprint',
      enrolledAt: expect.any(String),
    });
    expect(server.enrollments.at(-1)).toMatchObject({ token: TEST_ENROLL_TOKEN });
    expect([...r.stdout, ...r.stderr].join('\n')).not.toContain(server.credential);
  });

  it('enroll again: refused without --force; --token-file and --force re-enroll', async () => {
    const args = ['enroll', '--server', server.url, '--root', root, '--trust-on-first-use'];
    await expect(agent([...args, '--token', TEST_ENROLL_TOKEN])).rejects.toMatchObject({ code: 'E_CONFLICT' });
    const tokenFile = path.join(root, 'token');
    await writeFile(tokenFile, `${TEST_ENROLL_TOKEN}\n`);
    expect((await agent([...args, '--token-file', tokenFile, '--force'])).code).toBe(0);
    await expect(agent([...args, '--token', 'x', '--token-file', tokenFile, '--force'])).rejects.toMatchObject({
      code: 'E_USAGE',
    });
  });

  it('enroll: a server URL with credentials is refused without echoing them', async () => {
    const err = await agent(['enroll', '--server', 'https://u:hunter2@ph.example', '--token', TEST_ENROLL_TOKEN]).catch(
      (e: Error) => e,
    );
    expect(err).toMatchObject({ code: 'E_USAGE' });
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('enroll: a wrong fingerprint is refused, no token spent and no state written; loopback http without one needs --trust-on-first-use', async () => {
    const fresh = await makeRoot({ 'etc/hostname': 'web02\n' });
    const dir = path.join(fresh, 'state');
    const count = server.enrollments.length;
    const wrong = `SHA256:${Buffer.alloc(32, 7).toString('base64')}`;
    const args = ['enroll', '--server', server.url, '--root', fresh, '--state-dir', dir, '--token', TEST_ENROLL_TOKEN];
    await expect(agent([...args, '--server-key-fingerprint', wrong])).rejects.toMatchObject({
      code: 'E_KEY_INVALID',
      message: expect.stringMatching(/refusing to pin it/),
    });
    await expect(agent(args)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/--trust-on-first-use/),
    });
    expect(server.enrollments.length).toBe(count);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    const tofu = await agent([...args, '--trust-on-first-use']);
    expect(tofu.stdout.at(-1)).toBe(
      `patchhive agent: pinned job-signing key ${server.fingerprint} (trusted on first use)`,
    );
    expect(tofu.stderr).toEqual([expect.stringMatching(/trusted on first use: compare the fingerprint/)]);
  });

  it('enroll: plain http to another host is refused before anything is sent', async () => {
    await expect(
      agent(['enroll', '--server', 'http://192.0.2.10:8060', '--token', TEST_ENROLL_TOKEN, '--trust-on-first-use']),
    ).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/refusing plain http:\/\/ to 192\.0\.2\.10:8060.*--insecure-http/),
    });
  });

  it('run --once: the first check-in sends the inventory; the accepted hash is kept', async () => {
    const r = await agent(['run', '--root', root, '--once']);
    expect(r.code).toBe(0);
    const sent = server.checkins.at(-1)!.body;
    expect(sent.inventory?.packages?.items).toHaveLength(88);
    expect(sent.inventory?.machine).toEqual({ name: 'web01', id: 'machine-1' });
    expect(sent.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(server.checkins.at(-1)!.authorization).toBe(`Bearer ${server.credential}`);
    expect((await state()).lastAcceptedHash).toBe(sent.inventoryHash);
    expect(r.sleeps).toEqual([]);
  });

  it('run --once again: only the hash', async () => {
    const before = server.checkins.length;
    expect((await agent(['run', '--root', root, '--once'])).code).toBe(0);
    expect(server.checkins).toHaveLength(before + 1);
    const sent = server.checkins.at(-1)!.body;
    expect(sent.inventory).toBeUndefined();
    expect(sent.inventoryHash).toBe((await state()).lastAcceptedHash);
  });

  it('a changed dpkg status sends the inventory again', async () => {
    const oldHash = (await state()).lastAcceptedHash;
    await appendFile(path.join(root, 'var/lib/dpkg/status'), EXTRA_PACKAGE);
    expect((await agent(['run', '--root', root, '--once'])).code).toBe(0);
    const sent = server.checkins.at(-1)!.body;
    expect(sent.inventory?.packages?.items.find((p) => p.name === 'hello')).toMatchObject({ version: '2.10-3' });
    expect(sent.inventoryHash).not.toBe(oldHash);
    expect((await state()).lastAcceptedHash).toBe(sent.inventoryHash);
  });

  it('probes the server asks for are collected and sent at once on a follow-up; secrets are not', async () => {
    server.probes = {
      files: ['/usr/bin/tool', '/usr/bin/missing'],
      registry: [],
      textFiles: ['/etc/issue', '/etc/shadow', '/home/x/.netrc'],
    };
    const before = server.checkins.length;
    expect((await agent(['run', '--root', root, '--once'])).code).toBe(0);
    const [first, followUp] = server.checkins.slice(before);
    expect(server.checkins).toHaveLength(before + 2);
    expect(first?.body.inventory).toBeUndefined(); // nothing had changed yet
    const inv = followUp!.body.inventory!;
    expect(inv.files).toEqual([
      { path: '/usr/bin/missing', exists: false },
      { path: '/usr/bin/tool', exists: true, size: 11, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(inv.textFiles?.map((t) => t.path)).toEqual(['/etc/os-release', '/etc/debian_version', '/etc/issue']);
    expect(JSON.stringify(inv)).not.toContain('$6$secret');
    expect((await state()).probes).toEqual(mergeProbes(NO_PROBES, server.probes));

    // the next run collects the known probes from the start: no follow-up, hash only
    const n = server.checkins.length;
    expect((await agent(['run', '--root', root, '--once'])).code).toBe(0);
    expect(server.checkins).toHaveLength(n + 1);
    expect(server.checkins.at(-1)!.body.inventory).toBeUndefined();
  });

  it('run (loop): checks in, waits the server interval ±10 %, stops on the stop signal', async () => {
    const before = server.checkins.length;
    const r = await agent(['run', '--root', root], { stopAfterSleeps: 2 });
    expect(r.code).toBe(0);
    expect(server.checkins).toHaveLength(before + 2);
    expect(r.sleeps).toEqual([3_600_000, 3_600_000]);
    expect(r.stdout.at(-1)).toBe('patchhive agent: stopped');
  });

  it('server down: --once exits 2 with one line; the loop backs off per --backoff-base/--backoff-cap', async () => {
    const s = await state();
    const down = await startFakeServer();
    await down.close();
    const downRoot = await makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE, 'var/lib/dpkg/status': STATUS });
    const dir = path.join(downRoot, 'state');
    await agent([
      'enroll',
      '--server',
      server.url,
      '--state-dir',
      dir,
      '--token',
      TEST_ENROLL_TOKEN,
      '--server-key-fingerprint',
      server.fingerprint,
    ]);
    const file = path.join(dir, 'agent.json');
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), server: down.url }));

    const once = await agent(['run', '--root', downRoot, '--state-dir', dir, '--once']);
    expect(once.code).toBe(2);
    expect(once.stderr).toEqual([
      expect.stringMatching(
        /^patchhive agent: check-in failed: cannot reach the server .*ECONNREFUSED.*\[E_SERVER_UNREACHABLE\]$/,
      ),
    ]);

    const loop = await agent(
      ['run', '--root', downRoot, '--state-dir', dir, '--backoff-base', '1', '--backoff-cap', '2'],
      { stopAfterSleeps: 3 },
    );
    expect(loop.code).toBe(0);
    expect(loop.sleeps).toEqual([500, 1_000, 1_000]); // random 0.5 × windows 1 s, 2 s, 2 s (capped)
    expect(loop.stderr).toHaveLength(3);
    expect(loop.stderr.join('\n')).not.toContain(s.credential);
    await expect(agent(['run', '--state-dir', dir, '--backoff-base', '0'])).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('revoked: exit 3 with a clear message, no retry', async () => {
    server.revoked = true;
    const r = await agent(['run', '--root', root], { stopAfterSleeps: 100 });
    server.revoked = false;
    expect(r.code).toBe(3);
    expect(r.sleeps).toEqual([]);
    expect(r.stderr).toEqual([
      expect.stringMatching(/revoked this agent's credential \[E_TOKEN_REVOKED\].*patchhive agent enroll --force/),
    ]);
  });

  it('run --once takes a signed job (a config edit inside --root, allowed by --policy-file), journals it and reports it at once', async () => {
    const body: JobBody = {
      format: JOB_FORMAT,
      agentId: 'agent-1',
      jobId: 'job-cli-1',
      sequence: 1,
      issuedAt: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      deploymentId: null,
      steps: [
        {
          kind: 'config',
          change: { type: 'file-edit', path: '/etc/motd', content: 'patched by patchhive\n', expectedSha256: null },
        },
        { kind: 'verify', bulletinIds: ['INHOUSE-1'] },
      ],
      artifacts: [],
      reboot: 'never',
    };
    server.jobs = [signTestJob({ ...body, jobId: 'job-cli-0' }, server.privateKeyPem)];
    // a policy file inside the managed root is not the agent's: the default refuses config edits
    await mkdir(path.join(root, 'etc/patchhive'), { recursive: true });
    await writeFile(
      path.join(root, 'etc/patchhive/agent-policy.json'),
      JSON.stringify({ schema: AGENT_POLICY_FORMAT, config: true }),
      { mode: 0o644 },
    );
    const refused = await agent(['run', '--root', root, '--once']);
    expect(refused.code, refused.stderr.join('\n')).toBe(0);
    expect(server.jobReports.at(-1)).toMatchObject({
      jobId: 'job-cli-0',
      state: 'refused',
      refusal: 'not-allowed-by-local-policy',
      steps: [],
    });
    expect(server.jobReports.at(-1)!.message).toMatch(
      /step 0: config edits \(\/etc\/motd\) are not allowed by the local policy; refused by the default local policy/,
    );
    expect(await readFile(path.join(root, 'etc/motd'), 'utf8').catch(() => 'absent')).toBe('absent');

    const policyDir = await makeRoot({});
    const policyFile = path.join(policyDir, 'agent-policy.json');
    await writeFile(policyFile, JSON.stringify({ schema: AGENT_POLICY_FORMAT, config: true }), { mode: 0o644 });
    server.jobs = [signTestJob(body, server.privateKeyPem)];
    const before = server.checkins.length;
    const r = await agent(['run', '--root', root, '--once', '--policy-file', policyFile]);
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(await readFile(path.join(root, 'etc/motd'), 'utf8')).toBe('patched by patchhive\n');
    expect(server.checkins).toHaveLength(before + 2); // the answer with the job, then the report at once
    expect(server.jobReports.at(-1)).toMatchObject({
      jobId: 'job-cli-1',
      state: 'succeeded',
      steps: [{ result: 'succeeded' }, { result: 'succeeded' }],
    });
    expect(r.stdout).toContain('patchhive agent: job job-cli-1 (deployment none): accepted, 2 steps');
    const ledger = path.join(root, 'var/lib/patchhive-agent/job-ledger.jsonl');
    expect((await stat(ledger)).mode & 0o777).toBe(0o600);
    expect(await readFile(ledger, 'utf8')).toMatch(/"type":"job-finished","jobId":"job-cli-1","outcome":"succeeded"/);

    // the same envelope again (a server that lost the report): not run again
    await writeFile(path.join(root, 'etc/motd'), 'changed since\n');
    server.jobReports.length = 0;
    expect((await agent(['run', '--root', root, '--once', '--policy-file', policyFile])).code).toBe(0);
    expect(await readFile(path.join(root, 'etc/motd'), 'utf8')).toBe('changed since\n');
  });

  it('--reboot-command must name a program by absolute path', async () => {
    await expect(agent(['run', '--root', root, '--once', '--reboot-command', 'shutdown -r now'])).rejects.toMatchObject(
      { code: 'E_USAGE' },
    );
    expect(checkRebootCommand('/sbin/shutdown  -r +1')).toEqual(['/sbin/shutdown', '-r', '+1']);
    expect(checkRebootCommand(undefined)).toBeUndefined();
  });

  it('run without enrollment is an error naming the fix', async () => {
    const empty = await makeRoot({});
    await expect(agent(['run', '--root', empty, '--once'])).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringMatching(/not enrolled/),
    });
  });
});

/** Whether src/cli/main.ts registers the agent command yet (the lead adds that line). */
const MAIN_HAS_AGENT = readFileSync(CLI_MAIN, 'utf8').includes('registerAgentCommand');

describe.runIf(MAIN_HAS_AGENT)('patchhive agent as a real process', () => {
  let server: FakeServer;
  let root: string;
  beforeAll(async () => {
    server = await startFakeServer();
    root = await makeRoot({
      'etc/os-release': DEBIAN_12_OS_RELEASE,
      'etc/hostname': 'proc01\n',
      'var/lib/dpkg/status': STATUS,
    });
  });
  afterAll(async () => server.close());

  it('enroll, run --once, revoked → 3', async () => {
    const e = await runCli(
      ['agent', 'enroll', '--server', server.url, '--root', root, '--server-key-fingerprint', server.fingerprint],
      {
        env: { PATCHHIVE_ENROLL_TOKEN: TEST_ENROLL_TOKEN },
      },
    );
    expect(e.code, e.stderr).toBe(0);
    const r = await runCli(['agent', 'run', '--root', root, '--once']);
    expect(r.code, r.stderr).toBe(0);
    expect(server.checkins.at(-1)?.body.inventory?.machine.name).toBe('proc01');
    server.revoked = true;
    const revoked = await runCli(['agent', 'run', '--root', root]);
    server.revoked = false;
    expect(revoked.code).toBe(3);
    expect(revoked.stderr).toMatch(/E_TOKEN_REVOKED/);
    const bad = await runCli([
      'agent',
      'enroll',
      '--server',
      server.url,
      '--root',
      root,
      '--token',
      TEST_ENROLL_TOKEN,
      '--trust-on-first-use',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/already enrolled.*\[E_CONFLICT\]/);
  });

  it('SIGTERM stops the loop cleanly between cycles (exit 0)', async () => {
    const loader = pathToFileURL(createRequire(path.join(REPO, 'package.json')).resolve('tsx')).href;
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['--import', loader, CLI_MAIN, 'agent', 'run', '--root', root], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const before = server.checkins.length;
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // wait (bounded) until the first check-in has arrived, then ask the agent to stop
    for (let i = 0; i < 600 && server.checkins.length === before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(server.checkins.length).toBeGreaterThan(before);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/patchhive agent: stopped/);
  });
});
