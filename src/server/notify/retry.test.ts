import { describe, expect, it } from 'vitest';
import { nextAttemptAt, retryDelaySeconds } from './retry.js';

const retry = { maxAttempts: 8, baseSeconds: 30, maxSeconds: 21_600 };

describe('retry delays', () => {
  it.each([
    [1, 0.5, 30],
    [2, 0.5, 60],
    [3, 0.5, 120],
    [8, 0.5, 3840],
    [1, 0, 24],
    [1, 0.999999, 36],
    [20, 0.5, 21_600],
    [20, 0.999999, 21_600],
    [20, 0, 17_280],
  ])('attempt %i with random %f → %i s', (attempt, random, seconds) => {
    expect(retryDelaySeconds(attempt, retry, () => random)).toBe(seconds);
  });

  it('gives up after maxAttempts', () => {
    const now = new Date('2026-03-02T07:00:00Z');
    expect(nextAttemptAt(7, now, retry, () => 0.5)).toBe('2026-03-02T07:32:00.000Z');
    expect(nextAttemptAt(8, now, retry, () => 0.5)).toBeNull();
    expect(nextAttemptAt(1, now, { ...retry, maxAttempts: 1 }, () => 0.5)).toBeNull();
  });
});
