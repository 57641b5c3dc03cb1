/**
 * The agent's job journal (`<stateDir>/job-ledger.jsonl`): one JSON record per line, appended and
 * fsync'd before the agent acts on it. It gives the highest accepted sequence across restarts (so
 * a replayed job is refused after a reboot too) and, for a job cut short by a crash, which steps
 * finished and which one was started but not finished — that one is reported as interrupted,
 * never run again blindly.
 *
 * A torn last line (crash mid-write) is dropped: its fsync never returned, so nobody acted on it.
 * Any other bad line is corruption and stops the agent from taking jobs until someone looks.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PatchhiveError } from '../errors.js';
import { jobIdentifier } from '../protocol/jobs.js';
import { prepareStateDir } from './state.js';

export const LEDGER_FILE_NAME = 'job-ledger.jsonl';
/** Beyond this the journal is refused rather than read into memory; compaction is not built yet. */
export const MAX_LEDGER_BYTES = 64 * 1024 * 1024;

const stepIndex = z.number().int().min(0).max(10_000);
export const stepResultSchema = z.enum(['succeeded', 'failed', 'skipped']);
export const jobOutcomeSchema = z.enum(['succeeded', 'failed', 'interrupted']);
export type StepResult = z.infer<typeof stepResultSchema>;
export type JobOutcome = z.infer<typeof jobOutcomeSchema>;

export const ledgerRecordSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('accepted'),
    jobId: jobIdentifier,
    sequence: z.number().int().min(1),
    at: z.string(),
  }),
  z.strictObject({ type: z.literal('step-started'), jobId: jobIdentifier, index: stepIndex, at: z.string() }),
  z.strictObject({
    type: z.literal('step-finished'),
    jobId: jobIdentifier,
    index: stepIndex,
    result: stepResultSchema,
    at: z.string(),
  }),
  z.strictObject({ type: z.literal('job-finished'), jobId: jobIdentifier, outcome: jobOutcomeSchema, at: z.string() }),
]);
export type LedgerRecord = z.infer<typeof ledgerRecordSchema>;

interface JobJournal {
  sequence: number;
  started: number;
  finished: Map<number, StepResult>;
  outcome: JobOutcome | null;
}

/** What the journal knows, rebuilt from its records. */
export interface LedgerState {
  lastSequence: number;
  jobs: Map<string, JobJournal>;
}

/** Where a job stands: finished steps, the step cut short (report it, do not re-run it), what is next. */
export interface ResumePoint {
  jobId: string;
  sequence: number;
  finishedSteps: { index: number; result: StepResult }[];
  /** Started but never finished: the agent died during it. */
  interruptedStep: number | null;
  /** The next step to start; null when a step was interrupted or the job is finished. */
  nextStep: number | null;
  outcome: JobOutcome | null;
}

/** An empty journal: no job accepted yet. */
export function emptyLedgerState(): LedgerState {
  return { lastSequence: 0, jobs: new Map() };
}

/** Why `record` may not follow `state` (steps strictly in order, one at a time), or null when it may. */
export function checkRecord(state: LedgerState, record: LedgerRecord): string | null {
  const job = state.jobs.get(record.jobId);
  if (record.type === 'accepted') {
    if (job) return `job ${record.jobId} was already accepted`;
    if (record.sequence <= state.lastSequence) return `sequence ${record.sequence} is not above ${state.lastSequence}`;
    return null;
  }
  if (!job) return `job ${record.jobId} was never accepted`;
  if (job.outcome) return `job ${record.jobId} is already finished (${job.outcome})`;
  const inFlight = job.started > job.finished.size;
  if (record.type === 'step-started') {
    if (inFlight) return `job ${record.jobId}: step ${job.started - 1} has not finished`;
    if (record.index !== job.started)
      return `job ${record.jobId}: step ${record.index} is out of order (next is ${job.started})`;
  } else if (record.type === 'step-finished') {
    if (!inFlight || record.index !== job.started - 1)
      return `job ${record.jobId}: step ${record.index} is not the one running`;
  }
  return null;
}

/** Applies a record already accepted by checkRecord. */
export function applyRecord(state: LedgerState, record: LedgerRecord): void {
  if (record.type === 'accepted') {
    state.jobs.set(record.jobId, { sequence: record.sequence, started: 0, finished: new Map(), outcome: null });
    state.lastSequence = record.sequence;
    return;
  }
  const job = state.jobs.get(record.jobId)!;
  if (record.type === 'step-started') job.started += 1;
  else if (record.type === 'step-finished') job.finished.set(record.index, record.result);
  else job.outcome = record.outcome;
}

/**
 * Parses the journal's bytes. Complete lines must be valid records in a valid order; a last line
 * without its newline is torn and ignored. `completeBytes` is where the complete lines end.
 */
export function parseLedger(bytes: Buffer, file?: string): { state: LedgerState; completeBytes: number } {
  const completeBytes = bytes.lastIndexOf(0x0a) + 1;
  const state = emptyLedgerState();
  const lines = bytes.subarray(0, completeBytes).toString('utf8').split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const bad = (why: string) =>
      new PatchhiveError('E_INPUT_MALFORMED', `the job ledger is corrupt: ${why}`, { file, line: i + 1 });
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw bad('not JSON');
    }
    const parsed = ledgerRecordSchema.safeParse(raw);
    if (!parsed.success) throw bad(parsed.error.issues[0]!.message);
    const problem = checkRecord(state, parsed.data);
    if (problem) throw bad(problem);
    applyRecord(state, parsed.data);
  });
  return { state, completeBytes };
}

