/**
 * Job reports on the agent's disk. Each job has a record (`<stateDir>/jobs/<jobId>/`: the verified
 * envelope and its latest report) and, until the server acknowledges it, a pending copy in
 * `<stateDir>/job-reports/<jobId>.json` that goes with every check-in — so neither a crash nor a
 * lost answer loses a result. Files are 0600, written atomically.
 */
import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write.js';
import { jobReportSchema, MAX_JOB_REPORTS, type JobReport } from '../../protocol/agent.js';
import { jobIdentifier } from '../../protocol/jobs.js';

export const PENDING_DIR = 'job-reports';
export const JOBS_DIR = 'jobs';

/** The agent's report files; every method validates what it reads. */
export interface JobReportStore {
  /** Records the job's latest report (its own record only; not sent). */
  saveProgress(report: JobReport): Promise<void>;
  /** Records the report and queues it for the server. */
  submit(report: JobReport): Promise<void>;
  /** The job's latest recorded report, or null. */
  load(jobId: string): Promise<JobReport | null>;
  /** Up to MAX_JOB_REPORTS queued reports, oldest first; unreadable ones are set aside with a warning. */
  pending(): Promise<JobReport[]>;
  /** Drops queued reports the server stored in the state it names (an older state's ack keeps the newer report). */
  acknowledge(acks: readonly { jobId: string; state: string }[]): Promise<number>;
  /** Saves the verified envelope of an accepted job (needed to resume it after a restart). */
  saveEnvelope(jobId: string, envelope: unknown): Promise<void>;
  loadEnvelope(jobId: string): Promise<unknown>;
}

const safeId = (id: string): string => {
  if (!jobIdentifier.safeParse(id).success) throw new Error(`not a job id: ${JSON.stringify(id).slice(0, 80)}`);
  return id;
};

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? null : Promise.reject(err),
  );
  return text === null ? null : JSON.parse(text);
}

/** The report store of the state directory `stateDir`; `warn` gets one line per unreadable file. */
export function createJobReportStore(stateDir: string, warn: (line: string) => void): JobReportStore {
  const pendingDir = path.join(stateDir, PENDING_DIR);
  const jobDir = (jobId: string) => path.join(stateDir, JOBS_DIR, safeId(jobId));
  const write = async (file: string, value: unknown) => {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, `${JSON.stringify(value)}\n`, 0o600);
  };
  const saveProgress = (report: JobReport) =>
    write(path.join(jobDir(report.jobId), 'report.json'), jobReportSchema.parse(report));

  return {
    saveProgress,
    submit: async (report) => {
      await saveProgress(report);
      await write(path.join(pendingDir, `${safeId(report.jobId)}.json`), jobReportSchema.parse(report));
    },
    load: async (jobId) => {
      const raw = await readJson(path.join(jobDir(jobId), 'report.json')).catch(() => null);
      const parsed = jobReportSchema.safeParse(raw);
      return parsed.success ? parsed.data : null;
    },
    pending: async () => {
      const names = (await readdir(pendingDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
      const out: JobReport[] = [];
      for (const name of names) {
        const file = path.join(pendingDir, name);
        const parsed = jobReportSchema.safeParse(await readJson(file).catch(() => undefined));
        if (parsed.success && `${parsed.data.jobId}.json` === name) out.push(parsed.data);
        else {
          warn(`patchhive agent: the job report ${file} is unreadable; set aside as ${name}.bad`);
          await rename(file, `${file}.bad`).catch(() => undefined);
        }
      }
      const at = (r: JobReport) => r.finishedAt ?? '';
      return out
        .sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : a.jobId < b.jobId ? -1 : 1))
        .slice(0, MAX_JOB_REPORTS);
    },
    acknowledge: async (acks) => {
      let dropped = 0;
      for (const ack of acks) {
        if (!jobIdentifier.safeParse(ack.jobId).success) continue;
        const file = path.join(pendingDir, `${ack.jobId}.json`);
        const parsed = jobReportSchema.safeParse(await readJson(file).catch(() => null));
        if (parsed.success && parsed.data.state === ack.state) {
          await unlink(file).catch(() => undefined);
          dropped++;
        }
      }
      return dropped;
    },
    saveEnvelope: (jobId, envelope) => write(path.join(jobDir(jobId), 'envelope.json'), envelope),
    loadEnvelope: (jobId) => readJson(path.join(jobDir(jobId), 'envelope.json')),
  };
}
