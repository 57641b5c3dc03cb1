/**
 * The agent loop: collect, check in, follow the server's answer, wait, repeat. Every effect (HTTP,
 * collection, state file, clock, randomness, sleeping) is passed in, so tests drive it directly.
 * A stop signal ends the loop between cycles, never in the middle of one.
 */
import { formatLocation, PatchhiveError, type ErrorCode } from '../errors.js';
import type { Inventory } from '../inventory/model.js';
import type { CheckinRequest, CheckinResponse, ProbeRequestWire } from '../protocol/agent.js';
import type { AgentJobHandling } from './jobs/checkin-jobs.js';
import { inventoryHash } from '../protocol/inventory-hash.js';
import type { BackoffOptions, Random } from '../common/backoff.js';
import { checkinDelayMs, failureDelayMs } from './backoff.js';
import { applyCheckinResponse, needsFollowUp, shouldSendInventory } from './checkin-plan.js';
import { isRevoked, type AgentClient, type ServerFailure, type ServerResult } from './client.js';
import type { AgentState } from './state.js';
import { randomBytes } from 'node:crypto';
import { applyTrustAnswer, fingerprintOrNull, staleReport } from './key-trust.js';

/** Exit codes of `patchhive agent run`: 0 stopped or done, 2 error, 3 credential revoked. */
export const AGENT_EXIT = { ok: 0, error: 2, revoked: 3 } as const;
export type AgentExitCode = (typeof AGENT_EXIT)[keyof typeof AGENT_EXIT];

export interface AgentRunDeps {
  client: AgentClient;
  /** Collects the inventory with the given probes (the clock lives in here). */
  collect(probes: ProbeRequestWire): Promise<Inventory>;
  /** Writes the state file. */
  save(state: AgentState): Promise<void>;
  random: Random;
  /** Waits `ms`, or less when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** One line to stderr. */
  warn(line: string): void;
  /** One line to stdout. */
  info(line: string): void;
  /** Aborted by SIGTERM/SIGINT. */
  signal: AbortSignal;
  backoff: BackoffOptions;
  agentVersion: string;
  /** Takes the jobs of check-in answers and reports them; absent: jobs are ignored. */
  jobs?: AgentJobHandling;
  /** Freeze detection: the clock, how long without a fresh signed server time is stale, the nonce source. */
  trust?: AgentTrustDeps;
}

export interface AgentTrustDeps {
  now(): Date;
  staleAfterMs: number;
  nonce(): string;
}

/** Without trust deps (tests of other parts): nonces and re-pinning still work; no stale reports. */
const defaultTrust: AgentTrustDeps = {
  now: () => new Date(),
  staleAfterMs: Number.POSITIVE_INFINITY,
  nonce: () => randomBytes(18).toString('base64url'),
};

/** Check-ins at most per cycle: the first, one follow-up for probes/inventory, and a few after jobs. */
export const MAX_CHECKINS_PER_CYCLE = 4;

export type CycleResult =
  | { ok: true; state: AgentState; nextCheckinSeconds: number; inventoryWanted: boolean }
  | { ok: false; state: AgentState; failure: ServerFailure };

/** A thrown error as a failure: known errors keep their code; anything else is internal. */
function asFailure(err: unknown): ServerFailure {
  if (err instanceof PatchhiveError) {
    const where = formatLocation(err.location);
    return { code: err.code, message: `${where ? `${where}: ` : ''}${err.message}` };
  }
  const msg = err instanceof Error ? err.message : String(err);
  return { code: 'E_INTERNAL' satisfies ErrorCode, message: msg.split('\n')[0] ?? 'error' };
}

/** One check-in; returns the answer and the nonce it was sent with. */
async function checkinWith(
  state: AgentState,
  inv: Inventory,
  inventoryWanted: boolean,
  deps: AgentRunDeps,
): Promise<{ res: ServerResult<CheckinResponse>; nonce: string }> {
  const hash = inventoryHash(inv);
  const trust = deps.trust ?? defaultTrust;
  const nonce = trust.nonce();
  const req: CheckinRequest = { inventoryHash: hash, agentVersion: deps.agentVersion, nonce };
  const pinned = fingerprintOrNull(state.jobSigningPublicKey);
  if (pinned) req.pinnedKey = pinned;
  const stale = staleReport(state, trust.now(), trust.staleAfterMs);
  if (stale) {
    req.stale = stale;
    deps.warn(
      `patchhive agent: stale: ${stale.reason} (last fresh ${stale.since}); the server or the way to it may be frozen or replaying answers`,
    );
  }
  if (shouldSendInventory(hash, state.lastAcceptedHash, inventoryWanted)) {
    req.inventory = inv;
    deps.info(`sending the inventory (${inv.packages?.items.length ?? 0} packages, hash ${hash.slice(0, 12)})`);
  }
  const reports = deps.jobs ? await deps.jobs.pendingReports() : [];
  if (reports.length > 0) {
    req.jobReports = reports;
    deps.info(
      `sending ${reports.length} job report${reports.length === 1 ? '' : 's'} (${reports.map((r) => `${r.jobId} ${r.state}`).join(', ')})`,
    );
  }
  return { res: await deps.client.checkin(state.credential, req), nonce };
}

