/** TriageStore on Kysely: triage decisions per (bulletin, group) and their append-only history. */
import { randomUUID } from 'node:crypto';
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool, Transaction } from 'kysely';
import { PatchhiveError } from '../errors.js';
import type { TriageActionKind, TriageDecision, TriageEvent, TriageState } from '../policy/model.js';
import { emptyTriageDecision } from '../policy/triage.js';
import type { TriageFilter, TriageStore } from './ports.js';
import {
  chunk,
  fromFlag,
  inList,
  inTransaction,
  pageLimit,
  ROWS_PER_INSERT,
  toCount,
  toFlag,
  toJson,
  type StoreKind,
} from './sql-util.js';
import { guardArea } from './store-errors.js';
import { createRuleAndExceptionMethods, type RuleTables } from './kysely-triage-rules.js';

/** A row of `triage_decisions`. */
export interface TriageDecisionRow {
  bulletin_id: string;
  group_id: string;
  state: string;
  owner: string | null;
  notes: string | null;
  reason: string | null;
  ignore_until: string | null;
  emergency: number;
  approvals_json: string;
  created_at: string;
  updated_at: string;
  updated_by: string;
  version: number;
}

/** A row of `triage_events`; `version` is the decision version the event produced. */
export interface TriageEventRow {
  id: string;
  bulletin_id: string;
  group_id: string;
  at: string;
  version: number;
  actor: string;
  action: string;
  from_state: string | null;
  to_state: string;
  detail_json: string;
}

/** The tables the triage area owns. */
export interface TriageTables extends RuleTables {
  triage_decisions: TriageDecisionRow;
  triage_events: TriageEventRow;
}

type Pair = { bulletinId: string; groupId: string };
type DecisionsEb = ExpressionBuilder<TriageTables, 'triage_decisions'>;

function decisionToRow(d: TriageDecision): TriageDecisionRow {
  return {
    bulletin_id: d.bulletinId,
    group_id: d.groupId,
    state: d.state,
    owner: d.owner,
    notes: d.notes,
    reason: d.reason,
    ignore_until: d.ignoreUntil,
    emergency: toFlag(d.emergency),
    approvals_json: toJson(d.approvals),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    updated_by: d.updatedBy,
    version: d.version,
  };
}

function decisionFromRow(r: Selectable<TriageDecisionRow>): TriageDecision {
  return {
    bulletinId: r.bulletin_id,
    groupId: r.group_id,
    state: r.state as TriageState,
    owner: r.owner,
    notes: r.notes,
    reason: r.reason,
    ignoreUntil: r.ignore_until,
    emergency: fromFlag(r.emergency),
    approvals: JSON.parse(r.approvals_json) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
    version: Number(r.version),
  };
}

function eventToRow(e: TriageEvent, version: number): TriageEventRow {
  return {
    id: e.id,
    bulletin_id: e.bulletinId,
    group_id: e.groupId,
    at: e.at,
    version,
    actor: e.actor,
    action: e.action,
    from_state: e.fromState,
    to_state: e.toState,
    detail_json: toJson(e.detail),
  };
}

function eventFromRow(r: Selectable<TriageEventRow>): TriageEvent {
  return {
    id: r.id,
    bulletinId: r.bulletin_id,
    groupId: r.group_id,
    at: r.at,
    actor: r.actor,
    action: r.action as TriageActionKind,
    fromState: r.from_state as TriageState | null,
    toState: r.to_state as TriageState,
    detail: JSON.parse(r.detail_json) as TriageEvent['detail'],
  };
}

/** A caller bug, not a client error: the decision, its event and the versions must agree. */
function assertSavable(d: TriageDecision, e: TriageEvent, expectedVersion: number): void {
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
    throw new PatchhiveError('E_INTERNAL', `triage save: expectedVersion ${expectedVersion} is not a version`);
  }
  if (d.version !== expectedVersion + 1) {
    throw new PatchhiveError(
      'E_INTERNAL',
      `triage save: the decision's version must be ${expectedVersion + 1}, not ${d.version}`,
    );
  }
  if (e.bulletinId !== d.bulletinId || e.groupId !== d.groupId) {
    throw new PatchhiveError(
      'E_INTERNAL',
      'triage save: the event is about another bulletin or group than the decision',
    );
  }
}

/** Distinct pairs in one fixed order, so concurrent enqueuers take row locks in the same order. */
function sortedPairs(pairs: Pair[]): Pair[] {
  const byKey = new Map<string, Pair>();
  for (const p of pairs)
    byKey.set(`${p.groupId}\u0000${p.bulletinId}`, { bulletinId: p.bulletinId, groupId: p.groupId });
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
}

/** The row of a freshly enqueued pair: the empty decision, as its first version. */
function newDecisionRow(p: Pair, at: string): TriageDecisionRow {
  return decisionToRow({ ...emptyTriageDecision(p, at), version: 1 });
}

function enqueueEventRow(p: Pair, at: string): TriageEventRow {
  const event: TriageEvent = {
    id: randomUUID(),
    ...p,
    at,
    actor: 'system',
    action: 'enqueue',
    fromState: null,
    toState: 'new',
    detail: {},
  };
  return eventToRow(event, 1);
}

