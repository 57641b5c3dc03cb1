/**
 * Another process's memory and CPU from /proc (Linux): VmRSS / VmHWM of /proc/<pid>/status and
 * utime + stime of /proc/<pid>/stat, so a server's figures are its own and not the load generator's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Current and peak resident set size (KiB) of a process. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") "; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / clockTicks();
}

/** Resets the process's VmHWM to its current RSS (writes 5 to /proc/<pid>/clear_refs); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A phase's CPU seconds and peak RSS of one process: VmHWM reset at start, plus VmRSS sampled every `everyMs`. */
export class PhaseMonitor {
  private readonly cpu0: number;
  private readonly t0 = performance.now();
  private maxRssKb = 0;
  private readonly timer: NodeJS.Timeout;
  readonly hwmReset: boolean;

  constructor(
    private readonly pid: number,
    everyMs = 200,
  ) {
    this.hwmReset = resetPeakRss(pid);
    this.cpu0 = cpuSecondsOf(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    try {
      this.maxRssKb = Math.max(this.maxRssKb, memoryOf(this.pid).rssKb);
    } catch {
      // the process ended; the last sample stands
    }
  }

  /** Stops sampling; peak RSS is VmHWM when the reset worked, else the highest sample. */
  stop(): PhaseUsage {
    clearInterval(this.timer);
    this.sample();
    const mem = memoryOf(this.pid);
    const cpuSeconds = cpuSecondsOf(this.pid) - this.cpu0;
    const wallSeconds = (performance.now() - this.t0) / 1000;
    return {
      cpuSeconds,
      wallSeconds,
      peakRssKb: this.hwmReset ? Math.max(mem.hwmKb, this.maxRssKb) : this.maxRssKb,
      endRssKb: mem.rssKb,
    };
  }
}

/** What one process used during one phase. */
export interface PhaseUsage {
  cpuSeconds: number;
  wallSeconds: number;
  /** Peak resident set size during the phase, KiB. */
  peakRssKb: number;
  /** Resident set size at the end of the phase, KiB. */
  endRssKb: number;
}