/** The resume point of a job in `state`, or null when it was never accepted. */
export function resumePointOf(state: LedgerState, jobId: string): ResumePoint | null {
  const job = state.jobs.get(jobId);
  if (!job) return null;
  const interruptedStep = job.started > job.finished.size ? job.started - 1 : null;
  return {
    jobId,
    sequence: job.sequence,
    finishedSteps: [...job.finished].sort(([a], [b]) => a - b).map(([index, result]) => ({ index, result })),
    interruptedStep,
    nextStep: interruptedStep === null && job.outcome === null ? job.started : null,
    outcome: job.outcome,
  };
}

/** The journal on disk; every append is durable (fsync) before its promise resolves. */
export interface JobLedger {
  readonly file: string;
  /** The highest sequence ever accepted (0: none). */
  lastSequence(): number;
  resumePoint(jobId: string): ResumePoint | null;
  /** Jobs accepted but not finished: after a restart, each must be resumed or reported. */
  unfinishedJobs(): string[];
  accepted(jobId: string, sequence: number): Promise<void>;
  stepStarted(jobId: string, index: number): Promise<void>;
  stepFinished(jobId: string, index: number, result: StepResult): Promise<void>;
  jobFinished(jobId: string, outcome: JobOutcome): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens (creating, mode 0600) the journal in the state directory, drops a torn last line and
 * replays it. Out-of-order appends are E_CONFLICT and are not written; a write failure leaves the
 * ledger unusable until it is reopened (which drops the partial line).
 */
export async function openJobLedger(stateDir: string, opts: { now?: () => Date } = {}): Promise<JobLedger> {
  const now = opts.now ?? (() => new Date());
  await prepareStateDir(stateDir);
  const file = path.join(stateDir, LEDGER_FILE_NAME);
  const fh = await openLedgerFile(file);
  let state: LedgerState;
  try {
    state = await readAndRepair(fh, file);
  } catch (err) {
    await fh.close();
    throw err;
  }

  let queue: Promise<void> = Promise.resolve();
  let broken: unknown = null;
  const append = (record: LedgerRecord): Promise<void> => {
    const run = async () => {
      if (broken)
        throw new PatchhiveError(
          'E_OUTPUT_FAILED',
          'the job ledger failed a write earlier; reopen it',
          { file },
          { cause: broken },
        );
      const problem = checkRecord(state, record);
      if (problem) throw new PatchhiveError('E_CONFLICT', `job ledger: ${problem}`, { file });
      try {
        await fh.appendFile(`${JSON.stringify(record)}\n`);
        await fh.sync();
      } catch (err) {
        broken = err;
        throw new PatchhiveError(
          'E_OUTPUT_FAILED',
          `cannot write the job ledger (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
          { file },
          { cause: err },
        );
      }
      applyRecord(state, record);
    };
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };
  const at = () => now().toISOString();

  return {
    file,
    lastSequence: () => state.lastSequence,
    resumePoint: (jobId) => resumePointOf(state, jobId),
    unfinishedJobs: () => [...state.jobs].filter(([, j]) => j.outcome === null).map(([id]) => id),
    accepted: (jobId, sequence) => append({ type: 'accepted', jobId, sequence, at: at() }),
    stepStarted: (jobId, index) => append({ type: 'step-started', jobId, index, at: at() }),
    stepFinished: (jobId, index, result) => append({ type: 'step-finished', jobId, index, result, at: at() }),
    jobFinished: (jobId, outcome) => append({ type: 'job-finished', jobId, outcome, at: at() }),
    close: async () => {
      await queue;
      await fh.close();
    },
  };
}

async function openLedgerFile(file: string): Promise<FileHandle> {
  const flags = constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0);
  const fh = await open(file, flags, 0o600).catch((err: NodeJS.ErrnoException) => {
    throw new PatchhiveError(
      'E_OUTPUT_FAILED',
      `cannot open the job ledger (${err.code ?? 'error'})`,
      { file },
      { cause: err },
    );
  });
  const st = await fh.stat();
  const problem = !st.isFile()
    ? 'is not a regular file'
    : (st.mode & 0o077) !== 0
      ? `may be accessed by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`
      : st.size > MAX_LEDGER_BYTES
        ? `is ${st.size} bytes (limit ${MAX_LEDGER_BYTES})`
        : null;
  if (problem) {
    await fh.close();
    // someone who can rewrite the journal can lower lastSequence and replay an old job
    throw new PatchhiveError('E_CONFIG_INVALID', `the job ledger ${problem}`, { file });
  }
  return fh;
}

async function readAndRepair(fh: FileHandle, file: string): Promise<LedgerState> {
  const bytes = await fh.readFile();
  const { state, completeBytes } = parseLedger(bytes, file);
  if (completeBytes < bytes.length) {
    await fh.truncate(completeBytes);
    await fh.sync();
  }
  return state;
}
