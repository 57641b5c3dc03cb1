/**
 * Deadline arithmetic: when a finding falls due and where it stands against that date. Pure; the
 * clock is passed in.
 *
 * Semantics:
 * - A deadline runs from the bulletin's publication, or from the finding's first sighting when the
 *   bulletin has no (parseable) publication date.
 * - A date-only instant ("2026-03-20") means midnight at the START of that day in the policy's time
 *   zone. A timestamp with an offset ("2026-03-20T10:00:00Z") is that instant; a timestamp without an
 *   offset is wall-clock time in the policy's zone.
 * - Year/month/week/day parts of a duration are calendar arithmetic in the zone: they keep the local
 *   wall-clock time across a DST change, so "P14D" across the spring change is 14×24−1 hours and
 *   "P1M" from 31 January ends on the last day of February. Hour/minute/second parts are exact
 *   elapsed time: "PT24H" is always 24 hours.
 * - Results are UTC ISO strings with milliseconds ("2026-04-03T22:00:00.000Z").
 */
import { DateTime, Duration, IANAZone } from 'luxon';
import { SEVERITIES, type Severity } from '../catalog/model.js';
import { PatchhiveError } from '../errors.js';
import type { DeadlinePolicy, DeadlinePolicyOverride, SeverityDurations } from './model.js';

/** The server's default policy: the severity table of DESIGN.md, computed in UTC. */
export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = Object.freeze({
  timeZone: 'UTC',
  tested: Object.freeze({ critical: 'P14D', important: 'P60D', moderate: 'P180D', low: null, unknown: null }),
  emergency: Object.freeze({ critical: 'PT24H', important: 'P30D', moderate: 'P120D', low: null, unknown: null }),
  dueSoon: 'P7D',
});

/** Base policy with a group's override applied (fields absent fall back). */
export function resolveDeadlinePolicy(
  base: DeadlinePolicy,
  override: DeadlinePolicyOverride | null | undefined,
): DeadlinePolicy {
  if (!override) return base;
  return {
    timeZone: override.timeZone ?? base.timeZone,
    tested: mergeDurations(base.tested, override.tested),
    emergency: mergeDurations(base.emergency, override.emergency),
    dueSoon: override.dueSoon ?? base.dueSoon,
  };
}

function mergeDurations(base: SeverityDurations, over: Partial<SeverityDurations> | undefined): SeverityDurations {
  const out = { ...base };
  for (const s of SEVERITIES) {
    const v = over?.[s];
    if (v !== undefined) out[s] = v; // null is a real value: "no deadline"
  }
  return out;
}

const OVERRIDE_KEYS = new Set(['timeZone', 'tested', 'emergency', 'dueSoon']);

/** Problems with an override, each with a JSON path ("$.tested.critical: not an ISO 8601 duration"); empty when valid. */
export function deadlinePolicyProblems(o: DeadlinePolicyOverride): string[] {
  const problems: string[] = [];
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return ['$: must be an object'];
  for (const key of Object.keys(o)) if (!OVERRIDE_KEYS.has(key)) problems.push(`$.${key}: unknown field`);
  if (o.timeZone !== undefined && !isValidTimeZone(o.timeZone)) {
    problems.push(`$.timeZone: not an IANA time zone`);
  }
  for (const track of ['tested', 'emergency'] as const) {
    const durations: unknown = o[track];
    if (durations === undefined) continue;
    if (durations === null || typeof durations !== 'object' || Array.isArray(durations)) {
      problems.push(`$.${track}: must be an object of severity → duration`);
      continue;
    }
    for (const [severity, value] of Object.entries(durations)) {
      if (!(SEVERITIES as readonly string[]).includes(severity)) {
        problems.push(`$.${track}.${severity}: unknown severity`);
      } else if (value !== null && value !== undefined) {
        const p = durationProblem(value);
        if (p) problems.push(`$.${track}.${severity}: ${p}`);
      }
    }
  }
  if (o.dueSoon !== undefined) {
    const p = durationProblem(o.dueSoon);
    if (p) problems.push(`$.dueSoon: ${p}`);
  }
  return problems;
}

/**
 * Memo tables. A report computes deadlines for a million findings that share a few thousand
 * (bulletin, policy) pairs; luxon's zone check alone builds an Intl.DateTimeFormat per call. The
 * tables hold pure results, so caching cannot change an answer; they are emptied when they grow.
 */
const MEMO_LIMIT = 100_000;
const zoneValid = new Map<string, boolean>();
const deadlineMemo = new WeakMap<DeadlinePolicy, Map<string, string | null>>();
const startMemo = new WeakMap<DeadlinePolicy, Map<string, string>>();
const statusMemo = new WeakMap<DeadlinePolicy, Map<string, { due: number; opensAt: number }>>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= MEMO_LIMIT) map.clear();
  map.set(key, value);
  return value;
}

function memoOf<V>(memos: WeakMap<DeadlinePolicy, Map<string, V>>, policy: DeadlinePolicy): Map<string, V> {
  let m = memos.get(policy);
  if (!m) memos.set(policy, (m = new Map<string, V>()));
  return m;
}

