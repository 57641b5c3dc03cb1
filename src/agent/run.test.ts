import { readFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DEBIAN_12_OS_RELEASE, fixture, makeRoot, removeRoots } from '../inventory/test-support.js';
import { createAgentClient } from './client.js';
import { collectAgentInventory } from './collect.js';
import { AGENT_EXIT, formatDelay, runAgentLoop, type AgentRunDeps } from './run.js';
import { NO_PROBES, type AgentState } from './state.js';
import { enrolledState, startFakeServer, type FakeServer } from './test-server.js';

afterAll(removeRoots);

const STATUS = readFileSync(fixture('debian', 'status-minbase-12-point-release.txt'), 'utf8');

interface Harness {
  deps: AgentRunDeps;
  saved: AgentState[];
  warnings: string[];
  sleeps: number[];
  controller: AbortController;
}

/** Deps around a real client and a real collector on a temp root; sleeping only records the delay. */
function harness(serverUrl: string, root: string, opts: { stopAfterSleeps?: number; random?: number } = {}): Harness {
  const h: Harness = { saved: [], warnings: [], sleeps: [], controller: new AbortController(), deps: undefined as unknown as AgentRunDeps };
  h.deps = {
    client: createAgentClient(serverUrl, { userAgent: 'patchhive-agent/test' }),
    collect: (probes) => collectAgentInventory({ root, now: new Date('2026-05-01T10:00:00Z'), probes, machineId: 'machine-1' }),
    save: async (s) => {
      h.saved.push(s);
    },
    random: () => opts.random ?? 0.5,
    sleep: async (ms) => {
      h.sleeps.push(ms);
      if (h.sleeps.length >= (opts.stopAfterSleeps ?? 1)) h.controller.abort();
    },
    warn: (line) => h.warnings.push(line),
    info: () => undefined,
    signal: h.controller.signal,
    backoff: { baseMs: 5_000, capMs: 15 * 60_000 },
    agentVersion: '0.0.0-test',
  };
  return h;
}

const debianRoot = () => makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE, 'etc/debian_version': '12.15\n', 'var/lib/dpkg/status': STATUS });

