/**
 * The compliance aggregator: a pure fold over finding facts, fed batch by batch (so a million
 * findings never sit in memory at once), and over daily snapshots, into a ComplianceReport.
 * Each open fact's SLA verdict comes from the function in the context; it is memoized per (the
 * machine's set of groups, bulletin, severity) when that is all it can depend on: the bulletin has
 * a publication date (the deadline runs from it, not from the finding's first sighting) and no
 * risk exception names the bulletin (exceptions may be per machine). Definitions: src/report/model.ts.
 */
import { SEVERITIES, type Severity } from '../catalog/model.js';
import type { FindingVerdict } from '../policy/verdict.js';
import { OPEN_STATUSES } from '../detect/model.js';
import {
  NO_OWNER,
  type BulletinRow,
  type DailySnapshot,
  type FindingFact,
  type ComplianceReport,
  type MachineSetFigures,
  type OverdueRow,
  type TrendPoint,
} from './model.js';
import {
  daysBetween,
  meanDays,
  mttrOf,
  newTally,
  percent,
  tallyBySeverity,
  tallyFor,
  zeroBySeverity,
  type MachineCount,
  type Tally,
} from './tally.js';

/** A machine as the report sees it; `groupIds` are all the groups it belongs to. */
export interface MachineView {
  id: string;
  name: string;
  owner: string | null;
  groupIds: readonly string[];
}

/** A group to report on. */
export interface GroupView {
  id: string;
  name: string;
  owner: string | null;
}

/** What a fact's verdict needs of its bulletin. */
export interface BulletinView {
  id: string;
  title: string;
  severity: Severity;
  published: string | null;
}

/** The SLA verdict of one open finding. */
export type VerdictFn = (fact: FindingFact, machine: MachineView, bulletin: BulletinView) => FindingVerdict;

/** Everything the aggregator needs besides the facts and snapshots. */
export interface ComplianceContext {
  now: string;
  /** "all" or the scope group's name. */
  scope: string;
  period: { from: string; to: string };
  /** The scope's machines; facts and snapshots of other machines are skipped. */
  machines: readonly MachineView[];
  /** The groups to give a row each (counted over the scope's machines). */
  groups: readonly GroupView[];
  bulletins: ReadonlyMap<string, BulletinView>;
  /** Bulletins named by an active risk exception: their verdicts are never memoized. */
  exceptionBulletinIds: ReadonlySet<string>;
  verdict: VerdictFn;
  /** Rows kept in `overdue` (earliest deadlines first); default 10,000. */
  maxOverdueRows?: number;
}

/** Feeds facts and snapshots in, takes the report out. */
export interface ComplianceAccumulator {
  add(facts: readonly FindingFact[]): void;
  addSnapshots(snapshots: readonly DailySnapshot[]): void;
  finish(): ComplianceReport;
  /** Facts seen, and how many verdicts were computed (the rest came from the memo). */
  stats(): { facts: number; verdictsComputed: number };
}

interface MachineState {
  view: MachineView;
  groupKey: string;
  /** Its groups that have a row, deduplicated. */
  reportedGroupIds: string[];
  groupNames: string[];
  hasOverdue: boolean;
  hasWork: boolean;
}

type BulletinTally = Omit<BulletinRow, 'bulletinId' | 'title' | 'severity'> & { view: BulletinView };

const OPEN = new Set<string>(OPEN_STATUSES);
const AWAITS_TRIAGE = new Set(['new', 'awaiting-second-approval']);
const DEFAULT_MAX_OVERDUE_ROWS = 10_000;

const compareOverdue = (a: OverdueRow, b: OverdueRow): number =>
  a.dueAt < b.dueAt
    ? -1
    : a.dueAt > b.dueAt
      ? 1
      : a.machine < b.machine
        ? -1
        : a.machine > b.machine
          ? 1
          : a.bulletinId < b.bulletinId
            ? -1
            : a.bulletinId > b.bulletinId
              ? 1
              : 0;

