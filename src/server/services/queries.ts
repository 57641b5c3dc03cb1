/** Read-side queries: findings and bulletins, with names resolved and counts attached. */
import { PatchhiveError } from '../../errors.js';
import { SEVERITIES, severityRank, type Severity } from '../../catalog/model.js';
import { FINDING_STATUSES, type FindingStatus } from '../../detect/model.js';
import type { BulletinQuery, BulletinWire, FindingQuery, FindingWire } from '../../protocol/api.js';
import { OPEN_STATUSES, type BulletinRecord, type Store } from '../../store/ports.js';
import type { GroupService } from './groups.js';
import type { MachineService } from './machines.js';
import type { VerdictService } from './verdicts.js';
import { machineFilter, WHOLE_FLEET, type Scope } from '../auth/scope.js';

/**
 * Without a status filter: the open findings (missing or affected, not resolved), the same
 * definition as the OPEN count of a machine, the compliance report and triage (docs/GLOSSARY.md).
 */
const DEFAULT_STATUSES: FindingStatus[] = [...OPEN_STATUSES];

export class QueryService {
  constructor(
    private readonly store: Store,
    private readonly machines: MachineService,
    private readonly groups: GroupService,
    private readonly verdicts: VerdictService,
  ) {}

  /** Findings with evidence, of the scope's machines only. */
  async findings(q: FindingQuery, scope: Scope = WHOLE_FLEET): Promise<{ items: FindingWire[]; total: number }> {
    let machineIds: string[] | undefined;
    if (q.machine) machineIds = [(await this.machines.resolve(q.machine, scope)).id];
    if (q.group) {
      const members = await this.groups.memberIds(await this.groups.resolve(q.group, scope));
      machineIds = machineIds ? machineIds.filter((id) => members.includes(id)) : members;
    }
    machineIds = machineFilter(scope, machineIds);
    const res = await this.store.findings.list({
      ...(machineIds ? { machineIds } : {}),
      ...(q.bulletin ? { bulletinIds: [q.bulletin] } : {}),
      statuses: parseStatuses(q.status),
      ...(q.severity ? { severities: atLeast(q.severity) } : {}),
      ...(q.resolved === 'any' ? {} : { resolved: q.resolved === 'true' }),
      limit: q.limit,
      offset: q.offset,
    });
    const names = new Map(
      (await this.store.machines.list({ ids: [...new Set(res.items.map((f) => f.machineId))] })).map((m) => [
        m.id,
        m.name,
      ]),
    );
    const verdicts = await this.verdicts.verdicts(res.items);
    return {
      total: res.total,
      items: res.items.map((f, i) => ({
        machineId: f.machineId,
        machineName: names.get(f.machineId) ?? f.machineId,
        bulletinId: f.bulletinId,
        status: f.status,
        severity: f.severity,
        title: f.title,
        package: f.package,
        fixedVersion: f.fixedVersion,
        reason: f.reason,
        evidence: f.evidence,
        firstSeenAt: f.firstSeenAt,
        lastSeenAt: f.lastSeenAt,
        resolvedAt: f.resolvedAt,
        dueAt: verdicts[i]!.dueAt,
        sla: verdicts[i]!.sla,
        triage: verdicts[i]!.triage,
      })),
    };
  }

  /** Bulletins are catalog data, shown to every caller; their affected-machine counts cover the scope only. */
  async bulletins(q: BulletinQuery, scope: Scope = WHOLE_FLEET): Promise<{ items: BulletinWire[]; total: number }> {
    const filter = {
      ...(q.severity ? { severities: atLeast(q.severity) } : {}),
      ...(q.source ? { sourceId: await this.sourceId(q.source) } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.publishedFrom ? { publishedFrom: q.publishedFrom } : {}),
      ...(q.publishedTo ? { publishedTo: q.publishedTo } : {}),
      ...(q.cve ? { cve: q.cve } : {}),
      ...(q.kb ? { kb: q.kb } : {}),
      sort: q.sort,
    };
    if (q.affecting === 'any') {
      const page = await this.store.bulletins.list({ ...filter, limit: q.limit, offset: q.offset });
      return { items: await this.withCounts(page.items, scope), total: page.total };
    }
    // Filtering on counts needs the counts of every match first.
    const all = await this.store.bulletins.list(filter);
    const counts = await this.store.findings.countOpenByBulletin(
      all.items.map((b) => b.id),
      machineFilter(scope, undefined),
    );
    const want = q.affecting === 'true';
    const kept = all.items.filter((b) => (counts.get(b.id) ?? 0) > 0 === want);
    return {
      items: kept.slice(q.offset, q.offset + q.limit).map((b) => toBulletinWire(b, counts.get(b.id) ?? 0)),
      total: kept.length,
    };
  }

  async bulletin(id: string, scope: Scope = WHOLE_FLEET): Promise<BulletinWire> {
    const b = await this.store.bulletins.get(id);
    if (!b) throw new PatchhiveError('E_BULLETIN_NOT_FOUND', `no bulletin ${JSON.stringify(id)}`);
    return (await this.withCounts([b], scope))[0]!;
  }

  private async withCounts(items: BulletinRecord[], scope: Scope): Promise<BulletinWire[]> {
    const counts = await this.store.findings.countOpenByBulletin(
      items.map((b) => b.id),
      machineFilter(scope, undefined),
    );
    return items.map((b) => toBulletinWire(b, counts.get(b.id) ?? 0));
  }

  private async sourceId(ref: string): Promise<string> {
    const s = (await this.store.sources.get(ref)) ?? (await this.store.sources.getByName(ref));
    if (!s) throw new PatchhiveError('E_SOURCE_NOT_FOUND', `no source ${JSON.stringify(ref)}`);
    return s.id;
  }
}

function toBulletinWire(b: BulletinRecord, affected: number): BulletinWire {
  return {
    id: b.id,
    sourceId: b.sourceId,
    title: b.title,
    severity: b.severity,
    published: b.published,
    revised: b.revised,
    cves: b.cves,
    kbs: b.kbs,
    withdrawnAt: b.withdrawnAt,
    affectedMachines: affected,
  };
}

/** Severities at or above a minimum. */
export function atLeast(min: Severity): Severity[] {
  return SEVERITIES.filter((s) => severityRank(s) >= severityRank(min));
}

/** "missing,affected" → statuses; "all" → every status; refuses unknown words. */
export function parseStatuses(text: string | undefined): FindingStatus[] {
  if (!text) return DEFAULT_STATUSES;
  if (text === 'all') return [...FINDING_STATUSES];
  const out: FindingStatus[] = [];
  for (const word of text.split(',').map((w) => w.trim())) {
    if (!(FINDING_STATUSES as readonly string[]).includes(word)) {
      throw new PatchhiveError(
        'E_BAD_REQUEST',
        `unknown status ${JSON.stringify(word)} (expected ${FINDING_STATUSES.join(', ')} or all)`,
        { path: '$.status' },
      );
    }
    out.push(word as FindingStatus);
  }
  return out;
}