/**
 * One cycle: collect, check in, and follow the answer: store acknowledged job reports, run its
 * jobs, and check in again at once — with the reports and a fresh inventory after jobs, with the
 * probes or inventory the server asked for otherwise (that follow-up only once per cycle).
 */
export async function runCheckinCycle(
  initial: AgentState,
  inventoryWanted: boolean,
  deps: AgentRunDeps,
): Promise<CycleResult> {
  let state = initial;
  try {
    let inv = await deps.collect(state.probes);
    let { res, nonce } = await checkinWith(state, inv, inventoryWanted, deps);
    for (let n = 1; ; n++) {
      if (!res.ok) return { ok: false, state, failure: res.failure };
      const trust = applyTrustAnswer(state, res.value, nonce, (deps.trust ?? defaultTrust).now());
      for (const note of trust.notes) deps.info(note);
      const outcome = applyCheckinResponse(trust.state, res.value);
      if (trust.changed && !outcome.changed) await deps.save(outcome.state);
      if (outcome.changed) await deps.save(outcome.state);
      state = outcome.state;
      const reported = deps.jobs ? await handleAnswerJobs(deps.jobs, res.value) : 0;
      // Probes that changed again are collected next cycle (they are in the state now): one such follow-up only.
      const followUp = reported > 0 || (n === 1 && needsFollowUp(outcome));
      if (!followUp || n >= MAX_CHECKINS_PER_CYCLE) {
        return {
          ok: true,
          state,
          nextCheckinSeconds: res.value.nextCheckinSeconds,
          inventoryWanted: outcome.inventoryWanted,
        };
      }
      if (reported > 0 || outcome.probesChanged) inv = await deps.collect(state.probes);
      ({ res, nonce } = await checkinWith(state, inv, outcome.inventoryWanted, deps));
    }
  } catch (err) {
    return { ok: false, state, failure: asFailure(err) };
  }
}

async function handleAnswerJobs(jobs: AgentJobHandling, res: CheckinResponse): Promise<number> {
  if (res.acknowledgedJobReports.length > 0) await jobs.acknowledge(res.acknowledgedJobReports);
  return res.jobs.length > 0 ? jobs.handleJobs(res.jobs) : 0;
}

/** "1m 05s", "850ms": how long until the next try, for people. */
export function formatDelay(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const s = Math.round(ms / 1_000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

export const REVOKED_MESSAGE =
  "the server revoked this agent's credential [E_TOKEN_REVOKED]; stopping. Enroll again with a new token: patchhive agent enroll --force ...";

/** Resumes the jobs a crash or reboot cut short; a failure here is reported, and the loop still runs. */
async function resumeJobs(deps: AgentRunDeps): Promise<void> {
  if (!deps.jobs) return;
  try {
    const n = await deps.jobs.resumeUnfinished();
    if (n > 0) deps.info(`finished ${n} job${n === 1 ? '' : 's'} interrupted by a restart; reporting them`);
  } catch (err) {
    const f = asFailure(err);
    deps.warn(`patchhive agent: cannot resume unfinished jobs: ${f.message} [${f.code}]`);
  }
}

/** Runs check-ins until stopped (or once), resuming interrupted jobs first; returns the exit code. */
export async function runAgentLoop(
  initial: AgentState,
  opts: { once: boolean },
  deps: AgentRunDeps,
): Promise<AgentExitCode> {
  await resumeJobs(deps);
  let state = initial;
  let failures = 0;
  let inventoryWanted = false;
  while (!deps.signal.aborted) {
    const r = await runCheckinCycle(state, inventoryWanted, deps);
    state = r.state;
    let delay: number;
    if (r.ok) {
      failures = 0;
      inventoryWanted = r.inventoryWanted;
      if (opts.once) return AGENT_EXIT.ok;
      delay = checkinDelayMs(r.nextCheckinSeconds, deps.random);
    } else {
      if (isRevoked(r.failure)) {
        deps.warn(`patchhive agent: ${REVOKED_MESSAGE}`);
        return AGENT_EXIT.revoked;
      }
      failures++;
      if (opts.once) {
        deps.warn(`patchhive agent: check-in failed: ${r.failure.message} [${r.failure.code}]`);
        return AGENT_EXIT.error;
      }
      delay = failureDelayMs(failures, deps.random, deps.backoff);
      deps.warn(
        `patchhive agent: check-in failed (${failures} in a row): ${r.failure.message} [${r.failure.code}]; retrying in ${formatDelay(delay)}`,
      );
    }
    await deps.sleep(delay, deps.signal);
  }
  deps.info('stopped');
  return AGENT_EXIT.ok;
}

/** Sleeps `ms`, returning early when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, 2_147_483_647)); // setTimeout's limit; longer would fire at once
    signal.addEventListener('abort', done, { once: true });
  });
}
