/**
 * Approval rules: automatic triage decisions by severity, source, product or package, and
 * test-then-approve. A rule decides bulletins as they enter the queue; those already waiting are
 * decided by the next triage sweep.
 */
import { randomUUID } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';
import { approvalRuleProblems } from '../../policy/approval-rules.js';
import type { ApprovalRule } from '../../policy/model.js';
import type { ApprovalRuleCreate, ApprovalRuleUpdate, ApprovalRuleWire } from '../../protocol/policy-api.js';
import type { Store } from '../../store/ports.js';
import type { GroupService } from './groups.js';
import { seesGroup, WHOLE_FLEET, type Scope } from '../auth/scope.js';

export class ApprovalRuleService {
  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    private readonly now: () => Date,
  ) {}

  /** The rules, in order; a scoped caller sees those of its groups and those of every group. */
  async list(scope: Scope = WHOLE_FLEET): Promise<ApprovalRuleWire[]> {
    return (await this.store.triage.listRules()).filter((r) => r.groupId === null || seesGroup(scope, r.groupId));
  }

  async get(idOrName: string): Promise<ApprovalRuleWire> {
    return this.resolve(idOrName);
  }

  async create(req: ApprovalRuleCreate, user: string): Promise<ApprovalRuleWire> {
    const rule: ApprovalRule = {
      id: randomUUID(),
      name: req.name,
      priority: req.priority,
      enabled: req.enabled,
      groupId: req.group ? (await this.groups.resolve(req.group)).id : null,
      match: { ...req.match, ...(req.match.sources ? { sources: await this.sourceIds(req.match.sources) } : {}) },
      decision: req.decision,
      reason: req.reason ?? null,
      emergency: req.emergency,
      after: req.after ? { groupId: (await this.groups.resolve(req.after.group)).id, days: req.after.days } : null,
      createdAt: this.now().toISOString(),
      createdBy: user,
    };
    check(rule);
    if ((await this.store.triage.listRules()).some((r) => r.name === rule.name)) {
      throw new PatchhiveError('E_CONFLICT', `an approval rule named ${JSON.stringify(rule.name)} exists`);
    }
    await this.store.triage.createRule(rule);
    return rule;
  }

  async update(idOrName: string, patch: ApprovalRuleUpdate): Promise<ApprovalRuleWire> {
    const { rule, change } = await this.planUpdate(idOrName, patch);
    return this.applyChange(rule.id, change);
  }

  /** The rule and the checked change a patch makes (source names resolved), without writing it. */
  async planUpdate(
    idOrName: string,
    patch: ApprovalRuleUpdate,
  ): Promise<{ rule: ApprovalRule; change: Partial<ApprovalRule> }> {
    const rule = await this.resolve(idOrName);
    const change: Partial<ApprovalRule> = { ...patch };
    if (patch.match?.sources) change.match = { ...patch.match, sources: await this.sourceIds(patch.match.sources) };
    check({ ...rule, ...change });
    return { rule, change };
  }

  /** Writes a change planned by planUpdate (checked again: the rule may have changed meanwhile). */
  async applyChange(id: string, change: Partial<ApprovalRule>): Promise<ApprovalRuleWire> {
    const rule = await this.resolve(id);
    check({ ...rule, ...change });
    await this.store.triage.updateRule(rule.id, change);
    return this.resolve(rule.id);
  }

  async delete(idOrName: string): Promise<void> {
    await this.store.triage.deleteRule((await this.resolve(idOrName)).id);
  }

  private async resolve(idOrName: string): Promise<ApprovalRule> {
    const r =
      (await this.store.triage.getRule(idOrName)) ??
      (await this.store.triage.listRules()).find((x) => x.name === idOrName);
    if (!r) throw new PatchhiveError('E_APPROVAL_RULE_NOT_FOUND', `no approval rule ${JSON.stringify(idOrName)}`);
    return r;
  }

  /** Source names or ids → ids (unknown: E_SOURCE_NOT_FOUND). */
  private async sourceIds(refs: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const ref of refs) {
      const s = (await this.store.sources.get(ref)) ?? (await this.store.sources.getByName(ref));
      if (!s)
        throw new PatchhiveError('E_SOURCE_NOT_FOUND', `no catalog source ${JSON.stringify(ref)}`, {
          path: '$.match.sources',
        });
      out.push(s.id);
    }
    return out;
  }
}

function check(rule: ApprovalRule): void {
  const problems = approvalRuleProblems(rule);
  if (problems.length > 0) throw new PatchhiveError('E_BAD_REQUEST', problems.join('; '));
}
