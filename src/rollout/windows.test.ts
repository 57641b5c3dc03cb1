import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../errors.js';
import type { MaintenanceWindow, RebootPolicy } from './model.js';
import {
  currentWindow,
  isWithinWindow,
  nextWindowStart,
  rebootDecision,
  windowProblems,
  type RebootContext,
} from './windows.js';

const daily2for3 = (timeZone: string): MaintenanceWindow => ({ cron: '0 2 * * *', durationMinutes: 180, timeZone });
const sunday22for6 = (timeZone: string): MaintenanceWindow => ({ cron: '0 22 * * 0', durationMinutes: 360, timeZone });

// Expected values worked out by hand. Offsets: CET +1 / CEST +2 (changes 2026-03-29 and 2026-10-25),
// EST −5 / EDT −4 (changes 2026-03-08 and 2026-11-01). Windows are [start, start + duration).
const within: {
  name: string;
  window: MaintenanceWindow;
  now: string;
  expected: { start: string; end: string } | null;
}[] = [
  {
    name: 'UTC daily: just before the start',
    window: daily2for3('UTC'),
    now: '2026-03-07T01:59:59.999Z',
    expected: null,
  },
  {
    name: 'UTC daily: at the start',
    window: daily2for3('UTC'),
    now: '2026-03-07T02:00:00Z',
    expected: { start: '2026-03-07T02:00:00.000Z', end: '2026-03-07T05:00:00.000Z' },
  },
  {
    name: 'UTC daily: last millisecond',
    window: daily2for3('UTC'),
    now: '2026-03-07T04:59:59.999Z',
    expected: { start: '2026-03-07T02:00:00.000Z', end: '2026-03-07T05:00:00.000Z' },
  },
  { name: 'UTC daily: at the end (exclusive)', window: daily2for3('UTC'), now: '2026-03-07T05:00:00Z', expected: null },
  {
    name: 'Berlin daily, winter: 02:00 CET is 01:00Z',
    window: daily2for3('Europe/Berlin'),
    now: '2026-03-10T01:00:00Z',
    expected: { start: '2026-03-10T01:00:00.000Z', end: '2026-03-10T04:00:00.000Z' },
  },
  {
    name: 'Berlin daily, winter: 00:59Z is before',
    window: daily2for3('Europe/Berlin'),
    now: '2026-03-10T00:59:00Z',
    expected: null,
  },
  {
    name: 'Berlin spring-forward: 02:00 does not exist, opens 03:00 CEST',
    window: daily2for3('Europe/Berlin'),
    now: '2026-03-29T00:59:00Z',
    expected: null,
  },
  {
    name: 'Berlin spring-forward: open at 03:00 CEST (01:00Z)',
    window: daily2for3('Europe/Berlin'),
    now: '2026-03-29T01:00:00Z',
    expected: { start: '2026-03-29T01:00:00.000Z', end: '2026-03-29T04:00:00.000Z' },
  },
  {
    name: 'Berlin summer: 02:00 CEST is 00:00Z',
    window: daily2for3('Europe/Berlin'),
    now: '2026-03-30T02:59:00Z',
    expected: { start: '2026-03-30T00:00:00.000Z', end: '2026-03-30T03:00:00.000Z' },
  },
  {
    name: 'Berlin fall-back: opens at the first 02:00 (CEST, 00:00Z)',
    window: daily2for3('Europe/Berlin'),
    now: '2026-10-25T00:00:00Z',
    expected: { start: '2026-10-25T00:00:00.000Z', end: '2026-10-25T03:00:00.000Z' },
  },
  {
    name: 'Berlin fall-back: 3 elapsed hours end at 04:00 CET',
    window: daily2for3('Europe/Berlin'),
    now: '2026-10-25T03:00:00Z',
    expected: null,
  },
  {
    name: 'Berlin fall-back: the repeated 02:00 (CET) is still the first window',
    window: daily2for3('Europe/Berlin'),
    now: '2026-10-25T01:00:00Z',
    expected: { start: '2026-10-25T00:00:00.000Z', end: '2026-10-25T03:00:00.000Z' },
  },
  {
    name: 'New York spring-forward: opens 03:00 EDT (07:00Z)',
    window: daily2for3('America/New_York'),
    now: '2026-03-08T07:00:00Z',
    expected: { start: '2026-03-08T07:00:00.000Z', end: '2026-03-08T10:00:00.000Z' },
  },
  {
    name: 'New York before spring-forward: 02:00 EST is 07:00Z',
    window: daily2for3('America/New_York'),
    now: '2026-03-07T06:59:00Z',
    expected: null,
  },
  {
    name: 'New York after spring-forward: 02:00 EDT is 06:00Z',
    window: daily2for3('America/New_York'),
    now: '2026-03-09T06:00:00Z',
    expected: { start: '2026-03-09T06:00:00.000Z', end: '2026-03-09T09:00:00.000Z' },
  },
  {
    name: 'New York fall-back: 01:30 EST (06:30Z) is not yet 02:00',
    window: daily2for3('America/New_York'),
    now: '2026-11-01T06:30:00Z',
    expected: null,
  },
  {
    name: 'New York fall-back: 02:00 EST is 07:00Z',
    window: daily2for3('America/New_York'),
    now: '2026-11-01T09:59:00Z',
    expected: { start: '2026-11-01T07:00:00.000Z', end: '2026-11-01T10:00:00.000Z' },
  },
  {
    name: 'Berlin Sunday 22:00 winter: Monday 00:30 local is inside',
    window: sunday22for6('Europe/Berlin'),
    now: '2026-03-22T23:30:00Z',
    expected: { start: '2026-03-22T21:00:00.000Z', end: '2026-03-23T03:00:00.000Z' },
  },
  {
    name: 'Berlin Sunday 22:00 on the spring-forward Sunday (CEST)',
    window: sunday22for6('Europe/Berlin'),
    now: '2026-03-30T01:59:00Z',
    expected: { start: '2026-03-29T20:00:00.000Z', end: '2026-03-30T02:00:00.000Z' },
  },
  {
    name: 'Berlin Sunday window over by Monday 04:00 CEST',
    window: sunday22for6('Europe/Berlin'),
    now: '2026-03-30T02:00:00Z',
    expected: null,
  },
  {
    name: 'Berlin Sunday: Saturday 22:00 is not a window',
    window: sunday22for6('Europe/Berlin'),
    now: '2026-03-28T21:30:00Z',
    expected: null,
  },
  {
    name: 'Berlin Sunday on the fall-back Sunday (CET)',
    window: sunday22for6('Europe/Berlin'),
    now: '2026-10-25T21:00:00Z',
    expected: { start: '2026-10-25T21:00:00.000Z', end: '2026-10-26T03:00:00.000Z' },
  },
  {
    name: 'New York Sunday 22:00 EDT is Monday 02:00Z',
    window: sunday22for6('America/New_York'),
    now: '2026-03-09T07:59:00Z',
    expected: { start: '2026-03-09T02:00:00.000Z', end: '2026-03-09T08:00:00.000Z' },
  },
  {
    name: 'UTC daily 23:30 for 1 h crosses midnight',
    window: { cron: '30 23 * * *', durationMinutes: 60, timeZone: 'UTC' },
    now: '2026-01-02T00:15:00Z',
    expected: { start: '2026-01-01T23:30:00.000Z', end: '2026-01-02T00:30:00.000Z' },
  },
  {
    name: 'overlapping hourly 2 h windows: the earliest start holding now',
    window: { cron: '0 * * * *', durationMinutes: 120, timeZone: 'UTC' },
    now: '2026-01-02T10:30:00Z',
    expected: { start: '2026-01-02T09:00:00.000Z', end: '2026-01-02T11:00:00.000Z' },
  },
  {
    name: 'a cron that never fires',
    window: { cron: '0 0 30 2 *', durationMinutes: 60, timeZone: 'UTC' },
    now: '2026-01-02T10:30:00Z',
    expected: null,
  },
];

