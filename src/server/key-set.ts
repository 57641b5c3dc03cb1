/**
 * The server's job-signing key set and its rules (pure: no I/O, the clock passed in). One key is
 * active (new agents pin it; agents that moved get jobs signed by it); during a rotation the
 * previous key is retiring: it still signs for the agents that have not re-pinned yet, and signs
 * the announcement that moves them. A retired key never signs again. At most one key is retiring,
 * so an agent is never more than one announcement behind.
 */
import { PatchhiveError } from '../errors.js';

export type KeyState = 'active' | 'retiring' | 'retired';

export interface SigningKeyEntry {
  fingerprint: string;
  publicKeyPem: string;
  privateKeyPem: string;
  state: KeyState;
  createdAt: string;
  /** When it stopped being the active key (rotation). */
  retiringSince: string | null;
  retiredAt: string | null;
}

export interface KeySet {
  keys: SigningKeyEntry[];
  /** When a key last changed state: stored jobs issued before this are re-signed when handed out. */
  changedAt: string;
}

/** The active key (a valid set has exactly one). */
export function activeKey(set: KeySet): SigningKeyEntry {
  const active = set.keys.filter((k) => k.state === 'active');
  if (active.length !== 1)
    throw new PatchhiveError('E_INTERNAL', `the job-signing key set has ${active.length} active keys`);
  return active[0]!;
}

/** The key being retired, if a rotation is under way. */
export function retiringKey(set: KeySet): SigningKeyEntry | undefined {
  return set.keys.find((k) => k.state === 'retiring');
}

/** Makes `fresh` the active key; the active one becomes retiring. Refused while a rotation is under way. */
export function rotateKeySet(
  set: KeySet,
  fresh: { publicKeyPem: string; privateKeyPem: string; fingerprint: string },
  now: string,
): KeySet {
  const pending = retiringKey(set);
  if (pending) {
    throw new PatchhiveError(
      'E_CONFLICT',
      `key ${pending.fingerprint} is still retiring; retire it first (patchhive keys retire) or wait until every agent has moved`,
    );
  }
  const old = activeKey(set);
  const keys = set.keys.map((k): SigningKeyEntry => (k === old ? { ...k, state: 'retiring', retiringSince: now } : k));
  keys.push({ ...fresh, state: 'active', createdAt: now, retiringSince: null, retiredAt: null });
  return { keys, changedAt: now };
}

/** Retires the retiring key (if any): it never signs again. */
export function retireRetiring(set: KeySet, now: string): KeySet {
  if (!retiringKey(set)) return set;
  return {
    keys: set.keys.map((k) => (k.state === 'retiring' ? { ...k, state: 'retired', retiredAt: now } : k)),
    changedAt: now,
  };
}

/**
 * Whether the retiring key may be retired now: no agent (not revoked) still pins it, or it has been
 * retiring for `retireAfterHours` (agents that stayed away that long must re-enroll).
 */
export function shouldRetire(set: KeySet, agentsOnRetiring: number, now: string, retireAfterHours: number): boolean {
  const k = retiringKey(set);
  if (!k || !k.retiringSince) return false;
  return agentsOnRetiring === 0 || Date.parse(now) - Date.parse(k.retiringSince) >= retireAfterHours * 3_600_000;
}

/**
 * The key that signs for an agent pinning `pinned`: that key while it may still sign (active or
 * retiring), else the active key. An agent that never said which key it pins (an older agent) is
 * taken to pin the retiring key during a rotation — the key that was active when it enrolled.
 */
export function signingKeyFor(set: KeySet, pinned: string | null): SigningKeyEntry {
  const retiring = retiringKey(set);
  if (pinned === null) return retiring ?? activeKey(set);
  const k = set.keys.find((e) => e.fingerprint === pinned && e.state !== 'retired');
  return k ?? activeKey(set);
}

/** True when an agent pinning `pinned` should be told the active key (signed by the retiring one). */
export function needsAnnouncement(set: KeySet, pinned: string | null): boolean {
  const retiring = retiringKey(set);
  return retiring !== undefined && (pinned === null || pinned === retiring.fingerprint);
}

/** Fingerprints of retired keys, newest first (bounded: agents only need the recent ones). */
export function retiredFingerprints(set: KeySet, max = 20): string[] {
  return set.keys
    .filter((k) => k.state === 'retired')
    .sort((a, b) => (a.retiredAt! < b.retiredAt! ? 1 : -1))
    .slice(0, max)
    .map((k) => k.fingerprint);
}
