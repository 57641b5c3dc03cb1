/**
 * Builds a compliance report over a Store: loads the scope's machines, the bulletins, the triage
 * decisions and active risk exceptions, then streams the finding facts and daily snapshots of the
 * period through the pure aggregator (src/report/compliance.ts), so memory stays bounded by the
 * fleet's size and the batch size, not by the number of findings.
 */
import { PatchhiveError } from '../../errors.js';
import { instantMillis, resolveDeadlinePolicy } from '../../policy/deadlines.js';
import type { DeadlinePolicy, RiskException, TriageDecision } from '../../policy/model.js';
import { findingVerdict, type FindingVerdict } from '../../policy/verdict.js';
import type { GroupRecord, Store } from '../../store/ports.js';
import {
  createComplianceAccumulator,
  type BulletinView,
  type GroupView,
  type MachineView,
  type VerdictFn,
} from '../../report/compliance.js';
import type { ComplianceReport } from '../../report/model.js';

const DAY_MS = 86_400_000;

/** What to report on, and the policy inputs the store does not hold. */
export interface BuildReportOptions {
  now: string;
  /** Every group with its resolved members (rule groups evaluated by the caller). */
  groups: { record: GroupRecord; memberIds: string[] }[];
  /** Restricts the report to this group's members (default: every machine). */
  scopeGroupId?: string;
  /** A caller's scope: only these machines, and rows of these groups only (default: no limit). */
  visible?: { machineIds: readonly string[]; groupIds: readonly string[] };
  /** The period resolved findings and trends cover, ending now (default 30 days). */
  periodDays?: number;
  defaultPolicy: DeadlinePolicy;
  /** Rows kept in the overdue list (default 10,000). */
  maxOverdueRows?: number;
  /** Findings per batch read from the store. */
  batchSize?: number;
  /** Cache verdicts on their inputs (default true; false computes each, for the differential test). */
  cacheVerdicts?: boolean;
}

const pairKey = (bulletinId: string, groupId: string): string => `${bulletinId}\u0000${groupId}`;

function checkedNow(now: string): number {
  const ms = Date.parse(now);
  if (Number.isNaN(ms)) throw new PatchhiveError('E_BAD_REQUEST', `"now" is not a time: ${now}`);
  return ms;
}

/**
 * The verdict function over the loaded policy inputs (src/policy/verdict.ts does the deciding).
 * When the bulletin has a publication date and no risk exception, findingVerdict reads only the
 * publication date, the severity and, per group, the decision's state / ignoreUntil / emergency
 * and the group's policy: verdicts are cached on exactly those (each verdict costs luxon time-zone
 * arithmetic, and many bulletins share a date and many groups the same decision and policy).
 * build.test.ts checks the cached and uncached reports are equal.
 */
function verdictFunction(
  opts: BuildReportOptions,
  now: string,
  decisions: ReadonlyMap<string, TriageDecision>,
  exceptionsByBulletin: ReadonlyMap<string, RiskException[]>,
): VerdictFn {
  const policies = new Map(
    opts.groups.map((g) => [g.record.id, resolveDeadlinePolicy(opts.defaultPolicy, g.record.deadlinePolicy)]),
  );
  const policyIds = new Map<string, number>();
  const policyId = new Map(
    [...policies].map(([groupId, p]) => {
      const json = JSON.stringify(p);
      if (!policyIds.has(json)) policyIds.set(json, policyIds.size);
      return [groupId, policyIds.get(json)!];
    }),
  );
  const cache = new Map<string, FindingVerdict>();
  return (fact, machine, bulletin) => {
    const views = machine.groupIds.map((groupId) => ({
      groupId,
      decision: decisions.get(pairKey(fact.bulletinId, groupId)),
      policy: policies.get(groupId) ?? opts.defaultPolicy,
    }));
    const exceptions = exceptionsByBulletin.get(fact.bulletinId) ?? [];
    const compute = () =>
      findingVerdict(
        {
          open: true,
          severity: fact.severity,
          firstSeenAt: fact.firstSeenAt,
          machineId: fact.machineId,
          bulletinId: fact.bulletinId,
        },
        bulletin,
        views,
        exceptions,
        opts.defaultPolicy,
        now,
      );
    if (opts.cacheVerdicts === false || bulletin.published === null || exceptions.length > 0) return compute();
    const groupsKey = views
      .map(
        (v) =>
          `${v.decision?.state ?? '-'}|${v.decision?.ignoreUntil ?? ''}|${v.decision?.emergency ? 1 : 0}|${policyId.get(v.groupId) ?? -1}`,
      )
      .sort()
      .join(',');
    const key = `${bulletin.published}\u0000${fact.severity}\u0000${groupsKey}`;
    let v = cache.get(key);
    if (!v) cache.set(key, (v = compute()));
    return v;
  };
}

