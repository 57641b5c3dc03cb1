/**
 * The agent loop's view of jobs: the reports to send with a check-in, the server's
 * acknowledgements, the envelopes of an answer, and resuming after a restart.
 */
import type { JobReport } from '../../protocol/agent.js';
import type { JobExecutor } from './executor.js';
import type { JobReportStore } from './reports.js';

/** What runAgentLoop needs to take jobs (src/agent/run.ts). */
export interface AgentJobHandling {
  /** Reports not yet acknowledged, oldest first (at most MAX_JOB_REPORTS). */
  pendingReports(): Promise<JobReport[]>;
  acknowledge(acks: readonly { jobId: string; state: string }[]): Promise<void>;
  /** Handles an answer's envelopes in order; returns how many produced a report to send now. */
  handleJobs(envelopes: readonly unknown[]): Promise<number>;
  /** Resumes unfinished jobs (agent start); returns how many it finished. */
  resumeUnfinished(): Promise<number>;
}

/** Job handling over an executor and its report store. */
export function createJobHandling(executor: JobExecutor, reports: JobReportStore): AgentJobHandling {
  return {
    pendingReports: () => reports.pending(),
    acknowledge: async (acks) => {
      await reports.acknowledge(acks);
    },
    handleJobs: async (envelopes) => {
      let reported = 0;
      for (const envelope of envelopes) {
        const r = await executor.handleEnvelope(envelope);
        if (r.report && r.report.state !== 'running') reported++;
      }
      return reported;
    },
    resumeUnfinished: async () => (await executor.resumeUnfinished()).length,
  };
}

/**
 * Job handling when the journal cannot be used (corrupt, wrong mode): reports already queued are
 * still sent, but no job is taken until someone repairs it — say so each time one arrives.
 */
export function disabledJobHandling(
  reason: string,
  reports: JobReportStore | null,
  warn: (line: string) => void,
): AgentJobHandling {
  return {
    pendingReports: async () => (reports ? reports.pending() : []),
    acknowledge: async (acks) => {
      if (reports) await reports.acknowledge(acks);
    },
    handleJobs: async (envelopes) => {
      if (envelopes.length > 0) warn(`patchhive agent: not taking ${envelopes.length} job(s): ${reason}`);
      return 0;
    },
    resumeUnfinished: async () => 0,
  };
}
