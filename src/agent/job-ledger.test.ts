import {
  appendFileSync,
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEDGER_FILE_NAME, openJobLedger, type JobLedger } from './job-ledger.js';

let stateDir: string;
let open: JobLedger[];
const clock = () => new Date('2025-06-01T10:00:00Z');

beforeEach(() => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'patchhive-ledger-'));
  open = [];
});
afterEach(async () => {
  for (const l of open) await l.close().catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
});

async function reopen(): Promise<JobLedger> {
  const ledger = await openJobLedger(stateDir, { now: clock });
  open.push(ledger);
  return ledger;
}

const ledgerFile = () => path.join(stateDir, LEDGER_FILE_NAME);
const lines = () => readFileSync(ledgerFile(), 'utf8').split('\n').filter(Boolean);

/** A job accepted with sequence 7 whose step 0 finished and step 1 was started when the agent died. */
async function crashDuringStep1(): Promise<void> {
  const l = await reopen();
  await l.accepted('job-a', 7);
  await l.stepStarted('job-a', 0);
  await l.stepFinished('job-a', 0, 'succeeded');
  await l.stepStarted('job-a', 1);
  await l.close();
}

describe('the job ledger', () => {
  it('starts empty, in a file only its owner may read', async () => {
    const l = await reopen();
    expect(l.lastSequence()).toBe(0);
    expect(l.unfinishedJobs()).toEqual([]);
    expect(l.resumePoint('job-a')).toBeNull();
    expect(statSync(ledgerFile()).mode & 0o777).toBe(0o600);
  });

  it('writes one JSON record per line with the injected clock', async () => {
    const l = await reopen();
    await l.accepted('job-a', 3);
    expect(lines().map((s) => JSON.parse(s))).toEqual([
      { type: 'accepted', jobId: 'job-a', sequence: 3, at: '2025-06-01T10:00:00.000Z' },
    ]);
  });

  it('after a restart, knows the last sequence and reports the step cut short instead of re-running it', async () => {
    await crashDuringStep1();
    const l = await reopen();
    expect(l.lastSequence()).toBe(7);
    expect(l.unfinishedJobs()).toEqual(['job-a']);
    expect(l.resumePoint('job-a')).toEqual({
      jobId: 'job-a',
      sequence: 7,
      finishedSteps: [{ index: 0, result: 'succeeded' }],
      interruptedStep: 1,
      nextStep: null,
      outcome: null,
    });
    await expect(l.stepStarted('job-a', 1)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await expect(l.stepStarted('job-a', 2)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await l.jobFinished('job-a', 'interrupted');
    expect(l.unfinishedJobs()).toEqual([]);
    expect(l.resumePoint('job-a')).toMatchObject({ interruptedStep: 1, outcome: 'interrupted', nextStep: null });
  });

  it('resumes a job stopped between steps at the next step', async () => {
    const l = await reopen();
    await l.accepted('job-a', 1);
    await l.stepStarted('job-a', 0);
    await l.stepFinished('job-a', 0, 'skipped');
    await l.close();
    expect((await reopen()).resumePoint('job-a')).toMatchObject({ interruptedStep: null, nextStep: 1 });
  });

  it('refuses a replayed sequence, also across restarts', async () => {
    await crashDuringStep1();
    const l = await reopen();
    await expect(l.accepted('job-b', 7)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await expect(l.accepted('job-b', 2)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await expect(l.accepted('job-a', 8)).rejects.toMatchObject({ code: 'E_CONFLICT' }); // same job id again
    await l.accepted('job-b', 8);
    expect(l.lastSequence()).toBe(8);
  });

  it.each<[string, (l: JobLedger) => Promise<void>]>([
    ['a step of an unknown job', (l) => l.stepStarted('job-x', 0)],
    ['a step out of order', (l) => l.stepStarted('job-a', 1)],
    ['finishing a step that was not started', (l) => l.stepFinished('job-a', 0, 'succeeded')],
    ['finishing an unknown job', (l) => l.jobFinished('job-x', 'failed')],
  ])('refuses %s without writing it', async (_name, act) => {
    const l = await reopen();
    await l.accepted('job-a', 1);
    const before = readFileSync(ledgerFile(), 'utf8');
    await expect(act(l)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect(readFileSync(ledgerFile(), 'utf8')).toBe(before);
  });

  it('refuses anything for a finished job', async () => {
    const l = await reopen();
    await l.accepted('job-a', 1);
    await l.jobFinished('job-a', 'succeeded');
    await expect(l.stepStarted('job-a', 0)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await expect(l.jobFinished('job-a', 'failed')).rejects.toMatchObject({ code: 'E_CONFLICT' });
  });

  it('keeps records in call order when appends are not awaited one by one', async () => {
    const l = await reopen();
    await Promise.all([
      l.accepted('job-a', 1),
      l.stepStarted('job-a', 0),
      l.stepFinished('job-a', 0, 'failed'),
      l.jobFinished('job-a', 'failed'),
    ]);
    expect(lines().map((s) => JSON.parse(s).type)).toEqual([
      'accepted',
      'step-started',
      'step-finished',
      'job-finished',
    ]);
  });

  it.each([
    ['half a record', '{"type":"step-finished","jobId":"job-a","ind'],
    [
      'a whole record without its newline',
      '{"type":"step-finished","jobId":"job-a","index":1,"result":"succeeded","at":"x"}',
    ],
  ])('ignores a torn last line (%s) and drops it before appending', async (_name, torn) => {
    await crashDuringStep1();
    appendFileSync(ledgerFile(), torn);
    const l = await reopen();
    expect(l.resumePoint('job-a')).toMatchObject({
      interruptedStep: 1,
      finishedSteps: [{ index: 0, result: 'succeeded' }],
    });
    await l.jobFinished('job-a', 'interrupted');
    await l.close();
    expect(lines()).toHaveLength(5);
    expect((await reopen()).resumePoint('job-a')).toMatchObject({ outcome: 'interrupted' });
  });

  it.each([
    ['a line that is not JSON', 'garbage\n', 'not JSON'],
    ['a record of an unknown type', '{"type":"deleted","jobId":"job-a","at":"x"}\n', ''],
    ['a sequence going backwards', '{"type":"accepted","jobId":"job-b","sequence":2,"at":"x"}\n', 'not above 7'],
  ])('refuses a journal with %s in a complete line, naming the line', async (_name, bad, why) => {
    await crashDuringStep1();
    appendFileSync(ledgerFile(), bad);
    await expect(reopen()).rejects.toMatchObject({
      code: 'E_INPUT_MALFORMED',
      location: { line: 5 },
      message: expect.stringContaining(why),
    });
  });

  it('refuses a journal others may write (they could lower the sequence) or a symlink', async () => {
    writeFileSync(ledgerFile(), '', { mode: 0o600 });
    chmodSync(ledgerFile(), 0o666);
    await expect(reopen()).rejects.toMatchObject({ code: 'E_CONFIG_INVALID' });
    rmSync(ledgerFile());
    writeFileSync(path.join(stateDir, 'elsewhere'), '', { mode: 0o600 });
    symlinkSync(path.join(stateDir, 'elsewhere'), ledgerFile());
    await expect(reopen()).rejects.toMatchObject({ code: 'E_OUTPUT_FAILED' });
  });
});