/** Starts a report over `ctx`; add facts and snapshots in any batch sizes, then finish once. */
export function createComplianceAccumulator(ctx: ComplianceContext): ComplianceAccumulator {
  const maxRows = ctx.maxOverdueRows ?? DEFAULT_MAX_OVERDUE_ROWS;
  const groupById = new Map(ctx.groups.map((g) => [g.id, g]));
  const machines = new Map<string, MachineState>();
  for (const m of ctx.machines) {
    const ids = [...new Set(m.groupIds)].sort();
    const reportedGroupIds = ids.filter((id) => groupById.has(id));
    const groupNames = reportedGroupIds.map((id) => groupById.get(id)!.name).sort();
    machines.set(m.id, {
      view: m,
      groupKey: ids.join('\u0001'),
      reportedGroupIds,
      groupNames,
      hasOverdue: false,
      hasWork: false,
    });
  }
  const summary = newTally();
  const slaCounts = { excepted: 0, ignored: 0, declined: 0 };
  const byGroup = new Map<string, Tally>();
  const byOwner = new Map<string, Tally>();
  const bySeverity = tallyBySeverity();
  const byBulletin = new Map<string, BulletinTally>();
  const trends = new Map<string, TrendPoint>();
  let overdueRows: OverdueRow[] = [];
  const memo = new Map<string, FindingVerdict>();
  let facts = 0;
  let computed = 0;

  const ownerOf = (m: MachineState) => m.view.owner ?? NO_OWNER;
  const tallies = (m: MachineState, severity: Severity): Tally[] => [
    summary,
    bySeverity[severity] ?? bySeverity.unknown,
    tallyFor(byOwner, ownerOf(m)),
    ...m.reportedGroupIds.map((id) => tallyFor(byGroup, id)),
  ];

  function bulletinOf(fact: FindingFact): BulletinView {
    return (
      ctx.bulletins.get(fact.bulletinId) ?? {
        id: fact.bulletinId,
        title: fact.bulletinId,
        severity: fact.severity,
        published: null,
      }
    );
  }

  function verdictOf(fact: FindingFact, m: MachineState, b: BulletinView): FindingVerdict {
    const memoizable = b.published !== null && !ctx.exceptionBulletinIds.has(fact.bulletinId);
    const key = memoizable ? `${m.groupKey}\u0000${fact.bulletinId}\u0000${fact.severity}` : undefined;
    const hit = key === undefined ? undefined : memo.get(key);
    if (hit) return hit;
    computed++;
    const v = ctx.verdict(fact, m.view, b);
    if (key !== undefined) memo.set(key, v);
    return v;
  }

  function addResolved(fact: FindingFact, m: MachineState): void {
    const resolvedAt = fact.resolvedAt!;
    if (Date.parse(resolvedAt) < Date.parse(ctx.period.from) || Date.parse(resolvedAt) > Date.parse(ctx.period.to))
      return;
    const days = Math.max(0, daysBetween(fact.firstSeenAt, resolvedAt));
    for (const t of tallies(m, fact.severity)) {
      t.resolved++;
      t.resolvedDays += days;
    }
  }

  function addOpen(fact: FindingFact, m: MachineState): void {
    const b = bulletinOf(fact);
    const v = verdictOf(fact, m, b);
    const overdue = v.sla === 'overdue';
    const dueSoon = v.sla === 'due-soon';
    for (const t of tallies(m, fact.severity)) {
      t.open++;
      if (overdue) t.overdue++;
      if (dueSoon) t.dueSoon++;
    }
    if (v.sla === 'excepted' || v.sla === 'ignored' || v.sla === 'declined') slaCounts[v.sla]++;
    // Ignored and declined findings neither produce work nor await triage; excepted ones still do.
    if (v.producesWork || AWAITS_TRIAGE.has(v.triage)) m.hasWork = true;
    let bt = byBulletin.get(fact.bulletinId);
    if (!bt) byBulletin.set(fact.bulletinId, (bt = { view: b, machines: 0, overdue: 0, earliestDueAt: null }));
    bt.machines++;
    if (v.dueAt !== null && (bt.earliestDueAt === null || Date.parse(v.dueAt) < Date.parse(bt.earliestDueAt)))
      bt.earliestDueAt = v.dueAt;
    if (!overdue) return;
    m.hasOverdue = true;
    bt.overdue++;
    const dueAt = v.dueAt ?? ctx.now;
    overdueRows.push({
      machine: m.view.name,
      bulletinId: fact.bulletinId,
      title: b.title,
      severity: fact.severity,
      dueAt,
      daysOverdue: Math.max(0, Math.floor(daysBetween(dueAt, ctx.now))),
      groups: m.groupNames,
    });
    // Keep the earliest `maxRows` without holding every overdue finding: trim when twice as many.
    if (overdueRows.length > 2 * maxRows) overdueRows = overdueRows.sort(compareOverdue).slice(0, maxRows);
  }

  function addSnapshot(s: DailySnapshot): void {
    if (!machines.has(s.machineId)) return;
    let p = trends.get(s.day);
    if (!p)
      trends.set(s.day, (p = { day: s.day, openFindings: 0, openBySeverity: zeroBySeverity(), machinesWithOpen: 0 }));
    const open = OPEN_STATUSES.reduce((n, st) => n + (s.counts[st] ?? 0), 0);
    p.openFindings += open;
    if (open > 0) p.machinesWithOpen++;
    for (const sev of SEVERITIES) p.openBySeverity[sev] += s.openBySeverity[sev] ?? 0;
  }

  function machineCounts(): {
    all: MachineCount;
    fullyPatched: number;
    groups: Map<string, MachineCount>;
    owners: Map<string, MachineCount>;
  } {
    const all = { machines: 0, compliant: 0 };
    const groups = new Map<string, MachineCount>(ctx.groups.map((g) => [g.id, { machines: 0, compliant: 0 }]));
    const owners = new Map<string, MachineCount>();
    let fullyPatched = 0;
    for (const m of machines.values()) {
      const rows = [all, ...m.reportedGroupIds.map((id) => groups.get(id)!)];
      const owner = ownerOf(m);
      if (!owners.has(owner)) owners.set(owner, { machines: 0, compliant: 0 });
      rows.push(owners.get(owner)!);
      for (const r of rows) {
        r.machines++;
        if (!m.hasOverdue) r.compliant++;
      }
      if (!m.hasWork) fullyPatched++;
    }
    return { all, fullyPatched, groups, owners };
  }

  function finish(): ComplianceReport {
    const counts = machineCounts();
    const row = (c: MachineCount, t: Tally): MachineSetFigures => ({
      machines: c.machines,
      compliant: c.compliant,
      compliancePercent: percent(c.compliant, c.machines),
      open: t.open,
      overdue: t.overdue,
      dueSoon: t.dueSoon,
      mttrDays: meanDays(t),
    });
    const sortedOverdue = overdueRows.sort(compareOverdue).slice(0, maxRows);
    return {
      generatedAt: ctx.now,
      scope: ctx.scope,
      period: { ...ctx.period },
      summary: {
        machines: counts.all.machines,
        compliantMachines: counts.all.compliant,
        compliancePercent: percent(counts.all.compliant, counts.all.machines),
        fullyPatchedMachines: counts.fullyPatched,
        openFindings: summary.open,
        overdue: summary.overdue,
        dueSoon: summary.dueSoon,
        ...slaCounts,
        resolvedInPeriod: summary.resolved,
        mttrDays: meanDays(summary),
      },
      byGroup: [...ctx.groups]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((g) => ({
          group: g.name,
          owner: g.owner,
          ...row(counts.groups.get(g.id)!, byGroup.get(g.id) ?? newTally()),
        })),
      byOwner: [...counts.owners.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([owner, c]) => ({ owner, ...row(c, byOwner.get(owner) ?? newTally()) })),
      bySeverity: SEVERITIES.map((severity) => {
        const t = bySeverity[severity];
        return {
          severity,
          open: t.open,
          overdue: t.overdue,
          dueSoon: t.dueSoon,
          resolvedInPeriod: t.resolved,
          mttrDays: meanDays(t),
        };
      }),
      byBulletin: [...byBulletin.entries()]
        .map(([bulletinId, { view, ...t }]) => ({ bulletinId, title: view.title, severity: view.severity, ...t }))
        .sort((a, b) => b.overdue - a.overdue || b.machines - a.machines || (a.bulletinId < b.bulletinId ? -1 : 1)),
      overdue: sortedOverdue,
      overdueOmitted: summary.overdue - sortedOverdue.length,
      trends: [...trends.values()].sort((a, b) => (a.day < b.day ? -1 : 1)),
      mttr: {
        resolved: summary.resolved,
        meanDays: meanDays(summary),
        bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, mttrOf(bySeverity[s])])) as Record<
          Severity,
          ReturnType<typeof mttrOf>
        >,
      },
    };
  }

  return {
    add(batch) {
      for (const fact of batch) {
        const m = machines.get(fact.machineId);
        if (!m) continue;
        facts++;
        if (OPEN.has(fact.status)) addOpen(fact, m);
        else if (fact.resolvedAt !== null) addResolved(fact, m);
      }
    },
    addSnapshots(batch) {
      for (const s of batch) addSnapshot(s);
    },
    finish,
    stats: () => ({ facts, verdictsComputed: computed }),
  };
}
