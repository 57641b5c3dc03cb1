/**
 * When the agent checks in next (pure; the random source is passed in). A healthy agent waits
 * the server's interval ±10 %, so a fleet started together spreads out; a failing one backs off
 * exponentially with full jitter (src/common/backoff.ts), so a server coming back is not hit by
 * every agent at once.
 */
import { backoffDelayMs, spreadMs, type BackoffOptions, type Random } from '../common/backoff.js';

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5_000, capMs: 15 * 60_000 };

/** Relative spread of the regular check-in interval. */
export const CHECKIN_JITTER = 0.1;

/** The longest regular interval honoured: a wrong server value must not silence an agent for weeks. */
export const MAX_CHECKIN_INTERVAL_MS = 24 * 3_600_000;

/** The regular delay: `seconds` ±10 %, in milliseconds, between one second and a day. */
export function checkinDelayMs(seconds: number, random: Random): number {
  return Math.min(
    MAX_CHECKIN_INTERVAL_MS,
    Math.max(1_000, Math.round(spreadMs(seconds * 1_000, CHECKIN_JITTER, random))),
  );
}

/** The delay after `failures` (≥ 1) failed check-ins: uniform in [0, min(cap, base · 2^(failures−1))). */
export function failureDelayMs(failures: number, random: Random, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  return backoffDelayMs(failures, random, opts);
}
