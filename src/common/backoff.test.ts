import { describe, expect, it } from 'vitest';
import { backoffDelayMs, backoffWindowMs, spreadMs } from './backoff.js';

const fixed = (x: number) => () => x;
const opts = { baseMs: 5_000, capMs: 900_000 };

describe('backoffWindowMs', () => {
  it('doubles from the base up to the cap', () => {
    const windows = [1, 2, 3, 4, 8, 9, 10, 11, 12, 100].map((n) => backoffWindowMs(n, opts));
    expect(windows).toEqual([5_000, 10_000, 20_000, 40_000, 640_000, 900_000, 900_000, 900_000, 900_000, 900_000]);
  });

  it('does not overflow past the cap on huge failure counts, and treats 0 like 1', () => {
    expect(backoffWindowMs(Number.MAX_SAFE_INTEGER, opts)).toBe(opts.capMs);
    expect(backoffWindowMs(0, opts)).toBe(opts.baseMs);
  });
});

describe('backoffDelayMs', () => {
  it.each([
    ['full', { kind: 'full' } as const, [0, 10_000, 19_999]],
    ['equal', { kind: 'equal' } as const, [10_000, 15_000, 20_000]],
    ['spread ±20 %', { kind: 'spread', ratio: 0.2 } as const, [16_000, 20_000, 24_000]],
  ])('%s jitter over the third window (20 s): random 0, 0.5, →1', (_name, jitter, expected) => {
    expect([0, 0.5, 0.9999999].map((r) => backoffDelayMs(3, fixed(r), opts, jitter))).toEqual(expected);
  });

  it('uses full jitter by default', () => {
    expect(backoffDelayMs(6, fixed(0.25), { baseMs: 100, capMs: 1_000 })).toBe(250);
  });
});

describe('spreadMs', () => {
  it('stays within ±ratio for any random value', () => {
    for (let i = 0; i <= 100; i++) {
      const d = spreadMs(600_000, 0.1, fixed(i / 101));
      expect(d).toBeGreaterThanOrEqual(540_000);
      expect(d).toBeLessThanOrEqual(660_000);
    }
  });
});
