import { describe, expect, it } from 'vitest';
import { backoffDelayMs, backoffWindowMs, checkinDelayMs, DEFAULT_BACKOFF, MAX_CHECKIN_INTERVAL_MS } from './backoff.js';

const fixed = (x: number) => () => x;

describe('checkinDelayMs: the server interval ±10 %', () => {
  it.each([
    [0, 3600, 3_240_000],
    [0.5, 3600, 3_600_000],
    [0.999999, 3600, 3_959_999],
    [0, 5, 4_500],
  ])('random %d, %d s → %d ms', (r, s, ms) => {
    expect(checkinDelayMs(s, fixed(r))).toBe(ms);
  });

  it('stays within ±10 % for any random value', () => {
    for (let i = 0; i <= 100; i++) {
      const d = checkinDelayMs(600, fixed(i / 101));
      expect(d).toBeGreaterThanOrEqual(540_000);
      expect(d).toBeLessThanOrEqual(660_000);
    }
  });

  it('never below one second, never above a day', () => {
    expect(checkinDelayMs(1, fixed(0))).toBe(1_000);
    expect(checkinDelayMs(10 ** 9, fixed(0.5))).toBe(MAX_CHECKIN_INTERVAL_MS);
  });
});

describe('backoff with full jitter', () => {
  it('the window doubles from the base up to the cap', () => {
    const windows = [1, 2, 3, 4, 8, 9, 10, 11, 12, 100].map((n) => backoffWindowMs(n));
    expect(windows).toEqual([5_000, 10_000, 20_000, 40_000, 640_000, 900_000, 900_000, 900_000, 900_000, 900_000]);
  });

  it('huge failure counts do not overflow past the cap', () => {
    expect(backoffWindowMs(Number.MAX_SAFE_INTEGER)).toBe(DEFAULT_BACKOFF.capMs);
  });

  it('the delay is uniform in [0, window): random 0 → 0, random → 1 → just below the window', () => {
    expect(backoffDelayMs(3, fixed(0))).toBe(0);
    expect(backoffDelayMs(3, fixed(0.5))).toBe(10_000);
    expect(backoffDelayMs(3, fixed(0.9999999))).toBe(19_999);
  });

  it('options change base and cap', () => {
    const opts = { baseMs: 100, capMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffWindowMs(n, opts))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoffDelayMs(6, fixed(0.25), opts)).toBe(250);
  });
});
