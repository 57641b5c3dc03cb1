/** Groups: static lists of machines, or rules on machine attributes evaluated when asked. */
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import { PatchhiveError } from '../../errors.js';
import type { GroupCreate, GroupUpdate, GroupWire, MachineAttributes } from '../../protocol/api.js';
import type { GroupRecord, MachineRecord, Store } from '../../store/ports.js';
import { deadlinePolicyProblems } from '../../policy/deadlines.js';
import type { DeadlinePolicyOverride } from '../../policy/model.js';
import type { MaintenanceWindow } from '../../rollout/model.js';
import { windowProblems } from '../../rollout/windows.js';
import { matchesGroupRule, parseGroupRule } from '../groups/rule.js';
import { checkGroupShape, previewGroup } from '../groups/preview.js';
import type { GroupPreviewRequest, GroupPreviewWire } from '../../protocol/group-preview-api.js';
import { requireWholeFleet, seesGroup, seesMachine, WHOLE_FLEET, type Scope } from '../auth/scope.js';
import type { AssessmentService } from '../assessment/assessment-service.js';
import type { MachineService } from './machines.js';

export class GroupService {
  constructor(
    private readonly store: Store,
    private readonly machines: MachineService,
    private readonly assessment: AssessmentService,
    private readonly now: () => Date,
    /** Told when a group's rescan schedule changes, so the scheduler can follow. */
    private readonly onScheduleChange: () => void = () => {},
    /** Told the members of a group that was created or whose rule or members changed (triage queues their open findings). */
    private readonly onMembersChanged: (machineIds: string[]) => Promise<unknown> = async () => undefined,
  ) {}

  /** A group by id or name; one outside the scope is as unknown (E_GROUP_NOT_FOUND). */
  async resolve(idOrName: string, scope: Scope = WHOLE_FLEET): Promise<GroupRecord> {
    const g = (await this.store.groups.get(idOrName)) ?? (await this.store.groups.getByName(idOrName));
    if (!g || !seesGroup(scope, g.id))
      throw new PatchhiveError('E_GROUP_NOT_FOUND', `no group ${JSON.stringify(idOrName)}`);
    return g;
  }

  /**
   * The groups of `ids` that exist, and the machines in any of them now: the static lists in one
   * query, the rule groups against one read of the machines (only when there is a rule group).
   */
  async membersOfGroups(ids: readonly string[]): Promise<{ groupIds: string[]; machineIds: string[] }> {
    const found = (await Promise.all(ids.map((id) => this.store.groups.get(id)))).filter(
      (g): g is GroupRecord => g !== undefined,
    );
    const machineIds = new Set(
      await this.store.groups.membersOfAny(found.filter((g) => g.kind === 'static').map((g) => g.id)),
    );
    const rules = found.filter((g) => g.kind === 'rule').map((g) => parseGroupRule(g.rule ?? ''));
    if (rules.length > 0) {
      for (const m of await this.store.machines.list())
        if (rules.some((r) => matchesGroupRule(r, m))) machineIds.add(m.id);
    }
    return { groupIds: found.map((g) => g.id), machineIds: [...machineIds] };
  }

  /** Machine ids in the group now: the static list, or the machines the rule matches. */
  async memberIds(g: GroupRecord): Promise<string[]> {
    if (g.kind === 'static') return this.store.groups.members(g.id);
    const rule = parseGroupRule(g.rule ?? '');
    return (await this.store.machines.list()).filter((m) => matchesGroupRule(rule, m)).map((m) => m.id);
  }

  /** Every group with its members now (rule groups evaluated against one read of the machines). */
  async allWithMembers(): Promise<{ record: GroupRecord; memberIds: string[] }[]> {
    const groups = await this.store.groups.list();
    const machines = groups.some((g) => g.kind === 'rule') ? await this.store.machines.list() : [];
    return Promise.all(
      groups.map(async (g) => {
        if (g.kind === 'static') return { record: g, memberIds: await this.store.groups.members(g.id) };
        const rule = parseGroupRule(g.rule ?? '');
        return { record: g, memberIds: machines.filter((m) => matchesGroupRule(rule, m)).map((m) => m.id) };
      }),
    );
  }

  /** The groups a machine belongs to now. */
  async groupsOf(machine: MachineRecord): Promise<GroupRecord[]> {
    const listed = new Set(await this.store.groups.staticGroupIdsOf(machine.id));
    return (await this.store.groups.list()).filter((g) =>
      g.kind === 'static' ? listed.has(g.id) : matchesGroupRule(parseGroupRule(g.rule ?? ''), machine),
    );
  }

