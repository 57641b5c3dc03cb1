/**
 * Exponential backoff with jitter: the one formula behind the agent's check-in retries, the
 * notifier's delivery retries and feed downloads. Pure; the random source is passed in, so tests
 * fix it and callers that fail together do not retry together.
 */

/** A source of uniform numbers in [0, 1), like Math.random. */
export type Random = () => number;

export interface BackoffOptions {
  /** First retry window in milliseconds. */
  baseMs: number;
  /** Longest retry window in milliseconds. */
  capMs: number;
}

/**
 * How a delay is drawn from the window: `full` uniformly in [0, window) (spreads a fleet the most),
 * `equal` in [window/2, window] (never retries at once), `spread` the window ±ratio.
 */
export type Jitter = { kind: 'full' } | { kind: 'equal' } | { kind: 'spread'; ratio: number };

export const FULL_JITTER: Jitter = { kind: 'full' };

/** The retry window after `failures` (≥ 1) consecutive failures: min(cap, base · 2^(failures−1)). */
export function backoffWindowMs(failures: number, opts: BackoffOptions): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 52); // 2^52 already passes any sane cap
  return Math.min(opts.capMs, opts.baseMs * 2 ** exponent);
}

/** The delay after `failures` consecutive failures: the window, jittered (whole milliseconds). */
export function backoffDelayMs(
  failures: number,
  random: Random,
  opts: BackoffOptions,
  jitter: Jitter = FULL_JITTER,
): number {
  const windowMs = backoffWindowMs(failures, opts);
  switch (jitter.kind) {
    case 'full':
      return Math.floor(random() * windowMs);
    case 'equal':
      return Math.round(windowMs / 2 + random() * (windowMs / 2));
    case 'spread':
      return Math.round(spreadMs(windowMs, jitter.ratio, random));
  }
}

/** `ms` moved by up to ±ratio (0.1: ±10 %), uniformly; not rounded. */
export function spreadMs(ms: number, ratio: number, random: Random): number {
  return ms * (1 + (random() * 2 - 1) * ratio);
}
