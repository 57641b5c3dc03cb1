/**
 * Child process, section 7 Bench B: the simulated agents. argv: <seed>. Messages:
 * - "enroll" {url, token, agents, concurrency}: enrolls every agent (one token, many uses);
 * - "upload" {url, concurrency}: the first check-in of each, with its inventory;
 * - "run" {url, periodSeconds, connections}: every agent checks in every periodSeconds (spread
 *   evenly) until "halt"; each received envelope is checked with the agent's real verifyJob
 *   against the pinned key and the agent's last sequence; an accepted install job is "run" at
 *   once (its packages move to the target versions) and the agent checks in again immediately
 *   with its report and its new inventory; reports are resent until acknowledged;
 * - "counters" and "latency" {from, to} (answered while "run" goes on), "halt" (ends "run").
 */
import { Pool } from 'undici';
import { verifyJob } from '../../src/agent/job-verify.js';
import type { Inventory } from '../../src/inventory/model.js';
import {
  AGENT_API_PREFIX,
  MAX_JOB_REPORTS,
  type CheckinResponse,
  type EnrollResponse,
  type JobReport,
} from '../../src/protocol/agent.js';
import { inventoryHash } from '../../src/protocol/inventory-hash.js';
import { agentBaseInventory, agentInventory, agentName } from '../agent-fleet.js';
import { latencyStats, loadPool, runLoad, type LoadResult } from '../http-load.js';
import { serveParent, type Message } from '../ipc.js';
import { inventoryAfter, refusedReport, succeededReport } from './rollout-fleet.js';

/** What the agents counted during one "run" (and so far, for "counters"). */
export interface AgentCounters {
  checkins: number;
  /** Check-ins sent and not yet answered, now. */
  inflight: number;
  /** Check-in latencies recorded so far (the index range of one phase, for "latency"). */
  latencyCount: number;
  /** Check-ins that carried an inventory. */
  inventories: number;
  envelopes: number;
  /** Envelopes of a job the agent already knew (re-delivered before its report was stored). */
  redelivered: number;
  verified: number;
  refused: number;
  refusals: Record<string, number>;
  reportsSent: number;
  acknowledged: number;
  /** Microseconds spent in verifyJob, all envelopes together. */
  verifyMicros: number;
  errors: number;
  firstError: string | null;
}

interface Agent {
  agentId: string;
  machineId: string;
  credential: string;
  pinnedKey: string;
  inventory: Inventory;
  hash: string;
  sendInventory: boolean;
  lastSequence: number;
  known: Set<string>;
  pending: Map<string, JobReport>;
}

const seed = Number(process.argv[2]);
const base = await agentBaseInventory();
let agents: Agent[] = [];
const json = { 'content-type': 'application/json' };
const headersOf = (a: Agent) => ({ ...json, authorization: `Bearer ${a.credential}` });

const zeroCounters = (): AgentCounters => ({
  checkins: 0,
  inflight: 0,
  latencyCount: 0,
  inventories: 0,
  envelopes: 0,
  redelivered: 0,
  verified: 0,
  refused: 0,
  refusals: {},
  reportsSent: 0,
  acknowledged: 0,
  verifyMicros: 0,
  errors: 0,
  firstError: null,
});
let counters = zeroCounters();
let halt: (() => void) | undefined;
/** Every check-in's latency (ms) since "run" started, in completion order. */
let latencies = new Float64Array(1 << 16);

