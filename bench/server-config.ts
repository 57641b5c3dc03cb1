/**
 * Sizes of the server benchmarks (scenarios 4 and 5). The documented run uses the defaults; the
 * environment may shrink them for a quick run (e.g. BENCH_AGENTS=1000 BENCH_CHECKIN_SECONDS=5).
 * Read once here, at the benchmark's edge, and passed down.
 */

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export interface ServerBenchConfig {
  /** Scenario 4: simulated agents enrolled and checking in. */
  agents: number;
  /** Scenario 4: requests in flight at once (one keep-alive connection each). */
  concurrency: number;
  /** Scenario 4: measured seconds of the steady hash-only phase, after `warmupSeconds`. */
  checkinSeconds: number;
  warmupSeconds: number;
  /** Scenario 5 (on scenario 4's machines, one per agent): bulletins whose fixed version the catalog change bumps. */
  changedBulletins: number;
  /** Of those, how many are about a package the machines have (the rest are about others). */
  changedInstalled: number;
  /** Run the PostgreSQL half (skipped with a note when the local cluster is unreachable). */
  postgres: boolean;
  seed: number;
}

/** The configuration from the environment (BENCH_AGENTS, BENCH_CONCURRENCY, BENCH_CHECKIN_SECONDS, BENCH_CHANGED_BULLETINS, ...). */
export function serverBenchConfig(): ServerBenchConfig {
  return {
    agents: envInt('BENCH_AGENTS', 10_000, 1),
    concurrency: envInt('BENCH_CONCURRENCY', 128, 1),
    checkinSeconds: envInt('BENCH_CHECKIN_SECONDS', 30, 1),
    warmupSeconds: envInt('BENCH_WARMUP_SECONDS', 5, 0),
    changedBulletins: envInt('BENCH_CHANGED_BULLETINS', 100, 1),
    changedInstalled: envInt('BENCH_CHANGED_INSTALLED', 20, 0),
    postgres: process.env.BENCH_POSTGRES !== '0',
    seed: 20261122,
  };
}

/**
 * Section 8 (auditing on and off): scenario 4's settings with its own, smaller sizes, since it
 * starts six servers (BENCH_AUDIT_AGENTS, default 2000; BENCH_AUDIT_CHECKIN_SECONDS, default 20).
 */
export function auditBenchConfig(): ServerBenchConfig {
  return {
    ...serverBenchConfig(),
    agents: envInt('BENCH_AUDIT_AGENTS', 2000, 1),
    checkinSeconds: envInt('BENCH_AUDIT_CHECKIN_SECONDS', 20, 1),
  };
}