  /**
   * Refuses (E_FORBIDDEN) a scoped caller's attribute change that would move the machine into or
   * out of a rule group: that would widen its scope, or hand its machine to another group's scope.
   */
  async refuseRegrouping(scope: Scope, machine: MachineRecord, patch: MachineAttributes): Promise<void> {
    if (scope.kind === 'fleet') return;
    const changed = definedEntries(patch);
    const after: MachineRecord = { ...machine, ...changed };
    for (const g of await this.store.groups.list()) {
      if (g.kind !== 'rule') continue;
      const rule = parseGroupRule(g.rule ?? '');
      if (matchesGroupRule(rule, machine) !== matchesGroupRule(rule, after))
        requireWholeFleet(scope, 'change attributes that move a machine into or out of a rule group');
    }
  }

  /** Every group the scope shows, with its members now. */
  async list(scope: Scope = WHOLE_FLEET): Promise<GroupWire[]> {
    return Promise.all(
      (await this.store.groups.list()).filter((g) => seesGroup(scope, g.id)).map((g) => this.toWire(g)),
    );
  }

  async get(idOrName: string, scope: Scope = WHOLE_FLEET): Promise<GroupWire> {
    return this.toWire(await this.resolve(idOrName, scope));
  }

  /** Creates a group; a scoped caller cannot (a new group is a new set of machines, outside its scope). */
  async create(req: GroupCreate, scope: Scope = WHOLE_FLEET): Promise<GroupWire> {
    requireWholeFleet(scope, 'create groups');
    checkGroupShape(req.kind, req.rule, req.members);
    if (req.rescanSchedule) checkCron(req.rescanSchedule);
    if (await this.store.groups.getByName(req.name))
      throw new PatchhiveError('E_CONFLICT', `a group named ${JSON.stringify(req.name)} exists`);
    const g: GroupRecord = {
      id: randomUUID(),
      name: req.name,
      description: req.description ?? null,
      kind: req.kind,
      rule: req.kind === 'rule' ? formatRule(req.rule!) : null,
      rescanSchedule: req.rescanSchedule ?? null,
      owner: req.owner ?? null,
      requiresSecondApprover: req.requiresSecondApprover ?? false,
      deadlinePolicy: req.deadlinePolicy ? checkDeadlinePolicy(req.deadlinePolicy) : null,
      maintenanceWindow: req.maintenanceWindow ? checkWindow(req.maintenanceWindow) : null,
      rebootPolicy: req.rebootPolicy ?? null,
      createdAt: this.now().toISOString(),
    };
    const members = req.kind === 'static' ? await this.resolveMembers(req.members ?? []) : [];
    await this.store.groups.create(g, members);
    if (g.rescanSchedule) this.onScheduleChange();
    await this.onMembersChanged(await this.memberIds(g));
    return this.toWire(g);
  }

  /**
   * What creating this group would give, without creating it: the machines it would hold now (of
   * those the scope shows), or why it would be refused; the rule is evaluated as on saving.
   */
  async preview(req: GroupPreviewRequest, scope: Scope = WHOLE_FLEET): Promise<GroupPreviewWire> {
    const visible = (await this.store.machines.list()).filter((m) => seesMachine(scope, m.id));
    return previewGroup(req, visible);
  }