function recordLatency(msValue: number): void {
  if (counters.latencyCount === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[counters.latencyCount++] = msValue;
}

async function enroll(m: Message): Promise<LoadResult & { machineIds: string[] }> {
  const n = Number(m.agents);
  const got: EnrollResponse[] = new Array<EnrollResponse>(n);
  const pool = loadPool(String(m.url), Number(m.concurrency));
  try {
    const r = await runLoad(pool, {
      concurrency: Number(m.concurrency),
      count: n,
      request: (i) => ({
        path: `${AGENT_API_PREFIX}/enroll`,
        headers: json,
        body: JSON.stringify({ token: String(m.token), hostname: agentName(i) }),
      }),
      check: (i, status, body) => status === 201 && Boolean((got[i] = JSON.parse(body) as EnrollResponse)),
    });
    if (r.failures > 0) throw new Error(`enrollment: ${r.failures} failed, first: ${r.firstFailure}`);
    agents = got.map((e, i) => {
      const inventory = agentInventory(base, i, seed);
      return {
        agentId: e.agentId,
        machineId: e.machineId,
        credential: e.credential,
        pinnedKey: e.jobSigningPublicKey,
        inventory,
        hash: inventoryHash(inventory),
        sendInventory: true,
        lastSequence: 0,
        known: new Set(),
        pending: new Map(),
      };
    });
    return { ...r, machineIds: agents.map((a) => a.machineId) };
  } finally {
    await pool.close();
  }
}

async function upload(m: Message): Promise<LoadResult> {
  const pool = loadPool(String(m.url), Number(m.concurrency));
  try {
    const r = await runLoad(pool, {
      concurrency: Number(m.concurrency),
      count: agents.length,
      request: (i) => ({
        path: `${AGENT_API_PREFIX}/checkin`,
        headers: headersOf(agents[i]!),
        body: JSON.stringify({
          inventoryHash: agents[i]!.hash,
          inventory: agents[i]!.inventory,
          agentVersion: 'bench',
        }),
      }),
      check: (i, status, body) => {
        const ok = status === 200 && (JSON.parse(body) as CheckinResponse).acceptedInventoryHash === agents[i]!.hash;
        if (ok) agents[i]!.sendInventory = false;
        return ok;
      },
    });
    if (r.failures > 0) throw new Error(`upload: ${r.failures} failed, first: ${r.firstFailure}`);
    return r;
  } finally {
    await pool.close();
  }
}

/** Handles the envelopes of one answer; true when a job ran (the agent then checks in at once). */
function handleJobs(a: Agent, jobs: unknown[]): boolean {
  let ran = false;
  for (const envelope of jobs) {
    counters.envelopes++;
    const jobId = (envelope as { job?: { jobId?: unknown } } | null)?.job?.jobId;
    if (typeof jobId === 'string' && a.known.has(jobId)) {
      counters.redelivered++;
      continue;
    }
    const now = new Date().toISOString();
    const t = performance.now();
    const verdict = verifyJob(envelope, {
      agentId: a.agentId,
      pinnedPublicKeyPem: a.pinnedKey,
      lastSequence: a.lastSequence,
      now,
    });
    counters.verifyMicros += (performance.now() - t) * 1000;
    if (!verdict.ok) {
      counters.refused++;
      counters.refusals[verdict.reason] = (counters.refusals[verdict.reason] ?? 0) + 1;
      if (typeof jobId === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(jobId)) {
        a.known.add(jobId);
        a.pending.set(jobId, refusedReport(jobId, null, verdict.reason, verdict.message, now));
      }
      continue;
    }
    counters.verified++;
    const job = verdict.job;
    a.lastSequence = job.sequence;
    a.known.add(job.jobId);
    const after = inventoryAfter(a.inventory, job);
    a.inventory = after.inventory;
    a.hash = inventoryHash(after.inventory);
    a.sendInventory = true;
    a.pending.set(job.jobId, succeededReport(job, after.kept, now));
    ran = true;
  }
  return ran;
}

async function checkin(pool: Pool, a: Agent): Promise<boolean> {
  const reports = [...a.pending.values()].slice(0, MAX_JOB_REPORTS);
  const body = {
    inventoryHash: a.hash,
    agentVersion: 'bench',
    ...(a.sendInventory ? { inventory: a.inventory } : {}),
    ...(reports.length > 0 ? { jobReports: reports } : {}),
  };
  const t = performance.now();
  counters.inflight++;
  let text: string;
  let status: number;
  try {
    const res = await pool.request({
      method: 'POST',
      path: `${AGENT_API_PREFIX}/checkin`,
      headers: headersOf(a),
      body: JSON.stringify(body),
    });
    status = res.statusCode;
    text = await res.body.text();
  } finally {
    counters.inflight--;
  }
  recordLatency(performance.now() - t);
  if (status !== 200) throw new Error(`check-in: HTTP ${status}: ${text.slice(0, 300)}`);
  const answer = JSON.parse(text) as CheckinResponse;
  counters.checkins++;
  if (body.inventory) counters.inventories++;
  counters.reportsSent += reports.length;
  if (answer.acceptedInventoryHash === a.hash) a.sendInventory = false;
  else if (answer.inventoryWanted) a.sendInventory = true;
  for (const ack of answer.acknowledgedJobReports ?? []) if (a.pending.delete(ack.jobId)) counters.acknowledged++;
  return handleJobs(a, answer.jobs ?? []);
}

async function run(m: Message): Promise<AgentCounters> {
  counters = zeroCounters();
  const periodMs = Number(m.periodSeconds) * 1000;
  const pool = new Pool(String(m.url), { connections: Number(m.connections), pipelining: 1, keepAliveTimeout: 60_000 });
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (a: Agent, delayMs: number): void => {
    if (stopped) return;
    const t = setTimeout(() => {
      timers.delete(t);
      checkin(pool, a).then(
        (ranJob) => schedule(a, ranJob ? 0 : periodMs),
        (err: Error) => {
          counters.errors++;
          counters.firstError ??= err.message;
          schedule(a, periodMs);
        },
      );
    }, delayMs);
    timers.add(t);
  };
  agents.forEach((a, i) => schedule(a, (i / agents.length) * periodMs));
  await new Promise<void>((resolve) => (halt = resolve));
  stopped = true;
  for (const t of timers) clearTimeout(t);
  await pool.close();
  return counters;
}

serveParent(async (m) => {
  if (m.kind === 'enroll') return { result: await enroll(m) };
  if (m.kind === 'upload') return { result: await upload(m) };
  if (m.kind === 'run') return { result: await run(m) };
  if (m.kind === 'counters') return { result: { ...counters, refusals: { ...counters.refusals } } };
  if (m.kind === 'latency') return { result: latencyStats(latencies.slice(Number(m.from), Number(m.to))) };
  if (m.kind === 'halt') {
    halt?.();
    return {};
  }
  throw new Error(`unknown message ${m.kind}`);
});
process.send!({ kind: 'ready' });