describe('runAgentLoop against a server on loopback', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await startFakeServer();
    return () => server.close();
  });

  it('runs until stopped between cycles; waits the server interval ±10 %', async () => {
    const h = harness(server.url, await debianRoot(), { stopAfterSleeps: 2, random: 0 });
    expect(await runAgentLoop(enrolledState(server), { once: false }, h.deps)).toBe(AGENT_EXIT.ok);
    expect(server.checkins.map((c) => c.body.inventory !== undefined)).toEqual([true, false]);
    expect(h.sleeps).toEqual([3_240_000, 3_240_000]);
    expect(h.warnings).toEqual([]);
  });

  it('a server that lost the inventory gets it again at once (inventoryWanted)', async () => {
    const root = await debianRoot();
    const h = harness(server.url, root);
    await runAgentLoop(enrolledState(server), { once: true }, h.deps);
    const accepted = h.saved.at(-1)!;
    expect(accepted.lastAcceptedHash).toMatch(/^[0-9a-f]{64}$/);
    server.inventories.clear();
    await runAgentLoop(accepted, { once: true }, harness(server.url, root).deps);
    expect(server.checkins.map((c) => c.body.inventory !== undefined)).toEqual([true, false, true]);
  });

  it('at most one follow-up per cycle, even when every answer asks for new probes', async () => {
    let n = 0;
    server.onCheckin = () => {
      server.probes = { ...NO_PROBES, textFiles: [`/etc/probe-${++n}`] };
    };
    const h = harness(server.url, await debianRoot(), { stopAfterSleeps: 2 });
    await runAgentLoop(enrolledState(server), { once: false }, h.deps);
    expect(server.checkins).toHaveLength(4); // two cycles, each a check-in and one follow-up
    // the follow-up carries the probe the previous answer asked for
    expect(server.checkins[1]?.body.inventory?.textFiles?.map((t) => t.path)).toContain('/etc/probe-1');
  });

  it('a server that is down: one warning per failure, full-jitter backoff growing to the window', async () => {
    const root = await debianRoot();
    const down = await startFakeServer();
    await down.close();
    const h = harness(down.url, root, { stopAfterSleeps: 4, random: 0.99 });
    expect(await runAgentLoop(enrolledState(down), { once: false }, h.deps)).toBe(AGENT_EXIT.ok);
    expect(h.sleeps).toEqual([4_950, 9_900, 19_800, 39_600]);
    expect(h.warnings).toHaveLength(4);
    expect(h.warnings[0]).toMatch(/^patchhive agent: check-in failed \(1 in a row\): cannot reach the server at http:\/\/127\.0\.0\.1:\d+ for the check-in \(ECONNREFUSED\) \[E_SERVER_UNREACHABLE\]; retrying in 5s$/);
    expect(h.warnings[3]).toMatch(/\(4 in a row\).*retrying in 40s$/);
    for (const w of h.warnings) expect(w).not.toContain(down.credential);
  });

  it('a success resets the backoff', async () => {
    let failing = 2;
    server.onCheckin = () => {
      if (failing-- > 0) throw new Error('database is down');
    };
    const h = harness(server.url, await debianRoot(), { stopAfterSleeps: 4, random: 0.5 });
    h.deps.sleep = async (ms) => {
      h.sleeps.push(ms);
      if (h.sleeps.length === 3) failing = 1; // fail once more after the success
      if (h.sleeps.length >= 4) h.controller.abort();
    };
    await runAgentLoop(enrolledState(server), { once: false }, h.deps);
    expect(h.sleeps).toEqual([2_500, 5_000, 3_600_000, 2_500]);
    expect(h.warnings[0]).toMatch(/answered the check-in with HTTP 500 \[E_SERVER_ERROR\]/);
  });

  it('--once: a failure is exit 2 with one line; revoked is exit 3', async () => {
    const down = await startFakeServer();
    await down.close();
    const h = harness(down.url, await debianRoot());
    expect(await runAgentLoop(enrolledState(down), { once: true }, h.deps)).toBe(AGENT_EXIT.error);
    expect(h.warnings).toHaveLength(1);
    expect(h.sleeps).toEqual([]);

    server.revoked = true;
    const r = harness(server.url, await debianRoot(), { stopAfterSleeps: 100 });
    expect(await runAgentLoop(enrolledState(server), { once: false }, r.deps)).toBe(AGENT_EXIT.revoked);
    expect(r.sleeps).toEqual([]); // no retry
    expect(r.warnings).toEqual([expect.stringMatching(/revoked this agent's credential \[E_TOKEN_REVOKED\]/)]);
  });

  it('a collection failure is a failure like any other (backoff, no check-in)', async () => {
    const root = await makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE });
    const h = harness(server.url, root, { stopAfterSleeps: 1, random: 0.5 });
    await runAgentLoop(enrolledState(server), { once: false }, h.deps);
    expect(server.checkins).toHaveLength(0);
    expect(h.warnings[0]).toMatch(/no dpkg status .* \[E_COLLECT_FAILED\]; retrying in 3s$/);
  });

  it('an already aborted signal runs no cycle', async () => {
    const h = harness(server.url, await debianRoot());
    h.controller.abort();
    expect(await runAgentLoop(enrolledState(server), { once: false }, h.deps)).toBe(AGENT_EXIT.ok);
    expect(server.checkins).toHaveLength(0);
  });
});

describe('formatDelay', () => {
  it.each([
    [850, '850ms'],
    [5_000, '5s'],
    [65_000, '1m 05s'],
    [900_000, '15m 00s'],
  ])('%d → %s', (ms, text) => {
    expect(formatDelay(ms)).toBe(text);
  });
});
