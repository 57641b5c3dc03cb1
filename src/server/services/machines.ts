/** Machines: registered by agents or imported from inventory files, with their attributes. */
import { randomUUID } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';
import { zodToPatchhiveError } from '../../common/json-input.js';
import { inventorySchema, type Inventory } from '../../inventory/model.js';
import { inventoryHash } from '../../protocol/inventory-hash.js';
import type { MachineAttributes, MachineWire } from '../../protocol/api.js';
import type { MachineListQuery } from '../../protocol/console-api.js';
import { MACHINE_STATUS_VALUES } from '../../protocol/console-api.js';
import type {
  DailySnapshot,
  InstalledPackageRecord,
  MachineRecord,
  MachineSearch,
  MachineStatus,
  OsSummary,
  Store,
  StoreAreas,
} from '../../store/ports.js';
import type { AssessmentService } from '../assessment/assessment-service.js';
import { machineFilter, seesMachine, WHOLE_FLEET, type Scope } from '../auth/scope.js';

export class MachineService {
  constructor(
    private readonly store: Store,
    private readonly assessment: AssessmentService,
    private readonly now: () => Date,
    /** Told a machine whose attributes changed (it may have joined rule groups: triage queues its open findings there). */
    private readonly onAttributesChanged: (machineId: string) => Promise<unknown> = async () => undefined,
    /** A machine not seen for this long is stale (config console.staleAfterHours). */
    private readonly staleAfterHours = 48,
  ) {}

  /** A machine by id or by name; throws E_MACHINE_NOT_FOUND, also for one outside the scope. */
  async resolve(idOrName: string, scope: Scope = WHOLE_FLEET): Promise<MachineRecord> {
    const m = (await this.store.machines.get(idOrName)) ?? (await this.store.machines.getByName(idOrName));
    if (!m || !seesMachine(scope, m.id))
      throw new PatchhiveError('E_MACHINE_NOT_FOUND', `no machine ${JSON.stringify(idOrName)}`);
    return m;
  }

  /**
   * One page of the machines matching the search, with their open-finding counts; `ids` restricts
   * to those machines (a group), the scope to its own. Searched in the database (store.machines.search).
   */
  async list(
    filter: MachineListFilter & { ids?: string[] | undefined },
    scope: Scope = WHOLE_FLEET,
  ): Promise<{ items: MachineWire[]; total: number }> {
    const ids = machineFilter(scope, filter.ids);
    const { items, total } = await this.store.machines.search(this.searchOf(filter, ids));
    return { items: await this.toWire(items), total };
  }

  /** The store search for a list query (statuses and the package filter checked here). */
  private searchOf(f: MachineListFilter, ids: string[] | undefined): MachineSearch {
    if (f.version !== undefined && f.package === undefined)
      throw new PatchhiveError('E_BAD_REQUEST', '"version" needs "package"', { path: '$.version' });
    const statuses = f.status === undefined ? undefined : parseMachineStatuses(f.status);
    return {
      ...(ids ? { ids } : {}),
      ...(f.q ? { q: f.q } : {}),
      ...(f.os ? { os: f.os } : {}),
      ...(f.owner ? { owner: f.owner } : {}),
      ...(f.tag ? { tag: f.tag } : {}),
      ...(statuses ? { statuses, staleBefore: this.staleBefore() } : {}),
      ...(f.package ? { package: { name: f.package, ...(f.version ? { version: f.version } : {}) } } : {}),
      sort: f.sort ?? 'name',
      ...(f.order ? { order: f.order } : {}),
      limit: f.limit,
      offset: f.offset,
    };
  }

  /** Machines last seen before this time are stale. */
  staleBefore(): string {
    return new Date(this.now().getTime() - this.staleAfterHours * 3_600_000).toISOString();
  }

  /** How long a machine may go unseen (hours) before it is stale. */
  get staleHours(): number {
    return this.staleAfterHours;
  }

  /** The packages, products and KBs of the machine's latest inventory, by name. */
  async packages(
    idOrName: string,
    q: { q?: string | undefined; limit: number; offset: number },
    scope: Scope = WHOLE_FLEET,
  ): Promise<{ items: InstalledPackageRecord[]; total: number }> {
    const m = await this.resolve(idOrName, scope);
    return this.store.machines.listPackages(m.id, { ...(q.q ? { q: q.q } : {}), limit: q.limit, offset: q.offset });
  }

  async get(idOrName: string, scope: Scope = WHOLE_FLEET): Promise<MachineWire> {
    return (await this.toWire([await this.resolve(idOrName, scope)]))[0]!;
  }

  /** The machine record for a newly enrolled agent (a unique name derived from its host name). */
  async createForAgent(
    hostname: string,
    agentId: string,
    at: string,
    store: StoreAreas = this.store,
  ): Promise<MachineRecord> {
    const m = newMachine(await this.uniqueName(hostname, store), 'agent', at);
    m.agentId = agentId;
    await store.machines.create(m);
    return m;
  }

