/**
 * One job from envelope to report: verify (pinned key, this agent, a new sequence, still valid),
 * check every step against the machine's local policy (a valid signature is not permission),
 * download and check every artifact, and only then journal "accepted" and run the steps in order,
 * journaling each before and after. A refusal runs nothing and is reported. After a restart,
 * unfinished jobs are resumed from the journal — an interrupted step is reconciled, never re-run.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { JobReport, StepReport } from '../../protocol/agent.js';
import { jobEnvelopeSchema, type JobBody } from '../../protocol/jobs.js';
import type { JobLedger } from '../job-ledger.js';
import { verifyArtifact, verifyJob } from '../job-verify.js';
import { checkJobAgainstPolicy, type LoadedPolicy } from '../local-policy.js';
import { artifactFileName, artifactsDir, fetchJobArtifacts, type ArtifactFetcher } from './artifacts.js';
import { jobMessage, jobReport, peekJobIds, refusedReport, stepReport, totalsOf } from './job-report.js';
import type { RebootDeps, StepContext, StepOutcome, WindowsPaths } from './outcome.js';
import type { JobReportStore } from './reports.js';
import type { CommandRunner } from './runner.js';
import { rebootRequiredFlag, resumeInterruptedStep, runStep } from './steps.js';

export interface JobExecutorDeps {
  agentId: string;
  /** The job-signing keys the agent trusts now (they change when a rotation is announced). */
  keys(): PinnedKeys;
  ledger: JobLedger;
  reports: JobReportStore;
  stateDir: string;
  /** The managed root ("/" for this machine). */
  root: string;
  runner: CommandRunner;
  platform: 'linux' | 'win32';
  windows: WindowsPaths;
  reboot: RebootDeps;
  fetchArtifact: ArtifactFetcher;
  /** The local policy, read when a job arrives (src/agent/local-policy.ts). */
  localPolicy(): Promise<LoadedPolicy>;
  now(): Date;
  info(line: string): void;
  warn(line: string): void;
}

/** The agent's job-signing keys (PEM): pinned, the previous one during a rotation, and retired ones. */
export interface PinnedKeys {
  pinned: string;
  previous?: string;
  retired: readonly string[];
}

/** verifyJob's key fields for these keys. */
function keyContext(k: PinnedKeys) {
  return {
    pinnedPublicKeyPem: k.pinned,
    ...(k.previous !== undefined ? { previousPublicKeyPem: k.previous } : {}),
    retiredPublicKeyPems: k.retired,
  };
}

/** What became of one envelope: refused or run (a report was queued), known (its report re-queued), or ignored. */
export type EnvelopeOutcome =
  { kind: 'refused' | 'ran' | 'known'; report: JobReport | null } | { kind: 'ignored'; report: null };

