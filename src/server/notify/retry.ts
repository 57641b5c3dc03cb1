/** When a failed delivery is tried again. Pure; the random source is passed in. */
import { backoffWindowMs, spreadMs, type Random } from '../../common/backoff.js';
import type { ServerConfig } from '../config.js';

/** The `notify.retry` settings. */
export type RetryConfig = ServerConfig['notify']['retry'];

/** Relative spread of a retry delay (±20 %), so deliveries that failed together do not retry together. */
export const RETRY_JITTER = 0.2;

/** Seconds to wait after failed attempt number `attempt` (≥ 1): base · 2^(attempt−1), capped at max, ±20 %. */
export function retryDelaySeconds(attempt: number, retry: RetryConfig, random: Random): number {
  const windowMs = backoffWindowMs(attempt, { baseMs: retry.baseSeconds * 1000, capMs: retry.maxSeconds * 1000 });
  return Math.min(retry.maxSeconds, Math.max(1, Math.round(spreadMs(windowMs, RETRY_JITTER, random) / 1000)));
}

/** The next attempt's time after failed attempt `attempt`, or null when the attempts are used up. */
export function nextAttemptAt(attempt: number, now: Date, retry: RetryConfig, random: Random): string | null {
  if (attempt >= retry.maxAttempts) return null;
  return new Date(now.getTime() + retryDelaySeconds(attempt, retry, random) * 1000).toISOString();
}
