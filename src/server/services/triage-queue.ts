/**
 * The triage queue as a bulk-action view reads it: each (bulletin, group) decision with the
 * bulletin's title and severity, the group's deadline for it and how many of the group's machines
 * it hits now. Bounded reads per page: the decisions, one bulletins query, the group members, and
 * one count query per distinct group on the page (never one per machine).
 */
import { deadlineFor, resolveDeadlinePolicy } from '../../policy/deadlines.js';
import type { DeadlinePolicy, TriageDecision } from '../../policy/model.js';
import type { TriageDecisionWire, TriageQuery, TriageQueueItemWire } from '../../protocol/policy-api.js';
import type { BulletinRecord, Store } from '../../store/ports.js';
import { machineFilter, WHOLE_FLEET, type Scope } from '../auth/scope.js';
import type { GroupService } from './groups.js';
import type { TriageService } from './triage.js';

export class TriageQueueService {
  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    private readonly triage: TriageService,
    private readonly defaultPolicy: DeadlinePolicy,
  ) {}

  /** The decisions of TriageService.list, each with its bulletin, deadline and affected machines. */
  async list(
    q: TriageQuery,
    scope: Scope = WHOLE_FLEET,
    caller?: string,
  ): Promise<{ items: TriageQueueItemWire[]; total: number }> {
    const page = await this.triage.list(q, scope, caller);
    if (page.items.length === 0) return { items: [], total: page.total };
    const bulletinIds = [...new Set(page.items.map((d) => d.bulletinId))];
    const bulletins = new Map(
      (
        await this.store.bulletins.list({ ids: bulletinIds, includeWithdrawn: true, limit: bulletinIds.length })
      ).items.map((b) => [b.id, b]),
    );
    const groupIds = new Set(page.items.map((d) => d.groupId));
    const groups = (await this.groups.allWithMembers()).filter((g) => groupIds.has(g.record.id));
    const counts = new Map<string, Map<string, number>>();
    for (const g of groups) {
      const ids = [...new Set(page.items.filter((d) => d.groupId === g.record.id).map((d) => d.bulletinId))];
      counts.set(g.record.id, await this.store.findings.countOpenByBulletin(ids, machineFilter(scope, g.memberIds)));
    }
    const policies = new Map(
      groups.map((g) => [g.record.id, resolveDeadlinePolicy(this.defaultPolicy, g.record.deadlinePolicy)]),
    );
    return {
      total: page.total,
      items: page.items.map((d) =>
        queueItem(
          d,
          bulletins.get(d.bulletinId),
          policies.get(d.groupId) ?? this.defaultPolicy,
          counts.get(d.groupId)?.get(d.bulletinId) ?? 0,
        ),
      ),
    };
  }
}

/** Pure: one decision with its bulletin's facts, the group's deadline and the affected count. */
export function queueItem(
  d: TriageDecisionWire,
  b: BulletinRecord | undefined,
  policy: DeadlinePolicy,
  affectedMachines: number,
): TriageQueueItemWire {
  const severity = b?.severity ?? 'unknown';
  const published = b?.published ?? null;
  return {
    ...d,
    title: b?.title ?? d.bulletinId,
    severity,
    published,
    dueAt: groupDeadline(d, severity, published, policy),
    affectedMachines,
  };
}

function groupDeadline(
  d: Pick<TriageDecision, 'state' | 'emergency' | 'createdAt'>,
  severity: BulletinRecord['severity'],
  published: string | null,
  policy: DeadlinePolicy,
): string | null {
  if (d.state === 'ignored' || d.state === 'declined') return null;
  // An unparseable publication date counts as none: the deadline runs from when the pair was queued.
  return deadlineFor({ severity, published, firstSeenAt: d.createdAt }, policy, d.emergency ? 'emergency' : 'tested');
}