/** True when luxon knows the IANA zone (offsets like "+05:00" are not zones). */
function isValidTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string') return false;
  return zoneValid.get(zone) ?? remember(zoneValid, zone, IANAZone.isValidZone(zone));
}

/** Why a value is not a usable (positive, non-negative in every part) ISO 8601 duration, or null. */
function durationProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'not an ISO 8601 duration';
  const d = Duration.fromISO(value);
  if (!d.isValid) return 'not an ISO 8601 duration';
  const parts = Object.values(d.toObject());
  if (parts.some((n) => n < 0) || d.toMillis() <= 0) return 'must be longer than zero';
  return null;
}

/** The instant a deadline runs from: publication, else first sighting (see the header for date-only values). */
export function deadlineStart(
  input: { published: string | null; firstSeenAt: string },
  policy: DeadlinePolicy,
): string {
  const memo = memoOf(startMemo, policy);
  const key = input.published ?? `\u0000${input.firstSeenAt}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  return remember(memo, key, computeDeadlineStart(input, policy));
}

function computeDeadlineStart(
  input: { published: string | null; firstSeenAt: string },
  policy: DeadlinePolicy,
): string {
  const zone = checkedZone(policy);
  const published = input.published ? DateTime.fromISO(input.published, { zone }) : null;
  const start = published?.isValid ? published : parseInZone(input.firstSeenAt, zone, 'firstSeenAt');
  return utcIso(start);
}

/** When a finding falls due: publication (or first-seen when unpublished) + the severity's duration in the policy's zone; null when the severity has no deadline. */
export function deadlineFor(
  input: { severity: Severity; published: string | null; firstSeenAt: string },
  policy: DeadlinePolicy,
  track: 'tested' | 'emergency',
): string | null {
  const iso = policy[track][input.severity];
  if (iso === null || iso === undefined) return null;
  const memo = memoOf(deadlineMemo, policy);
  const key = `${track}|${input.severity}|${input.published ?? ''}|${input.published ? '' : input.firstSeenAt}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const start = DateTime.fromISO(deadlineStart(input, policy), { zone: checkedZone(policy) });
  return remember(memo, key, utcIso(start.plus(checkedDuration(iso, `${track}.${input.severity}`))));
}

/** 'overdue' when now ≥ dueAt, 'due-soon' when dueAt - now ≤ dueSoon (the shorter of policy.dueSoon and a quarter of the whole window publication→due), else 'on-track'. */
export function deadlineStatus(
  dueAt: string,
  startAt: string,
  now: string,
  policy: DeadlinePolicy,
): 'on-track' | 'due-soon' | 'overdue' {
  const zone = checkedZone(policy);
  const memo = memoOf(statusMemo, policy);
  const key = `${dueAt}|${startAt}`;
  let w = memo.get(key);
  if (!w) {
    const due = parseInZone(dueAt, zone, 'dueAt');
    const start = parseInZone(startAt, zone, 'startAt');
    // The due-soon window opens at the LATER of (due − dueSoon) and (due − window/4): the shorter window.
    const bySetting = due.minus(checkedDuration(policy.dueSoon, 'dueSoon')).toMillis();
    const byQuarter = due.toMillis() - Math.max(0, due.toMillis() - start.toMillis()) / 4;
    w = remember(memo, key, { due: due.toMillis(), opensAt: Math.max(bySetting, byQuarter) });
  }
  const parsed = Date.parse(now); // an instant: no zone arithmetic needed
  const at = Number.isNaN(parsed) ? parseInZone(now, zone, 'now').toMillis() : parsed;
  if (at >= w.due) return 'overdue';
  return at >= w.opensAt ? 'due-soon' : 'on-track';
}

/** Milliseconds since the epoch of an ISO instant (date-only = UTC midnight), or null when unparseable. */
export function instantMillis(iso: string): number | null {
  const d = DateTime.fromISO(iso, { zone: 'utc' });
  return d.isValid ? d.toMillis() : null;
}

function checkedZone(policy: DeadlinePolicy): string {
  if (!isValidTimeZone(policy.timeZone)) {
    throw new PatchhiveError('E_CONFIG_INVALID', `deadline policy: unknown time zone "${policy.timeZone}"`, {
      path: '$.timeZone',
    });
  }
  return policy.timeZone;
}

function checkedDuration(iso: string, path: string): Duration {
  const problem = durationProblem(iso);
  if (problem)
    throw new PatchhiveError('E_CONFIG_INVALID', `deadline policy: ${problem}: "${iso}"`, { path: `$.${path}` });
  return Duration.fromISO(iso);
}

function parseInZone(iso: string, zone: string, what: string): DateTime {
  const d = DateTime.fromISO(iso, { zone });
  if (!d.isValid) throw new PatchhiveError('E_BAD_REQUEST', `${what} is not an ISO 8601 time: "${iso}"`);
  return d;
}

function utcIso(d: DateTime): string {
  const s = d.toUTC().toISO();
  if (s === null) throw new PatchhiveError('E_INTERNAL', 'deadline out of range');
  return s;
}
