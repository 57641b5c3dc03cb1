import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFingerprint } from '../protocol/server-key.js';
import {
  KEY_ANNOUNCEMENT_PURPOSE,
  keyAnnouncementBytes,
  SERVER_TIME_PURPOSE,
  serverTimeBytes,
  type KeyAnnouncementPayload,
  type ServerTimePayload,
} from '../protocol/key-trust.js';
import { applyTrustAnswer, checkKeyAnnouncement, checkServerTime, staleReport } from './key-trust.js';
import { AGENT_STATE_SCHEMA, NO_PROBES, type AgentState } from './state.js';

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { pem, privateKey, fp: keyFingerprint(pem) };
}

const oldKey = keyPair();
const newKey = keyPair();
const attacker = keyPair();
const NONCE = 'nonce-0123456789abcdef';

const state: AgentState = {
  schema: AGENT_STATE_SCHEMA,
  server: 'https://patchhive.example',
  agentId: 'agent-1',
  machineId: 'machine-1',
  credential: 'pha_secret',
  jobSigningPublicKey: oldKey.pem,
  checkinIntervalSeconds: 3600,
  enrolledAt: '2026-12-01T00:00:00.000Z',
  lastAcceptedHash: null,
  probes: NO_PROBES,
};

function serverTime(over: Partial<ServerTimePayload> = {}, key: KeyObject = oldKey.privateKey) {
  const payload: ServerTimePayload = {
    purpose: SERVER_TIME_PURPOSE,
    agentId: 'agent-1',
    nonce: NONCE,
    time: '2026-12-05T10:00:00.000Z',
    signedBy: oldKey.fp,
    retiredKeys: [],
    ...over,
  };
  return { payload, signature: sign(null, serverTimeBytes(payload), key).toString('base64') };
}

function announcement(over: Partial<KeyAnnouncementPayload> = {}, key: KeyObject = oldKey.privateKey) {
  const payload: KeyAnnouncementPayload = {
    purpose: KEY_ANNOUNCEMENT_PURPOSE,
    publicKey: newKey.pem,
    fingerprint: newKey.fp,
    previousFingerprint: oldKey.fp,
    notBefore: '2026-12-05T09:00:00.000Z',
    ...over,
  };
  return { payload, signature: sign(null, keyAnnouncementBytes(payload), key).toString('base64') };
}

describe('checkServerTime', () => {
  it.each([
    { case: 'fresh', time: serverTime(), fresh: true, says: '' },
    { case: 'absent', time: undefined, fresh: false, says: 'no signed server time' },
    {
      case: 'signed by another key',
      time: serverTime({}, attacker.privateKey),
      fresh: false,
      says: 'not signed by the pinned',
    },
    { case: "another agent's", time: serverTime({ agentId: 'agent-2' }), fresh: false, says: 'another agent' },
    {
      case: "an earlier check-in's (replayed)",
      time: serverTime({ nonce: 'nonce-of-another-check-in' }),
      fresh: false,
      says: 'replayed',
    },
    {
      case: 'earlier than the last one seen',
      time: serverTime({ time: '2026-12-04T00:00:00.000Z' }),
      fresh: false,
      says: 'before the last one',
    },
    {
      case: 'altered after signing',
      time: { ...serverTime(), payload: { ...serverTime().payload, time: '2027-01-01T00:00:00.000Z' } },
      fresh: false,
      says: 'not signed',
    },
  ])('$case → fresh: $fresh', ({ time, fresh, says }) => {
    const v = checkServerTime(time, { ...state, lastServerTime: '2026-12-05T00:00:00.000Z' }, NONCE);
    expect(v.fresh).toBe(fresh);
    if (!v.fresh) expect(v.message).toContain(says);
  });
});

describe('checkKeyAnnouncement', () => {
  it.each([
    { case: 'signed by the pinned key', ann: announcement(), ok: true },
    { case: 'signed by another key', ann: announcement({}, attacker.privateKey), ok: false },
    { case: 'replacing another key', ann: announcement({ previousFingerprint: attacker.fp }), ok: false },
    { case: "a fingerprint that is not the key's", ann: announcement({ fingerprint: attacker.fp }), ok: false },
    { case: 'malformed', ann: { payload: {} }, ok: false },
  ])('$case → $ok', ({ ann, ok }) => {
    expect(checkKeyAnnouncement(ann, oldKey.pem).ok).toBe(ok);
  });
});

describe('applyTrustAnswer', () => {
  const now = new Date('2026-12-05T10:00:01.000Z');

  it('records a fresh time and re-pins an announced key, keeping the old one as previous', () => {
    const out = applyTrustAnswer(state, { serverTime: serverTime(), keyAnnouncement: announcement() }, NONCE, now);
    expect(out.changed).toBe(true);
    expect(out.state).toMatchObject({
      jobSigningPublicKey: newKey.pem,
      previousJobSigningPublicKey: oldKey.pem,
      lastServerTime: '2026-12-05T10:00:00.000Z',
      freshSeenAt: now.toISOString(),
    });
    expect(out.notes).toEqual([`re-pinned the job-signing key ${newKey.fp} (announced by ${oldKey.fp})`]);
  });

  it('drops the previous key into the retired list when the server says it is retired', () => {
    const moved: AgentState = { ...state, jobSigningPublicKey: newKey.pem, previousJobSigningPublicKey: oldKey.pem };
    const out = applyTrustAnswer(
      moved,
      { serverTime: serverTime({ signedBy: newKey.fp, retiredKeys: [oldKey.fp] }, newKey.privateKey) },
      NONCE,
      now,
    );
    expect(out.state.previousJobSigningPublicKey).toBeUndefined();
    expect(out.state.retiredJobSigningKeys).toEqual([oldKey.pem]);
  });

  it('ignores a forged announcement and a retirement list in a time that is not fresh', () => {
    const moved: AgentState = { ...state, previousJobSigningPublicKey: newKey.pem };
    const out = applyTrustAnswer(
      moved,
      {
        serverTime: serverTime({ nonce: 'old-nonce-0123456789', retiredKeys: [newKey.fp] }),
        keyAnnouncement: announcement({}, attacker.privateKey),
      },
      NONCE,
      now,
    );
    expect(out.state).toBe(moved);
    expect(out.changed).toBe(false);
    expect(out.notes.join('\n')).toMatch(
      /replayed[\s\S]*ignored a key announcement: the key announcement is not signed by the pinned/,
    );
  });
});

describe('staleReport', () => {
  const day = 86_400_000;
  it.each([
    { case: 'fresh an hour ago', freshSeenAt: '2026-12-05T09:00:00.000Z', stale: false },
    { case: 'fresh two days ago', freshSeenAt: '2026-12-03T10:00:00.000Z', stale: true },
    { case: 'never fresh, enrolled four days ago', freshSeenAt: undefined, stale: true },
  ])('$case → stale: $stale', ({ freshSeenAt, stale }) => {
    const s: AgentState = freshSeenAt ? { ...state, freshSeenAt } : state;
    const r = staleReport(s, new Date('2026-12-05T10:00:00.000Z'), day);
    expect(r !== undefined).toBe(stale);
    if (r)
      expect(r).toEqual({
        since: freshSeenAt ?? state.enrolledAt,
        reason: expect.stringMatching(/^no fresh signed server time for \d+ minutes \(limit 1440\)$/),
      });
  });
});
