/**
 * Key rotation and freeze detection with real agents (the `patchhive agent` command, in process)
 * against a real server on loopback: two agents enroll, the key is rotated, each re-pins the new key
 * at its next check-in (its state file shows it), jobs the server signs verify and run, the old key
 * is retired once both have moved, and a job signed by the retired key is refused and reported.
 * Then one agent's answers are replayed (a frozen path to the server): it sees no fresh signed time,
 * calls itself stale, and the server shows it on the machine and in /metrics.
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgentCommand, type AgentIo } from '../../src/cli/commands/agent.js';
import { DEBIAN_12_OS_RELEASE, fixture, makeRoot, removeRoots } from '../../src/inventory/test-support.js';
import { keyFingerprint } from '../../src/protocol/server-key.js';
import { JOB_FORMAT, type JobBody } from '../../src/protocol/jobs.js';
import { signJob } from '../../src/rollout/job-envelope.js';
import { KEY_SET_FILE } from '../../src/server/key-set-file.js';
import { issueJob } from '../../src/server/services/rollout/issue.js';
import type { RolloutDeps } from '../../src/server/services/rollout/deps.js';
import { startTestServer, type TestServer } from '../support/server.js';

const STATUS = readFileSync(fixture('debian', 'status-minbase-12-point-release.txt'), 'utf8');

interface Run {
  code: number | undefined;
  out: string[];
}

/** `patchhive agent ...args` in process; `now` shifts this agent's clock. */
async function agent(args: string[], now: () => Date = () => new Date()): Promise<Run> {
  const run: Run = { code: undefined, out: [] };
  const io: Partial<AgentIo> = {
    env: {},
    stdout: (l) => run.out.push(l),
    stderr: (l) => run.out.push(l),
    setExitCode: (c) => void (run.code = c),
    random: () => 0.5,
    sleep: async () => undefined,
    now,
    onStopSignal: () => () => undefined,
  };
  const program = new Command('patchhive').exitOverride();
  registerAgentCommand(program, io);
  await program.parseAsync(['node', 'patchhive', 'agent', ...args]);
  return run;
}

type KeyList = {
  items: { fingerprint: string; state: string; agents: number; publicKey: string }[];
  agentsUnknown: number;
};

