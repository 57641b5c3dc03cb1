/**
 * The job-signing key set at run time: which key signs for which agent, rotation and retirement,
 * and the trust parts of each check-in answer (the signed server time, and the announcement of a
 * new key to an agent that still pins the old one). The rules live in ../key-set.ts; this class
 * holds the set, persists it and signs.
 */
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { loadPrivateKey, signBytes } from '../../protocol/ed25519.js';
import type { CheckinRequest } from '../../protocol/agent.js';
import {
  KEY_ANNOUNCEMENT_PURPOSE,
  keyAnnouncementBytes,
  SERVER_TIME_PURPOSE,
  serverTimeBytes,
  type KeyAnnouncement,
  type ServerTime,
} from '../../protocol/key-trust.js';
import type { KeyList } from '../../protocol/keys-api.js';
import type { AgentStore, AgentTrust, Store } from '../../store/ports.js';
import { newSigningKey, saveKeySet } from '../key-set-file.js';
import {
  activeKey,
  needsAnnouncement,
  retiredFingerprints,
  retireRetiring,
  retiringKey,
  rotateKeySet,
  shouldRetire,
  signingKeyFor,
  type KeySet,
  type SigningKeyEntry,
} from '../key-set.js';

export interface KeySettings {
  retireAfterHours: number;
}

/** A check-in's trust answer. */
export interface CheckinTrust {
  serverTime: ServerTime;
  keyAnnouncement?: KeyAnnouncement;
}

/** Trust state written less often than check-ins come: rewritten when it changes or this old. */
const TRUST_REWRITE_MS = 10 * 60_000;

export class KeyService {
  private readonly parsed = new Map<string, KeyObject>();
  private readonly written = new Map<string, { value: string; at: number }>();
  /** Rotations and retirements one at a time (the set lives in this node's data directory). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private set: KeySet,
    private readonly dataDir: string,
    private readonly store: Store,
    private readonly now: () => Date,
    private readonly log: Logger,
    private readonly settings: KeySettings,
  ) {}

  /** The active public key (PEM): what new agents pin. */
  activePublicKeyPem(): string {
    return activeKey(this.set).publicKeyPem;
  }

  activeFingerprint(): string {
    return activeKey(this.set).fingerprint;
  }

  /** When a key last changed state (stored envelopes issued before are re-signed when handed out). */
  changedAt(): string {
    return this.set.changedAt;
  }

  /** The private key (PEM) that signs jobs for this agent: the key it pins while that may still sign. */
  async privateKeyFor(agentId: string): Promise<string> {
    if (!retiringKey(this.set)) return activeKey(this.set).privateKeyPem;
    const trust = await this.store.agents.getTrust(agentId);
    return signingKeyFor(this.set, trust?.pinnedKey ?? null).privateKeyPem;
  }

  /** Every key with how many agents pin it. */
  async list(): Promise<KeyList> {
    const counts = await this.store.agents.countByPinnedKey();
    const count = (fp: string | null) => counts.find((c) => c.pinnedKey === fp)?.agents ?? 0;
    return {
      items: [...this.set.keys].reverse().map((k) => ({
        fingerprint: k.fingerprint,
        state: k.state,
        publicKey: k.publicKeyPem,
        createdAt: k.createdAt,
        retiringSince: k.retiringSince,
        retiredAt: k.retiredAt,
        agents: count(k.fingerprint),
      })),
      agentsUnknown: count(null),
    };
  }

  /** Makes a new active key; the old one retires when every agent has moved (or at once). */
  async rotate(opts: { retireOldNow?: boolean }): Promise<KeyList> {
    await this.serial(async () => {
      const at = this.now().toISOString();
      let next = rotateKeySet(this.set, newSigningKey(), at);
      if (opts.retireOldNow) next = retireRetiring(next, at);
      await this.replace(next);
      this.log.warn(
        { active: activeKey(next).fingerprint, retiredNow: opts.retireOldNow === true },
        'job-signing key rotated',
      );
    });
    return this.list();
  }

