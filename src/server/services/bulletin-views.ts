/**
 * One bulletin as its console page shows it: the stored record with the loaded catalog's content
 * (description, references, supersedence, fixes), and the machines it hits grouped by machine
 * group, each group with its triage decision. Reads are bounded: one findings query for the
 * bulletin, one machines query, one triage query and the group members (GroupService), whatever
 * the fleet's size.
 */
import type { Bulletin } from '../../catalog/model.js';
import type { TriageDecision } from '../../policy/model.js';
import { effectiveTriageState } from '../../policy/triage.js';
import type { BulletinWire } from '../../protocol/api.js';
import type {
  BulletinDetailWire,
  BulletinMachineGroupWire,
  BulletinMachinesQuery,
  BulletinMachinesWire,
} from '../../protocol/bulletin-api.js';
import type { FindingRecord, GroupRecord, Store } from '../../store/ports.js';
import type { CatalogState } from '../assessment/catalog-state.js';
import { machineFilter, seesGroup, WHOLE_FLEET, type Scope } from '../auth/scope.js';
import type { FindingVerdict } from '../../policy/verdict.js';
import type { GroupService } from './groups.js';
import { parseStatuses, type QueryService } from './queries.js';
import type { VerdictService } from './verdicts.js';

/** The label of the machines that are in no group. */
export const NO_GROUP = '(no group)';

export class BulletinViewService {
  private supersededIndex: { generation: number; by: Map<string, string[]> } | undefined;

  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    private readonly queries: QueryService,
    private readonly verdicts: VerdictService,
    private readonly catalogs: CatalogState,
    private readonly now: () => Date,
  ) {}

  /** The bulletin with its catalog content; its affected-machine count covers the scope only. */
  async detail(id: string, scope: Scope = WHOLE_FLEET): Promise<BulletinDetailWire> {
    const base = await this.queries.bulletin(id, scope);
    const b = this.catalogs.prepared.catalog.bulletins.find((x) => x.id === id);
    return { ...base, ...catalogContent(b), supersededBy: this.supersededBy(id) };
  }

  /** The machines with a matching finding of the bulletin, grouped by the groups the scope shows. */
  async machines(id: string, q: BulletinMachinesQuery, scope: Scope = WHOLE_FLEET): Promise<BulletinMachinesWire> {
    await this.queries.bulletin(id, scope); // E_BULLETIN_NOT_FOUND
    const asked = q.group ? await this.groups.resolve(q.group, scope) : undefined;
    const groups = (await this.groups.allWithMembers()).filter(
      (g) => seesGroup(scope, g.record.id) && (!asked || g.record.id === asked.id),
    );
    const machineIds = machineFilter(scope, asked ? groups[0]?.memberIds : undefined);
    const findings = (
      await this.store.findings.list({
        bulletinIds: [id],
        statuses: parseStatuses(q.status),
        ...(machineIds ? { machineIds } : {}),
      })
    ).items;
    const names = new Map(
      (await this.store.machines.list({ ids: findings.map((f) => f.machineId) })).map((m) => [m.id, m.name]),
    );
    const verdicts = await this.verdicts.verdicts(findings);
    const decisions = new Map(
      groups.length === 0
        ? []
        : (await this.store.triage.list({ bulletinIds: [id], groupIds: groups.map((g) => g.record.id) })).items.map(
            (d) => [d.groupId, { ...d, state: effectiveTriageState(d, this.now().toISOString()) }],
          ),
    );
    const rows = findings.map((f, i) => machineRow(f, names.get(f.machineId) ?? f.machineId, verdicts[i]!));
    return {
      bulletinId: id,
      machines: rows.length,
      groups: groupRows(rows, groups, decisions, { limit: q.limit, offset: q.offset, withUngrouped: !asked }),
    };
  }

  /** Ids of the loaded bulletins that list `id` among those they supersede (indexed once per catalog). */
  private supersededBy(id: string): string[] {
    const generation = this.catalogs.generation;
    if (this.supersededIndex?.generation !== generation) {
      const by = new Map<string, string[]>();
      for (const b of this.catalogs.prepared.catalog.bulletins)
        for (const s of b.supersedes) (by.get(s) ?? by.set(s, []).get(s)!).push(b.id);
      this.supersededIndex = { generation, by };
    }
    return [...new Set(this.supersededIndex.by.get(id) ?? [])].sort();
  }
}

type MachineRow = BulletinMachineGroupWire['items'][number];

function machineRow(f: FindingRecord, name: string, v: FindingVerdict): MachineRow {
  return {
    machineId: f.machineId,
    name,
    status: f.status,
    reason: f.reason,
    package: f.package,
    fixedVersion: f.fixedVersion,
    firstSeenAt: f.firstSeenAt,
    resolvedAt: f.resolvedAt,
    dueAt: v.dueAt,
    sla: v.sla,
  };
}

/** The catalog fields of the detail; empty when no loaded catalog holds the bulletin. */
function catalogContent(b: Bulletin | undefined): Omit<BulletinDetailWire, keyof BulletinWire | 'supersededBy'> {
  return {
    inCatalog: b !== undefined,
    description: b?.description ?? null,
    class: b?.class ?? null,
    references: (b?.references ?? []).map((r) => ({ source: r.source, id: r.id, url: r.url ?? null })),
    supersedes: [...(b?.supersedes ?? [])],
    fixes: (b?.fixes ?? []).map((f) => ({
      id: f.id,
      product: f.product ?? null,
      package: f.package
        ? { manager: f.package.manager, name: f.package.name, version: f.package.version ?? null }
        : null,
      kb: f.kb ?? null,
      available: f.available,
    })),
    manualRemediation: b?.manualRemediation ?? null,
    notes: [...(b?.notes ?? [])],
  };
}

/**
 * Pure: the machine rows split by group (a machine in two groups is listed in both), groups by name,
 * machines by name; only groups with at least one row; the machines in no group last when asked.
 */
export function groupRows(
  rows: MachineRow[],
  groups: { record: GroupRecord; memberIds: string[] }[],
  decisions: ReadonlyMap<string, TriageDecision>,
  page: { limit: number; offset: number; withUngrouped: boolean },
): BulletinMachineGroupWire[] {
  const byName = [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const grouped = new Set<string>();
  const out: BulletinMachineGroupWire[] = [];
  for (const g of [...groups].sort((a, b) => (a.record.name < b.record.name ? -1 : 1))) {
    const members = new Set(g.memberIds);
    const mine = byName.filter((r) => members.has(r.machineId));
    if (mine.length === 0) continue;
    for (const r of mine) grouped.add(r.machineId);
    const d = decisions.get(g.record.id);
    out.push({
      groupId: g.record.id,
      group: g.record.name,
      triage: d ? { state: d.state, version: d.version, updatedAt: d.updatedAt, updatedBy: d.updatedBy } : null,
      total: mine.length,
      items: mine.slice(page.offset, page.offset + page.limit),
    });
  }
  const rest = page.withUngrouped ? byName.filter((r) => !grouped.has(r.machineId)) : [];
  if (rest.length > 0)
    out.push({
      groupId: null,
      group: NO_GROUP,
      triage: null,
      total: rest.length,
      items: rest.slice(page.offset, page.offset + page.limit),
    });
  return out;
}