describe('isWithinWindow / currentWindow', () => {
  it.each(within)('$name', ({ window, now, expected }) => {
    expect(currentWindow(window, now)).toEqual(expected);
    expect(isWithinWindow(window, now)).toBe(expected !== null);
  });
});

const next: { name: string; window: MaintenanceWindow; now: string; expected: string | null }[] = [
  {
    name: 'UTC: later the same day',
    window: daily2for3('UTC'),
    now: '2026-03-07T01:00:00Z',
    expected: '2026-03-07T02:00:00.000Z',
  },
  {
    name: 'UTC: at a start, that start',
    window: daily2for3('UTC'),
    now: '2026-03-07T02:00:00Z',
    expected: '2026-03-07T02:00:00.000Z',
  },
  {
    name: 'UTC: inside a window, the next one',
    window: daily2for3('UTC'),
    now: '2026-03-07T02:00:00.001Z',
    expected: '2026-03-08T02:00:00.000Z',
  },
  {
    name: 'Berlin: into the spring-forward day',
    window: daily2for3('Europe/Berlin'),
    now: '2026-03-28T12:00:00Z',
    expected: '2026-03-29T01:00:00.000Z',
  },
  {
    name: 'Berlin: into the fall-back day',
    window: daily2for3('Europe/Berlin'),
    now: '2026-10-24T12:00:00Z',
    expected: '2026-10-25T00:00:00.000Z',
  },
  {
    name: 'Berlin: after the fall-back start, not the repeated hour',
    window: daily2for3('Europe/Berlin'),
    now: '2026-10-25T00:30:00Z',
    expected: '2026-10-26T01:00:00.000Z',
  },
  {
    name: 'New York: into the spring-forward day',
    window: daily2for3('America/New_York'),
    now: '2026-03-07T12:00:00Z',
    expected: '2026-03-08T07:00:00.000Z',
  },
  {
    name: 'New York: into the fall-back day',
    window: daily2for3('America/New_York'),
    now: '2026-10-31T12:00:00Z',
    expected: '2026-11-01T07:00:00.000Z',
  },
  {
    name: 'Berlin Sundays: from a Monday, the next Sunday',
    window: sunday22for6('Europe/Berlin'),
    now: '2026-03-30T12:00:00Z',
    expected: '2026-04-05T20:00:00.000Z',
  },
  {
    name: 'a cron that never fires',
    window: { cron: '0 0 30 2 *', durationMinutes: 60, timeZone: 'UTC' },
    now: '2026-01-02T10:30:00Z',
    expected: null,
  },
];

