/** Contract of TriageStore: decisions, optimistic concurrency, history, the queue; rules and exceptions in ./triage-rules.ts. */
import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import type { TriageDecision } from '../../policy/model.js';
import type { Store } from '../ports.js';
import { at, expectStoreError, group, triageDecision, triageEvent, uid, type ContractContext } from './builders.js';
import { triageRuleAndExceptionContract } from './triage-rules.js';

async function newGroup(s: Store): Promise<string> {
  const g = group();
  await s.groups.create(g, []);
  return g.id;
}

/** Saves `d` as the next version of `prev` (or as new), with its event. */
async function saveNext(
  s: Store,
  prev: TriageDecision | undefined,
  change: Partial<TriageDecision>,
  bulletinId = prev?.bulletinId,
  groupId = prev?.groupId,
) {
  const version = (prev?.version ?? 0) + 1;
  const d = triageDecision(bulletinId!, groupId!, { ...prev, ...change, version });
  await s.triage.save(d, triageEvent(d, { fromState: prev?.state ?? null }), version - 1);
  return d;
}

const pairKey = (p: { bulletinId: string; groupId: string }) => `${p.groupId}/${p.bulletinId}`;

/** Defines the TriageStore tests for one adapter. */
export function triageContract(ctx: ContractContext): void {
  describe('triage: decisions', () => {
    it('saves a new decision and its next versions, each with its event; get round-trips every field', async () => {
      const s = ctx.store();
      const g = await newGroup(s);
      const b = uid('DSA');
      expect(await s.triage.get(b, g)).toBeUndefined();
      const v1 = triageDecision(b, g, {
        owner: 'web-team',
        notes: 'check the proxies first',
        createdAt: at(1),
        updatedAt: at(1),
      });
      const e1 = triageEvent(v1, { action: 'assign', detail: { owner: 'web-team', emergency: false, until: null } });
      await s.triage.save(v1, e1, 0);
      expect(await s.triage.get(b, g)).toEqual(v1);

      const v2 = {
        ...v1,
        state: 'approved' as const,
        emergency: true,
        approvals: ['alice', 'bob'],
        updatedAt: at(2),
        updatedBy: 'bob',
        version: 2,
      };
      const e2 = triageEvent(v2, { action: 'approve', fromState: 'new', detail: { emergency: true, note: 'urgent' } });
      await s.triage.save(v2, e2, 1);
      const v3 = {
        ...v2,
        state: 'ignored' as const,
        reason: 'not exposed',
        ignoreUntil: at(600),
        emergency: false,
        approvals: [],
        updatedAt: at(3),
        version: 3,
      };
      const e3 = triageEvent(v3, {
        action: 'ignore',
        fromState: 'approved',
        detail: { reason: 'not exposed', until: at(600) },
      });
      await s.triage.save(v3, e3, 2);
      expect(await s.triage.get(b, g)).toEqual(v3);
      expect(await s.triage.history(b, g)).toEqual([e1, e2, e3]);
    });

    it('refuses a stale or wrong expected version (E_CONFLICT) and writes nothing', async () => {
      const s = ctx.store();
      const g = await newGroup(s);
      const b = uid('DSA');
      await expectStoreError(
        s.triage.save(triageDecision(b, g, { version: 2 }), triageEvent(triageDecision(b, g)), 1),
        'E_CONFLICT',
      );
      expect(await s.triage.get(b, g)).toBeUndefined();
      const v1 = await saveNext(s, undefined, {}, b, g);
      const v2 = await saveNext(s, v1, { state: 'declined', reason: 'no fix' });
      const history = await s.triage.history(b, g);
      await expectStoreError(s.triage.save(v1, triageEvent(v1), 0), 'E_CONFLICT');
      await expectStoreError(s.triage.save({ ...v2, notes: 'stale', version: 2 }, triageEvent(v2), 1), 'E_CONFLICT');
      await expectStoreError(s.triage.save({ ...v2, notes: 'ahead', version: 4 }, triageEvent(v2), 3), 'E_CONFLICT');
      expect(await s.triage.get(b, g)).toEqual(v2);
      expect(await s.triage.history(b, g)).toEqual(history);
      expect(history).toHaveLength(2);
    });

    it('lets exactly one of two concurrent saves of the same version win', async () => {
      const s = ctx.store();
      const g = await newGroup(s);
      const b = uid('DSA');
      const race = async (prev: TriageDecision | undefined, a: Partial<TriageDecision>, c: Partial<TriageDecision>) => {
        const version = (prev?.version ?? 0) + 1;
        const [da, dc] = [a, c].map((change) => triageDecision(b, g, { ...prev, ...change, version }));
        const results = await Promise.allSettled([da!, dc!].map((d) => s.triage.save(d, triageEvent(d), version - 1)));
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [[da, dc][i]!] : []));
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]).toBeInstanceOf(PatchhiveError);
        expect((lost[0] as PatchhiveError).code).toBe('E_CONFLICT');
        expect(await s.triage.get(b, g)).toEqual(won[0]);
        return won[0]!;
      };
      const first = await race(undefined, { owner: 'alice' }, { owner: 'bob' });
      const second = await race(
        first,
        { state: 'approved', updatedBy: 'alice' },
        { state: 'declined', reason: 'no', updatedBy: 'bob' },
      );
      expect(second.version).toBe(2);
      expect(await s.triage.history(b, g)).toHaveLength(2);
    });

    it('refuses an unknown group (E_GROUP_NOT_FOUND) and a save whose versions or event disagree (E_INTERNAL)', async () => {
      const s = ctx.store();
      const g = await newGroup(s);
      const b = uid('DSA');
      const d = triageDecision(b, uid('missing'));
      await expectStoreError(s.triage.save(d, triageEvent(d), 0), 'E_GROUP_NOT_FOUND');
      const v1 = triageDecision(b, g);
      await expectStoreError(s.triage.save({ ...v1, version: 5 }, triageEvent(v1), 0), 'E_INTERNAL');
      await expectStoreError(s.triage.save(v1, triageEvent(v1, { groupId: uid('other') }), 0), 'E_INTERNAL');
      expect(await s.triage.get(b, g)).toBeUndefined();
    });

    it('lists by (group, bulletin) with filters, pages and a total', async () => {
      const s = ctx.store();
      const [g1, g2] = [await newGroup(s), await newGroup(s)].sort();
      const x = uid('B');
      const [b1, b2, b3] = [`${x}-1`, `${x}-2`, `${x}-3`];
      await saveNext(s, undefined, { state: 'approved' }, b2, g1);
      await saveNext(s, undefined, {}, b1, g1);
      await saveNext(s, undefined, { state: 'ignored', reason: 'r' }, b3, g2);
      await saveNext(s, undefined, { state: 'approved' }, b1, g2);
      const list = async (f: Parameters<Store['triage']['list']>[0]) => {
        const { items, total } = await s.triage.list({ groupIds: [g1!, g2!], ...f });
        return {
          keys: items.map((d) => `${d.groupId === g1 ? 'g1' : 'g2'}:${d.bulletinId.slice(x.length + 1)}`),
          total,
        };
      };
      expect(await list({})).toEqual({ keys: ['g1:1', 'g1:2', 'g2:1', 'g2:3'], total: 4 });
      expect(await list({ states: ['approved'] })).toEqual({ keys: ['g1:2', 'g2:1'], total: 2 });
      expect(await list({ bulletinIds: [b1, b3] })).toEqual({ keys: ['g1:1', 'g2:1', 'g2:3'], total: 3 });
      expect(await list({ groupIds: [g2!], states: ['ignored', 'new'] })).toEqual({ keys: ['g2:3'], total: 1 });
      expect(await list({ limit: 2, offset: 1 })).toEqual({ keys: ['g1:2', 'g2:1'], total: 4 });
      expect(await list({ offset: 3 })).toEqual({ keys: ['g2:3'], total: 4 });
      expect(await list({ states: [] })).toEqual({ keys: [], total: 0 });
      const all = await s.triage.list({});
      expect(all.total).toBeGreaterThanOrEqual(4);
    });

    it('gives the history oldest first, in one group or all; same-time events in version order', async () => {
      const s = ctx.store();
      const [g1, g2] = [await newGroup(s), await newGroup(s)].sort();
      const b = uid('DSA');
      const a1 = await saveNext(s, undefined, { updatedAt: at(5) }, b, g1);
      const a2 = await saveNext(s, a1, { state: 'approved', updatedAt: at(5) });
      const a3 = await saveNext(s, a2, { owner: 'carol', updatedAt: at(5) });
      const c1 = await saveNext(s, undefined, { updatedAt: at(4) }, b, g2);
      const c2 = await saveNext(s, c1, { state: 'declined', reason: 'n/a', updatedAt: at(9) });
      const states = (events: { groupId: string; toState: string; at: string }[]) =>
        events.map((e) => `${e.groupId === g1 ? 'g1' : 'g2'}:${e.toState}@${e.at}`);
      expect(states(await s.triage.history(b, g1))).toEqual([a1, a2, a3].map((d) => `g1:${d.state}@${d.updatedAt}`));
      expect(states(await s.triage.history(b))).toEqual([
        `g2:new@${at(4)}`,
        `g1:new@${at(5)}`,
        `g1:approved@${at(5)}`,
        `g1:approved@${at(5)}`,
        `g2:declined@${at(9)}`,
      ]);
      expect(c2.version).toBe(2);
      expect(await s.triage.history(uid('none'))).toEqual([]);
    });

    it('finds ignores whose end has come, not open-ended or future ones', async () => {
      const s = ctx.store();
      const g = await newGroup(s);
      const x = uid('B');
      await saveNext(s, undefined, { state: 'ignored', reason: 'r', ignoreUntil: at(100) }, `${x}-past`, g);
      await saveNext(s, undefined, { state: 'ignored', reason: 'r', ignoreUntil: at(200) }, `${x}-exact`, g);
      await saveNext(s, undefined, { state: 'ignored', reason: 'r', ignoreUntil: at(201) }, `${x}-future`, g);
      await saveNext(s, undefined, { state: 'ignored', reason: 'r', ignoreUntil: null }, `${x}-forever`, g);
      await saveNext(s, undefined, { state: 'declined', reason: 'r', ignoreUntil: at(100) }, `${x}-declined`, g);
      const expired = (await s.triage.listExpiredIgnores(at(200))).filter((d) => d.groupId === g);
      expect(expired.map((d) => d.bulletinId)).toEqual([`${x}-exact`, `${x}-past`]);
      expect(expired[0]).toEqual(await s.triage.get(`${x}-exact`, g));
      expect((await s.triage.listExpiredIgnores(at(99))).filter((d) => d.groupId === g)).toEqual([]);
    });

    enqueueContract(ctx);

    it("deletes a group's decisions and history, and cascades when the group is deleted", async () => {
      const s = ctx.store();
      const [g1, g2] = [await newGroup(s), await newGroup(s)];
      const b = uid('DSA');
      await s.triage.enqueueNew(
        [
          { bulletinId: b, groupId: g1 },
          { bulletinId: b, groupId: g2 },
        ],
        at(1),
      );
      await s.triage.deleteForGroup(g1);
      expect(await s.triage.get(b, g1)).toBeUndefined();
      expect((await s.triage.history(b)).map((e) => e.groupId)).toEqual([g2]);
      await s.groups.delete(g2);
      expect(await s.triage.get(b, g2)).toBeUndefined();
      expect(await s.triage.history(b)).toEqual([]);
      await s.triage.deleteForGroup(uid('missing'));
    });
  });
  triageRuleAndExceptionContract(ctx);
}

