/**
 * A finding's verdict for work lists and reports: its machine's effective triage over all its
 * groups, its deadline, and where it stands against that deadline. Pure; the clock is passed in.
 */
import type { Severity } from '../catalog/model.js';
import { deadlineFor, deadlineStart, deadlineStatus, instantMillis } from './deadlines.js';
import type { DeadlinePolicy, RiskException, SlaStatus, TriageDecision, TriageState } from './model.js';
import { effectiveTriageState } from './triage.js';

/** One group the finding's machine belongs to: the group's decision for the bulletin and its resolved policy. */
export interface GroupPolicyView {
  groupId: string;
  decision: TriageDecision | undefined;
  policy: DeadlinePolicy;
}

/** What a finding means for work and reports. */
export interface FindingVerdict {
  sla: SlaStatus;
  dueAt: string | null;
  producesWork: boolean;
  triage: TriageState;
}

/** Higher is more restrictive; a machine follows its most restrictive group. */
const RESTRICTIVENESS: Record<TriageState, number> = {
  approved: 0,
  'awaiting-second-approval': 1,
  new: 2,
  ignored: 3,
  declined: 4,
};

/** The active exception for (machine, bulletin): not revoked, until > now, on the machine or on one of its groups. */
export function activeException(
  exceptions: RiskException[],
  machineId: string,
  groupIds: string[],
  bulletinId: string,
  now: string,
): RiskException | undefined {
  const at = instantMillis(now);
  if (at === null) return undefined;
  let best: { exception: RiskException; until: number } | undefined;
  for (const e of exceptions) {
    if (e.bulletinId !== bulletinId || e.revokedAt !== null) continue;
    const onMachine = e.machineId !== null && e.machineId === machineId;
    const onGroup = e.groupId !== null && groupIds.includes(e.groupId);
    const until = instantMillis(e.until);
    if (!(onMachine || onGroup) || until === null || until <= at) continue;
    // Of several, the one that lasts longest is the one that matters.
    if (!best || until > best.until) best = { exception: e, until };
  }
  return best?.exception;
}

/**
 * The verdict of one finding. The machine's effective triage is the most restrictive over its groups:
 * declined > ignored > new/awaiting-second-approval > approved (a machine in no group: 'new' under defaultPolicy).
 * dueAt is the earliest deadline over the groups whose effective state is not ignored/declined (emergency decision → emergency track).
 * sla: resolved (not open) > declined > ignored > excepted (active exception) > no-deadline > deadlineStatus.
 * producesWork: open and effective triage 'approved' (exceptions do not stop work; they only relieve the deadline).
 */
export function findingVerdict(
  finding: { open: boolean; severity: Severity; firstSeenAt: string; machineId: string; bulletinId: string },
  bulletin: { published: string | null },
  groups: GroupPolicyView[],
  exceptions: RiskException[],
  defaultPolicy: DeadlinePolicy,
  now: string,
): FindingVerdict {
  const views = groups.length > 0 ? groups : [{ groupId: '', decision: undefined, policy: defaultPolicy }];
  const states = views.map((g) => ({ view: g, state: effectiveTriageState(g.decision, now) }));
  const triage = states.reduce<TriageState>(
    (worst, s) => (RESTRICTIVENESS[s.state] > RESTRICTIVENESS[worst] ? s.state : worst),
    'approved',
  );

  const input = { severity: finding.severity, published: bulletin.published, firstSeenAt: finding.firstSeenAt };
  let earliest: { dueAt: string; ms: number; policy: DeadlinePolicy } | undefined;
  for (const { view, state } of states) {
    if (state === 'ignored' || state === 'declined') continue;
    const dueAt = deadlineFor(input, view.policy, view.decision?.emergency ? 'emergency' : 'tested');
    const ms = dueAt === null ? null : instantMillis(dueAt);
    if (dueAt !== null && ms !== null && (!earliest || ms < earliest.ms)) earliest = { dueAt, ms, policy: view.policy };
  }

  const producesWork = finding.open && triage === 'approved';
  const dueAt = earliest?.dueAt ?? null;
  const sla = ((): SlaStatus => {
    if (!finding.open) return 'resolved';
    if (triage === 'declined' || triage === 'ignored') return triage;
    const groupIds = groups.map((g) => g.groupId);
    if (activeException(exceptions, finding.machineId, groupIds, finding.bulletinId, now)) return 'excepted';
    if (!earliest) return 'no-deadline';
    return deadlineStatus(earliest.dueAt, deadlineStart(input, earliest.policy), now, earliest.policy);
  })();
  return { sla, dueAt, producesWork, triage };
}
