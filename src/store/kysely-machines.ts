/** MachineStore on Kysely: the machines table and each machine's stored inventory. */
import type { Kysely, Selectable } from 'kysely';
import type { Criticality, MachineAttributesPatch, MachineRecord, MachineStore, OsSummary } from './ports.js';
import { installedPackagesOf } from './inventory-packages.js';
import { listPackages, searchMachines, type MachineRow, type MachineTables } from './kysely-machines-search.js';
import {
  chunk,
  definedOnly,
  fromFlag,
  fromJson,
  inList,
  inTransaction,
  requireTouched,
  ROWS_PER_INSERT,
  toFlag,
  toJson,
  updateById,
  type StoreKind,
} from './sql-util.js';
import { guardArea } from './store-errors.js';

export type { InventoryRow, MachineRow, MachineTables } from './kysely-machines-search.js';

function toRow(m: MachineRecord): MachineRow {
  return {
    id: m.id,
    name: m.name,
    os_json: m.os === null ? null : toJson(m.os),
    role: m.role,
    criticality: m.criticality,
    owner: m.owner,
    location: m.location,
    tags_json: toJson(m.tags),
    internet_facing: toFlag(m.internetFacing),
    source: m.source,
    agent_id: m.agentId,
    created_at: m.createdAt,
    last_seen_at: m.lastSeenAt,
    inventory_hash: m.inventoryHash,
    inventory_at: m.inventoryAt,
    assessed_hash: m.assessedHash,
    assessed_at: m.assessedAt,
  };
}

function fromRow(r: Selectable<MachineRow>): MachineRecord {
  return {
    id: r.id,
    name: r.name,
    os: fromJson<OsSummary>(r.os_json),
    role: r.role,
    criticality: r.criticality as Criticality,
    owner: r.owner,
    location: r.location,
    tags: fromJson<string[]>(r.tags_json) ?? [],
    internetFacing: fromFlag(r.internet_facing),
    source: r.source as MachineRecord['source'],
    agentId: r.agent_id,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    inventoryHash: r.inventory_hash,
    inventoryAt: r.inventory_at,
    assessedHash: r.assessed_hash,
    assessedAt: r.assessed_at,
  };
}

function patchToRow(p: MachineAttributesPatch): Partial<MachineRow> {
  return definedOnly({
    role: p.role,
    criticality: p.criticality,
    owner: p.owner,
    location: p.location,
    tags_json: p.tags === undefined ? undefined : toJson(p.tags),
    internet_facing: p.internetFacing === undefined ? undefined : toFlag(p.internetFacing),
  });
}

const notFound = (id: string) => `no machine with id ${id}`;

/** Creates the machines area over `db`. */
export function createMachineStore(db: Kysely<MachineTables>, kind: StoreKind): MachineStore {
  const updateOne = (id: string, set: Partial<MachineRow>) =>
    updateById(db, 'machines', id, set, 'E_MACHINE_NOT_FOUND', notFound(id));
  const store: MachineStore = {
    async create(m) {
      await db.insertInto('machines').values(toRow(m)).execute();
    },
    async get(id) {
      const r = await db.selectFrom('machines').selectAll().where('id', '=', id).executeTakeFirst();
      return r && fromRow(r);
    },
    async getByName(name) {
      const r = await db.selectFrom('machines').selectAll().where('name', '=', name).executeTakeFirst();
      return r && fromRow(r);
    },
    async list(filter) {
      let q = db.selectFrom('machines').selectAll().orderBy('name').orderBy('id');
      if (filter?.ids) q = q.where(inList(kind, 'machines.id', filter.ids));
      return (await q.execute()).map(fromRow);
    },
    async updateAttributes(id, patch) {
      await updateOne(id, patchToRow(patch));
    },
    async setOs(id, os) {
      await updateOne(id, { os_json: os === null ? null : toJson(os) });
    },
    async touch(id, at) {
      await updateOne(id, { last_seen_at: at });
    },
    async delete(id) {
      const res = await db.deleteFrom('machines').where('id', '=', id).executeTakeFirst();
      requireTouched(res, 'E_MACHINE_NOT_FOUND', notFound(id));
    },
    async putInventory(id, hash, inventoryJson, at) {
      await inTransaction(db, async (trx) => {
        const res = await trx
          .updateTable('machines')
          .set({ inventory_hash: hash, inventory_at: at })
          .where('id', '=', id)
          .executeTakeFirst();
        requireTouched(res, 'E_MACHINE_NOT_FOUND', notFound(id));
        await trx
          .insertInto('machine_inventories')
          .values({ machine_id: id, hash, inventory_json: inventoryJson, at })
          .onConflict((oc) =>
            oc.column('machine_id').doUpdateSet((eb) => ({
              hash: eb.ref('excluded.hash'),
              inventory_json: eb.ref('excluded.inventory_json'),
              at: eb.ref('excluded.at'),
            })),
          )
          .execute();
        // The package rows follow the inventory in the same transaction: the search never sees a mix.
        await trx.deleteFrom('machine_packages').where('machine_id', '=', id).execute();
        const rows = installedPackagesOf(JSON.parse(inventoryJson)).map((p) => ({ machine_id: id, ...p }));
        for (const part of chunk(rows, ROWS_PER_INSERT))
          await trx.insertInto('machine_packages').values(part).execute();
      });
    },
    async getInventory(id) {
      const r = await db.selectFrom('machine_inventories').selectAll().where('machine_id', '=', id).executeTakeFirst();
      return r && { hash: r.hash, json: r.inventory_json, at: r.at };
    },
    async markAssessed(id, hash, at) {
      await updateOne(id, { assessed_hash: hash, assessed_at: at });
    },
    async listPendingAssessment() {
      const rows = await db
        .selectFrom('machines')
        .select('id')
        .where('inventory_hash', 'is not', null)
        .where((eb) => eb.or([eb('assessed_hash', 'is', null), eb('assessed_hash', '<>', eb.ref('inventory_hash'))]))
        .orderBy('id')
        .execute();
      return rows.map((r) => r.id);
    },
    async search(filter) {
      const found = await searchMachines(db, kind, filter);
      return { items: found.rows.map(fromRow), total: found.total };
    },
    listPackages: (machineId, filter) => listPackages(db, machineId, filter),
  };
  return guardArea(store, { noun: 'machine' });
}
