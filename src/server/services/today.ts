/**
 * Today: what changed since the caller's last visit and what to do today, for the caller's scope,
 * in one answer. It reads through the services that own each part (deadlines through the report's
 * verdicts, triage through the triage queue, deployments and sources through theirs) and asks the
 * store for the rest in a bounded number of queries, whatever the fleet's size.
 */
import { PatchhiveError } from '../../errors.js';
import { severityRank, type Severity } from '../../catalog/model.js';
import type {
  TodayBulletinWire,
  TodayDeploymentWire,
  TodayTriageItemWire,
  TodayWire,
} from '../../protocol/console-api.js';
import type { DeploymentWire } from '../../protocol/deploy-api.js';
import type { TriageDecisionWire } from '../../protocol/policy-api.js';
import type { BulletinRecord, MachineRecord, MachineStatus, Store } from '../../store/ports.js';
import { machineFilter, WHOLE_FLEET, type Scope } from '../auth/scope.js';
import type { MachineService } from './machines.js';
import type { ReportService } from './reports.js';
import type { RolloutService } from './rollout/service.js';
import type { SourceService } from './sources.js';
import type { TriageService } from './triage.js';
import { bulletinChangesSince, type BulletinChange, type BulletinChangeKind } from './today-changes.js';

/** Items per list of the answer (totals count them all). */
const MAX_ITEMS = 100;
/** Awaiting-second-approval decisions read to find those the caller did not approve. */
const MAX_SECOND_APPROVALS_READ = 1000;
/** Without a visit marked and no `since`: a week back. */
const DEFAULT_LOOKBACK_MS = 7 * 86_400_000;

/** Who asks: the user (for the last visit) and the name their approvals carry. */
export interface TodayCaller {
  userId: string;
  userName: string;
}

export interface TodayDeps {
  store: Store;
  machines: MachineService;
  triage: TriageService;
  reports: ReportService;
  rollout: RolloutService;
  sources: SourceService;
  now: () => Date;
}

export class TodayService {
  constructor(private readonly d: TodayDeps) {}

  /** The Today page for the caller's scope; `since` overrides the last visit. */
  async today(caller: TodayCaller, q: { since?: string | undefined }, scope: Scope = WHOLE_FLEET): Promise<TodayWire> {
    const now = this.d.now();
    const lastVisit = (await this.d.store.visits.lastSeen(caller.userId)) ?? null;
    const since = q.since
      ? new Date(q.since).toISOString()
      : (lastVisit ?? new Date(now.getTime() - DEFAULT_LOOKBACK_MS).toISOString());
    const [bulletins, deadlines, triage, deployments, machines, sources] = await Promise.all([
      this.bulletins(since, scope),
      this.deadlines(scope),
      this.triage(caller.userName, scope),
      this.deployments(since, scope),
      this.machines(scope),
      this.failingSources(scope),
    ]);
    return {
      generatedAt: now.toISOString(),
      since,
      lastVisit,
      bulletins,
      deadlines,
      triage,
      deployments,
      machines,
      sources,
    };
  }

  /** Records that the caller has seen Today as of `at` (default now; never in the future). */
  async markSeen(userId: string, at?: string): Promise<{ lastVisit: string }> {
    const now = this.d.now();
    const when = at ? new Date(at) : now;
    if (when.getTime() > now.getTime())
      throw new PatchhiveError('E_BAD_REQUEST', '"at" is in the future', { path: '$.at' });
    const lastVisit = when.toISOString();
    await this.d.store.visits.markSeen(userId, lastVisit);
    return { lastVisit };
  }