describe('nextWindowStart', () => {
  it.each(next)('$name', ({ window, now, expected }) => {
    expect(nextWindowStart(window, now)).toBe(expected);
  });
});

describe('windowProblems', () => {
  it.each([
    { name: 'valid', w: daily2for3('Europe/Berlin'), expected: [] as string[] },
    { name: 'bad zone', w: daily2for3('Mars/Base'), expected: ['$.timeZone: not an IANA time zone'] },
    {
      name: 'zero duration',
      w: { ...daily2for3('UTC'), durationMinutes: 0 },
      expected: ['$.durationMinutes: must be an integer ≥ 1'],
    },
    {
      name: 'fractional duration',
      w: { ...daily2for3('UTC'), durationMinutes: 1.5 },
      expected: ['$.durationMinutes: must be an integer ≥ 1'],
    },
  ])('$name', ({ w, expected }) => {
    expect(windowProblems(w)).toEqual(expected);
  });

  it('reports a bad cron expression', () => {
    expect(windowProblems({ ...daily2for3('UTC'), cron: '61 * * * *' })).toEqual([
      expect.stringMatching(/^\$\.cron: .*minute/),
    ]);
  });

  it('functions throw E_BAD_REQUEST for an invalid window or time', () => {
    const bad = () => isWithinWindow({ ...daily2for3('UTC'), cron: 'every day' }, '2026-01-01T00:00:00Z');
    expect(bad).toThrow(PatchhiveError);
    expect(() => nextWindowStart(daily2for3('UTC'), 'soon')).toThrow(/not an ISO 8601 time/);
  });
});

const ctx = (over: Partial<RebootContext> = {}): RebootContext => ({
  rebootRequired: true,
  inWindow: true,
  userSession: false,
  deferralsSoFar: 0,
  ...over,
});
const pol = (mode: RebootPolicy['mode'], onlyInWindow = false, maxDeferrals = 2): RebootPolicy => ({
  mode,
  onlyInWindow,
  maxDeferrals,
});

describe('rebootDecision', () => {
  it.each([
    {
      name: 'never, required',
      policy: pol('never'),
      c: ctx(),
      action: 'skip',
      reason: /never reboots; a reboot is pending/,
    },
    {
      name: 'never, not required',
      policy: pol('never'),
      c: ctx({ rebootRequired: false }),
      action: 'skip',
      reason: /^policy never reboots$/,
    },
    {
      name: 'if-required, not required',
      policy: pol('if-required', true),
      c: ctx({ rebootRequired: false, inWindow: false }),
      action: 'skip',
      reason: /no reboot required/,
    },
    {
      name: 'if-required, required, no user',
      policy: pol('if-required'),
      c: ctx(),
      action: 'reboot-now',
      reason: /^a reboot is required$/,
    },
    {
      name: 'always, not required',
      policy: pol('always'),
      c: ctx({ rebootRequired: false }),
      action: 'reboot-now',
      reason: /always reboots/,
    },
    {
      name: 'only in window, outside',
      policy: pol('if-required', true),
      c: ctx({ inWindow: false, userSession: true }),
      action: 'wait-for-window',
      reason: /only in the maintenance window/,
    },
    {
      name: 'only in window, inside',
      policy: pol('if-required', true),
      c: ctx({ inWindow: true }),
      action: 'reboot-now',
      reason: /required/,
    },
    {
      name: 'outside the window but not restricted',
      policy: pol('if-required', false),
      c: ctx({ inWindow: false }),
      action: 'reboot-now',
      reason: /required/,
    },
    {
      name: 'user logged in, first deferral',
      policy: pol('if-required'),
      c: ctx({ userSession: true }),
      action: 'defer',
      reason: /deferral 1 of 2/,
    },
    {
      name: 'user logged in, last deferral',
      policy: pol('if-required'),
      c: ctx({ userSession: true, deferralsSoFar: 1 }),
      action: 'defer',
      reason: /deferral 2 of 2/,
    },
    {
      name: 'user logged in, deferrals used up',
      policy: pol('if-required'),
      c: ctx({ userSession: true, deferralsSoFar: 2 }),
      action: 'reboot-now',
      reason: /2 deferral\(s\) are used up/,
    },
    {
      name: 'no deferrals allowed',
      policy: pol('always', true, 0),
      c: ctx({ userSession: true }),
      action: 'reboot-now',
      reason: /used up/,
    },
  ])('$name → $action', ({ policy, c, action, reason }) => {
    const d = rebootDecision(policy, c);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });

  it('rejects a negative maxDeferrals', () => {
    expect(() => rebootDecision(pol('always', false, -1), ctx())).toThrow(PatchhiveError);
  });
});
