/** ActionStore and ChangeRequestStore on Kysely: the action catalog and changes waiting for a second admin. */
import type { Kysely, Selectable } from 'kysely';
import { PatchhiveError } from '../errors.js';
import type { ActionStatus, ChangeKind, ChangeStatus } from '../protocol/controls-api.js';
import type { ActionRecord, ActionStore, ChangeRequestRecord, ChangeRequestStore } from './ports.js';
import { definedOnly, inTransaction, toJson } from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `actions`: one version of one action. */
export interface ActionRow {
  name: string;
  version: number;
  argv_json: string;
  description: string | null;
  timeout_seconds: number;
  status: string;
  proposed_by: string;
  proposed_at: string;
  approved_by: string | null;
  approved_at: string | null;
}

/** A row of `change_requests`. */
export interface ChangeRequestRow {
  id: string;
  kind: string;
  target: string;
  summary: string;
  payload_json: string;
  status: string;
  proposed_by: string;
  proposed_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  message: string | null;
}

/** The tables the controls area owns. */
export interface ControlTables {
  actions: ActionRow;
  change_requests: ChangeRequestRow;
}

function actionFromRow(r: Selectable<ActionRow>): ActionRecord {
  return {
    name: r.name,
    version: Number(r.version),
    argv: JSON.parse(r.argv_json) as string[],
    description: r.description,
    timeoutSeconds: Number(r.timeout_seconds),
    status: r.status as ActionStatus,
    proposedBy: r.proposed_by,
    proposedAt: r.proposed_at,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
  };
}

function changeFromRow(r: Selectable<ChangeRequestRow>): ChangeRequestRecord {
  return {
    id: r.id,
    kind: r.kind as ChangeKind,
    target: r.target,
    summary: r.summary,
    payload: JSON.parse(r.payload_json) as unknown,
    status: r.status as ChangeStatus,
    proposedBy: r.proposed_by,
    proposedAt: r.proposed_at,
    expiresAt: r.expires_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    message: r.message,
  };
}

/** Creates the action catalog area over `db`. */
export function createActionStore(db: Kysely<ControlTables>): ActionStore {
  const store: ActionStore = {
    async create(a) {
      await db
        .insertInto('actions')
        .values({
          name: a.name,
          version: a.version,
          argv_json: toJson(a.argv),
          description: a.description,
          timeout_seconds: a.timeoutSeconds,
          status: a.status,
          proposed_by: a.proposedBy,
          proposed_at: a.proposedAt,
          approved_by: a.approvedBy,
          approved_at: a.approvedAt,
        })
        .execute();
    },
    async get(name, version) {
      const r = await db
        .selectFrom('actions')
        .selectAll()
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst();
      return r && actionFromRow(r);
    },
    async versions(name) {
      return (
        await db.selectFrom('actions').selectAll().where('name', '=', name).orderBy('version', 'desc').execute()
      ).map(actionFromRow);
    },
    async list(filter = {}) {
      let q = db.selectFrom('actions').selectAll();
      if (filter.statuses) {
        if (filter.statuses.length === 0) return [];
        q = q.where('status', 'in', filter.statuses);
      }
      return (await q.orderBy('name').orderBy('version').execute()).map(actionFromRow);
    },
    async activate(name, version, approvedBy, at) {
      await inTransaction(db, async (trx) => {
        const res = await trx
          .updateTable('actions')
          .set({ status: 'active', approved_by: approvedBy, approved_at: at })
          .where('name', '=', name)
          .where('version', '=', version)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (res.numUpdatedRows === 0n)
          throw new PatchhiveError('E_CONFLICT', `action ${name} version ${version} is not pending`);
        await trx
          .updateTable('actions')
          .set({ status: 'superseded' })
          .where('name', '=', name)
          .where('status', '=', 'active')
          .where('version', '<>', version)
          .execute();
      });
    },
    async setStatus(name, from, to, version) {
      if (from.length === 0) return 0;
      let q = db.updateTable('actions').set({ status: to }).where('name', '=', name).where('status', 'in', from);
      if (version !== undefined) q = q.where('version', '=', version);
      return Number((await q.executeTakeFirst()).numUpdatedRows);
    },
  };
  return guardArea(store, { noun: 'action' });
}

/** Creates the change request area over `db`. */
export function createChangeRequestStore(db: Kysely<ControlTables>): ChangeRequestStore {
  const store: ChangeRequestStore = {
    async create(c) {
      await db
        .insertInto('change_requests')
        .values({
          id: c.id,
          kind: c.kind,
          target: c.target,
          summary: c.summary,
          payload_json: toJson(c.payload ?? null),
          status: c.status,
          proposed_by: c.proposedBy,
          proposed_at: c.proposedAt,
          expires_at: c.expiresAt,
          decided_by: c.decidedBy,
          decided_at: c.decidedAt,
          message: c.message,
        })
        .execute();
    },
    async get(id) {
      const r = await db.selectFrom('change_requests').selectAll().where('id', '=', id).executeTakeFirst();
      return r && changeFromRow(r);
    },
    async list(filter) {
      let q = db.selectFrom('change_requests').selectAll();
      if (filter.statuses) {
        if (filter.statuses.length === 0) return [];
        q = q.where('status', 'in', filter.statuses);
      }
      if (filter.kind) q = q.where('kind', '=', filter.kind);
      if (filter.target) q = q.where('target', '=', filter.target);
      q = q.orderBy('proposed_at', 'desc').orderBy('id', 'desc');
      if (filter.limit !== undefined) q = q.limit(filter.limit);
      return (await q.execute()).map(changeFromRow);
    },
    async transition(id, from, to, patch) {
      const set = definedOnly({
        status: to,
        decided_by: patch.decidedBy,
        decided_at: patch.decidedAt,
        message: patch.message,
      });
      const res = await db
        .updateTable('change_requests')
        .set(set)
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },
  };
  return guardArea(store, { noun: 'change request' });
}
