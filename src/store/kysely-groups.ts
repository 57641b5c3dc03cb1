/** GroupStore on Kysely: machine groups and their static members. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { PatchhiveError } from '../errors.js';
import type { DeadlinePolicyOverride } from '../policy/model.js';
import type { MaintenanceWindow, RebootPolicy } from '../rollout/model.js';
import type { GroupRecord, GroupStore } from './ports.js';
import {
  chunk,
  definedOnly,
  fromFlag,
  fromJson,
  inTransaction,
  requireTouched,
  ROWS_PER_INSERT,
  toFlag,
  toJson,
  updateById,
} from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `machine_groups`. */
export interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  kind: string;
  rule: string | null;
  rescan_schedule: string | null;
  owner: string | null;
  requires_second_approver: number;
  deadline_policy_json: string | null;
  maintenance_window_json: string | null;
  reboot_policy_json: string | null;
  created_at: string;
}

/** A row of `group_members`: one static member. */
export interface GroupMemberRow {
  group_id: string;
  machine_id: string;
}

/** The tables the groups area owns. */
export interface GroupTables {
  machine_groups: GroupRow;
  group_members: GroupMemberRow;
}

function fromRow(r: Selectable<GroupRow>): GroupRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind as GroupRecord['kind'],
    rule: r.rule,
    rescanSchedule: r.rescan_schedule,
    owner: r.owner,
    requiresSecondApprover: fromFlag(r.requires_second_approver),
    deadlinePolicy: fromJson<DeadlinePolicyOverride>(r.deadline_policy_json),
    maintenanceWindow: fromJson<MaintenanceWindow>(r.maintenance_window_json),
    rebootPolicy: fromJson<RebootPolicy>(r.reboot_policy_json),
    createdAt: r.created_at,
  };
}

/** A nullable JSON column: a policy override, maintenance window or reboot policy (null: none). */
function policyJson(p: DeadlinePolicyOverride | MaintenanceWindow | RebootPolicy | null): string | null {
  return p === null ? null : toJson(p);
}

const notFound = (id: string) => `no group with id ${id}`;

async function insertMembers(trx: Transaction<GroupTables>, groupId: string, machineIds: string[]): Promise<void> {
  const unique = [...new Set(machineIds)];
  for (const part of chunk(unique, ROWS_PER_INSERT)) {
    await trx
      .insertInto('group_members')
      .values(part.map((machine_id) => ({ group_id: groupId, machine_id })))
      .execute();
  }
}

/** Creates the groups area over `db`. */
export function createGroupStore(db: Kysely<GroupTables>): GroupStore {
  const store: GroupStore = {
    async create(g, members) {
      await inTransaction(db, async (trx) => {
        await trx
          .insertInto('machine_groups')
          .values({
            id: g.id,
            name: g.name,
            description: g.description,
            kind: g.kind,
            rule: g.rule,
            rescan_schedule: g.rescanSchedule,
            owner: g.owner,
            requires_second_approver: toFlag(g.requiresSecondApprover),
            deadline_policy_json: policyJson(g.deadlinePolicy),
            maintenance_window_json: policyJson(g.maintenanceWindow),
            reboot_policy_json: policyJson(g.rebootPolicy),
            created_at: g.createdAt,
          })
          .execute();
        await insertMembers(trx, g.id, members);
      });
    },
    async get(id) {
      const r = await db.selectFrom('machine_groups').selectAll().where('id', '=', id).executeTakeFirst();
      return r && fromRow(r);
    },
    async getByName(name) {
      const r = await db.selectFrom('machine_groups').selectAll().where('name', '=', name).executeTakeFirst();
      return r && fromRow(r);
    },
    async list() {
      return (await db.selectFrom('machine_groups').selectAll().orderBy('name').orderBy('id').execute()).map(fromRow);
    },
    async update(id, patch) {
      const set = definedOnly({
        name: patch.name,
        description: patch.description,
        rule: patch.rule,
        rescan_schedule: patch.rescanSchedule,
        owner: patch.owner,
        requires_second_approver:
          patch.requiresSecondApprover === undefined ? undefined : toFlag(patch.requiresSecondApprover),
        deadline_policy_json: patch.deadlinePolicy === undefined ? undefined : policyJson(patch.deadlinePolicy),
        maintenance_window_json:
          patch.maintenanceWindow === undefined ? undefined : policyJson(patch.maintenanceWindow),
        reboot_policy_json: patch.rebootPolicy === undefined ? undefined : policyJson(patch.rebootPolicy),
      });
      await updateById(db, 'machine_groups', id, set, 'E_GROUP_NOT_FOUND', notFound(id));
    },
    async delete(id) {
      const res = await db.deleteFrom('machine_groups').where('id', '=', id).executeTakeFirst();
      requireTouched(res, 'E_GROUP_NOT_FOUND', notFound(id));
    },
    async members(id) {
      const rows = await db
        .selectFrom('group_members')
        .select('machine_id')
        .where('group_id', '=', id)
        .orderBy('machine_id')
        .execute();
      return rows.map((r) => r.machine_id);
    },
    // A scope names a few groups: a plain IN list is enough.
    async membersOfAny(ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('group_members')
        .select('machine_id')
        .distinct()
        .where('group_id', 'in', ids)
        .orderBy('machine_id')
        .execute();
      return rows.map((r) => r.machine_id);
    },
    async staticGroupIdsOf(machineId) {
      const rows = await db
        .selectFrom('group_members')
        .select('group_id')
        .where('machine_id', '=', machineId)
        .orderBy('group_id')
        .execute();
      return rows.map((r) => r.group_id);
    },
    async setMembers(id, machineIds) {
      await inTransaction(db, async (trx) => {
        const exists = await trx.selectFrom('machine_groups').select('id').where('id', '=', id).executeTakeFirst();
        if (!exists) throw new PatchhiveError('E_GROUP_NOT_FOUND', notFound(id));
        await trx.deleteFrom('group_members').where('group_id', '=', id).execute();
        await insertMembers(trx, id, machineIds);
      });
    },
  };
  return guardArea(store, {
    noun: 'group',
    missingReference: { code: 'E_MACHINE_NOT_FOUND', message: 'a group member is not a known machine' },
  });
}
