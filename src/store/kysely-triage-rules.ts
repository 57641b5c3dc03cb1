/** The approval-rule and risk-exception half of the triage area (assembled in kysely-triage.ts). */
import type { Kysely, Selectable } from 'kysely';
import { PatchhiveError } from '../errors.js';
import type { ApprovalRule, ApprovalRuleMatch, RiskException } from '../policy/model.js';
import type { TriageStore } from './ports.js';
import {
  definedOnly,
  fromFlag,
  fromJson,
  inList,
  requireTouched,
  toFlag,
  toJson,
  updateById,
  type StoreKind,
} from './sql-util.js';
import { isForeignKeyViolation } from './store-errors.js';

/** A row of `approval_rules`. */
export interface ApprovalRuleRow {
  id: string;
  name: string;
  priority: number;
  enabled: number;
  group_id: string | null;
  match_json: string;
  decision: string;
  reason: string | null;
  emergency: number;
  after_json: string | null;
  created_at: string;
  created_by: string;
}

/** A row of `risk_exceptions`. */
export interface RiskExceptionRow {
  id: string;
  bulletin_id: string;
  machine_id: string | null;
  group_id: string | null;
  owner: string;
  reason: string;
  until: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

/** The tables this half owns (the triage area's other half is in kysely-triage.ts). */
export interface RuleTables {
  approval_rules: ApprovalRuleRow;
  risk_exceptions: RiskExceptionRow;
}

type RuleMethods = Pick<TriageStore, 'createRule' | 'getRule' | 'listRules' | 'updateRule' | 'deleteRule'>;
type ExceptionMethods = Pick<TriageStore, 'createException' | 'getException' | 'listExceptions' | 'revokeException'>;

function ruleFromRow(r: Selectable<ApprovalRuleRow>): ApprovalRule {
  return {
    id: r.id,
    name: r.name,
    priority: Number(r.priority),
    enabled: fromFlag(r.enabled),
    groupId: r.group_id,
    match: JSON.parse(r.match_json) as ApprovalRuleMatch,
    decision: r.decision as ApprovalRule['decision'],
    reason: r.reason,
    emergency: fromFlag(r.emergency),
    after: fromJson<ApprovalRule['after']>(r.after_json),
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

function exceptionFromRow(r: Selectable<RiskExceptionRow>): RiskException {
  return {
    id: r.id,
    bulletinId: r.bulletin_id,
    machineId: r.machine_id,
    groupId: r.group_id,
    owner: r.owner,
    reason: r.reason,
    until: r.until,
    createdAt: r.created_at,
    createdBy: r.created_by,
    revokedAt: r.revoked_at,
  };
}

const ruleNotFound = (id: string) => `no approval rule with id ${id}`;
const exceptionNotFound = (id: string) => `no risk exception with id ${id}`;

function ruleMethods(db: Kysely<RuleTables>): RuleMethods {
  return {
    async createRule(r) {
      await db
        .insertInto('approval_rules')
        .values({
          id: r.id,
          name: r.name,
          priority: r.priority,
          enabled: toFlag(r.enabled),
          group_id: r.groupId,
          match_json: toJson(r.match),
          decision: r.decision,
          reason: r.reason,
          emergency: toFlag(r.emergency),
          after_json: r.after === null ? null : toJson(r.after),
          created_at: r.createdAt,
          created_by: r.createdBy,
        })
        .execute();
    },
    async getRule(id) {
      const r = await db.selectFrom('approval_rules').selectAll().where('id', '=', id).executeTakeFirst();
      return r && ruleFromRow(r);
    },
    async listRules() {
      const rows = await db.selectFrom('approval_rules').selectAll().orderBy('priority').orderBy('name').execute();
      return rows.map(ruleFromRow);
    },
    async updateRule(id, p) {
      const set = definedOnly({
        name: p.name,
        priority: p.priority,
        enabled: p.enabled === undefined ? undefined : toFlag(p.enabled),
        group_id: p.groupId,
        match_json: p.match === undefined ? undefined : toJson(p.match),
        decision: p.decision,
        reason: p.reason,
        emergency: p.emergency === undefined ? undefined : toFlag(p.emergency),
        after_json: p.after === undefined ? undefined : p.after === null ? null : toJson(p.after),
      });
      await updateById(db, 'approval_rules', id, set, 'E_APPROVAL_RULE_NOT_FOUND', ruleNotFound(id));
    },
    async deleteRule(id) {
      const res = await db.deleteFrom('approval_rules').where('id', '=', id).executeTakeFirst();
      requireTouched(res, 'E_APPROVAL_RULE_NOT_FOUND', ruleNotFound(id));
    },
  };
}

function exceptionMethods(db: Kysely<RuleTables>, kind: StoreKind): ExceptionMethods {
  return {
    async createException(e) {
      if ((e.machineId === null) === (e.groupId === null)) {
        throw new PatchhiveError('E_BAD_REQUEST', 'a risk exception names exactly one of a machine and a group');
      }
      try {
        await db
          .insertInto('risk_exceptions')
          .values({
            id: e.id,
            bulletin_id: e.bulletinId,
            machine_id: e.machineId,
            group_id: e.groupId,
            owner: e.owner,
            reason: e.reason,
            until: e.until,
            created_at: e.createdAt,
            created_by: e.createdBy,
            revoked_at: e.revokedAt,
          })
          .execute();
      } catch (err) {
        // Exactly one reference is set, so a dangling one is that one.
        if (!isForeignKeyViolation(err)) throw err;
        if (e.machineId !== null)
          throw new PatchhiveError('E_MACHINE_NOT_FOUND', `no machine with id ${e.machineId}`, undefined, {
            cause: err,
          });
        throw new PatchhiveError('E_GROUP_NOT_FOUND', `no group with id ${e.groupId}`, undefined, { cause: err });
      }
    },
    async getException(id) {
      const r = await db.selectFrom('risk_exceptions').selectAll().where('id', '=', id).executeTakeFirst();
      return r && exceptionFromRow(r);
    },
    async listExceptions(f) {
      let q = db.selectFrom('risk_exceptions').selectAll();
      if (f.bulletinIds) q = q.where(inList(kind, 'risk_exceptions.bulletin_id', f.bulletinIds));
      if (f.machineId !== undefined) q = q.where('machine_id', '=', f.machineId);
      if (f.groupId !== undefined) q = q.where('group_id', '=', f.groupId);
      if (f.activeAt !== undefined) q = q.where('revoked_at', 'is', null).where('until', '>', f.activeAt);
      const rows = await q.orderBy('bulletin_id').orderBy('until').orderBy('id').execute();
      return rows.map(exceptionFromRow);
    },
    async revokeException(id, at) {
      const res = await db
        .updateTable('risk_exceptions')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('id', '=', id)
        .executeTakeFirst();
      requireTouched(res, 'E_EXCEPTION_NOT_FOUND', exceptionNotFound(id));
    },
  };
}

/** The approval-rule and risk-exception methods of TriageStore (unguarded: the caller guards them). */
export function createRuleAndExceptionMethods(db: Kysely<RuleTables>, kind: StoreKind): RuleMethods & ExceptionMethods {
  return { ...ruleMethods(db), ...exceptionMethods(db, kind) };
}