  /**
   * Creates or updates a machine from an inventory document and assesses it at once. A scoped
   * caller updates machines it sees only: adding one, or naming one it does not see, is the same
   * E_FORBIDDEN (so the answer does not tell whether the name exists).
   */
  async importInventory(
    raw: unknown,
    attributes: MachineAttributes | undefined,
    scope: Scope = WHOLE_FLEET,
  ): Promise<MachineWire> {
    const parsed = inventorySchema.safeParse(raw);
    if (!parsed.success) {
      const e = zodToPatchhiveError(parsed.error, undefined, 'inventory', ['inventory']);
      throw new PatchhiveError('E_BAD_REQUEST', e.message, e.location);
    }
    const inv = parsed.data;
    const at = this.now().toISOString();
    let m = await this.store.machines.getByName(inv.machine.name);
    if (scope.kind !== 'fleet' && !(m && seesMachine(scope, m.id))) {
      throw new PatchhiveError(
        'E_FORBIDDEN',
        'a token scoped to groups can import inventories only of machines it sees; it cannot add machines',
      );
    }
    if (m?.source === 'agent') {
      // An agent reports for its own machine; a file must not overwrite what the agent sees.
      throw new PatchhiveError(
        'E_CONFLICT',
        `machine ${JSON.stringify(m.name)} is managed by its agent; import under another name`,
      );
    }
    if (!m) {
      m = newMachine(inv.machine.name, 'import', at);
      await this.store.machines.create(m);
    }
    if (attributes) await this.store.machines.updateAttributes(m.id, attributes);
    await this.storeInventory(m.id, inv, inventoryHash(inv), at);
    await this.assessment.whenIdle();
    await this.assessment.assessMachine(m.id);
    return this.get(m.id);
  }

  /** Stores an inventory durably and updates the machine's OS summary. */
  async storeInventory(machineId: string, inv: Inventory, hash: string, at: string): Promise<void> {
    await this.store.machines.putInventory(machineId, hash, JSON.stringify(inv), at);
    await this.store.machines.setOs(machineId, osSummaryOf(inv));
  }

  async update(idOrName: string, patch: MachineAttributes, scope: Scope = WHOLE_FLEET): Promise<MachineWire> {
    const m = await this.resolve(idOrName, scope);
    await this.store.machines.updateAttributes(m.id, patch);
    await this.onAttributesChanged(m.id);
    return this.get(m.id);
  }

  async delete(idOrName: string): Promise<void> {
    const m = await this.resolve(idOrName);
    // The agent is revoked and the findings go with the machine, or nothing changes.
    await this.store.transaction(async (tx) => {
      if (m.agentId) await tx.agents.revokeAgent(m.agentId, this.now().toISOString());
      await tx.findings.deleteForMachine(m.id);
      await tx.machines.delete(m.id);
    });
    this.assessment.forget(m.id);
  }

  /** Re-assesses now and returns the machine. */
  async assessNow(idOrName: string, scope: Scope = WHOLE_FLEET): Promise<MachineWire> {
    const m = await this.resolve(idOrName, scope);
    await this.assessment.whenIdle();
    await this.assessment.assessMachine(m.id);
    return this.get(m.id);
  }

  async history(idOrName: string, from: string, to: string, scope: Scope = WHOLE_FLEET): Promise<DailySnapshot[]> {
    const m = await this.resolve(idOrName, scope);
    return this.store.findings.listSnapshots(m.id, from, to);
  }

  private async uniqueName(base: string, store: StoreAreas): Promise<string> {
    if (!(await store.machines.getByName(base))) return base;
    for (let i = 2; ; i++) {
      const candidate = `${base}-${i}`;
      if (!(await store.machines.getByName(candidate))) return candidate;
    }
  }

  private async toWire(machines: MachineRecord[]): Promise<MachineWire[]> {
    const open = await this.store.findings.countOpenByMachine(machines.map((m) => m.id));
    const stale = new Map(
      (await this.store.agents.listStale()).map((a) => [a.machineId, { since: a.since, reason: a.reason }]),
    );
    return machines.map((m) => ({
      id: m.id,
      name: m.name,
      os: m.os,
      role: m.role,
      criticality: m.criticality,
      owner: m.owner,
      location: m.location,
      tags: m.tags,
      internetFacing: m.internetFacing,
      source: m.source,
      agentId: m.agentId,
      createdAt: m.createdAt,
      lastSeenAt: m.lastSeenAt,
      inventoryAt: m.inventoryAt,
      assessedAt: m.assessedAt,
      assessmentPending: m.inventoryHash !== null && m.inventoryHash !== m.assessedHash,
      agentStale: stale.get(m.id) ?? null,
      openFindings: open.get(m.id) ?? 0,
    }));
  }
}

/** What a machine list may filter on (the list query without its group). */
export type MachineListFilter = Omit<Partial<MachineListQuery>, 'limit' | 'offset' | 'group'> &
  Pick<MachineListQuery, 'limit' | 'offset'>;

/** Parses a comma-separated list of machine statuses; an unknown one is E_BAD_REQUEST. */
export function parseMachineStatuses(text: string): MachineStatus[] {
  const out: MachineStatus[] = [];
  for (const part of text.split(',').map((x) => x.trim())) {
    if (!part) continue;
    if (!(MACHINE_STATUS_VALUES as readonly string[]).includes(part))
      throw new PatchhiveError(
        'E_BAD_REQUEST',
        `unknown status ${JSON.stringify(part)}; expected ${MACHINE_STATUS_VALUES.join(', ')}`,
        { path: '$.status' },
      );
    if (!out.includes(part as MachineStatus)) out.push(part as MachineStatus);
  }
  return out;
}

function newMachine(name: string, source: 'agent' | 'import', at: string): MachineRecord {
  return {
    id: randomUUID(),
    name,
    os: null,
    role: null,
    criticality: 'medium',
    owner: null,
    location: null,
    tags: [],
    internetFacing: false,
    source,
    agentId: null,
    createdAt: at,
    lastSeenAt: source === 'agent' ? at : null,
    inventoryHash: null,
    inventoryAt: null,
    assessedHash: null,
    assessedAt: null,
  };
}

/** The OS facts a machine list shows. */
export function osSummaryOf(inv: Inventory): OsSummary {
  const o = inv.os;
  const s: OsSummary = { family: o.family, platform: o.platform };
  if (o.release) s.release = o.release;
  if (o.codename) s.codename = o.codename;
  if (o.version) s.version = o.version;
  if (o.arch) s.arch = o.arch;
  return s;
}
