/**
 * Policy types: triage decisions per (bulletin, group), approval rules, deadline policies and risk
 * exceptions. Plain data; the functions over them live beside this file and are pure (the clock is
 * passed in). Times are ISO 8601 UTC strings; durations are ISO 8601 durations ("P14D", "PT24H").
 */
import type { Severity } from '../catalog/model.js';

/** Who may do what, in increasing order: a viewer reads, an operator triages and deploys, an admin controls. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Triage states. `new` is "to be engineered" (the triage queue); `awaiting-second-approval` is an
 * approval in a group that requires two different approvers, with one given.
 */
export const TRIAGE_STATES = ['new', 'awaiting-second-approval', 'approved', 'ignored', 'declined'] as const;
export type TriageState = (typeof TRIAGE_STATES)[number];

/** The decision for one bulletin in one group. */
export interface TriageDecision {
  bulletinId: string;
  groupId: string;
  state: TriageState;
  /** Who engineers it (free text: a user or a team). */
  owner: string | null;
  notes: string | null;
  /** Why it was ignored or declined. */
  reason: string | null;
  /** An ignore ends at this time and the bulletin returns to the queue (null: no expiry). */
  ignoreUntil: string | null;
  /** Approved as an emergency: deadlines follow the emergency (untested) column. */
  emergency: boolean;
  /** Users whose approvals count towards the current approval (distinct, in order). */
  approvals: string[];
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  /** Incremented on every change; used for optimistic concurrency. */
  version: number;
}

/** What a user (or a rule, or the system) asks to do with a decision. */
export type TriageAction =
  | { kind: 'approve'; emergency?: boolean; note?: string }
  | { kind: 'ignore'; reason: string; until?: string | null; note?: string }
  | { kind: 'decline'; reason: string; note?: string }
  | { kind: 'reopen'; note?: string }
  | { kind: 'assign'; owner: string | null }
  | { kind: 'note'; text: string }
  /** System only: an ignore whose `ignoreUntil` has passed returns to the queue. */
  | { kind: 'expire' };

export type TriageActionKind = TriageAction['kind'] | 'enqueue';

/** Who acts: a user with a role, an approval rule, or the server itself. */
export type Actor =
  { kind: 'user'; user: string; role: Role } | { kind: 'rule'; ruleId: string; ruleName: string } | { kind: 'system' };

/** One entry of a decision's history: who changed what and when. Append-only. */
export interface TriageEvent {
  id: string;
  bulletinId: string;
  groupId: string;
  at: string;
  /** "alice", "rule:<name>", or "system". */
  actor: string;
  action: TriageActionKind;
  fromState: TriageState | null;
  toState: TriageState;
  /** reason, note, owner, until, emergency: whatever the action carried. */
  detail: Record<string, string | boolean | null>;
}

/** What an approval rule matches on; every given list must match (empty/absent = any). */
export interface ApprovalRuleMatch {
  severities?: Severity[];
  /** Catalog source ids. */
  sources?: string[];
  /** Product names of the bulletin's fixes (case-insensitive exact). */
  products?: string[];
  /** Package names of the bulletin's fixes (case-insensitive exact). */
  packages?: string[];
}

/** An automatic decision for matching bulletins in one group (or every group when groupId is null). */
export interface ApprovalRule {
  id: string;
  name: string;
  /** Lower runs first; the first matching rule decides. */
  priority: number;
  enabled: boolean;
  groupId: string | null;
  match: ApprovalRuleMatch;
  decision: 'approve' | 'ignore' | 'decline';
  reason: string | null;
  emergency: boolean;
  /** Test-then-approve: decide only `days` days after the fix succeeded in `groupId`. */
  after: { groupId: string; days: number } | null;
  createdAt: string;
  createdBy: string;
}

/** The facts about a bulletin an approval rule can test. */
export interface BulletinFacts {
  id: string;
  sourceId: string;
  severity: Severity;
  published: string | null;
  products: string[];
  packages: string[];
}

/** Deadline durations per severity (ISO 8601 duration, or null for no deadline). */
export type SeverityDurations = Record<Severity, string | null>;

/** How deadlines are computed for a group. */
export interface DeadlinePolicy {
  /** IANA time zone the calendar arithmetic is done in ("Europe/Berlin"). */
  timeZone: string;
  /** Deadlines after testing (the normal track). */
  tested: SeverityDurations;
  /** Deadlines for an emergency (untested) approval. */
  emergency: SeverityDurations;
  /** A finding is "due soon" when its deadline is at most this far away. */
  dueSoon: string;
}

/** A group's override: any field absent falls back to the server default. */
export interface DeadlinePolicyOverride {
  timeZone?: string;
  tested?: Partial<SeverityDurations>;
  emergency?: Partial<SeverityDurations>;
  dueSoon?: string;
}

/** Risk accepted for a bulletin on one machine or one group, until a date. */
export interface RiskException {
  id: string;
  bulletinId: string;
  /** Exactly one of machineId and groupId is set. */
  machineId: string | null;
  groupId: string | null;
  owner: string;
  reason: string;
  until: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

/** Where a finding stands against its deadline, after triage and exceptions. */
export const SLA_STATUSES = [
  'resolved',
  'declined',
  'ignored',
  'excepted',
  'no-deadline',
  'on-track',
  'due-soon',
  'overdue',
] as const;
export type SlaStatus = (typeof SLA_STATUSES)[number];
