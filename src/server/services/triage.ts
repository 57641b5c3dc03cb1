/**
 * Triage: the decision per (bulletin, group), its history, the triage queue, bulk actions, and the
 * automatic decisions of approval rules. The transitions themselves are the pure state machine in
 * src/policy/triage.ts; this service loads, applies and saves.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Bulletin } from '../../catalog/model.js';
import { PatchhiveError } from '../../errors.js';
import { autoDecision, fixSucceededAt } from '../../policy/approval-rules.js';
import type { Actor, ApprovalRule, BulletinFacts, TriageAction, TriageDecision } from '../../policy/model.js';
import { applyTriageAction, effectiveTriageState } from '../../policy/triage.js';
import type {
  TriageBulk,
  TriageBulkResult,
  TriageDecisionWire,
  TriageEventWire,
  TriageQuery,
} from '../../protocol/policy-api.js';
import { OPEN_STATUSES, type GroupRecord, type Store } from '../../store/ports.js';
import type { CatalogState } from '../assessment/catalog-state.js';
import type { GroupService } from './groups.js';
import { seesGroup, WHOLE_FLEET, type Scope } from '../auth/scope.js';
import { atLeast } from './queries.js';

type Pair = { bulletinId: string; groupId: string };

export class TriageService {
  private catalogIndex: { generation: number; byId: Map<string, Bulletin> } | undefined;

  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    private readonly catalogs: CatalogState,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /**
   * Decisions, filtered; `state=new` is the triage queue (an expired ignore counts as new);
   * `waitingFor=me` keeps the approvals waiting for a second approver other than `caller`.
   */
  async list(
    q: TriageQuery,
    scope: Scope = WHOLE_FLEET,
    caller?: string,
  ): Promise<{ items: TriageDecisionWire[]; total: number }> {
    const groupIds = q.group
      ? [(await this.groups.resolve(q.group, scope)).id]
      : scope.kind === 'groups'
        ? [...scope.groupIds]
        : undefined;
    const forMe = q.waitingFor === 'me';
    let states = q.state ? parseStates(q.state) : undefined;
    if (forMe) states = states ? states.filter((x) => x === 'awaiting-second-approval') : ['awaiting-second-approval'];
    if (states?.length === 0) return { items: [], total: 0 };
    // Expired ignores are stored as 'ignored' until the sweep turns them back; ask for both so the
    // effective state can be filtered here. The caller's own approvals are filtered here too.
    const asked = states?.includes('new')
      ? [...new Set([...states, 'ignored' as const])]
      : forMe
        ? [...states!]
        : states;
    const bulletinIds = await this.bulletinIdsOf(q);
    const res = await this.store.triage.list({
      ...(groupIds ? { groupIds } : {}),
      ...(bulletinIds ? { bulletinIds } : {}),
      ...(asked ? { states: asked } : {}),
      ...(asked === states ? { limit: q.limit, offset: q.offset } : {}),
    });
    let items = this.effective(res.items);
    let total = res.total;
    if (asked !== states) {
      items = items.filter((d) => states!.includes(d.state) && !(forMe && d.approvals.includes(caller ?? '')));
      total = items.length;
      items = items.slice(q.offset, q.offset + q.limit);
    }
    return { items: await this.toWire(items), total };
  }

  /** The bulletin filter of a query: the named bulletin, those of the minimum severity, or both; undefined: any. */
  private async bulletinIdsOf(q: TriageQuery): Promise<string[] | undefined> {
    if (!q.severity) return q.bulletin ? [q.bulletin] : undefined;
    const { items } = await this.store.bulletins.list({
      severities: atLeast(q.severity),
      includeWithdrawn: true,
      ...(q.bulletin ? { ids: [q.bulletin] } : {}),
    });
    return items.map((b) => b.id);
  }

  /** One bulletin's decisions in every group (or one) and their history, oldest event first. */
  async ofBulletin(
    bulletinId: string,
    group?: string,
    scope: Scope = WHOLE_FLEET,
  ): Promise<{ decisions: TriageDecisionWire[]; history: TriageEventWire[] }> {
    if (!(await this.store.bulletins.get(bulletinId)))
      throw new PatchhiveError('E_BULLETIN_NOT_FOUND', `no bulletin ${JSON.stringify(bulletinId)}`);
    const groupId = group ? (await this.groups.resolve(group, scope)).id : undefined;
    const res = await this.store.triage.list({
      bulletinIds: [bulletinId],
      ...(groupId ? { groupIds: [groupId] } : {}),
    });
    return {
      decisions: await this.toWire(this.effective(res.items.filter((d) => seesGroup(scope, d.groupId)))),
      history: (await this.store.triage.history(bulletinId, groupId)).filter((e) => seesGroup(scope, e.groupId)),
    };
  }

  /**
   * Applies one action to many (bulletin, group) pairs; each pair succeeds or is refused on its own
   * (a group outside the scope as an unknown one: E_GROUP_NOT_FOUND).
   */
  async act(req: TriageBulk, actor: Actor, scope: Scope = WHOLE_FLEET): Promise<TriageBulkResult> {
    if (actor.kind === 'user' && actor.role === 'viewer')
      throw new PatchhiveError('E_FORBIDDEN', 'a viewer cannot triage');
    const results: TriageBulkResult['items'] = [];
    const groupCache = new Map<string, GroupRecord>();
    for (const item of req.items) {
      try {
        let g = groupCache.get(item.group);
        if (!g) groupCache.set(item.group, (g = await this.groups.resolve(item.group, scope)));
        if (!(await this.store.bulletins.get(item.bulletin)))
          throw new PatchhiveError('E_BULLETIN_NOT_FOUND', `no bulletin ${JSON.stringify(item.bulletin)}`);
        const decision = await this.apply(
          { bulletinId: item.bulletin, groupId: g.id },
          g,
          req.action,
          actor,
          item.expectedVersion,
        );
        results.push({
          bulletin: item.bulletin,
          group: item.group,
          ok: true,
          decision: (await this.toWire([decision]))[0]!,
        });
      } catch (err) {
        if (!(err instanceof PatchhiveError)) throw err;
        results.push({
          bulletin: item.bulletin,
          group: item.group,
          ok: false,
          error: { code: err.code, message: err.message },
        });
      }
    }
    const applied = results.filter((r) => r.ok).length;
    return { items: results, applied, refused: results.length - applied };
  }

  /** Puts the bulletins newly open on a machine into the triage queue of each of its groups. */
  async enqueueForMachine(machineId: string, bulletinIds: string[]): Promise<number> {
    return this.enqueue(await this.pairsOf(machineId, bulletinIds));
  }

  /**
   * Queues every open finding of these machines in each of their groups now (a group was created
   * or its members changed, a machine's attributes changed): the queue does not wait for the sweep.
   */
  async enqueueOpenOf(machineIds: readonly string[]): Promise<number> {
    const bulletinsOf = new Map<string, Set<string>>();
    for await (const batch of this.store.findings.scanFacts({ machineIds: [...machineIds] }))
      for (const f of batch)
        (bulletinsOf.get(f.machineId) ?? bulletinsOf.set(f.machineId, new Set()).get(f.machineId)!).add(f.bulletinId);
    const pairs = new Map<string, Pair>();
    for (const [machineId, bulletins] of bulletinsOf)
      for (const p of await this.pairsOf(machineId, [...bulletins])) pairs.set(`${p.bulletinId}\u0000${p.groupId}`, p);
    return this.enqueue([...pairs.values()]);
  }

  /** The (bulletin, group) pairs of these bulletins in each group of the machine (none when it is gone). */
  private async pairsOf(machineId: string, bulletinIds: string[]): Promise<Pair[]> {
    if (bulletinIds.length === 0) return [];
    const machine = await this.store.machines.get(machineId);
    if (!machine) return [];
    const groups = await this.groups.groupsOf(machine);
    return groups.flatMap((g) => bulletinIds.map((b) => ({ bulletinId: b, groupId: g.id })));
  }

  /**
   * The periodic sweep: expired ignores return to the queue; every (bulletin, group) with an open
   * finding on a member gets a decision (a machine may have joined a group); approval rules run
   * over the queue (test-then-approve rules become due with time).
   */
  async sweep(): Promise<{ expired: number; enqueued: number; decided: number }> {
    const nowIso = this.now().toISOString();
    let expired = 0;
    for (const d of await this.store.triage.listExpiredIgnores(nowIso)) {
      try {
        const g = await this.store.groups.get(d.groupId);
        if (!g) continue;
        await this.apply(d, g, { kind: 'expire' }, { kind: 'system' }, d.version);
        expired++;
      } catch (err) {
        if (!(err instanceof PatchhiveError) || err.code !== 'E_CONFLICT') throw err;
      }
    }
    const groupsOfMachine = new Map<string, string[]>();
    for (const { record, memberIds } of await this.groups.allWithMembers()) {
      for (const m of memberIds) (groupsOfMachine.get(m) ?? groupsOfMachine.set(m, []).get(m)!).push(record.id);
    }
    const pairs = new Map<string, Pair>();
    for await (const batch of this.store.findings.scanFacts({})) {
      for (const f of batch) {
        if (!OPEN_STATUSES.includes(f.status)) continue;
        for (const groupId of groupsOfMachine.get(f.machineId) ?? [])
          pairs.set(`${f.bulletinId}\u0000${groupId}`, { bulletinId: f.bulletinId, groupId });
      }
    }
    const enqueued = await this.enqueue([...pairs.values()]);
    const queue = (await this.store.triage.list({ states: ['new'] })).items;
    const decided = await this.runRules(queue);
    return { expired, enqueued, decided };
  }

  private async enqueue(pairs: Pair[]): Promise<number> {
    if (pairs.length === 0) return 0;
    const created = await this.store.triage.enqueueNew(pairs, this.now().toISOString());
    if (created.length > 0) await this.runRules(created);
    return created.length;
  }

  /** Lets the approval rules decide the given queued pairs; returns how many they decided. */
  private async runRules(pairs: Pair[]): Promise<number> {
    const rules = await this.store.triage.listRules();
    if (rules.length === 0 || pairs.length === 0) return 0;
    const nowIso = this.now().toISOString();
    const success = new Map<string, string | null>();
    // Groups are read once per call; members only for the groups test-then-approve rules wait on.
    const groups = new Map((await this.store.groups.list()).map((g) => [g.id, g]));
    const members = new Map<string, string[]>();
    let decided = 0;
    for (const p of pairs) {
      const facts = await this.bulletinFacts(p.bulletinId);
      const g = groups.get(p.groupId);
      if (!facts || !g) continue;
      const succeeded = (groupId: string): string | null => success.get(`${p.bulletinId}\u0000${groupId}`) ?? null;
      await this.loadSuccess(rules, p.bulletinId, groups, members, success);
      const auto = autoDecision(rules, facts, p.groupId, succeeded, nowIso);
      if (auto.kind !== 'decide') continue;
      try {
        const current = await this.store.triage.get(p.bulletinId, p.groupId);
        if (current && effectiveTriageState(current, nowIso) !== 'new') continue;
        await this.apply(p, g, auto.action, ruleActor(auto.rule), current?.version ?? 0);
        decided++;
      } catch (err) {
        if (!(err instanceof PatchhiveError)) throw err;
        this.log.warn(
          { rule: auto.rule.name, bulletin: p.bulletinId, group: g.name, code: err.code },
          `approval rule not applied: ${err.message}`,
        );
      }
    }
    return decided;
  }

  /** For test-then-approve rules: when the bulletin's fix succeeded in each rule's "after" group. */
  private async loadSuccess(
    rules: ApprovalRule[],
    bulletinId: string,
    groups: Map<string, GroupRecord>,
    members: Map<string, string[]>,
    into: Map<string, string | null>,
  ): Promise<void> {
    for (const r of rules) {
      if (!r.after) continue;
      const key = `${bulletinId}\u0000${r.after.groupId}`;
      if (into.has(key)) continue;
      const after = groups.get(r.after.groupId);
      if (after && !members.has(after.id)) members.set(after.id, await this.groups.memberIds(after));
      const ids = members.get(r.after.groupId) ?? [];
      const found =
        ids.length === 0
          ? []
          : (await this.store.findings.list({ bulletinIds: [bulletinId], machineIds: ids, limit: 100_000 })).items;
      // Only machines that had the finding count: open now, or resolved at some point.
      const had = found.filter((f) => OPEN_STATUSES.includes(f.status) || f.resolvedAt !== null);
      into.set(
        key,
        fixSucceededAt(had.map((f) => ({ open: OPEN_STATUSES.includes(f.status), resolvedAt: f.resolvedAt }))),
      );
    }
  }

  private async apply(
    key: Pair,
    group: GroupRecord,
    action: TriageAction,
    actor: Actor,
    expectedVersion: number | undefined,
  ): Promise<TriageDecision> {
    const current = await this.store.triage.get(key.bulletinId, key.groupId);
    if (expectedVersion !== undefined && (current?.version ?? 0) !== expectedVersion) {
      throw new PatchhiveError(
        'E_CONFLICT',
        `the decision for ${key.bulletinId} in ${group.name} changed (version ${current?.version ?? 0}, expected ${expectedVersion})`,
      );
    }
    const { decision, event } = applyTriageAction(current, key, action, actor, {
      requiresSecondApprover: group.requiresSecondApprover,
      now: this.now().toISOString(),
      eventId: randomUUID(),
    });
    await this.store.triage.save(decision, event, current?.version ?? 0);
    return decision;
  }

  /**
   * What approval rules test: the stored bulletin (source, severity, publication) and the products
   * and packages of its fixes in the loaded catalog (the merged catalog does not keep sources).
   */
  private async bulletinFacts(id: string): Promise<BulletinFacts | undefined> {
    const b = await this.store.bulletins.get(id);
    if (!b) return undefined;
    if (this.catalogIndex?.generation !== this.catalogs.generation) {
      this.catalogIndex = {
        generation: this.catalogs.generation,
        byId: new Map(this.catalogs.prepared.catalog.bulletins.map((x) => [x.id, x])),
      };
    }
    const fixes = this.catalogIndex.byId.get(id)?.fixes ?? [];
    return {
      id,
      sourceId: b.sourceId,
      severity: b.severity,
      published: b.published,
      products: [...new Set(fixes.flatMap((f) => (f.product ? [f.product] : [])))],
      packages: [...new Set(fixes.flatMap((f) => (f.package ? [f.package.name] : [])))],
    };
  }

  /** Decisions as of now: an ignore past its expiry reads as 'new' before the sweep records it. */
  private effective(items: TriageDecision[]): TriageDecision[] {
    const nowIso = this.now().toISOString();
    return items.map((d) => ({ ...d, state: effectiveTriageState(d, nowIso) }));
  }

  private async toWire(items: TriageDecision[]): Promise<TriageDecisionWire[]> {
    const names = new Map((await this.store.groups.list()).map((g) => [g.id, g.name]));
    return items.map((d) => ({ ...d, group: names.get(d.groupId) ?? d.groupId }));
  }
}

function ruleActor(r: ApprovalRule): Actor {
  return { kind: 'rule', ruleId: r.id, ruleName: r.name };
}

function parseStates(text: string): TriageDecision['state'][] {
  const allowed = ['new', 'awaiting-second-approval', 'approved', 'ignored', 'declined'] as const;
  return text.split(',').map((s) => {
    const t = s.trim();
    if (!(allowed as readonly string[]).includes(t))
      throw new PatchhiveError('E_BAD_REQUEST', `unknown triage state ${JSON.stringify(t)}`, { path: '$.state' });
    return t as TriageDecision['state'];
  });
}
