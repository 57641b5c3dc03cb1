/** The benchmark's fixed parameters: sizes and seeds. Changing them changes the generated inputs. */

export const SEED = 20261121;

/** Scenario 1: Debian-OVAL definitions plus tracker CVEs make a catalog of at least 30,000 bulletins. */
export const FEED = {
  ovalDefinitions: 27_000,
  trackerCves: 3_000,
  /** Package names no status file has (the real index's names first, then synthetic ones). */
  absentNames: 6_000,
  /** Share of OVAL definitions / tracker CVEs about a package some status file has. */
  installedShare: 0.35,
  machines: 1_000,
  warmupMachines: 20,
  /** Every n-th machine is also evaluated with the catalog index bypassed. */
  bypassEvery: 20,
};

/** Scenario 2: timed runs per command (after one warm-up run). */
export const RUNS = 5;
/** Scenario 2: in-process repetitions of evaluate() per input (median reported). */
export const ENGINE_REPEATS = 20;

/** Scenario 3: the generated OVAL document must be at least this large on disk. */
export const BIG_OVAL_MIN_BYTES = 100 * 1024 * 1024;

/** Section 7 (the rollout): sizes and pacing, from the environment (read once, at the edge). */
export interface RolloutBenchConfig {
  /** Bench A: machines planned and given a signed job (BENCH_ROLLOUT_MACHINES). */
  machines: number;
  /** Bench B: simulated agents taken through three rings (BENCH_ROLLOUT_AGENTS). */
  agents: number;
  /** Bench B: each agent checks in this often (BENCH_ROLLOUT_CHECKIN_SECONDS); at once after a job. */
  checkinSeconds: number;
  /** Bench B: the server's rollout tick (config rollout.tickSeconds). */
  tickSeconds: number;
  /** Bench B: keep-alive connections the agents share (requests beyond wait in the client's queue). */
  connections: number;
  /** Bench A: repetitions of the peer (bare signing) and of signJob alone; the median is reported. */
  peerRuns: number;
  /** Run Bench A on PostgreSQL too (BENCH_POSTGRES=0: not). */
  postgres: boolean;
  seed: number;
}

function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** The rollout benchmark's configuration (BENCH_ROLLOUT_MACHINES, BENCH_ROLLOUT_AGENTS, BENCH_ROLLOUT_CHECKIN_SECONDS, BENCH_POSTGRES). */
export function rolloutBenchConfig(): RolloutBenchConfig {
  return {
    machines: envCount('BENCH_ROLLOUT_MACHINES', 10_000),
    agents: envCount('BENCH_ROLLOUT_AGENTS', 1_000),
    checkinSeconds: envCount('BENCH_ROLLOUT_CHECKIN_SECONDS', 2),
    tickSeconds: 1,
    connections: 32,
    peerRuns: 3,
    postgres: process.env.BENCH_POSTGRES !== '0',
    seed: 20261125,
  };
}
