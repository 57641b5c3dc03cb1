/**
 * Cron-driven work: catalog syncs per source schedule, re-assessment per group schedule, and the
 * configured fixed jobs (triage sweep, due-soon and overdue reminders, digests), and jobs every few
 * seconds (the rollout tick).
 * Rebuilt from the stored schedules whenever one changes.
 */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Store } from '../store/ports.js';

export interface ScheduledWork {
  syncSource(sourceId: string): Promise<unknown>;
  rescanGroup(groupId: string): Promise<unknown>;
  /** Jobs on fixed schedules from the config (triage sweep, reminders, digests); an empty schedule: never. */
  fixed?: { name: string; schedule: string; run(): Promise<unknown> }[];
  /** Jobs every N seconds (the rollout tick); 0: never. A run still going is not started again. */
  every?: { name: string; seconds: number; run(): Promise<unknown> }[];
}

export class Scheduler {
  private jobs: Cron[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly work: ScheduledWork,
    private readonly log: Logger,
  ) {}

  /** (Re)creates the cron jobs from the stored sources and groups. */
  async reload(): Promise<void> {
    this.clear();
    if (this.stopped) return;
    for (const s of await this.store.sources.list()) {
      if (s.enabled && s.schedule) this.add(s.schedule, `sync ${s.name}`, () => this.work.syncSource(s.id));
    }
    for (const g of await this.store.groups.list()) {
      if (g.rescanSchedule) this.add(g.rescanSchedule, `rescan ${g.name}`, () => this.work.rescanGroup(g.id));
    }
    for (const f of this.work.fixed ?? []) if (f.schedule.trim() !== '') this.add(f.schedule, f.name, () => f.run());
    for (const e of this.work.every ?? []) if (e.seconds > 0) this.addEvery(e.seconds, e.name, () => e.run());
  }

  /** Names and next run times, for logs and tests. */
  planned(): { name: string; next: string | null }[] {
    return this.jobs.map((j) => ({ name: j.name ?? '?', next: j.nextRun()?.toISOString() ?? null }));
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private add(expr: string, name: string, run: () => Promise<unknown>): void {
    try {
      // protect: a slow run is never started twice at once
      this.jobs.push(
        new Cron(
          expr,
          { name, protect: true, catch: (err) => this.log.error({ err, job: name }, 'scheduled job failed') },
          async () => {
            this.log.info({ job: name }, 'scheduled job started');
            await run();
          },
        ),
      );
    } catch (err) {
      this.log.warn({ job: name, err: (err as Error).message }, 'schedule ignored: not a cron expression');
    }
  }

  private addEvery(seconds: number, name: string, run: () => Promise<unknown>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      run()
        .catch((err) => this.log.error({ err, job: name }, 'scheduled job failed'))
        .finally(() => (busy = false));
    }, seconds * 1000);
    timer.unref();
    this.timers.push(timer);
  }

  private clear(): void {
    for (const j of this.jobs) j.stop();
    for (const t of this.timers) clearInterval(t);
    this.jobs = [];
    this.timers = [];
  }
}
