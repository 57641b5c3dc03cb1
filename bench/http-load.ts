/**
 * A closed-loop HTTP load generator over one undici Pool (keep-alive, one request in flight per
 * connection): `concurrency` loops each send a request, wait for the whole answer, and send the
 * next. Every latency in the measured window is recorded and sorted (no histogram buckets).
 */
import { Pool } from 'undici';

/** One request of the load: path, headers and body. */
export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** Latency percentiles of the measured requests, in milliseconds. */
export interface LatencyStats {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** What one load run measured. */
export interface LoadResult {
  /** Requests completed inside the measured window (answers that failed `check` included). */
  requests: number;
  /** Answers that failed `check`, or errors (connection resets, timeouts), over the whole run (warm-up included). */
  failures: number;
  firstFailure: string | undefined;
  /** Length of the measured window, seconds. */
  seconds: number;
  perSecond: number;
  latency: LatencyStats;
}

export interface LoadOptions {
  concurrency: number;
  /** Builds request number i (0, 1, 2, ... in the order they are sent). */
  request(i: number): LoadRequest;
  /** True when the answer is the expected one; may keep data from it. */
  check(i: number, status: number, body: string): boolean;
  /** Either a fixed number of requests (all measured) ... */
  count?: number;
  /** ... or a time: `warmupSeconds` unmeasured, then `seconds` measured. */
  seconds?: number;
  warmupSeconds?: number;
  /** Called when the measured window opens. */
  onMeasuring?(): void;
}

/** A keep-alive pool with one connection per concurrent request. */
export function loadPool(url: string, concurrency: number): Pool {
  return new Pool(url, {
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
}

/** Percentiles (nearest rank) of a list of latencies; sorts it in place. */
export function latencyStats(xs: Float64Array): LatencyStats {
  xs.sort();
  const at = (p: number): number =>
    xs.length === 0 ? NaN : xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))]!;
  let sum = 0;
  for (const x of xs) sum += x;
  return {
    count: xs.length,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: xs.length ? xs[xs.length - 1]! : NaN,
    mean: xs.length ? sum / xs.length : NaN,
  };
}

/** Runs the load until `count` requests are done or the measured window has passed. */
export async function runLoad(pool: Pool, o: LoadOptions): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let recorded = 0;
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const timed = o.count === undefined;
  const start = performance.now();
  const measureFrom = timed ? start + (o.warmupSeconds ?? 0) * 1000 : start;
  const measureTo = timed ? measureFrom + (o.seconds ?? 10) * 1000 : Infinity;
  let opened = !timed;
  if (opened) o.onMeasuring?.();

  const record = (ms: number): void => {
    if (recorded === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[recorded++] = ms;
  };

  const loop = async (): Promise<void> => {
    for (;;) {
      const t = performance.now();
      if (timed && t >= measureTo) return;
      if (!timed && next >= o.count!) return;
      if (timed && !opened && t >= measureFrom) {
        opened = true;
        o.onMeasuring?.();
      }
      const i = next++;
      const req = o.request(i);
      let ok = false;
      let why = '';
      try {
        const res = await pool.request({ method: 'POST', path: req.path, headers: req.headers, body: req.body });
        const body = await res.body.text();
        ok = o.check(i, res.statusCode, body);
        if (!ok) why = `HTTP ${res.statusCode}: ${body.slice(0, 300)}`;
      } catch (err) {
        why = (err as Error).message;
      }
      const done = performance.now();
      if (t >= measureFrom && done <= measureTo) record(done - t);
      if (!ok) {
        failures++;
        firstFailure ??= why;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  const seconds = ((timed ? measureTo : performance.now()) - measureFrom) / 1000;
  const latency = latencyStats(latencies.subarray(0, recorded));
  return { requests: recorded, failures, firstFailure, seconds, perSecond: recorded / seconds, latency };
}
