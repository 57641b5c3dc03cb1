/**
 * When the agent checks in next (pure; the random source is passed in). A healthy agent waits
 * the server's interval ±10 %, so a fleet started together spreads out; a failing one backs off
 * exponentially with full jitter, so a server coming back is not hit by every agent at once.
 */

/** A source of uniform numbers in [0, 1), like Math.random. */
export type Random = () => number;

export interface BackoffOptions {
  /** First retry window in milliseconds (default 5 s). */
  baseMs: number;
  /** Longest retry window in milliseconds (default 15 min). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5_000, capMs: 15 * 60_000 };

/** Relative spread of the regular check-in interval. */
export const CHECKIN_JITTER = 0.1;

/** The longest regular interval honoured: a wrong server value must not silence an agent for weeks. */
export const MAX_CHECKIN_INTERVAL_MS = 24 * 3_600_000;

/** The regular delay: `seconds` ±10 %, in milliseconds, between one second and a day. */
export function checkinDelayMs(seconds: number, random: Random): number {
  const factor = 1 + (random() * 2 - 1) * CHECKIN_JITTER;
  return Math.min(MAX_CHECKIN_INTERVAL_MS, Math.max(1_000, Math.round(seconds * 1_000 * factor)));
}

/** The retry window after `failures` (≥ 1) consecutive failures: min(cap, base · 2^(failures−1)). */
export function backoffWindowMs(failures: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 52); // 2^52 already passes any sane cap
  return Math.min(opts.capMs, opts.baseMs * 2 ** exponent);
}

/** "Full jitter": a uniform delay in [0, window) after `failures` consecutive failures. */
export function backoffDelayMs(failures: number, random: Random, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.floor(random() * backoffWindowMs(failures, opts));
}