export interface JobExecutor {
  /** Handles one envelope of a check-in answer (see the module comment). */
  handleEnvelope(envelope: unknown): Promise<EnvelopeOutcome>;
  /** Resumes or reports every job the journal shows unfinished; returns their final reports. */
  resumeUnfinished(): Promise<JobReport[]>;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The executor over `deps`. */
export function createJobExecutor(deps: JobExecutorDeps): JobExecutor {
  const stamp = () => deps.now().toISOString();
  const contextFor = (job: JobBody): StepContext => ({
    jobId: job.jobId,
    runner: deps.runner,
    root: deps.root,
    platform: deps.platform,
    artifactFile: (id) => path.join(artifactsDir(deps.stateDir, job.jobId), artifactFileName(job, id)),
    windows: deps.windows,
    reboot: deps.reboot,
  });

  /** Runs steps `from`… and finishes the job; `steps`/`outcomes` hold what earlier steps gave. */
  async function runFrom(job: JobBody, from: number, steps: StepReport[], outcomes: StepOutcome[]): Promise<JobReport> {
    const ctx = contextFor(job);
    const progress = async () =>
      deps.reports.saveProgress(
        jobReport(job, steps, totalsOf(outcomes, false), { state: 'running', message: 'running', finishedAt: null }),
      );
    let failedStep = steps.some((s) => s.result === 'failed' || s.result === 'interrupted');
    for (let i = from; i < job.steps.length && !failedStep; i++) {
      const step = job.steps[i]!;
      await deps.ledger.stepStarted(job.jobId, i);
      const startedAt = stamp();
      const outcome = await runStep(step, ctx);
      await deps.ledger.stepFinished(job.jobId, i, outcome.result);
      outcomes.push(outcome);
      steps.push(stepReport(i, step, outcome, startedAt, stamp()));
      await progress();
      const line = `job ${job.jobId}: step ${i} ${step.kind}: ${oneLine(outcome.message)} … ${outcome.result === 'succeeded' ? 'ok' : outcome.result}`;
      if (outcome.result === 'failed') deps.warn(`patchhive agent: ${line}`);
      else deps.info(line);
      failedStep = outcome.result === 'failed';
    }
    return finish(job, steps, outcomes);
  }

  async function finish(job: JobBody, steps: StepReport[], outcomes: StepOutcome[]): Promise<JobReport> {
    const flag = deps.platform === 'linux' ? await rebootRequiredFlag(deps.root) : false;
    const { state, message } = jobMessage(job, steps);
    const report = jobReport(job, steps, totalsOf(outcomes, flag), { state, message, finishedAt: stamp() });
    // the report is durable before the journal says finished: a crash in between only finishes it again
    await deps.reports.submit(report);
    await deps.ledger.jobFinished(job.jobId, state);
    await rm(artifactsDir(deps.stateDir, job.jobId), { recursive: true, force: true });
    const line = `job ${job.jobId}: ${state}: ${oneLine(message)}${report.rebootPending ? ' (reboot pending)' : ''}`;
    if (state === 'succeeded') deps.info(line);
    else deps.warn(`patchhive agent: ${line}`);
    return report;
  }

  async function refuse(
    jobId: string | null,
    sequence: number | null,
    reason: NonNullable<JobReport['refusal']>,
    message: string,
  ): Promise<EnvelopeOutcome> {
    deps.warn(
      `patchhive agent: refused job ${jobId ?? '(unreadable id)'}: ${reason}: ${oneLine(message)}; nothing run`,
    );
    if (jobId === null) return { kind: 'ignored', report: null };
    const report = refusedReport(jobId, sequence, reason, message, deps.now());
    await deps.reports.submit(report);
    return { kind: 'refused', report };
  }

  async function handleEnvelope(envelope: unknown): Promise<EnvelopeOutcome> {
    const ids = peekJobIds(envelope);
    if (ids.jobId !== null && deps.ledger.resumePoint(ids.jobId) !== null) {
      // already accepted once: never run again; re-send what we reported
      const stored = await deps.reports.load(ids.jobId);
      if (stored && stored.state !== 'running') await deps.reports.submit(stored);
      deps.info(`job ${ids.jobId}: already handled (${stored?.state ?? 'no report'}); not run again`);
      return { kind: 'known', report: stored };
    }
    const verdict = verifyJob(envelope, {
      agentId: deps.agentId,
      ...keyContext(deps.keys()),
      lastSequence: deps.ledger.lastSequence(),
      now: stamp(),
    });
    if (!verdict.ok) return refuse(ids.jobId, ids.sequence, verdict.reason, verdict.message);
    const job = verdict.job;
    // the whole job or nothing: one step the policy refuses refuses every step, before any download
    const allowed = checkJobAgainstPolicy(job, await deps.localPolicy());
    if (!allowed.ok) return refuse(job.jobId, job.sequence, 'not-allowed-by-local-policy', allowed.message);
    const artifacts = await fetchJobArtifacts(job, deps.stateDir, deps.fetchArtifact);
    if (!artifacts.ok) return refuse(job.jobId, job.sequence, artifacts.reason, artifacts.message);

    await deps.reports.saveEnvelope(job.jobId, envelope);
    await deps.ledger.accepted(job.jobId, job.sequence);
    deps.info(
      `job ${job.jobId} (deployment ${job.deploymentId ?? 'none'}): accepted, ${job.steps.length} step${job.steps.length === 1 ? '' : 's'}`,
    );
    const report = await runFrom(job, 0, [], []);
    return { kind: 'ran', report };
  }

  /** The saved envelope of an accepted job, re-checked against the pinned key; null when lost or altered. */
  async function savedJob(jobId: string, sequence: number): Promise<JobBody | null> {
    const raw = await deps.reports.loadEnvelope(jobId).catch(() => null);
    const parsed = jobEnvelopeSchema.safeParse(raw);
    if (!parsed.success || parsed.data.job.jobId !== jobId || parsed.data.job.sequence !== sequence) return null;
    // validity and sequence held when it was accepted; only the signature and addressee are re-checked
    const v = verifyJob(raw, {
      agentId: deps.agentId,
      ...keyContext(deps.keys()),
      lastSequence: sequence - 1,
      now: parsed.data.job.issuedAt,
    });
    return v.ok ? v.job : null;
  }

  async function artifactsIntact(job: JobBody): Promise<boolean> {
    for (const a of job.artifacts) {
      const file = path.join(artifactsDir(deps.stateDir, job.jobId), artifactFileName(job, a.id));
      const v = await verifyArtifact(a, { file }).catch(() => ({ ok: false }));
      if (!v.ok) return false;
    }
    return true;
  }

  async function resumeOne(jobId: string): Promise<JobReport | null> {
    const rp = deps.ledger.resumePoint(jobId);
    if (!rp) return null;
    const prior = await deps.reports.load(jobId);
    const job = await savedJob(jobId, rp.sequence);
    const steps: StepReport[] = (prior?.steps ?? []).filter((s) => rp.finishedSteps.some((f) => f.index === s.index));
    for (const f of rp.finishedSteps) {
      if (!steps.some((s) => s.index === f.index)) {
        steps.push({
          index: f.index,
          kind: job?.steps[f.index]?.kind ?? 'unknown',
          result: f.result,
          exitCode: null,
          startedAt: stamp(),
          finishedAt: null,
          log: '',
          message: '(journaled; its log was lost in a restart)',
        });
      }
    }
    const outcomes: StepOutcome[] = prior
      ? [
          {
            result: 'succeeded',
            exitCode: null,
            log: '',
            message: '',
            keptPackages: prior.keptPackages,
            rebootDeferrals: prior.rebootDeferrals,
          },
        ]
      : [];
    if (!job) {
      const message =
        'the agent restarted during this job and its saved envelope is missing or altered; nothing was re-run';
      const report = jobReport({ jobId, sequence: rp.sequence }, steps, totalsOf(outcomes, false), {
        state: 'interrupted',
        message,
        finishedAt: stamp(),
      });
      await deps.reports.submit(report);
      await deps.ledger.jobFinished(jobId, 'interrupted');
      deps.warn(`patchhive agent: job ${jobId}: interrupted, cannot resume (saved envelope missing or altered)`);
      return report;
    }
    deps.info(
      `job ${jobId}: resuming after a restart (${rp.finishedSteps.length} of ${job.steps.length} steps done${rp.interruptedStep !== null ? `, step ${rp.interruptedStep} interrupted` : ''})`,
    );
    // the policy may have been narrowed during the restart: nothing more runs that it now refuses
    const allowed = checkJobAgainstPolicy(job, await deps.localPolicy());
    if (!allowed.ok) {
      steps.push({
        index: rp.interruptedStep ?? rp.nextStep ?? 0,
        kind: 'local-policy',
        result: 'failed',
        exitCode: null,
        startedAt: stamp(),
        finishedAt: stamp(),
        log: '',
        message: `${allowed.message}; nothing more run after the restart`,
      });
      if (rp.interruptedStep !== null) await deps.ledger.stepFinished(jobId, rp.interruptedStep, 'failed');
      return finish(job, steps, outcomes);
    }
    if (!(await artifactsIntact(job))) {
      steps.push({
        index: rp.interruptedStep ?? rp.nextStep ?? 0,
        kind: 'artifacts',
        result: 'failed',
        exitCode: null,
        startedAt: stamp(),
        finishedAt: stamp(),
        log: '',
        message: 'an artifact changed on disk during the restart; nothing more run',
      });
      if (rp.interruptedStep !== null) await deps.ledger.stepFinished(jobId, rp.interruptedStep, 'failed');
      return finish(job, steps, outcomes);
    }
    let next = rp.nextStep ?? job.steps.length;
    if (rp.interruptedStep !== null) {
      const i = rp.interruptedStep;
      const outcome = await resumeInterruptedStep(job.steps[i]!, contextFor(job));
      await deps.ledger.stepFinished(jobId, i, outcome.result);
      outcomes.push(outcome);
      const startedAt = prior?.steps.find((s) => s.index === i)?.startedAt ?? stamp();
      steps.push(stepReport(i, job.steps[i]!, outcome, startedAt, stamp(), true));
      deps.info(`job ${jobId}: step ${i} ${job.steps[i]!.kind} (interrupted): ${oneLine(outcome.message)}`);
      next = i + 1;
    }
    return runFrom(job, next, steps, outcomes);
  }

  return {
    handleEnvelope,
    resumeUnfinished: async () => {
      const out: JobReport[] = [];
      for (const jobId of deps.ledger.unfinishedJobs()) {
        const r = await resumeOne(jobId);
        if (r) out.push(r);
      }
      return out;
    },
  };
}
