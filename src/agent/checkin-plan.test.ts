import { describe, expect, it } from 'vitest';
import type { CheckinResponse } from '../protocol/agent.js';
import { applyCheckinResponse, needsFollowUp, sameProbes, shouldSendInventory } from './checkin-plan.js';
import { AGENT_STATE_SCHEMA, NO_PROBES, type AgentState } from './state.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

describe('shouldSendInventory', () => {
  it.each([
    [H1, null, false, true],
    [H1, H2, false, true],
    [H1, H1, false, false],
    [H1, H1, true, true],
  ])('hash %s, accepted %s, wanted %s → send %s', (hash, accepted, wanted, send) => {
    expect(shouldSendInventory(hash, accepted, wanted)).toBe(send);
  });
});

describe('sameProbes', () => {
  const reg = { hive: 'HKEY_LOCAL_MACHINE', key: 'SOFTWARE\\X', name: 'V' };
  it('ignores order and duplicates', () => {
    expect(
      sameProbes(
        { files: ['/b', '/a'], textFiles: ['/t'], registry: [reg] },
        { files: ['/a', '/b', '/a'], textFiles: ['/t'], registry: [reg] },
      ),
    ).toBe(true);
  });
  it.each([
    [{ ...NO_PROBES, files: ['/a'] }],
    [{ ...NO_PROBES, textFiles: ['/a'] }],
    [{ ...NO_PROBES, registry: [reg] }],
    [{ ...NO_PROBES, registry: [{ ...reg, view: '32_bit' as const }] }],
  ])('sees a change: %j', (other) => {
    expect(sameProbes(NO_PROBES, other)).toBe(false);
  });
  it('a file path is not a text-file path', () => {
    expect(sameProbes({ ...NO_PROBES, files: ['/a'] }, { ...NO_PROBES, textFiles: ['/a'] })).toBe(false);
  });
});

const state: AgentState = {
  schema: AGENT_STATE_SCHEMA,
  server: 'https://ph.example',
  agentId: 'a1',
  machineId: 'm1',
  credential: 'c'.repeat(32),
  jobSigningPublicKey: 'pem',
  checkinIntervalSeconds: 60,
  enrolledAt: '2026-01-01T00:00:00.000Z',
  lastAcceptedHash: H1,
  probes: NO_PROBES,
};
const answer = (over: Partial<CheckinResponse> = {}): CheckinResponse => ({
  acceptedInventoryHash: H1,
  inventoryWanted: false,
  probes: NO_PROBES,
  nextCheckinSeconds: 60,
  jobs: [],
  acknowledgedJobReports: [],
  ...over,
});

describe('applyCheckinResponse', () => {
  it('nothing new: state unchanged, no follow-up', () => {
    const o = applyCheckinResponse(state, answer());
    expect(o).toEqual({ state, changed: false, probesChanged: false, inventoryWanted: false });
    expect(o.state).toBe(state);
    expect(needsFollowUp(o)).toBe(false);
  });

  it('a new accepted hash is stored (also null: the server lost it)', () => {
    expect(applyCheckinResponse(state, answer({ acceptedInventoryHash: H2 })).state.lastAcceptedHash).toBe(H2);
    const lost = applyCheckinResponse(state, answer({ acceptedInventoryHash: null, inventoryWanted: true }));
    expect(lost.state.lastAcceptedHash).toBeNull();
    expect(needsFollowUp(lost)).toBe(true);
  });

  it('new probes are stored and ask for a follow-up', () => {
    const probes = { ...NO_PROBES, textFiles: ['/etc/issue'] };
    const o = applyCheckinResponse(state, answer({ probes }));
    expect(o).toMatchObject({ changed: true, probesChanged: true });
    expect(o.state.probes).toEqual(probes);
    expect(needsFollowUp(o)).toBe(true);
  });

  it('jobs are ignored for now', () => {
    expect(applyCheckinResponse(state, answer({ jobs: [{ anything: 1 }] })).changed).toBe(false);
  });
});

describe('probes accumulate across answers', () => {
  it('keeps the probes already answered when the server names only new ones, and asks again only for new ones', () => {
    const first = applyCheckinResponse(
      state,
      answer({ probes: { files: [], registry: [], textFiles: ['/etc/debian_version'] } }),
    );
    expect(first.probesChanged).toBe(true);
    // the next inventory answers it, so the server names nothing more
    const second = applyCheckinResponse(first.state, answer({ probes: NO_PROBES }));
    expect(second.probesChanged).toBe(false);
    expect(second.state.probes.textFiles).toEqual(['/etc/debian_version']);
    const third = applyCheckinResponse(
      second.state,
      answer({ probes: { files: ['/usr/bin/x'], registry: [], textFiles: [] } }),
    );
    expect(third.probesChanged).toBe(true);
    expect(third.state.probes).toEqual({ files: ['/usr/bin/x'], registry: [], textFiles: ['/etc/debian_version'] });
  });
});
