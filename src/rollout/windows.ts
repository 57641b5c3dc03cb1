/**
 * Maintenance windows and the reboot decision. Pure; `now` is passed in.
 *
 * A window opens at each instant its cron expression matches, read as wall-clock time in its time
 * zone (croner: 5 fields, or 6 with seconds first), and stays open for `durationMinutes` of
 * ELAPSED time: [start, start + duration). So a window may cross midnight ("0 22 * * 0" for 360
 * minutes is Sunday 22:00 to Monday 04:00), and on a DST change its wall-clock end moves with the
 * clock ("0 2 * * *" for 180 minutes in Berlin on the autumn change ends at 04:00 CET, not 05:00).
 * Starts that fall on a DST change follow croner: a start inside the spring gap (02:00–03:00 in
 * Berlin) opens at the first instant after the gap (03:00 CEST); a start in the repeated autumn
 * hour opens once, at its first occurrence (summer time).
 */
import { Cron } from 'croner';
import { IANAZone } from 'luxon';
import { PatchhiveError } from '../errors.js';
import { instantMillis } from '../policy/deadlines.js';
import type { MaintenanceWindow, RebootPolicy } from './model.js';

/** One occurrence of a window. */
export interface WindowOccurrence {
  start: string;
  end: string;
}

/** Problems with a window, each with a JSON path; empty when valid. */
export function windowProblems(w: MaintenanceWindow): string[] {
  const problems: string[] = [];
  const zoneOk = typeof w.timeZone === 'string' && IANAZone.isValidZone(w.timeZone);
  if (!zoneOk) problems.push('$.timeZone: not an IANA time zone');
  if (!(Number.isInteger(w.durationMinutes) && w.durationMinutes > 0))
    problems.push('$.durationMinutes: must be an integer ≥ 1');
  try {
    if (typeof w.cron !== 'string') throw new Error('must be a cron expression');
    new Cron(w.cron, { paused: true, ...(zoneOk ? { timezone: w.timeZone } : {}) });
  } catch (e) {
    problems.push(`$.cron: ${e instanceof Error ? e.message : 'not a cron expression'}`);
  }
  return problems;
}

/** The window occurrence that contains `now` (the earliest-starting one if they overlap), or null. */
export function currentWindow(window: MaintenanceWindow, now: string): WindowOccurrence | null {
  const nowMs = checkedInstant(now);
  const length = window.durationMinutes * 60_000;
  // The earliest start strictly after now − duration; the window holds now if it started by now.
  const start = cronOf(window).nextRun(new Date(nowMs - length));
  if (!start || start.getTime() > nowMs) return null;
  return { start: start.toISOString(), end: new Date(start.getTime() + length).toISOString() };
}

/** True when `now` lies in [start, start + duration) of some occurrence of the window. */
export function isWithinWindow(window: MaintenanceWindow, now: string): boolean {
  return currentWindow(window, now) !== null;
}

/** The earliest window start at or after `now` (an ISO UTC string), or null when the cron never fires again. */
export function nextWindowStart(window: MaintenanceWindow, now: string): string | null {
  const next = cronOf(window).nextRun(new Date(checkedInstant(now) - 1));
  return next ? next.toISOString() : null;
}

/** What the agent should do about a reboot after installing. */
export type RebootAction = 'reboot-now' | 'defer' | 'skip' | 'wait-for-window';

/** The facts a reboot decision reads. */
export interface RebootContext {
  /** An install said it needs a restart (or the OS reports one pending). */
  rebootRequired: boolean;
  inWindow: boolean;
  /** A user is logged in on the machine. */
  userSession: boolean;
  /** How often the reboot was already postponed for a user. */
  deferralsSoFar: number;
}

/**
 * Decides the reboot, first match wins: mode never → skip; if-required without a required reboot →
 * skip; onlyInWindow outside the window → wait-for-window (not a deferral); a user logged in with
 * deferrals left (deferralsSoFar < maxDeferrals) → defer; otherwise → reboot-now.
 */
export function rebootDecision(policy: RebootPolicy, ctx: RebootContext): { action: RebootAction; reason: string } {
  if (!(Number.isInteger(policy.maxDeferrals) && policy.maxDeferrals >= 0)) {
    throw new PatchhiveError('E_BAD_REQUEST', 'reboot policy: maxDeferrals must be an integer ≥ 0', {
      path: '$.maxDeferrals',
    });
  }
  if (policy.mode === 'never') {
    return {
      action: 'skip',
      reason: ctx.rebootRequired ? 'policy never reboots; a reboot is pending' : 'policy never reboots',
    };
  }
  if (policy.mode === 'if-required' && !ctx.rebootRequired) return { action: 'skip', reason: 'no reboot required' };
  const why = policy.mode === 'always' ? 'policy always reboots' : 'a reboot is required';
  if (policy.onlyInWindow && !ctx.inWindow)
    return { action: 'wait-for-window', reason: `${why}; reboots only in the maintenance window` };
  if (ctx.userSession) {
    if (ctx.deferralsSoFar < policy.maxDeferrals) {
      return {
        action: 'defer',
        reason: `${why}; a user is logged in (deferral ${ctx.deferralsSoFar + 1} of ${policy.maxDeferrals})`,
      };
    }
    return {
      action: 'reboot-now',
      reason: `${why}; a user is logged in but ${policy.maxDeferrals} deferral(s) are used up`,
    };
  }
  return { action: 'reboot-now', reason: why };
}

function cronOf(window: MaintenanceWindow): Cron {
  const problems = windowProblems(window);
  if (problems.length > 0)
    throw new PatchhiveError('E_BAD_REQUEST', `invalid maintenance window: ${problems.join('; ')}`, {
      path: '$.window',
    });
  return new Cron(window.cron, { timezone: window.timeZone, paused: true });
}

function checkedInstant(iso: string): number {
  const ms = instantMillis(iso);
  if (ms === null) throw new PatchhiveError('E_BAD_REQUEST', `now is not an ISO 8601 time: "${iso}"`);
  return ms;
}
