/** Building the JobReports the agent sends (pure): refusals, step reports, the final account of a job. */
import { MAX_STEP_LOG_CHARS, type JobReport, type StepReport } from '../../protocol/agent.js';
import type { JobBody, JobStep } from '../../protocol/jobs.js';
import type { StepOutcome } from './outcome.js';

const MAX_MESSAGE = 2000;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const clipLog = (log: string) => (log.length > MAX_STEP_LOG_CHARS ? log.slice(-MAX_STEP_LOG_CHARS) : log);

export type Refusal = NonNullable<JobReport['refusal']>;

/** The job id and sequence of an envelope, as far as they can be read (for a refusal report). */
export function peekJobIds(envelope: unknown): { jobId: string | null; sequence: number | null } {
  const job = (envelope as { job?: { jobId?: unknown; sequence?: unknown } } | null)?.job;
  const jobId =
    typeof job?.jobId === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(job.jobId) ? job.jobId : null;
  const seq = job?.sequence;
  const sequence = typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : null;
  return { jobId, sequence };
}

/** A refused job: nothing ran. */
export function refusedReport(
  jobId: string,
  sequence: number | null,
  refusal: Refusal,
  message: string,
  at: Date,
): JobReport {
  return {
    jobId,
    sequence,
    state: 'refused',
    refusal,
    message: clip(message, MAX_MESSAGE),
    steps: [],
    rebootPending: false,
    rebootDeferrals: 0,
    keptPackages: [],
    finishedAt: at.toISOString(),
  };
}

/** The report of one finished step; `interrupted` marks a step the agent died in. */
export function stepReport(
  index: number,
  step: JobStep,
  outcome: StepOutcome,
  startedAt: string,
  finishedAt: string,
  interrupted = false,
): StepReport {
  return {
    index,
    kind: step.kind,
    result: interrupted && outcome.result === 'failed' ? 'interrupted' : outcome.result,
    exitCode: outcome.exitCode,
    startedAt,
    finishedAt,
    log: clipLog(outcome.log),
    message: clip(outcome.message, MAX_MESSAGE),
  };
}

/** What the steps together say about rebooting and kept packages. */
export interface JobTotals {
  keptPackages: { name: string; version: string }[];
  rebootPending: boolean;
  rebootDeferrals: number;
}

/** Sums the outcomes; `flagSaysReboot` is the machine's own reboot-required flag after the steps. */
export function totalsOf(outcomes: readonly StepOutcome[], flagSaysReboot: boolean): JobTotals {
  const started = outcomes.some((o) => o.rebootStarted);
  const needed = flagSaysReboot || outcomes.some((o) => o.rebootPending || o.rebootRequired);
  return {
    keptPackages: outcomes.flatMap((o) => o.keptPackages ?? []).slice(0, 500),
    rebootPending: !started && needed,
    rebootDeferrals: Math.min(
      100,
      outcomes.reduce((n, o) => n + (o.rebootDeferrals ?? 0), 0),
    ),
  };
}

/** A job's report: running (progress), or finished when `finishedAt` is given. */
export function jobReport(
  job: Pick<JobBody, 'jobId' | 'sequence'>,
  steps: readonly StepReport[],
  totals: JobTotals,
  fin: { state: 'running' | 'succeeded' | 'failed' | 'interrupted'; message: string; finishedAt: string | null },
): JobReport {
  return {
    jobId: job.jobId,
    sequence: job.sequence,
    state: fin.state,
    refusal: null,
    message: clip(fin.message, MAX_MESSAGE),
    steps: [...steps].sort((a, b) => a.index - b.index).slice(0, 100),
    rebootPending: totals.rebootPending,
    rebootDeferrals: totals.rebootDeferrals,
    keptPackages: totals.keptPackages,
    finishedAt: fin.finishedAt,
  };
}

/** "3 steps: 2 succeeded, 1 skipped" or "step 1 (install) failed: …". */
export function jobMessage(
  job: JobBody,
  steps: readonly StepReport[],
): { state: 'succeeded' | 'failed'; message: string } {
  const bad = steps.find((s) => s.result === 'failed' || s.result === 'interrupted');
  if (bad) return { state: 'failed', message: `step ${bad.index} (${bad.kind}) ${bad.result}: ${bad.message}` };
  const skipped = steps.filter((s) => s.result === 'skipped').length;
  return {
    state: 'succeeded',
    message: `${job.steps.length} step${job.steps.length === 1 ? '' : 's'} done${skipped ? ` (${skipped} skipped)` : ''}`,
  };
}
