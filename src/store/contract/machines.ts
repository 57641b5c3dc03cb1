/** Contract of MachineStore. */
import { describe, expect, it } from 'vitest';
import { at, expectStoreError, finding, group, machine, uid, type ContractContext } from './builders.js';

/** Defines the MachineStore tests for one adapter. */
export function machineContract(ctx: ContractContext): void {
  describe('machines', () => {
    it('stores and reads back every field, by id and by name', async () => {
      const s = ctx.store();
      const full = machine({ lastSeenAt: at(1), agentId: 'agent-1', inventoryHash: null });
      const sparse = machine({
        os: null,
        role: null,
        owner: null,
        location: null,
        tags: [],
        internetFacing: false,
        source: 'import',
        criticality: 'critical',
      });
      await s.machines.create(full);
      await s.machines.create(sparse);
      expect(await s.machines.get(full.id)).toEqual(full);
      expect(await s.machines.getByName(sparse.name)).toEqual(sparse);
      expect(await s.machines.get(uid('missing'))).toBeUndefined();
      expect(await s.machines.getByName(uid('missing'))).toBeUndefined();
    });

    it('refuses a second machine with the same name or id (E_CONFLICT)', async () => {
      const s = ctx.store();
      const m = machine();
      await s.machines.create(m);
      await expectStoreError(s.machines.create(machine({ name: m.name })), 'E_CONFLICT');
      await expectStoreError(s.machines.create(machine({ id: m.id })), 'E_CONFLICT');
    });

    it('lists by name (bytewise), restricted to ids when asked', async () => {
      const s = ctx.store();
      const tag = uid('list');
      const names = [`${tag}-b`, `${tag}-A`, `${tag}-a`];
      const ms = names.map((name) => machine({ name }));
      for (const m of ms) await s.machines.create(m);
      const ids = ms.map((m) => m.id);
      const listed = await s.machines.list({ ids: [...ids, uid('missing')] });
      expect(listed.map((m) => m.name)).toEqual([`${tag}-A`, `${tag}-a`, `${tag}-b`]);
      expect(await s.machines.list({ ids: [] })).toEqual([]);
      const all = (await s.machines.list()).map((m) => m.name).filter((n) => n.startsWith(tag));
      expect(all).toEqual([`${tag}-A`, `${tag}-a`, `${tag}-b`]);
    });

    it('updates only the attributes a patch names', async () => {
      const s = ctx.store();
      const m = machine();
      await s.machines.create(m);
      await s.machines.updateAttributes(m.id, { owner: null, tags: ['x'], internetFacing: false });
      expect(await s.machines.get(m.id)).toEqual({ ...m, owner: null, tags: ['x'], internetFacing: false });
      await s.machines.updateAttributes(m.id, { criticality: 'high', role: 'db', location: 'dc2' });
      expect(await s.machines.get(m.id)).toMatchObject({
        criticality: 'high',
        role: 'db',
        location: 'dc2',
        tags: ['x'],
      });
      await s.machines.updateAttributes(m.id, {});
    });

    it('sets os, last seen and assessed state', async () => {
      const s = ctx.store();
      const m = machine();
      await s.machines.create(m);
      await s.machines.setOs(m.id, { family: 'windows', platform: 'windows', version: '10.0.19045' });
      await s.machines.touch(m.id, at(5));
      await s.machines.markAssessed(m.id, 'hash-1', at(6));
      expect(await s.machines.get(m.id)).toMatchObject({
        os: { family: 'windows', platform: 'windows', version: '10.0.19045' },
        lastSeenAt: at(5),
        assessedHash: 'hash-1',
        assessedAt: at(6),
      });
      await s.machines.setOs(m.id, null);
      expect((await s.machines.get(m.id))?.os).toBeNull();
    });

    it('reports an unknown machine on every update (E_MACHINE_NOT_FOUND)', async () => {
      const s = ctx.store();
      const id = uid('missing');
      await expectStoreError(s.machines.updateAttributes(id, { role: 'x' }), 'E_MACHINE_NOT_FOUND');
      await expectStoreError(s.machines.updateAttributes(id, {}), 'E_MACHINE_NOT_FOUND');
      await expectStoreError(s.machines.setOs(id, null), 'E_MACHINE_NOT_FOUND');
      await expectStoreError(s.machines.touch(id, at(1)), 'E_MACHINE_NOT_FOUND');
      await expectStoreError(s.machines.markAssessed(id, 'h', at(1)), 'E_MACHINE_NOT_FOUND');
      await expectStoreError(s.machines.putInventory(id, 'h', '{}', at(1)), 'E_MACHINE_NOT_FOUND');
      await expectStoreError(s.machines.delete(id), 'E_MACHINE_NOT_FOUND');
      expect(await s.machines.getInventory(id)).toBeUndefined();
    });

    it('stores the inventory, replaces it, and records its hash and time', async () => {
      const s = ctx.store();
      const m = machine();
      await s.machines.create(m);
      expect(await s.machines.getInventory(m.id)).toBeUndefined();
      const big = JSON.stringify({
        packages: Array.from({ length: 2000 }, (_, i) => ({ name: `pkg${i}`, version: `1.${i}` })),
      });
      await s.machines.putInventory(m.id, 'h1', big, at(1));
      expect(await s.machines.getInventory(m.id)).toEqual({ hash: 'h1', json: big, at: at(1) });
      await s.machines.putInventory(m.id, 'h2', '{"packages":[]}', at(2));
      expect(await s.machines.getInventory(m.id)).toEqual({ hash: 'h2', json: '{"packages":[]}', at: at(2) });
      expect(await s.machines.get(m.id)).toMatchObject({ inventoryHash: 'h2', inventoryAt: at(2) });
    });

    it('lists machines whose stored inventory has not been assessed', async () => {
      const s = ctx.store();
      const [none, fresh, done, changed] = [machine(), machine(), machine(), machine()];
      for (const m of [none, fresh, done, changed]) await s.machines.create(m);
      await s.machines.putInventory(fresh.id, 'a', '{}', at(1));
      await s.machines.putInventory(done.id, 'b', '{}', at(1));
      await s.machines.markAssessed(done.id, 'b', at(2));
      await s.machines.putInventory(changed.id, 'c1', '{}', at(1));
      await s.machines.markAssessed(changed.id, 'c1', at(2));
      await s.machines.putInventory(changed.id, 'c2', '{}', at(3));
      const pending = new Set(await s.machines.listPendingAssessment());
      expect([none, fresh, done, changed].map((m) => pending.has(m.id))).toEqual([false, true, false, true]);
    });

    it('deletes a machine with its inventory, findings, group memberships and agents', async () => {
      const s = ctx.store();
      const [gone, kept] = [machine(), machine()];
      await s.machines.create(gone);
      await s.machines.create(kept);
      await s.machines.putInventory(gone.id, 'h', '{}', at(1));
      await s.findings.applyAssessment(gone.id, [finding('B-1')], at(1));
      const g = group();
      await s.groups.create(g, [gone.id, kept.id]);
      const agentId = uid('agent');
      await s.agents.createAgent({
        id: agentId,
        machineId: gone.id,
        credentialHash: 'x',
        createdAt: at(1),
        revokedAt: null,
        lastCheckinAt: null,
      });
      await s.machines.delete(gone.id);
      expect(await s.machines.get(gone.id)).toBeUndefined();
      expect(await s.machines.getInventory(gone.id)).toBeUndefined();
      expect((await s.findings.list({ machineIds: [gone.id] })).total).toBe(0);
      expect(await s.groups.members(g.id)).toEqual([kept.id]);
      expect(await s.agents.getAgent(agentId)).toBeUndefined();
      expect(await s.machines.get(kept.id)).toEqual(kept);
    });
  });
}
