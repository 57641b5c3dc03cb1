/**
 * Approval rules: automatic triage decisions for matching bulletins, including test-then-approve
 * ("approve in production N days after the fix succeeded in the lab"). Pure; the clock and the
 * remediation facts are passed in.
 */
import { DateTime } from 'luxon';
import { SEVERITIES } from '../catalog/model.js';
import { instantMillis } from './deadlines.js';
import type { ApprovalRule, BulletinFacts, TriageAction } from './model.js';

const MAX_NAME = 200;
const MAX_REASON = 2000;
const MAX_AFTER_DAYS = 365;

/** True when the rule is enabled, applies to the group (groupId null = every group) and every given match list matches the bulletin. */
export function ruleMatches(rule: ApprovalRule, bulletin: BulletinFacts, groupId: string): boolean {
  if (!rule.enabled) return false;
  if (rule.groupId !== null && rule.groupId !== groupId) return false;
  const m = rule.match;
  return (
    listMatches(m.severities, [bulletin.severity]) &&
    listMatches(m.sources, [bulletin.sourceId]) &&
    listMatches(m.products, bulletin.products, true) &&
    listMatches(m.packages, bulletin.packages, true)
  );
}

/** An absent or empty list matches anything; otherwise one of the bulletin's values must be in it. */
function listMatches(wanted: readonly string[] | undefined, have: readonly string[], ignoreCase = false): boolean {
  if (!wanted || wanted.length === 0) return true;
  const norm = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  const set = new Set(wanted.map(norm));
  return have.some((v) => set.has(norm(v)));
}

/** What the rules say about one bulletin in one group. */
export type AutoDecision =
  | { kind: 'decide'; rule: ApprovalRule; action: TriageAction }
  /** Test-then-approve not due yet (until null: the fix has not succeeded in rule.after.groupId yet). */
  | { kind: 'wait'; rule: ApprovalRule; until: string | null }
  | { kind: 'none' };

/**
 * The first matching rule by (priority, name) decides; test-then-approve waits until `days` after the
 * fix succeeded in the other group. A rule that waits on the very group being decided does not apply
 * there (it could never come due).
 */
export function autoDecision(
  rules: ApprovalRule[],
  bulletin: BulletinFacts,
  groupId: string,
  fixSucceededAt: (groupId: string) => string | null,
  now: string,
): AutoDecision {
  const candidates = rules
    .filter((r) => ruleMatches(r, bulletin, groupId) && r.after?.groupId !== groupId)
    .sort(byPriorityThenName);
  const rule = candidates[0];
  if (!rule) return { kind: 'none' };
  if (rule.after) {
    const succeeded = fixSucceededAt(rule.after.groupId);
    const start = succeeded === null ? null : DateTime.fromISO(succeeded, { zone: 'utc' });
    if (!start?.isValid) return { kind: 'wait', rule, until: null };
    const due = start.plus({ days: rule.after.days }).toUTC().toISO();
    const dueMs = due === null ? null : instantMillis(due);
    const nowMs = instantMillis(now);
    if (dueMs === null || nowMs === null || nowMs < dueMs) return { kind: 'wait', rule, until: due };
  }
  return { kind: 'decide', rule, action: actionOf(rule) };
}

/** Ordering by code point, not locale, so every server sorts the same way. */
function byPriorityThenName(a: ApprovalRule, b: ApprovalRule): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function actionOf(rule: ApprovalRule): TriageAction {
  switch (rule.decision) {
    case 'approve':
      return { kind: 'approve', emergency: rule.emergency };
    case 'ignore':
      return { kind: 'ignore', reason: rule.reason ?? '' };
    case 'decline':
      return { kind: 'decline', reason: rule.reason ?? '' };
  }
}

/**
 * When a bulletin's fix succeeded in a group: every machine of the group that had the finding has it
 * resolved (at least one) → the latest resolvedAt; else null. A closed finding without resolvedAt
 * (never remediated, e.g. no longer applicable) neither blocks nor counts.
 */
export function fixSucceededAt(findingsInGroup: { open: boolean; resolvedAt: string | null }[]): string | null {
  let latest: { at: string; ms: number } | null = null;
  for (const f of findingsInGroup) {
    if (f.open) return null;
    const ms = f.resolvedAt === null ? null : instantMillis(f.resolvedAt);
    if (f.resolvedAt !== null && ms !== null && (latest === null || ms > latest.ms)) latest = { at: f.resolvedAt, ms };
  }
  return latest?.at ?? null;
}

/** Problems with a rule (empty name, decision ignore/decline without reason, after.days < 0 or > 365, after.groupId equal to groupId, unknown severity) as "$.path: message" strings. */
export function approvalRuleProblems(rule: Omit<ApprovalRule, 'id' | 'createdAt' | 'createdBy'>): string[] {
  const problems: string[] = [];
  const name = typeof rule.name === 'string' ? rule.name.trim() : '';
  if (name === '') problems.push('$.name: must not be empty');
  else if (name.length > MAX_NAME) problems.push(`$.name: longer than ${MAX_NAME} characters`);
  if (!Number.isInteger(rule.priority)) problems.push('$.priority: must be an integer');
  if (!['approve', 'ignore', 'decline'].includes(rule.decision)) {
    problems.push('$.decision: must be approve, ignore or decline');
  }
  const reason = typeof rule.reason === 'string' ? rule.reason.trim() : '';
  if ((rule.decision === 'ignore' || rule.decision === 'decline') && reason === '') {
    problems.push(`$.reason: required when the decision is ${rule.decision}`);
  }
  if (reason.length > MAX_REASON) problems.push(`$.reason: longer than ${MAX_REASON} characters`);
  if (rule.emergency && rule.decision !== 'approve') problems.push('$.emergency: only an approval can be an emergency');
  if (rule.after) {
    const { days, groupId } = rule.after;
    if (!Number.isInteger(days) || days < 0 || days > MAX_AFTER_DAYS) {
      problems.push(`$.after.days: must be a whole number from 0 to ${MAX_AFTER_DAYS}`);
    }
    if (typeof groupId !== 'string' || groupId === '') problems.push('$.after.groupId: must not be empty');
    else if (groupId === rule.groupId) problems.push("$.after.groupId: must differ from the rule's group");
  }
  (rule.match?.severities ?? []).forEach((s, i) => {
    if (!(SEVERITIES as readonly string[]).includes(s))
      problems.push(`$.match.severities[${i}]: unknown severity "${s}"`);
  });
  return problems;
}
