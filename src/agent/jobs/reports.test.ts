import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import type { JobReport } from '../../protocol/agent.js';
import { createJobReportStore } from './reports.js';

afterAll(removeRoots);

const report = (jobId: string, state: JobReport['state'], finishedAt: string | null): JobReport => ({
  jobId,
  sequence: 1,
  state,
  refusal: state === 'refused' ? 'expired' : null,
  message: '',
  steps: [],
  rebootPending: false,
  rebootDeferrals: 0,
  keptPackages: [],
  finishedAt,
});

describe('the job report store', () => {
  it('queues submitted reports (0600), oldest first, until the server acknowledges that state', async () => {
    const dir = await makeRoot({});
    const store = createJobReportStore(dir, () => undefined);
    await store.submit(report('job-b', 'succeeded', '2026-05-01T10:00:02Z'));
    await store.submit(report('job-a', 'refused', '2026-05-01T10:00:01Z'));
    await store.saveProgress(report('job-c', 'running', null)); // progress is recorded, not sent
    expect((await store.pending()).map((r) => r.jobId)).toEqual(['job-a', 'job-b']);
    expect((await stat(path.join(dir, 'job-reports/job-a.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'job-reports'))).mode & 0o777).toBe(0o700);
    // an acknowledgement of another state (an older report) keeps the newer one
    expect(
      await store.acknowledge([
        { jobId: 'job-b', state: 'running' },
        { jobId: '../x', state: 'refused' },
      ]),
    ).toBe(0);
    expect(await store.acknowledge([{ jobId: 'job-a', state: 'refused' }])).toBe(1);
    expect((await store.pending()).map((r) => r.jobId)).toEqual(['job-b']);
    expect((await store.load('job-a'))?.state).toBe('refused'); // the job's own record stays
    expect((await store.load('job-c'))?.state).toBe('running');
  });

  it('sends at most 20 at a time', async () => {
    const dir = await makeRoot({});
    const store = createJobReportStore(dir, () => undefined);
    for (let i = 0; i < 25; i++)
      await store.submit(
        report(`job-${String(i).padStart(2, '0')}`, 'succeeded', `2026-05-01T10:00:${String(i).padStart(2, '0')}Z`),
      );
    const first = await store.pending();
    expect(first).toHaveLength(20);
    expect(first[0]!.jobId).toBe('job-00');
  });

  it('an unreadable pending file is set aside with a warning, not sent', async () => {
    const dir = await makeRoot({ 'job-reports/job-x.json': '{"jobId":"job-x"' });
    const warnings: string[] = [];
    const store = createJobReportStore(dir, (l) => warnings.push(l));
    await writeFile(path.join(dir, 'job-reports/job-y.json'), JSON.stringify(report('job-z', 'failed', null))); // name and id disagree
    expect(await store.pending()).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect((await readdir(path.join(dir, 'job-reports'))).sort()).toEqual(['job-x.json.bad', 'job-y.json.bad']);
  });
});