function enqueueContract(ctx: ContractContext): void {
  it('enqueues only missing pairs as new, version 1, with an enqueue event by system; again: nothing', async () => {
    const s = ctx.store();
    const [g1, g2] = [await newGroup(s), await newGroup(s)].sort();
    const [b1, b2] = [uid('DSA'), uid('DSA')];
    const decided = await saveNext(s, undefined, { state: 'approved' }, b1, g1);
    const pairs = [
      { bulletinId: b2, groupId: g2! },
      { bulletinId: b1, groupId: g1! },
      { bulletinId: b2, groupId: g1! },
      { bulletinId: b2, groupId: g2! },
    ];
    const created = await s.triage.enqueueNew(pairs, at(7));
    expect(created).toEqual([
      { bulletinId: b2, groupId: g1 },
      { bulletinId: b2, groupId: g2 },
    ]);
    expect(await s.triage.get(b2, g2!)).toEqual({
      bulletinId: b2,
      groupId: g2,
      state: 'new',
      owner: null,
      notes: null,
      reason: null,
      ignoreUntil: null,
      emergency: false,
      approvals: [],
      createdAt: at(7),
      updatedAt: at(7),
      updatedBy: 'system',
      version: 1,
    });
    expect(await s.triage.get(b1, g1!)).toEqual(decided);
    const [event] = await s.triage.history(b2, g1);
    expect(event).toEqual({
      id: event!.id,
      bulletinId: b2,
      groupId: g1,
      at: at(7),
      actor: 'system',
      action: 'enqueue',
      fromState: null,
      toState: 'new',
      detail: {},
    });
    expect(await s.triage.enqueueNew(pairs, at(8))).toEqual([]);
    expect(await s.triage.history(b2)).toHaveLength(2);
    expect(await s.triage.enqueueNew([], at(8))).toEqual([]);
    await expectStoreError(
      s.triage.enqueueNew([{ bulletinId: b1, groupId: uid('missing') }], at(8)),
      'E_GROUP_NOT_FOUND',
    );
  });

  it('enqueues thousands of pairs at once, and two concurrent overlapping calls create each pair once', async () => {
    const s = ctx.store();
    const groups = [await newGroup(s), await newGroup(s), await newGroup(s)];
    const x = uid('B');
    const bulletins = Array.from({ length: 1000 }, (_, i) => `${x}-${String(i).padStart(4, '0')}`);
    const pairs = groups.flatMap((groupId) => bulletins.map((bulletinId) => ({ bulletinId, groupId })));
    const first = pairs.slice(0, 2000);
    const second = pairs.slice(1000);
    const [a, b] = await Promise.all([
      s.triage.enqueueNew(first, at(1)),
      s.triage.enqueueNew([...second].reverse(), at(1)),
    ]);
    const created = [...a, ...b].map(pairKey);
    expect(new Set(created).size).toBe(created.length);
    expect(created.sort()).toEqual(pairs.map(pairKey).sort());
    expect((await s.triage.list({ groupIds: groups })).total).toBe(3000);
    expect(await s.triage.enqueueNew(pairs, at(2))).toEqual([]);
    for (const bulletinId of [bulletins[0]!, bulletins[999]!]) {
      expect((await s.triage.history(bulletinId)).map((e) => e.action)).toEqual(['enqueue', 'enqueue', 'enqueue']);
    }
  });
}