  /** New, revised and withdrawn bulletins since `since` that hit at least one machine of the scope. */
  private async bulletins(since: string, scope: Scope): Promise<TodayWire['bulletins']> {
    const syncs = await this.d.store.sources.listSyncsSince(since, ['updated']);
    const ids = [
      ...new Set(
        syncs.flatMap((s) =>
          s.diff
            ? Object.values(s.diff)
                .flat()
                .map((b) => b.id)
            : [],
        ),
      ),
    ];
    const records = new Map<string, BulletinRecord>();
    if (ids.length > 0) {
      const found = await this.d.store.bulletins.list({ ids, includeWithdrawn: true, limit: ids.length });
      for (const b of found.items) records.set(b.id, b);
    }
    const changes = bulletinChangesSince(syncs, (id) => {
      const r = records.get(id);
      return r ? r.withdrawnAt !== null : undefined;
    });
    const machineIds = machineFilter(scope, undefined);
    const live = changes.filter((c) => c.change !== 'withdrawn').map((c) => c.id);
    const hits = await this.d.store.findings.countOpenByBulletin(live, machineIds);
    // A withdrawn bulletin hit the machines whose finding its withdrawal resolved: counted per withdrawal time.
    const byTime = new Map<string, string[]>();
    for (const c of changes.filter((x) => x.change === 'withdrawn')) {
      const t = records.get(c.id)!.withdrawnAt!;
      byTime.set(t, [...(byTime.get(t) ?? []), c.id]);
    }
    for (const [t, group] of byTime) {
      for (const [id, n] of await this.d.store.findings.countResolvedByBulletin(group, t, machineIds)) hits.set(id, n);
    }
    const sourceNames = new Map((await this.d.store.sources.list()).map((s) => [s.id, s.name]));
    const list = (kind: BulletinChangeKind) => {
      const items = changes
        .filter((c) => c.change === kind && (hits.get(c.id) ?? 0) > 0)
        .map((c) => bulletinWire(c, records.get(c.id)!, hits.get(c.id)!, sourceNames))
        .sort(bySeverityThenMachines);
      return { items: items.slice(0, MAX_ITEMS), total: items.length };
    };
    return { new: list('new'), revised: list('revised'), withdrawn: list('withdrawn') };
  }

  /** Overdue and due-soon open findings, by group, as the compliance report's verdicts count them. */
  private async deadlines(scope: Scope): Promise<TodayWire['deadlines']> {
    const report = await this.d.reports.build({ periodDays: 1 }, scope);
    const ids = new Map((await this.d.store.groups.list()).map((g) => [g.name, g.id]));
    return {
      overdue: report.summary.overdue,
      dueSoon: report.summary.dueSoon,
      byGroup: report.byGroup
        .filter((g) => g.overdue > 0 || g.dueSoon > 0)
        .map((g) => ({
          groupId: ids.get(g.group) ?? g.group,
          group: g.group,
          machines: g.machines,
          overdue: g.overdue,
          dueSoon: g.dueSoon,
        })),
    };
  }

  /** The triage queue, and approvals waiting for a second approver other than the caller. */
  private async triage(userName: string, scope: Scope): Promise<TodayWire['triage']> {
    const waiting = await this.d.triage.list({ state: 'new', limit: MAX_ITEMS, offset: 0 }, scope);
    const awaiting = await this.d.triage.list(
      { state: 'awaiting-second-approval', limit: MAX_SECOND_APPROVALS_READ, offset: 0 },
      scope,
    );
    const forMe = awaiting.items.filter((d) => !d.approvals.includes(userName));
    const shown = [...waiting.items, ...forMe.slice(0, MAX_ITEMS)];
    const ids = [...new Set(shown.map((d) => d.bulletinId))];
    const bulletins =
      ids.length === 0
        ? new Map<string, BulletinRecord>()
        : new Map(
            (await this.d.store.bulletins.list({ ids, includeWithdrawn: true, limit: ids.length })).items.map((b) => [
              b.id,
              b,
            ]),
          );
    const wire = (d: TriageDecisionWire): TodayTriageItemWire => ({
      bulletinId: d.bulletinId,
      groupId: d.groupId,
      group: d.group,
      state: d.state,
      title: bulletins.get(d.bulletinId)?.title ?? null,
      severity: bulletins.get(d.bulletinId)?.severity ?? null,
      owner: d.owner,
      approvals: d.approvals,
      updatedAt: d.updatedAt,
    });
    return {
      waiting: { items: waiting.items.map(wire), total: waiting.total },
      secondApprovals: { items: forMe.slice(0, MAX_ITEMS).map(wire), total: forMe.length },
    };
  }

