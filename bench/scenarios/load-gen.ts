/**
 * Child process, scenario 4: the simulated agents. Keeps each agent's credential and inventory
 * hash between calls. Answers "enroll" (one enrollment token, many uses), "upload" (the first
 * check-in, with the inventory), "steady" (hash-only check-ins round-robin over the agents for a
 * while; notices "measuring" when the measured window opens). argv: <seed>
 */
import { AGENT_API_PREFIX, type CheckinResponse, type EnrollResponse } from '../../src/protocol/agent.js';
import { inventoryHash } from '../../src/protocol/inventory-hash.js';
import { agentBaseInventory, agentInventory, agentName } from '../agent-fleet.js';
import { loadPool, runLoad, type LoadOptions, type LoadResult } from '../http-load.js';
import { serveParent, type Message } from '../ipc.js';

const seed = Number(process.argv[2]);
const base = await agentBaseInventory();
let credentials: string[] = [];
let hashes: string[] = [];

const json = { 'content-type': 'application/json' };
const agentHeaders = (i: number): Record<string, string> => ({ ...json, authorization: `Bearer ${credentials[i]}` });

/** Loadgen CPU seconds spent during a call, to show whether the generator itself was the limit. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** One load against m.url with m.concurrency in flight; cpuSeconds counts from the measured window's start. */
async function measuredLoad(
  m: Message,
  o: Omit<LoadOptions, 'concurrency' | 'onMeasuring'>,
): Promise<LoadResult & { cpuSeconds: number }> {
  const pool = loadPool(String(m.url), Number(m.concurrency));
  let cpu = process.cpuUsage();
  const onMeasuring = (): void => {
    cpu = process.cpuUsage();
    process.send!({ kind: 'measuring' });
  };
  try {
    const r = await runLoad(pool, { ...o, concurrency: Number(m.concurrency), onMeasuring });
    return { ...r, cpuSeconds: cpuSince(cpu) };
  } finally {
    await pool.close();
  }
}

function enroll(m: Message): Promise<LoadResult & { cpuSeconds: number }> {
  const n = Number(m.agents);
  credentials = new Array<string>(n);
  hashes = new Array<string>(n);
  return measuredLoad(m, {
    count: n,
    request: (i) => ({
      path: `${AGENT_API_PREFIX}/enroll`,
      headers: json,
      body: JSON.stringify({ token: String(m.token), hostname: agentName(i) }),
    }),
    check: (i, status, body) => {
      if (status !== 201) return false;
      credentials[i] = (JSON.parse(body) as EnrollResponse).credential;
      return true;
    },
  });
}

async function upload(
  m: Message,
): Promise<LoadResult & { cpuSeconds: number; generateMs: number; avgBodyBytes: number; avgPackages: number }> {
  const n = credentials.length;
  // Bodies are built before the clock starts, so the figure is the server's, not the generator's.
  const t0 = performance.now();
  const bodies: Buffer[] = new Array<Buffer>(n);
  let bytes = 0;
  let packages = 0;
  for (let i = 0; i < n; i++) {
    const inv = agentInventory(base, i, seed);
    packages += inv.packages?.items.length ?? 0;
    hashes[i] = inventoryHash(inv);
    bodies[i] = Buffer.from(JSON.stringify({ inventoryHash: hashes[i], inventory: inv, agentVersion: 'bench' }));
    bytes += bodies[i]!.length;
  }
  const generateMs = performance.now() - t0;
  const r = await measuredLoad(m, {
    count: n,
    request: (i) => ({ path: `${AGENT_API_PREFIX}/checkin`, headers: agentHeaders(i), body: bodies[i]! }),
    check: (i, status, body) =>
      status === 200 && (JSON.parse(body) as CheckinResponse).acceptedInventoryHash === hashes[i],
  });
  return { ...r, generateMs, avgBodyBytes: bytes / n, avgPackages: packages / n };
}

async function steady(
  m: Message,
): Promise<LoadResult & { cpuSeconds: number; bodyBytes: number; answerBytes: number }> {
  const n = credentials.length;
  const bodies = hashes.map((h) => JSON.stringify({ inventoryHash: h, agentVersion: 'bench' }));
  let answerBytes = 0;
  const r = await measuredLoad(m, {
    seconds: Number(m.seconds),
    warmupSeconds: Number(m.warmupSeconds),
    request: (i) => ({ path: `${AGENT_API_PREFIX}/checkin`, headers: agentHeaders(i % n), body: bodies[i % n]! }),
    check: (_i, status, body) => {
      answerBytes = body.length;
      return status === 200 && body.includes('"inventoryWanted":false');
    },
  });
  return { ...r, bodyBytes: Buffer.byteLength(bodies[0] ?? ''), answerBytes };
}

serveParent(async (m) => {
  if (m.kind === 'enroll') return { result: await enroll(m) };
  if (m.kind === 'upload') return { result: await upload(m) };
  if (m.kind === 'steady') return { result: await steady(m) };
  if (m.kind === 'stop') {
    setImmediate(() => process.exit(0));
    return {};
  }
  throw new Error(`unknown message ${m.kind}`);
});
process.send!({ kind: 'ready' });
