import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import { commandEnvironment, openAgentJobs, type AgentJobsOptions } from './setup.js';

afterAll(removeRoots);

const { publicKey } = generateKeyPairSync('ed25519');

async function options(stateDir: string, warnings: string[]): Promise<AgentJobsOptions> {
  return {
    stateDir,
    root: await makeRoot({}),
    agentId: 'agent-1',
    keys: () => ({ pinned: publicKey.export({ type: 'spki', format: 'pem' }).toString(), retired: [] }),
    serverAuth: { origin: 'http://127.0.0.1:1', credential: 'c'.repeat(32) },
    proxy: {},
    userAgent: 'patchhive-agent/test',
    policyFile: path.join(stateDir, 'no-such-policy.json'),
    systemRoot: 'C:\\Windows',
    platform: 'linux',
    now: () => new Date('2026-05-01T10:00:00Z'),
    info: () => undefined,
    warn: (l) => warnings.push(l),
  };
}

describe('openAgentJobs', () => {
  it('a usable journal: jobs are taken (a malformed envelope is refused and reported)', async () => {
    const warnings: string[] = [];
    const stateDir = path.join(await makeRoot({}), 'state');
    const { jobs, close } = await openAgentJobs(await options(stateDir, warnings));
    try {
      expect(await jobs.resumeUnfinished()).toBe(0);
      expect(await jobs.handleJobs([{ job: { jobId: 'job-1' }, signature: 'x' }])).toBe(1);
      expect((await jobs.pendingReports()).map((r) => [r.jobId, r.refusal])).toEqual([['job-1', 'malformed']]);
    } finally {
      await close();
    }
  });

  it('a corrupt journal disables jobs (said each time one arrives) but queued reports still go', async () => {
    const warnings: string[] = [];
    const stateDir = path.join(await makeRoot({}), 'state');
    await mkdir(path.join(stateDir, 'job-reports'), { recursive: true, mode: 0o700 });
    await writeFile(path.join(stateDir, 'job-ledger.jsonl'), 'not json\n', { mode: 0o600 });
    const queued = {
      jobId: 'job-0',
      sequence: 1,
      state: 'succeeded',
      refusal: null,
      message: '',
      steps: [],
      rebootPending: false,
      rebootDeferrals: 0,
      keptPackages: [],
      finishedAt: null,
    };
    await writeFile(path.join(stateDir, 'job-reports/job-0.json'), JSON.stringify(queued), { mode: 0o600 });
    const { jobs, close } = await openAgentJobs(await options(stateDir, warnings));
    expect(warnings[0]).toMatch(/the job journal cannot be used \(the job ledger is corrupt: not JSON\)/);
    expect(await jobs.handleJobs([{}])).toBe(0);
    expect(warnings[1]).toMatch(/^patchhive agent: not taking 1 job\(s\): the job journal cannot be used/);
    expect((await jobs.pendingReports()).map((r) => r.jobId)).toEqual(['job-0']);
    await close();
  });

  it('commands get a fixed PATH and locale, and the proxy only when configured', () => {
    expect(commandEnvironment({})).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      LC_ALL: 'C',
      HOME: '/root',
    });
    expect(commandEnvironment({ httpProxy: 'http://proxy:3128', noProxy: 'localhost' })).toMatchObject({
      http_proxy: 'http://proxy:3128',
      no_proxy: 'localhost',
    });
  });
});
