/**
 * Findings seen through policy: each open finding's deadline, SLA status and whether it produces
 * work, from the machine's groups (triage decisions and deadline policies) and risk exceptions.
 * Loads what src/policy/verdict.ts needs for a set of findings and calls it.
 */
import { resolveDeadlinePolicy } from '../../policy/deadlines.js';
import type { DeadlinePolicy, RiskException, TriageDecision } from '../../policy/model.js';
import { findingVerdict, type FindingVerdict, type GroupPolicyView } from '../../policy/verdict.js';
import { OPEN_STATUSES, type FindingRecord, type GroupRecord, type Store } from '../../store/ports.js';
import type { GroupService } from './groups.js';

/** The inputs a verdict needs, loaded once for a batch of findings. */
export interface PolicyContext {
  now: string;
  defaultPolicy: DeadlinePolicy;
  groupsOfMachine: Map<string, GroupRecord[]>;
  /** Each group's resolved deadline policy, made once per context: the deadline memo is keyed by policy object. */
  policies: Map<string, DeadlinePolicy>;
  decisions: Map<string, TriageDecision>;
  exceptions: RiskException[];
  published: Map<string, string | null>;
}

export class VerdictService {
  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    readonly defaultPolicy: DeadlinePolicy,
    private readonly now: () => Date,
  ) {}

  /** Loads the context for findings of these machines and bulletins. */
  async context(machineIds: string[], bulletinIds: string[]): Promise<PolicyContext> {
    const machineSet = new Set(machineIds);
    const groupsOfMachine = new Map<string, GroupRecord[]>();
    const groupIds: string[] = [];
    const policies = new Map<string, DeadlinePolicy>();
    for (const { record, memberIds } of await this.groups.allWithMembers()) {
      policies.set(record.id, resolveDeadlinePolicy(this.defaultPolicy, record.deadlinePolicy));
      let any = false;
      for (const m of memberIds) {
        if (!machineSet.has(m)) continue;
        (groupsOfMachine.get(m) ?? groupsOfMachine.set(m, []).get(m)!).push(record);
        any = true;
      }
      if (any) groupIds.push(record.id);
    }
    const bulletins = [...new Set(bulletinIds)];
    const decisions = new Map<string, TriageDecision>();
    if (groupIds.length > 0 && bulletins.length > 0) {
      for (const d of (await this.store.triage.list({ groupIds, bulletinIds: bulletins })).items)
        decisions.set(`${d.bulletinId}\u0000${d.groupId}`, d);
    }
    const now = this.now().toISOString();
    const exceptions =
      bulletins.length > 0 ? await this.store.triage.listExceptions({ bulletinIds: bulletins, activeAt: now }) : [];
    const published = new Map<string, string | null>();
    for (const b of (
      await this.store.bulletins.list({ ids: bulletins, includeWithdrawn: true, limit: bulletins.length || 1 })
    ).items)
      published.set(b.id, b.published);
    return { now, defaultPolicy: this.defaultPolicy, groupsOfMachine, policies, decisions, exceptions, published };
  }

  /** The verdict of one finding in a loaded context. */
  verdict(
    f: Pick<FindingRecord, 'machineId' | 'bulletinId' | 'status' | 'severity' | 'firstSeenAt'>,
    ctx: PolicyContext,
  ): FindingVerdict {
    const groups: GroupPolicyView[] = (ctx.groupsOfMachine.get(f.machineId) ?? []).map((g) => ({
      groupId: g.id,
      decision: ctx.decisions.get(`${f.bulletinId}\u0000${g.id}`),
      policy: ctx.policies.get(g.id)!,
    }));
    return findingVerdict(
      {
        open: OPEN_STATUSES.includes(f.status),
        severity: f.severity,
        firstSeenAt: f.firstSeenAt,
        machineId: f.machineId,
        bulletinId: f.bulletinId,
      },
      { published: ctx.published.get(f.bulletinId) ?? null },
      groups,
      ctx.exceptions,
      ctx.defaultPolicy,
      ctx.now,
    );
  }

  /** Verdicts for a page of findings. */
  async verdicts(findings: FindingRecord[]): Promise<FindingVerdict[]> {
    if (findings.length === 0) return [];
    const ctx = await this.context(
      findings.map((f) => f.machineId),
      findings.map((f) => f.bulletinId),
    );
    return findings.map((f) => this.verdict(f, ctx));
  }
}