  /** Retires the retiring key now (a stolen key, or agents that will never come back). */
  async retire(): Promise<KeyList> {
    await this.serial(async () => {
      const k = retiringKey(this.set);
      if (!k) return;
      await this.replace(retireRetiring(this.set, this.now().toISOString()));
      this.log.warn({ retired: k.fingerprint }, 'job-signing key retired');
    });
    return this.list();
  }

  /** Retires the retiring key when no agent pins it any more, or its time is up (scheduled). */
  async retireIfDone(): Promise<boolean> {
    const k = retiringKey(this.set);
    if (!k) return false;
    const counts = await this.store.agents.countByPinnedKey();
    const left = counts
      .filter((c) => c.pinnedKey === k.fingerprint || c.pinnedKey === null)
      .reduce((n, c) => n + c.agents, 0);
    if (!shouldRetire(this.set, left, this.now().toISOString(), this.settings.retireAfterHours)) return false;
    if (left > 0)
      this.log.warn(
        { key: k.fingerprint, agents: left },
        'retiring the old job-signing key although agents still pin it; they must re-enroll',
      );
    await this.retire();
    return true;
  }

  /**
   * Records what the agent said (the key it pins, whether it is stale) and answers with the signed
   * server time and, during a rotation, the announcement of the active key.
   */
  async checkinTrust(agentId: string, req: CheckinRequest): Promise<CheckinTrust> {
    const pinned = req.pinnedKey ?? null;
    await this.recordTrust(agentId, {
      pinnedKey: pinned,
      staleSince: req.stale?.since ?? null,
      staleReason: req.stale?.reason ?? null,
    });
    const signer = signingKeyFor(this.set, pinned);
    const payload = {
      purpose: SERVER_TIME_PURPOSE,
      agentId,
      nonce: req.nonce ?? '',
      time: this.now().toISOString(),
      signedBy: signer.fingerprint,
      retiredKeys: retiredFingerprints(this.set),
    } as const;
    const out: CheckinTrust = { serverTime: { payload, signature: this.sign(signer, serverTimeBytes(payload)) } };
    const retiring = retiringKey(this.set);
    if (retiring && needsAnnouncement(this.set, pinned)) {
      const active = activeKey(this.set);
      const announcement = {
        purpose: KEY_ANNOUNCEMENT_PURPOSE,
        publicKey: active.publicKeyPem,
        fingerprint: active.fingerprint,
        previousFingerprint: retiring.fingerprint,
        notBefore: active.createdAt,
      } as const;
      out.keyAnnouncement = {
        payload: announcement,
        signature: this.sign(retiring, keyAnnouncementBytes(announcement)),
      };
    }
    return out;
  }

  /** An agent's pinned key at enrollment: the active one. */
  async enrolled(agentId: string, agents: AgentStore = this.store.agents): Promise<void> {
    await this.recordTrust(
      agentId,
      { pinnedKey: this.activeFingerprint(), staleSince: null, staleReason: null },
      agents,
    );
  }

  private async recordTrust(agentId: string, trust: AgentTrust, agents: AgentStore = this.store.agents): Promise<void> {
    // An older agent says nothing about its key: keep what is known rather than forget it.
    const known = trust.pinnedKey === null ? ((await agents.getTrust(agentId))?.pinnedKey ?? null) : trust.pinnedKey;
    const value = JSON.stringify([known, trust.staleSince, trust.staleReason]);
    const now = this.now().getTime();
    const last = this.written.get(agentId);
    if (last && last.value === value && now - last.at < TRUST_REWRITE_MS) return;
    await agents.setTrust(agentId, { ...trust, pinnedKey: known });
    this.written.set(agentId, { value, at: now });
  }

  private sign(k: SigningKeyEntry, bytes: Buffer): string {
    let key = this.parsed.get(k.fingerprint);
    if (!key) {
      key = loadPrivateKey(k.privateKeyPem, 'the job-signing key');
      this.parsed.set(k.fingerprint, key);
    }
    return signBytes(bytes, key);
  }

  private async replace(next: KeySet): Promise<void> {
    await saveKeySet(this.dataDir, next);
    this.set = next;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
