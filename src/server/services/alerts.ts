/**
 * What the server tells administrators on its own: catalog changes that hit their machines, open
 * findings due soon or overdue per group, and a digest per group owner. Builds the messages with
 * the pure builders in src/server/notify and queues them on the Notifier (which delivers, retries
 * and logs).
 */
import type { Logger } from 'pino';
import {
  bulletinMessages,
  digestMessage,
  findingsDueMessage,
  type DigestGroup,
  type DueFindingRow,
} from '../notify/messages.js';
import type { Notifier } from '../notify/notifier.js';
import {
  OPEN_STATUSES,
  type BulletinRecord,
  type FindingFact,
  type SourceRecord,
  type Store,
  type SyncRecord,
} from '../../store/ports.js';
import type { GroupService } from './groups.js';
import type { VerdictService } from './verdicts.js';

const DAY_MS = 86_400_000;

export class AlertService {
  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    private readonly verdicts: VerdictService,
    private readonly notifier: Notifier,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /** After a sync with a diff: new bulletins affecting machines, revised and withdrawn ones. */
  async catalogChanged(source: SourceRecord, record: SyncRecord): Promise<number> {
    if (!record.diff) return 0;
    const ids = [...record.diff.added, ...record.diff.revised, ...record.diff.withdrawn].map((c) => c.id);
    if (ids.length === 0) return 0;
    const bulletins = new Map<string, BulletinRecord>();
    for (const b of (await this.store.bulletins.list({ ids, includeWithdrawn: true, limit: ids.length })).items)
      bulletins.set(b.id, b);
    const messages = bulletinMessages({ syncId: record.id, sourceName: source.name, diff: record.diff, bulletins });
    const machines = new Map(
      [...record.diff.added, ...record.diff.revised, ...record.diff.withdrawn].map((c) => [c.id, c.affectedMachines]),
    );
    const groupsByBulletin = await this.groupsAffected(ids);
    let queued = 0;
    for (const m of messages) {
      const bulletinId = String(m.data['bulletinId']);
      queued += await this.notifier.publish(m, {
        groupIds: groupsByBulletin.get(bulletinId) ?? [],
        machines: machines.get(bulletinId) ?? 0,
      });
    }
    if (queued > 0) this.log.info({ source: source.name, queued }, 'catalog change notifications queued');
    return queued;
  }

  /** Per group: one message listing the findings due soon, one listing the overdue ones. */
  async remindDue(): Promise<number> {
    const day = this.now().toISOString().slice(0, 10);
    let queued = 0;
    for (const { group, rows } of await this.dueByGroup()) {
      for (const kind of ['due-soon', 'overdue'] as const) {
        const msg = findingsDueMessage(kind, { group: { id: group.id, name: group.name }, day, rows: rows[kind] });
        if (msg) queued += await this.notifier.publish(msg, { groupIds: [group.id] });
      }
    }
    return queued;
  }

  /** One digest per group owner, over the groups they own. */
  async digests(): Promise<number> {
    const now = this.now();
    const day = now.toISOString().slice(0, 10);
    const since = new Date(now.getTime() - 7 * DAY_MS).toISOString();
    const byOwner = new Map<string, { ids: string[]; groups: DigestGroup[] }>();
    for (const { group, rows, open } of await this.dueByGroup()) {
      if (!group.owner) continue;
      const fresh = (await this.store.triage.list({ groupIds: [group.id] })).items.filter(
        (d) => d.createdAt >= since,
      ).length;
      const entry = byOwner.get(group.owner) ?? byOwner.set(group.owner, { ids: [], groups: [] }).get(group.owner)!;
      entry.ids.push(group.id);
      entry.groups.push({
        name: group.name,
        openFindings: open,
        dueSoon: rows['due-soon'].length,
        overdue: rows.overdue.length,
        newBulletins: fresh,
      });
    }
    let queued = 0;
    for (const [owner, { ids, groups }] of byOwner)
      queued += await this.notifier.publish(digestMessage({ owner, day, groups }), { groupIds: ids });
    return queued;
  }

  /** Each group's open findings sorted into due soon and overdue, by their policy verdicts (light rows, streamed). */
  private async dueByGroup() {
    const out = [];
    for (const { record, memberIds } of await this.groups.allWithMembers()) {
      if (memberIds.length === 0) continue;
      const open: FindingFact[] = [];
      for await (const batch of this.store.findings.scanFacts({ machineIds: memberIds }))
        open.push(...batch.filter((f) => OPEN_STATUSES.includes(f.status)));
      const names = new Map((await this.store.machines.list({ ids: memberIds })).map((m) => [m.id, m.name]));
      const ctx = await this.verdicts.context(memberIds, [...new Set(open.map((f) => f.bulletinId))]);
      const rows: Record<'due-soon' | 'overdue', DueFindingRow[]> = { 'due-soon': [], overdue: [] };
      let counted = 0;
      for (const f of open) {
        const v = this.verdicts.verdict(f, ctx);
        if (v.sla !== 'ignored' && v.sla !== 'declined') counted++;
        if ((v.sla === 'due-soon' || v.sla === 'overdue') && v.dueAt)
          rows[v.sla].push({
            machineName: names.get(f.machineId) ?? f.machineId,
            bulletinId: f.bulletinId,
            severity: f.severity,
            dueAt: v.dueAt,
          });
      }
      out.push({ group: record, rows, open: counted });
    }
    return out;
  }

  /** For each bulletin: the groups holding a machine with it open. */
  private async groupsAffected(bulletinIds: string[]): Promise<Map<string, string[]>> {
    const groupsOf = new Map<string, string[]>();
    for (const { record, memberIds } of await this.groups.allWithMembers()) {
      for (const m of memberIds) (groupsOf.get(m) ?? groupsOf.set(m, []).get(m)!).push(record.id);
    }
    const out = new Map<string, string[]>();
    const open = await this.store.findings.list({ bulletinIds, statuses: [...OPEN_STATUSES], resolved: false });
    for (const f of open.items) {
      const set = new Set(out.get(f.bulletinId) ?? []);
      for (const g of groupsOf.get(f.machineId) ?? []) set.add(g);
      out.set(f.bulletinId, [...set]);
    }
    return out;
  }
}
