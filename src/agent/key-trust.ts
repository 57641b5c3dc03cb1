/**
 * The agent's side of key rotation and freeze detection (pure apart from the crypto): check the
 * signed server time of an answer (this agent, this check-in's nonce, a pinned key, not earlier
 * than the last one), re-pin the key an announcement signed by the pinned key names, drop a
 * previous key the server says it retired, and decide whether the agent is stale.
 */
import type { CheckinResponse } from '../protocol/agent.js';
import { verifyBytes } from '../protocol/ed25519.js';
import { keyFingerprint } from '../protocol/server-key.js';
import {
  keyAnnouncementBytes,
  keyAnnouncementSchema,
  serverTimeBytes,
  serverTimeSchema,
  type StaleReport,
} from '../protocol/key-trust.js';
import type { AgentState } from './state.js';

/** How long without a fresh signed server time before an agent calls itself stale, by default. */
export const DEFAULT_STALE_AFTER_MS = 24 * 3_600_000;

/** True when `signature` (base64) over `bytes` verifies with the PEM key; a broken key or signature is false. */
export function verifiesWith(publicKeyPem: string, bytes: Buffer, signature: string): boolean {
  return verifyBytes(bytes, signature, publicKeyPem);
}

/** The fingerprint of a PEM key, or null when it is not an Ed25519 public key. */
export function fingerprintOrNull(publicKeyPem: string): string | null {
  try {
    return keyFingerprint(publicKeyPem);
  } catch {
    return null;
  }
}

export type TimeVerdict = { fresh: true; time: string } | { fresh: false; message: string };

/** Checks an answer's signed server time against this check-in (see the module comment). */
export function checkServerTime(serverTime: unknown, state: AgentState, nonce: string): TimeVerdict {
  if (serverTime === undefined) return { fresh: false, message: 'the answer carries no signed server time' };
  const parsed = serverTimeSchema.safeParse(serverTime);
  if (!parsed.success) return { fresh: false, message: 'the signed server time is malformed' };
  const { payload, signature } = parsed.data;
  const keys = [
    state.jobSigningPublicKey,
    ...(state.previousJobSigningPublicKey ? [state.previousJobSigningPublicKey] : []),
  ];
  if (!keys.some((k) => verifiesWith(k, serverTimeBytes(payload), signature))) {
    return { fresh: false, message: 'the server time is not signed by the pinned job-signing key' };
  }
  if (payload.agentId !== state.agentId)
    return { fresh: false, message: 'the signed server time is for another agent' };
  if (payload.nonce !== nonce)
    return { fresh: false, message: 'the signed server time answers another check-in (replayed)' };
  if (state.lastServerTime && Date.parse(payload.time) < Date.parse(state.lastServerTime)) {
    return {
      fresh: false,
      message: `the signed server time ${payload.time} is before the last one seen (${state.lastServerTime})`,
    };
  }
  return { fresh: true, time: payload.time };
}

export type AnnouncementVerdict =
  { ok: true; publicKeyPem: string; fingerprint: string } | { ok: false; message: string };

/** Checks a key announcement: signed by the pinned key, naming it as the previous key, for a real Ed25519 key. */
export function checkKeyAnnouncement(announcement: unknown, pinnedPem: string): AnnouncementVerdict {
  const parsed = keyAnnouncementSchema.safeParse(announcement);
  if (!parsed.success) return { ok: false, message: 'the key announcement is malformed' };
  const { payload, signature } = parsed.data;
  if (!verifiesWith(pinnedPem, keyAnnouncementBytes(payload), signature)) {
    return { ok: false, message: 'the key announcement is not signed by the pinned job-signing key' };
  }
  if (payload.previousFingerprint !== fingerprintOrNull(pinnedPem))
    return { ok: false, message: 'the key announcement replaces another key than the pinned one' };
  if (fingerprintOrNull(payload.publicKey) !== payload.fingerprint)
    return { ok: false, message: 'the announced key does not match its fingerprint' };
  return { ok: true, publicKeyPem: payload.publicKey, fingerprint: payload.fingerprint };
}

export interface TrustOutcome {
  state: AgentState;
  changed: boolean;
  /** Lines for the log: re-pinned, dropped a retired key, an answer that was not fresh. */
  notes: string[];
}

/**
 * What an answer means for the agent's trust: record a fresh signed time (and the retired keys it
 * lists), then follow a valid announcement. The time is checked against the keys pinned when the
 * check-in was sent, before the announcement changes them.
 */
export function applyTrustAnswer(
  state: AgentState,
  res: Pick<CheckinResponse, 'serverTime' | 'keyAnnouncement'>,
  nonce: string,
  now: Date,
): TrustOutcome {
  let next = state;
  const notes: string[] = [];
  const time = checkServerTime(res.serverTime, state, nonce);
  if (time.fresh) {
    next = { ...next, lastServerTime: time.time, freshSeenAt: now.toISOString() };
    const retired = serverTimeSchema.parse(res.serverTime).payload.retiredKeys;
    const previous = next.previousJobSigningPublicKey;
    if (previous && retired.includes(fingerprintOrNull(previous) ?? '')) {
      next = {
        ...next,
        previousJobSigningPublicKey: undefined,
        retiredJobSigningKeys: [previous, ...(next.retiredJobSigningKeys ?? [])].slice(0, 5),
      };
      notes.push(
        `the server retired job-signing key ${fingerprintOrNull(previous)}; jobs signed by it are refused from now on`,
      );
    }
  } else {
    notes.push(`no fresh server time in this answer: ${time.message}`);
  }
  if (res.keyAnnouncement !== undefined) {
    const ann = checkKeyAnnouncement(res.keyAnnouncement, next.jobSigningPublicKey);
    if (ann.ok) {
      notes.push(
        `re-pinned the job-signing key ${ann.fingerprint} (announced by ${fingerprintOrNull(next.jobSigningPublicKey)})`,
      );
      next = { ...next, previousJobSigningPublicKey: next.jobSigningPublicKey, jobSigningPublicKey: ann.publicKeyPem };
    } else {
      notes.push(`ignored a key announcement: ${ann.message}`);
    }
  }
  return { state: next, changed: next !== state, notes };
}

/** The stale report to send, when the last fresh signed server time is older than `staleAfterMs`. */
export function staleReport(state: AgentState, now: Date, staleAfterMs: number): StaleReport | undefined {
  const since = state.freshSeenAt ?? state.enrolledAt;
  const age = now.getTime() - Date.parse(since);
  if (!(age > staleAfterMs)) return undefined;
  return {
    since,
    reason: `no fresh signed server time for ${Math.round(age / 60_000)} minutes (limit ${Math.round(staleAfterMs / 60_000)})`,
  };
}
