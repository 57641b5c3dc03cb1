/**
 * Controls cannot be weakened by the people they control. Pure: which changes weaken a control
 * (and so need an admin's proposal and a second admin's approval), and who may decide a change
 * request when. No I/O, no clock (`now` is passed in).
 *
 * Weakening, concretely:
 * - a group: turning its second approver off (on → off). Turning it on is tightening.
 * - an approval rule: deleting it, or any change except disabling it. Priority, match, reason and
 *   emergency all change what a rule decides automatically, and any of them can make it match more
 *   or decide sooner; only `enabled: false` on its own certainly decides less.
 * - an action: adding one or changing its argv, description or timeout (what machines may run).
 *   Removing an action only takes power away and is immediate.
 */
import type { ChangeStatus } from '../protocol/controls-api.js';

/** True when the patch turns a group's second approver off. */
export function turnsSecondApproverOff(
  current: { requiresSecondApprover: boolean },
  patch: { requiresSecondApprover?: boolean },
): boolean {
  return current.requiresSecondApprover && patch.requiresSecondApprover === false;
}

/** True unless the patch only disables the rule (or changes nothing). */
export function loosensApprovalRule(patch: Record<string, unknown>): boolean {
  const keys = Object.keys(patch).filter((k) => patch[k] !== undefined);
  return !keys.every((k) => k === 'enabled' && patch[k] === false);
}

/** Whether `user` may decide a change request now, and if not why (a stable reason the edge maps to an error). */
export type DecisionCheck = { ok: true } | { ok: false; reason: 'not-pending' | 'expired' | 'own-change' };

/**
 * Approving needs a pending, unexpired request proposed by someone else; rejecting (or withdrawing
 * one's own) needs a pending request.
 */
export function checkDecision(
  change: { status: ChangeStatus; proposedBy: string; expiresAt: string },
  user: string,
  decision: 'approve' | 'reject',
  now: string,
): DecisionCheck {
  if (change.status !== 'pending') return { ok: false, reason: 'not-pending' };
  if (Date.parse(change.expiresAt) <= Date.parse(now)) return { ok: false, reason: 'expired' };
  if (decision === 'approve' && change.proposedBy === user) return { ok: false, reason: 'own-change' };
  return { ok: true };
}
