/**
 * Changes to controls: a change that weakens one (policy/controls.ts says which) is admin-only and
 * becomes a change request that a second admin must approve; this service routes such changes,
 * applies approved ones and cleans up after rejected or expired ones. Changes that tighten a
 * control go straight through to the owning service.
 */
import { PatchhiveError } from '../../errors.js';
import type { Actor } from '../../policy/model.js';
import { loosensApprovalRule, turnsSecondApproverOff } from '../../policy/controls.js';
import type { GroupUpdate, GroupWire } from '../../protocol/api.js';
import type { ChangeRequestWire, ChangeStatus } from '../../protocol/controls-api.js';
import type { ApprovalRuleUpdate, ApprovalRuleWire } from '../../protocol/policy-api.js';
import type { ApprovalRule } from '../../policy/model.js';
import type { ChangeRequestRecord } from '../../store/ports.js';
import type { ActionService } from './actions.js';
import type { ApprovalRuleService } from './approval-rules.js';
import type { ChangeRequests } from './changes.js';
import type { GroupService } from './groups.js';
import { WHOLE_FLEET, type Scope } from '../auth/scope.js';

type UserActor = Extract<Actor, { kind: 'user' }>;

/** What a guarded change answers: done at once, or waiting for a second admin. */
export type Guarded<T> = { applied: T } | { pending: ChangeRequestWire };

export class ControlService {
  constructor(
    private readonly changes: ChangeRequests,
    private readonly groups: GroupService,
    private readonly rules: ApprovalRuleService,
    private readonly actions: ActionService,
  ) {}

  /** Changes a group; turning its second approver off is admin-only and waits for a second admin (and must come alone). */
  async updateGroup(
    idOrName: string,
    patch: GroupUpdate,
    actor: UserActor,
    scope: Scope = WHOLE_FLEET,
  ): Promise<Guarded<GroupWire>> {
    const g = await this.groups.resolve(idOrName, scope);
    if (!turnsSecondApproverOff(g, patch)) return { applied: await this.groups.update(g.id, patch, scope) };
    requireAdmin(actor, `turning off the second approver of group ${g.name}`);
    const others = Object.keys(patch).filter(
      (k) => k !== 'requiresSecondApprover' && patch[k as keyof GroupUpdate] !== undefined,
    );
    if (others.length > 0) {
      throw new PatchhiveError(
        'E_BAD_REQUEST',
        `turning off the second approver waits for a second admin: send it alone, and ${others.join(', ')} in another request`,
        { path: '$.requiresSecondApprover' },
      );
    }
    const summary = `turn off the second approver of group ${g.name}`;
    return {
      pending: await this.changes.propose(
        { kind: 'group.second-approver-off', target: g.id, summary, payload: { requiresSecondApprover: false } },
        actor.user,
      ),
    };
  }

  /** Changes an approval rule: disabling it is immediate; any other change waits for a second admin. */
  async updateRule(idOrName: string, patch: ApprovalRuleUpdate, actor: UserActor): Promise<Guarded<ApprovalRuleWire>> {
    requireAdmin(actor, 'changing an approval rule');
    if (!loosensApprovalRule(patch)) return { applied: await this.rules.update(idOrName, patch) };
    const { rule, change } = await this.rules.planUpdate(idOrName, patch);
    const summary = `change approval rule ${rule.name}: ${Object.keys(patch).join(', ')}`;
    return {
      pending: await this.changes.propose(
        { kind: 'approval-rule.update', target: rule.id, summary, payload: change },
        actor.user,
      ),
    };
  }

  /** Deleting an approval rule waits for a second admin. */
  async deleteRule(idOrName: string, actor: UserActor): Promise<ChangeRequestWire> {
    requireAdmin(actor, 'deleting an approval rule');
    const rule = await this.rules.get(idOrName);
    return this.changes.propose(
      { kind: 'approval-rule.delete', target: rule.id, summary: `delete approval rule ${rule.name}`, payload: null },
      actor.user,
    );
  }

  /** Change requests with the given status (pending ones past their expiry are expired first). */
  async list(status: ChangeStatus, limit: number): Promise<ChangeRequestWire[]> {
    await this.expireDue();
    return this.changes.list(status, limit);
  }

  async get(id: string): Promise<ChangeRequestWire> {
    return this.changes.get(id);
  }

  /** A second admin approves: the change is applied now; if that fails the request says why (status failed). */
  async approve(id: string, actor: UserActor): Promise<ChangeRequestWire> {
    requireAdmin(actor, 'approving a change');
    const c = await this.changes.decide(id, actor.user, 'approve');
    try {
      await this.apply(c, actor.user);
    } catch (err) {
      if (!(err instanceof PatchhiveError)) throw err;
      await this.closed(c);
      return this.changes.failed(c, err.message);
    }
    return c;
  }

  /** An admin rejects (or the proposer withdraws) a pending change. */
  async reject(id: string, actor: UserActor): Promise<ChangeRequestWire> {
    requireAdmin(actor, 'rejecting a change');
    const c = await this.changes.decide(id, actor.user, 'reject');
    await this.closed(c);
    return c;
  }

  private async expireDue(): Promise<void> {
    for (const c of await this.changes.expireDue()) await this.closed(c);
  }

  private async apply(c: ChangeRequestRecord, approvedBy: string): Promise<void> {
    switch (c.kind) {
      case 'action.put':
        return this.actions.activate(c.target, versionOf(c), approvedBy);
      case 'group.second-approver-off':
        await this.groups.update(c.target, { requiresSecondApprover: false });
        return;
      case 'approval-rule.update':
        await this.rules.applyChange(c.target, c.payload as Partial<ApprovalRule>);
        return;
      case 'approval-rule.delete':
        return this.rules.delete(c.target);
    }
  }

  /** After a change was rejected, expired or failed: a pending action version it carried is dropped. */
  private async closed(c: ChangeRequestRecord): Promise<void> {
    if (c.kind === 'action.put') await this.actions.abandon(c.target, versionOf(c));
  }
}

function versionOf(c: ChangeRequestRecord): number {
  return (c.payload as { version: number }).version;
}

function requireAdmin(actor: UserActor, what: string): void {
  if (actor.role !== 'admin')
    throw new PatchhiveError(
      'E_FORBIDDEN',
      `${what} needs the admin role and a second admin's approval; ${actor.user} has ${actor.role}`,
    );
}