  /** Changes a group; a scoped caller may not change its members or rule (that would widen its scope). */
  async update(idOrName: string, patch: GroupUpdate, scope: Scope = WHOLE_FLEET): Promise<GroupWire> {
    const g = await this.resolve(idOrName, scope);
    if (patch.rule !== undefined || patch.members !== undefined)
      requireWholeFleet(scope, "change a group's members or rule");
    if (patch.rule !== undefined && g.kind !== 'rule')
      throw new PatchhiveError('E_BAD_REQUEST', 'a static group has no rule', { path: '$.rule' });
    if (patch.members !== undefined && g.kind !== 'static')
      throw new PatchhiveError('E_BAD_REQUEST', 'a rule group has no member list', { path: '$.members' });
    if (patch.rescanSchedule) checkCron(patch.rescanSchedule);
    if (patch.name && patch.name !== g.name && (await this.store.groups.getByName(patch.name))) {
      throw new PatchhiveError('E_CONFLICT', `a group named ${JSON.stringify(patch.name)} exists`);
    }
    const change: Partial<GroupRecord> = {};
    if (patch.name !== undefined) change.name = patch.name;
    if (patch.description !== undefined) change.description = patch.description || null;
    if (patch.rule !== undefined) change.rule = formatRule(patch.rule);
    if (patch.rescanSchedule !== undefined) change.rescanSchedule = patch.rescanSchedule || null;
    if (patch.owner !== undefined) change.owner = patch.owner || null;
    if (patch.requiresSecondApprover !== undefined) change.requiresSecondApprover = patch.requiresSecondApprover;
    if (patch.deadlinePolicy !== undefined)
      change.deadlinePolicy = patch.deadlinePolicy ? checkDeadlinePolicy(patch.deadlinePolicy) : null;
    if (patch.maintenanceWindow !== undefined)
      change.maintenanceWindow = patch.maintenanceWindow ? checkWindow(patch.maintenanceWindow) : null;
    if (patch.rebootPolicy !== undefined) change.rebootPolicy = patch.rebootPolicy;
    const members = patch.members !== undefined ? await this.resolveMembers(patch.members) : undefined;
    // The attributes and the member list change together or not at all.
    await this.store.transaction(async (tx) => {
      if (Object.keys(change).length > 0) await tx.groups.update(g.id, change);
      if (members !== undefined) await tx.groups.setMembers(g.id, members);
    });
    if (patch.rescanSchedule !== undefined) this.onScheduleChange();
    if (patch.rule !== undefined || patch.members !== undefined)
      await this.onMembersChanged(await this.memberIds((await this.store.groups.get(g.id))!));
    return this.get(g.id);
  }

  async delete(idOrName: string): Promise<void> {
    const g = await this.resolve(idOrName);
    const rules = (await this.store.triage.listRules()).filter((r) => r.groupId === g.id || r.after?.groupId === g.id);
    if (rules.length > 0) {
      throw new PatchhiveError(
        'E_CONFLICT',
        `approval rules refer to group ${g.name}: ${rules.map((r) => r.name).join(', ')}; delete or change them first`,
      );
    }
    await this.store.groups.delete(g.id);
    if (g.rescanSchedule) this.onScheduleChange();
  }

  /** Re-assesses every member from its stored inventory; returns how many were queued. */
  async rescan(idOrName: string, scope: Scope = WHOLE_FLEET): Promise<number> {
    const ids = await this.memberIds(await this.resolve(idOrName, scope));
    for (const id of ids) this.assessment.enqueue(id);
    return ids.length;
  }

  private async resolveMembers(refs: string[]): Promise<string[]> {
    const ids = new Set<string>();
    for (const ref of refs) ids.add((await this.machines.resolve(ref)).id);
    return [...ids];
  }

  private async toWire(g: GroupRecord): Promise<GroupWire> {
    return {
      ...g,
      maintenanceWindow: g.maintenanceWindow ?? null,
      rebootPolicy: g.rebootPolicy ?? null,
      members: await this.memberIds(g),
    };
  }
}

/** Parses a rule (throws E_RULE_INVALID) and returns it as written. */
function formatRule(text: string): string {
  parseGroupRule(text);
  return text.trim();
}

/** Refuses a deadline policy with an unknown time zone or a bad duration (E_BAD_REQUEST naming the field). */
function checkDeadlinePolicy(p: DeadlinePolicyOverride): DeadlinePolicyOverride {
  const problems = deadlinePolicyProblems(p);
  if (problems.length > 0) throw new PatchhiveError('E_BAD_REQUEST', problems.join('; '), { path: '$.deadlinePolicy' });
  return p;
}

/** Refuses a maintenance window with a bad cron expression, time zone or duration (E_BAD_REQUEST naming the field). */
function checkWindow(w: MaintenanceWindow): MaintenanceWindow {
  const problems = windowProblems(w);
  if (problems.length > 0) {
    throw new PatchhiveError('E_BAD_REQUEST', `maintenance window: ${problems.join('; ')}`, {
      path: problems[0]!.split(':')[0]!.replace(/^\$/, '$.maintenanceWindow'),
    });
  }
  return w;
}

/** The fields a patch sets (an absent field keeps its value; null clears it). */
function definedEntries<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Refuses a cron expression croner cannot parse. */
export function checkCron(expr: string, path = '$.rescanSchedule'): void {
  try {
    new Cron(expr, { paused: true }).stop();
  } catch (err) {
    throw new PatchhiveError('E_BAD_REQUEST', `not a cron expression: ${(err as Error).message}`, { path });
  }
}