describe('job-signing key rotation with running agents', () => {
  let server: TestServer;
  const roots: string[] = [];
  let proxy: Server;
  let proxyUrl = '';
  let proxyMode: 'forward' | 'replay' = 'forward';
  let recorded: { status: number; body: string } | undefined;

  const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}/api/v1${url}`, {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBeLessThan(300);
    return JSON.parse(text) as T;
  };
  const stateOf = async (root: string) =>
    JSON.parse(await readFile(path.join(root, 'var/lib/patchhive-agent/agent.json'), 'utf8'));
  const runOnce = (root: string, extra: string[] = [], now?: () => Date) =>
    agent(['run', '--once', '--root', root, ...extra], now);
  const jobsOf = async (agentId: string) => server.store.rollout.listJobs({ agentId });
  const rolloutDeps = (): RolloutDeps =>
    ({ store: server.store, now: () => new Date(), jobSigner: server.services.keys }) as unknown as RolloutDeps;
  /** A verify-only job issued by the server's own issuing path (sequence, signature, record). */
  const issueVerifyJob = async (agentId: string, machineId: string) =>
    issueJob(rolloutDeps(), {
      agentId,
      machineId,
      deploymentId: null,
      kind: 'rollback',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      delivered: false,
      body: (h) => ({
        format: JOB_FORMAT,
        ...h,
        steps: [{ kind: 'verify', bulletinIds: ['DSA-KEYS-1'] }],
        artifacts: [],
        reboot: 'never',
      }),
    });

  beforeAll(async () => {
    server = (await startTestServer({ listen: true, config: { keys: { checkSeconds: 0 } } }))!;
    // A path to the server that can freeze: it forwards check-ins, or replays the last answer it saw.
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (proxyMode === 'replay' && recorded) {
          res.writeHead(recorded.status, { 'content-type': 'application/json' }).end(recorded.body);
          return;
        }
        const target = new URL(req.url!, server.url);
        const fwd = httpRequest(
          target,
          { method: req.method, headers: { ...req.headers, host: target.host } },
          (up) => {
            const parts: Buffer[] = [];
            up.on('data', (c: Buffer) => parts.push(c));
            up.on('end', () => {
              const body = Buffer.concat(parts).toString('utf8');
              if (req.url!.endsWith('/checkin')) recorded = { status: up.statusCode!, body };
              res.writeHead(up.statusCode!, { 'content-type': 'application/json' }).end(body);
            });
          },
        );
        fwd.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => proxy?.close(r));
    await server?.destroy();
    await removeRoots();
  });

  it('rotates: agents re-pin, new jobs verify, the old key retires, a job signed by it is refused', async () => {
    const { secret } = await server.services.tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 2 }, 'test');
    for (let i = 0; i < 2; i++) {
      const root = await makeRoot({
        'etc/os-release': DEBIAN_12_OS_RELEASE,
        'var/lib/dpkg/status': STATUS,
        'etc/hostname': `keys-${i}\n`,
      });
      roots.push(root);
      const enrolled = await agent([
        'enroll',
        '--server',
        server.url,
        '--root',
        root,
        '--token',
        secret,
        '--server-key-fingerprint',
        server.keyFingerprint,
      ]);
      expect(enrolled.code, enrolled.out.join('\n')).toBe(0);
      expect((await runOnce(root)).code).toBe(0);
    }
    const [r1, r2] = roots as [string, string];
    const a1 = await stateOf(r1);
    const oldKey = a1.jobSigningPublicKey as string;
    const before = await api<KeyList>('GET', '/keys');
    expect(before.items).toMatchObject([{ fingerprint: keyFingerprint(oldKey), state: 'active', agents: 2 }]);

    const rotated = await api<KeyList>('POST', '/keys/rotate', {});
    const newKey = rotated.items.find((k) => k.state === 'active')!;
    expect(rotated.items.map((k) => [k.state, k.agents])).toEqual([
      ['active', 0],
      ['retiring', 2],
    ]);
    expect(newKey.fingerprint).not.toBe(keyFingerprint(oldKey));

    // Issued before agent 1 moved: signed with the key it pins (the old one), delivered with the announcement.
    const first = await issueVerifyJob(a1.agentId, a1.machineId);
    const moved = await runOnce(r1);
    expect(moved.code, moved.out.join('\n')).toBe(0);
    expect(moved.out.join('\n')).toContain(`re-pinned the job-signing key ${newKey.fingerprint}`);
    const s1 = await stateOf(r1);
    expect(s1.jobSigningPublicKey).toBe(newKey.publicKey);
    expect(s1.previousJobSigningPublicKey).toBe(oldKey);
    expect((await jobsOf(a1.agentId)).find((j) => j.id === first.record.id)?.state).toBe('succeeded');

    // Its next check-in says which key it pins; a new job is signed by the new key and verifies.
    expect((await runOnce(r1)).code).toBe(0);
    const second = await issueVerifyJob(a1.agentId, a1.machineId);
    expect(keyFingerprint(newKey.publicKey)).toBe(newKey.fingerprint);
    expect((await runOnce(r1)).code).toBe(0);
    expect((await jobsOf(a1.agentId)).find((j) => j.id === second.record.id)?.state).toBe('succeeded');
    const mid = await api<KeyList>('GET', '/keys');
    expect(mid.items.map((k) => [k.state, k.agents])).toEqual([
      ['active', 1],
      ['retiring', 1],
    ]);
    expect(await server.services.keys.retireIfDone()).toBe(false);

    // Agent 2 moves too; then the old key retires by itself.
    expect((await runOnce(r2)).code).toBe(0);
    expect((await runOnce(r2)).code).toBe(0);
    expect((await stateOf(r2)).jobSigningPublicKey).toBe(newKey.publicKey);
    expect(await server.services.keys.retireIfDone()).toBe(true);
    const after = await api<KeyList>('GET', '/keys');
    expect(after.items.map((k) => [k.state, k.agents])).toEqual([
      ['active', 2],
      ['retired', 0],
    ]);

    // The agent learns of the retirement from its next signed server time.
    const told = await runOnce(r1);
    expect(told.out.join('\n')).toContain(`the server retired job-signing key ${keyFingerprint(oldKey)}`);
    const s1b = await stateOf(r1);
    expect(s1b.previousJobSigningPublicKey).toBeUndefined();
    expect(s1b.retiredJobSigningKeys).toEqual([oldKey]);

    // Someone holding the retired private key forges a job: refused as retired-key, nothing run, reported.
    const keySet = JSON.parse(await readFile(path.join(server.dataDir, KEY_SET_FILE), 'utf8')) as {
      keys: { state: string; privateKeyPem: string }[];
    };
    const stolen = keySet.keys.find((k) => k.state === 'retired')!.privateKeyPem;
    const sequence = await server.store.agents.nextJobSequence(a1.agentId);
    const issuedAt = new Date().toISOString();
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const forged: JobBody = {
      format: JOB_FORMAT,
      agentId: a1.agentId,
      jobId: 'job-forged',
      sequence,
      deploymentId: null,
      issuedAt,
      expiresAt,
      steps: [{ kind: 'verify', bulletinIds: ['DSA-FORGED'] }],
      artifacts: [],
      reboot: 'never',
    };
    await server.store.rollout.createJob({
      id: 'job-forged',
      agentId: a1.agentId,
      machineId: a1.machineId,
      deploymentId: null,
      kind: 'rollback',
      sequence,
      envelope: JSON.stringify(signJob(forged, stolen)),
      state: 'issued',
      issuedAt,
      expiresAt,
      deliveredAt: null,
      report: null,
      reportedAt: null,
      message: null,
    });
    const refused = await runOnce(r1);
    expect(refused.out.join('\n')).toMatch(/refused job job-forged: retired-key/);
    const forgedRecord = (await jobsOf(a1.agentId)).find((j) => j.id === 'job-forged')!;
    expect(forgedRecord.state).toBe('refused');
    expect(JSON.parse(forgedRecord.report!)).toMatchObject({ state: 'refused', refusal: 'retired-key' });
  }, 300_000);

  it('an agent whose answers are replayed sees no fresh signed time, reports itself stale, and the server shows it', async () => {
    const root = roots[0]!;
    const s = await stateOf(root);
    await writeFile(
      path.join(root, 'var/lib/patchhive-agent/agent.json'),
      JSON.stringify({ ...s, server: proxyUrl }, null, 2),
      { mode: 0o600 },
    );
    proxyMode = 'forward';
    expect((await runOnce(root)).code).toBe(0);
    const fresh = (await stateOf(root)).freshSeenAt as string;

    proxyMode = 'replay';
    const replayed = await runOnce(root);
    expect(replayed.out.join('\n')).toContain('answers another check-in (replayed)');
    expect((await stateOf(root)).freshSeenAt).toBe(fresh);
    // Two days later by this machine's clock, still nothing fresh: it says it is stale (to whoever answers).
    const later = () => new Date(Date.now() + 2 * 86_400_000);
    const stale = await runOnce(root, [], later);
    expect(stale.out.join('\n')).toMatch(/stale: no fresh signed server time for \d+ minutes \(limit 1440\)/);

    // The path thaws: the first check-in that reaches the server carries the stale report.
    proxyMode = 'forward';
    expect((await runOnce(root, [], later)).code).toBe(0);
    const machines = await api<{ items: { id: string; agentStale: { since: string; reason: string } | null }[] }>(
      'GET',
      '/machines',
    );
    expect(machines.items.find((m) => m.id === s.machineId)?.agentStale).toEqual({
      since: fresh,
      reason: expect.stringContaining('no fresh signed server time'),
    });
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.adminToken}` } })
    ).text();
    expect(metrics).toMatch(/^patchhive_agents_stale 1$/m);

    // That answer was fresh: the next check-in is no longer stale, and the server clears the flag.
    expect((await runOnce(root, [], later)).code).toBe(0);
    const cleared = await api<{ items: { id: string; agentStale: unknown }[] }>('GET', '/machines');
    expect(cleared.items.find((m) => m.id === s.machineId)?.agentStale).toBeNull();
  }, 300_000);
});
