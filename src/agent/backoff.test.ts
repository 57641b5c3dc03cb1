import { describe, expect, it } from 'vitest';
import { checkinDelayMs, DEFAULT_BACKOFF, failureDelayMs, MAX_CHECKIN_INTERVAL_MS } from './backoff.js';

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

describe('failureDelayMs: full jitter over the default window', () => {
  it('is uniform in [0, window): random 0 → 0, random → 1 → just below the window', () => {
    expect(failureDelayMs(3, fixed(0))).toBe(0);
    expect(failureDelayMs(3, fixed(0.5))).toBe(10_000);
    expect(failureDelayMs(3, fixed(0.9999999))).toBe(19_999);
  });

  it('caps at 15 minutes by default, and takes other options', () => {
    expect(failureDelayMs(100, fixed(0.5))).toBe(DEFAULT_BACKOFF.capMs / 2);
    expect(failureDelayMs(6, fixed(0.25), { baseMs: 100, capMs: 1_000 })).toBe(250);
  });
});