  /** Deployments running, paused or halted now, and those that failed since `since`. */
  private async deployments(since: string, scope: Scope): Promise<TodayWire['deployments']> {
    const active = (await this.d.rollout.list({ status: 'running,paused,halted', limit: MAX_ITEMS }, scope)).items;
    const ended = (await this.d.rollout.list({ status: 'aborted,completed', limit: MAX_ITEMS }, scope)).items;
    const of = (status: DeploymentWire['status']) => active.filter((x) => x.status === status).map(deploymentWire);
    return {
      running: of('running'),
      paused: of('paused'),
      halted: of('halted'),
      failed: ended
        .filter((x) => (x.finishedAt ?? x.updatedAt) >= since && (x.status === 'aborted' || x.counts.failed > 0))
        .map(deploymentWire),
    };
  }

  /** Machines not seen for too long (longest first) and machines never seen. */
  private async machines(scope: Scope): Promise<TodayWire['machines']> {
    const ids = machineFilter(scope, undefined);
    const find = async (status: MachineStatus, sort: 'lastSeenAt' | 'name') => {
      const found = await this.d.store.machines.search({
        ...(ids ? { ids } : {}),
        statuses: [status],
        staleBefore: this.d.machines.staleBefore(),
        sort,
        order: 'asc',
        limit: MAX_ITEMS,
        offset: 0,
      });
      return { items: found.items.map(machineWire), total: found.total };
    };
    const [stale, neverSeen] = await Promise.all([find('stale', 'lastSeenAt'), find('never-seen', 'name')]);
    return { staleAfterHours: this.d.machines.staleHours, stale, neverSeen };
  }

  /** Enabled sources whose last sync failed or was refused. */
  private async failingSources(scope: Scope): Promise<TodayWire['sources']> {
    const sources = await this.d.sources.list({ fullUrls: false, scope });
    const failing: TodayWire['sources']['failing'] = [];
    for (const s of sources) {
      const last = s.lastSync;
      if (!s.enabled || !last || (last.result !== 'failed' && last.result !== 'refused')) continue;
      failing.push({
        id: s.id,
        name: s.name,
        result: last.result,
        message: last.message,
        at: last.finishedAt,
        lastGoodAt: s.lastGoodAt,
      });
    }
    return { failing };
  }
}

function bulletinWire(
  c: BulletinChange,
  b: BulletinRecord,
  machines: number,
  sourceNames: ReadonlyMap<string, string>,
): TodayBulletinWire {
  return {
    id: b.id,
    title: b.title,
    severity: b.severity,
    sourceId: b.sourceId,
    source: sourceNames.get(b.sourceId) ?? b.sourceId,
    published: b.published,
    revised: b.revised,
    withdrawnAt: b.withdrawnAt,
    changedAt: c.at,
    machines,
  };
}

function bySeverityThenMachines(a: TodayBulletinWire, b: TodayBulletinWire): number {
  const rank = (s: Severity) => severityRank(s);
  return rank(b.severity) - rank(a.severity) || b.machines - a.machines || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function deploymentWire(x: DeploymentWire): TodayDeploymentWire {
  return {
    id: x.id,
    name: x.name,
    status: x.status,
    statusReason: x.statusReason,
    currentRing: x.currentRing,
    machines: Object.values(x.counts).reduce((a, n) => a + n, 0),
    failedMachines: x.counts.failed,
    updatedAt: x.updatedAt,
    finishedAt: x.finishedAt,
  };
}

function machineWire(m: MachineRecord): TodayWire['machines']['stale']['items'][number] {
  return { id: m.id, name: m.name, source: m.source, lastSeenAt: m.lastSeenAt, inventoryAt: m.inventoryAt };
}