/** Inserts the missing decisions of one slice of pairs; returns the pairs really inserted. */
async function enqueueSlice(trx: Transaction<TriageTables>, part: Pair[], at: string): Promise<Pair[]> {
  const inserted = await trx
    .insertInto('triage_decisions')
    .values(part.map((p) => newDecisionRow(p, at)))
    .onConflict((oc) => oc.columns(['bulletin_id', 'group_id']).doNothing())
    .returning(['bulletin_id', 'group_id'])
    .execute();
  const created = inserted.map((r) => ({ bulletinId: r.bulletin_id, groupId: r.group_id }));
  if (created.length > 0)
    await trx
      .insertInto('triage_events')
      .values(created.map((p) => enqueueEventRow(p, at)))
      .execute();
  return created;
}

function filterConditions(kind: StoreKind, f: TriageFilter, eb: DecisionsEb): Expression<SqlBool>[] {
  const conds: Expression<SqlBool>[] = [];
  if (f.groupIds) conds.push(inList(kind, 'triage_decisions.group_id', f.groupIds));
  if (f.bulletinIds) conds.push(inList(kind, 'triage_decisions.bulletin_id', f.bulletinIds));
  if (f.states) conds.push(inList(kind, 'triage_decisions.state', f.states));
  return conds.length > 0 ? conds : [eb.lit(true)];
}

/** Creates the triage area over `db`. */
export function createTriageStore(db: Kysely<TriageTables>, kind: StoreKind): TriageStore {
  const store: TriageStore = {
    async get(bulletinId, groupId) {
      const r = await db
        .selectFrom('triage_decisions')
        .selectAll()
        .where('bulletin_id', '=', bulletinId)
        .where('group_id', '=', groupId)
        .executeTakeFirst();
      return r && decisionFromRow(r);
    },
    async list(filter) {
      const where = (eb: DecisionsEb) => eb.and(filterConditions(kind, filter, eb));
      const total = await db
        .selectFrom('triage_decisions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(where)
        .executeTakeFirstOrThrow();
      let q = db.selectFrom('triage_decisions').selectAll().where(where).orderBy('group_id').orderBy('bulletin_id');
      const limit = pageLimit(filter.limit, filter.offset);
      if (limit !== undefined) q = q.limit(limit);
      if (filter.offset) q = q.offset(filter.offset);
      return { items: (await q.execute()).map(decisionFromRow), total: toCount(total.n) };
    },
    async save(decision, event, expectedVersion) {
      assertSavable(decision, event, expectedVersion);
      const row = decisionToRow(decision);
      const conflict = () =>
        new PatchhiveError(
          'E_CONFLICT',
          `the triage decision for ${decision.bulletinId} in group ${decision.groupId} changed since version ${expectedVersion}`,
        );
      await inTransaction(db, async (trx) => {
        // The version check and the write are one statement, so two savers of the same version
        // cannot both succeed: the loser inserts nothing (ON CONFLICT) or matches no row.
        if (expectedVersion === 0) {
          const inserted = await trx
            .insertInto('triage_decisions')
            .values(row)
            .onConflict((oc) => oc.columns(['bulletin_id', 'group_id']).doNothing())
            .returning('version')
            .executeTakeFirst();
          if (!inserted) throw conflict();
        } else {
          const { bulletin_id, group_id, created_at, ...changes } = row;
          const updated = await trx
            .updateTable('triage_decisions')
            .set(changes)
            .where('bulletin_id', '=', bulletin_id)
            .where('group_id', '=', group_id)
            .where('version', '=', expectedVersion)
            .returning('version')
            .executeTakeFirst();
          if (!updated) throw conflict();
        }
        await trx.insertInto('triage_events').values(eventToRow(event, decision.version)).execute();
      });
    },
    async history(bulletinId, groupId) {
      let q = db.selectFrom('triage_events').selectAll().where('bulletin_id', '=', bulletinId);
      if (groupId !== undefined) q = q.where('group_id', '=', groupId);
      const rows = await q.orderBy('at').orderBy('group_id').orderBy('version').orderBy('id').execute();
      return rows.map(eventFromRow);
    },
    async enqueueNew(pairs, at) {
      const todo = sortedPairs(pairs);
      if (todo.length === 0) return [];
      const created = await inTransaction(db, async (trx) => {
        const out: Pair[] = [];
        for (const part of chunk(todo, ROWS_PER_INSERT)) out.push(...(await enqueueSlice(trx, part, at)));
        return out;
      });
      return sortedPairs(created);
    },
    async listExpiredIgnores(now) {
      const rows = await db
        .selectFrom('triage_decisions')
        .selectAll()
        .where('state', '=', 'ignored')
        .where('ignore_until', 'is not', null)
        .where('ignore_until', '<=', now)
        .orderBy('group_id')
        .orderBy('bulletin_id')
        .execute();
      return rows.map(decisionFromRow);
    },
    async deleteForGroup(groupId) {
      await inTransaction(db, async (trx) => {
        await trx.deleteFrom('triage_events').where('group_id', '=', groupId).execute();
        await trx.deleteFrom('triage_decisions').where('group_id', '=', groupId).execute();
      });
    },
    ...createRuleAndExceptionMethods(db as unknown as Kysely<RuleTables>, kind),
  };
  return guardArea(store, {
    noun: 'triage decision, approval rule or risk exception',
    missingReference: { code: 'E_GROUP_NOT_FOUND', message: "the triage decision's group does not exist" },
  });
}