async function loadBulletins(store: Store): Promise<Map<string, BulletinView>> {
  const { items } = await store.bulletins.list({ includeWithdrawn: true });
  // An unparseable publication date counts as none (deadlines then run from first sighting), which
  // also keeps such bulletins out of the aggregator's verdict memo.
  const published = (p: string | null) => (p !== null && instantMillis(p) !== null ? p : null);
  return new Map(
    items.map((b) => [b.id, { id: b.id, title: b.title, severity: b.severity, published: published(b.published) }]),
  );
}

async function loadDecisions(store: Store): Promise<Map<string, TriageDecision>> {
  const { items } = await store.triage.list({});
  return new Map(items.map((d) => [pairKey(d.bulletinId, d.groupId), d]));
}

async function loadExceptions(store: Store, now: string): Promise<Map<string, RiskException[]>> {
  const byBulletin = new Map<string, RiskException[]>();
  for (const e of await store.triage.listExceptions({ activeAt: now })) {
    const list = byBulletin.get(e.bulletinId);
    if (list) list.push(e);
    else byBulletin.set(e.bulletinId, [e]);
  }
  return byBulletin;
}

/** The compliance report of every machine, or of one group's members, over the last `periodDays`. */
export async function buildComplianceReport(store: Store, opts: BuildReportOptions): Promise<ComplianceReport> {
  const nowMs = checkedNow(opts.now);
  const now = new Date(nowMs).toISOString();
  const periodDays = opts.periodDays ?? 30;
  if (!Number.isFinite(periodDays) || periodDays <= 0)
    throw new PatchhiveError('E_BAD_REQUEST', `the report period must be a positive number of days, not ${periodDays}`);
  const from = new Date(nowMs - periodDays * DAY_MS).toISOString();
  const scopeGroup =
    opts.scopeGroupId === undefined ? undefined : opts.groups.find((g) => g.record.id === opts.scopeGroupId);
  if (opts.scopeGroupId !== undefined && !scopeGroup)
    throw new PatchhiveError('E_GROUP_NOT_FOUND', `no group with id ${opts.scopeGroupId}`);

  const groupsOf = new Map<string, string[]>();
  for (const g of opts.groups) {
    for (const id of new Set(g.memberIds)) {
      const list = groupsOf.get(id);
      if (list) list.push(g.record.id);
      else groupsOf.set(id, [g.record.id]);
    }
  }
  let scopeIds = scopeGroup ? [...new Set(scopeGroup.memberIds)] : undefined;
  if (opts.visible) {
    const seen = new Set(opts.visible.machineIds);
    scopeIds = scopeIds ? scopeIds.filter((id) => seen.has(id)) : [...seen];
  }
  const records = await store.machines.list(scopeIds ? { ids: scopeIds } : undefined);
  const machines: MachineView[] = records.map((m) => ({
    id: m.id,
    name: m.name,
    owner: m.owner,
    groupIds: groupsOf.get(m.id) ?? [],
  }));
  const inScope = new Set(machines.map((m) => m.id));
  // Unscoped: every group has a row; scoped: the groups that hold at least one of the scope's machines.
  const visibleGroups = opts.visible ? new Set(opts.visible.groupIds) : undefined;
  const reported = opts.groups.filter(
    (g) =>
      (!scopeGroup || g.memberIds.some((id) => inScope.has(id))) && (!visibleGroups || visibleGroups.has(g.record.id)),
  );
  const groups: GroupView[] = reported.map((g) => ({ id: g.record.id, name: g.record.name, owner: g.record.owner }));

  const [bulletins, decisions, exceptions] = await Promise.all([
    loadBulletins(store),
    loadDecisions(store),
    loadExceptions(store, now),
  ]);
  const acc = createComplianceAccumulator({
    now,
    scope: scopeGroup?.record.name ?? (visibleGroups ? reported.map((g) => g.record.name).join(', ') : 'all'),
    period: { from, to: now },
    machines,
    groups,
    bulletins,
    exceptionBulletinIds: new Set(exceptions.keys()),
    verdict: verdictFunction(opts, now, decisions, exceptions),
    ...(opts.maxOverdueRows !== undefined ? { maxOverdueRows: opts.maxOverdueRows } : {}),
  });
  const scan = {
    resolvedSince: from,
    ...(scopeIds ? { machineIds: [...inScope] } : {}),
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  };
  for await (const batch of store.findings.scanFacts(scan)) acc.add(batch);
  for await (const batch of store.findings.scanSnapshots(from.slice(0, 10), now.slice(0, 10), opts.batchSize))
    acc.addSnapshots(batch);
  return acc.finish();
}
