/** Enrollment is one transaction: the token's use, the machine, the agent and its pinned key, or nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import type { Store } from '../../store/ports.js';
import { createTestSqliteStore } from '../../store/test-support.js';
import type { AssessmentService } from '../assessment/assessment-service.js';
import type { CatalogState } from '../assessment/catalog-state.js';
import { AgentService, type AgentKeyTrust } from './agents.js';
import { MachineService } from './machines.js';
import { TokenService } from './tokens.js';
import { TouchBuffer } from './touch-buffer.js';

const now = () => new Date('2026-03-02T07:00:00Z');
const PINNED = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe('AgentService.enroll', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await createTestSqliteStore());
  });
  afterAll(() => cleanup());

  /** An agent service whose key trust fails on `failOn` (after the token, machine and agent were written). */
  function service(failOn?: string) {
    const tokens = new TokenService(store, now, new TouchBuffer(store));
    const keys: AgentKeyTrust = {
      activePublicKeyPem: () => '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n',
      async enrolled(agentId, agents) {
        await agents.setTrust(agentId, { pinnedKey: PINNED, staleSince: null, staleReason: null });
        if (failOn) throw new PatchhiveError('E_INTERNAL', failOn);
      },
      checkinTrust: () => Promise.resolve({}),
    };
    const assessment = {} as AssessmentService; // enrollment assesses nothing
    const machines = new MachineService(store, assessment, now);
    const agents = new AgentService(
      store,
      tokens,
      machines,
      assessment,
      {} as CatalogState,
      new TouchBuffer(store),
      now,
      { checkinIntervalSeconds: 60, keys },
    );
    return { tokens, agents };
  }

  it('commits the token use, the machine, the agent and its pinned key together', async () => {
    const { tokens, agents } = service();
    const token = await tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 1 }, 'admin');
    const enrolled = await agents.enroll({ token: token.secret, hostname: 'web-1' });
    expect((await store.agents.getEnrollmentToken(token.id))?.uses).toBe(1);
    expect((await store.machines.get(enrolled.machineId))?.agentId).toBe(enrolled.agentId);
    expect((await store.agents.getAgent(enrolled.agentId))?.machineId).toBe(enrolled.machineId);
    expect((await store.agents.getTrust(enrolled.agentId))?.pinnedKey).toBe(PINNED);
  });

  it('leaves nothing behind, and the token unused, when a step fails', async () => {
    const { tokens, agents } = service('the key store is down');
    const token = await tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 1 }, 'admin');
    const before = (await store.machines.list()).length;
    await expect(agents.enroll({ token: token.secret, hostname: 'db-1' })).rejects.toThrow('the key store is down');
    expect((await store.agents.getEnrollmentToken(token.id))?.uses).toBe(0);
    expect(await store.machines.getByName('db-1')).toBeUndefined();
    expect((await store.machines.list()).length).toBe(before);
    // the token's one use is still there for a retry
    const retried = await service().agents.enroll({ token: token.secret, hostname: 'db-1' });
    expect((await store.machines.get(retried.machineId))?.name).toBe('db-1');
  });
});
