/** Builders and helpers for the store contract suite: unique records with overridable fields. */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { PatchhiveError, type ErrorCode } from '../../errors.js';
import type { ApprovalRule, RiskException, TriageDecision, TriageEvent } from '../../policy/model.js';
import { emptyTriageDecision } from '../../policy/triage.js';
import type {
  ApiTokenRecord,
  BulletinRecord,
  EnrollmentTokenRecord,
  FindingInput,
  GroupRecord,
  MachineRecord,
  SourceRecord,
  Store,
  UserRecord,
} from '../ports.js';

/** What each area's contract needs: the store under test (opened in beforeAll) and its kind. */
export interface ContractContext {
  kind: Store['kind'];
  store(): Store;
}

const run = randomBytes(3).toString('hex');
let counter = 0;

/** A new id, unique within the run (the suite shares one database per adapter). */
export function uid(prefix: string): string {
  return `${prefix}-${run}-${String(++counter).padStart(5, '0')}`;
}

/** An ISO time `minutes` after a fixed start. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2026, 2, 1) + minutes * 60_000).toISOString();
}

/** SHA-256 hex of a secret, as the services store it. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A machine record. */
export function machine(over: Partial<MachineRecord> = {}): MachineRecord {
  const id = over.id ?? uid('m');
  return {
    id,
    name: `host-${id}`,
    os: { family: 'debian', platform: 'linux', release: '12', codename: 'bookworm', arch: 'amd64' },
    role: 'web',
    criticality: 'medium',
    owner: 'ops@example.org',
    location: 'rack 4',
    tags: ['prod', 'dmz'],
    internetFacing: true,
    source: 'agent',
    agentId: null,
    createdAt: at(0),
    lastSeenAt: null,
    inventoryHash: null,
    inventoryAt: null,
    assessedHash: null,
    assessedAt: null,
    ...over,
  };
}

/** A static group record. */
export function group(over: Partial<GroupRecord> = {}): GroupRecord {
  const id = over.id ?? uid('g');
  return {
    id,
    name: `group-${id}`,
    description: null,
    kind: 'static',
    rule: null,
    rescanSchedule: null,
    owner: null,
    requiresSecondApprover: false,
    deadlinePolicy: null,
    createdAt: at(0),
    ...over,
  };
}

/** An enrollment token record with the hash of `secret`. */
export function enrollmentToken(secret: string, over: Partial<EnrollmentTokenRecord> = {}): EnrollmentTokenRecord {
  return {
    id: uid('et'),
    secretHash: hashSecret(secret),
    note: 'lab machines',
    expiresAt: at(60),
    maxUses: 3,
    uses: 0,
    revokedAt: null,
    createdAt: at(0),
    createdBy: 'admin',
    ...over,
  };
}

/** One assessment input for a bulletin. */
export function finding(bulletinId: string, over: Partial<FindingInput> = {}): FindingInput {
  return {
    bulletinId,
    status: 'missing',
    severity: 'important',
    title: `Title of ${bulletinId}`,
    package: 'openssl',
    fixedVersion: '3.0.15-1~deb12u1',
    reason: 'openssl 3.0.11 is earlier than the fixed 3.0.15-1~deb12u1',
    evidence: [{ ref: 'oval:t:1', subject: 'dpkg package openssl', expected: '< 3.0.15', actual: '3.0.11', result: 'true', message: 'older' }],
    ...over,
  };
}

/** A bulletin record of `sourceId`. */
export function bulletin(sourceId: string, over: Partial<BulletinRecord> = {}): BulletinRecord {
  const id = over.id ?? uid('DSA');
  return {
    id,
    sourceId,
    title: `Security update for ${id}`,
    severity: 'important',
    published: '2026-01-10',
    revised: null,
    cves: ['CVE-2026-0001'],
    kbs: [],
    contentHash: 'h1',
    withdrawnAt: null,
    ...over,
  };
}

/** A catalog source record. */
export function source(over: Partial<SourceRecord> = {}): SourceRecord {
  const id = over.id ?? uid('src');
  return {
    id,
    name: `feed-${id}`,
    url: 'https://security-tracker.debian.org/tracker/data/json',
    format: 'debian-tracker',
    release: 'bookworm',
    schedule: '0 * * * *',
    signingKey: null,
    enabled: true,
    createdAt: at(0),
    ...over,
  };
}

/** A user record. */
export function user(over: Partial<UserRecord> = {}): UserRecord {
  const id = over.id ?? uid('u');
  return { id, name: `user-${id}`, role: 'operator', createdAt: at(0), ...over };
}

/** An API token record of `userId`. */
export function apiToken(userId: string, over: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: uid('at'),
    userId,
    name: 'ci',
    secretHash: hashSecret(uid('secret')),
    role: 'viewer',
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    createdAt: at(0),
    ...over,
  };
}

/** A triage decision of (bulletinId, groupId), version 1 unless overridden. */
export function triageDecision(bulletinId: string, groupId: string, over: Partial<TriageDecision> = {}): TriageDecision {
  return { ...emptyTriageDecision({ bulletinId, groupId }, at(0)), updatedBy: 'alice', version: 1, ...over };
}

/** The event that accompanies saving `d` (its state; from `fromState`). */
export function triageEvent(d: TriageDecision, over: Partial<TriageEvent> = {}): TriageEvent {
  return {
    id: uid('ev'),
    bulletinId: d.bulletinId,
    groupId: d.groupId,
    at: d.updatedAt,
    actor: d.updatedBy,
    action: 'approve',
    fromState: null,
    toState: d.state,
    detail: {},
    ...over,
  };
}

/** An approval rule for every group. */
export function approvalRule(over: Partial<ApprovalRule> = {}): ApprovalRule {
  const id = over.id ?? uid('rule');
  return {
    id,
    name: `rule-${id}`,
    priority: 100,
    enabled: true,
    groupId: null,
    match: { severities: ['critical'], sources: ['debian'] },
    decision: 'approve',
    reason: null,
    emergency: false,
    after: null,
    createdAt: at(0),
    createdBy: 'admin',
    ...over,
  };
}

/** A risk exception for `bulletinId` on a machine or group (give exactly one in `over`). */
export function riskException(bulletinId: string, over: Partial<RiskException> = {}): RiskException {
  return {
    id: uid('rx'),
    bulletinId,
    machineId: null,
    groupId: null,
    owner: 'ops@example.org',
    reason: 'vendor appliance, cannot patch before the next maintenance contract',
    until: at(60 * 24 * 30),
    createdAt: at(0),
    createdBy: 'alice',
    revokedAt: null,
    ...over,
  };
}

/** Awaits `promise`, expecting it to reject with a PatchhiveError of `code`; returns the error. */
export async function expectStoreError(promise: Promise<unknown>, code: ErrorCode): Promise<PatchhiveError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(PatchhiveError);
  expect((caught as PatchhiveError).code).toBe(code);
  return caught as PatchhiveError;
}
