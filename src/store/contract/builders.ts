/** Builders and helpers for the store contract suite: unique records with overridable fields. */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { PatchhiveError, type ErrorCode } from '../../errors.js';
import type { ApprovalRule, RiskException, TriageDecision, TriageEvent } from '../../policy/model.js';
import { emptyTriageDecision } from '../../policy/triage.js';
import type {
  ApiTokenRecord,
  BulletinRecord,
  DeploymentMachineRecord,
  DeploymentRecord,
  EnrollmentTokenRecord,
  FindingInput,
  GroupRecord,
  JobRecord,
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
    maintenanceWindow: null,
    rebootPolicy: null,
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
    evidence: [
      {
        ref: 'oval:t:1',
        subject: 'dpkg package openssl',
        expected: '< 3.0.15',
        actual: '3.0.11',
        result: 'true',
        message: 'older',
      },
    ],
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
    allowUnsigned: false,
    enabled: true,
    createdAt: at(0),
    ...over,
  };
}

/** A user record. */
export function user(over: Partial<UserRecord> = {}): UserRecord {
  const id = over.id ?? uid('u');
  return {
    id,
    name: `user-${id}`,
    role: 'operator',
    createdAt: at(0),
    passwordHash: null,
    scopeGroupIds: null,
    disabledAt: null,
    passwordChangedAt: null,
    ...over,
  };
}

/** An API token record of `userId`. */
export function apiToken(userId: string, over: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: uid('at'),
    userId,
    name: 'ci',
    secretHash: hashSecret(uid('secret')),
    role: 'viewer',
    scopeGroupIds: null,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    createdAt: at(0),
    ...over,
  };
}

/** A triage decision of (bulletinId, groupId), version 1 unless overridden. */
export function triageDecision(
  bulletinId: string,
  groupId: string,
  over: Partial<TriageDecision> = {},
): TriageDecision {
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

/** A running three-ring deployment (lab, pilot, broad) that started nothing yet. */
export function deployment(over: Partial<DeploymentRecord> = {}): DeploymentRecord {
  const id = over.id ?? uid('dep');
  const gate = { minSuccessRatio: 1, maxFailures: 0 };
  return {
    id,
    name: `deploy-${id}`,
    status: 'running',
    spec: {
      rings: [
        { name: 'lab', members: { kind: 'explicit', machineIds: ['m-lab'] }, soakSeconds: 0, gate },
        {
          name: 'pilot',
          members: { kind: 'percent', percent: 12.5 },
          soakSeconds: 3600,
          gate: { minSuccessRatio: 0.9, maxFailures: 1 },
        },
        {
          name: 'broad',
          members: { kind: 'strategy', strategy: 'least-critical-first', count: 50 },
          soakSeconds: 0,
          gate,
        },
      ],
      bulletinIds: ['DSA-5001-1', 'DSA-5002-1'],
      deadline: at(60 * 24 * 7),
      rebootPolicy: { mode: 'if-required', onlyInWindow: true, maxDeferrals: 2 },
      rollbackOnHalt: true,
      target: { groupIds: ['g-web'], machineIds: ['m-extra'] },
      preHook: { action: 'drain', version: 2, command: ['/usr/local/bin/drain', '--wait=30'], timeoutSeconds: 300 },
      postHook: null,
      seed: 'seed-ü-1',
    },
    currentRing: -1,
    ringStartedAt: [null, null, null],
    statusReason: null,
    createdBy: 'alice',
    createdAt: at(0),
    updatedAt: at(0),
    finishedAt: null,
    version: 1,
    ...over,
  };
}

/** A pending machine of `deploymentId` in ring `over.ringIndex` (0), planned to install two packages. */
export function deploymentMachine(
  deploymentId: string,
  machineId: string,
  over: Partial<DeploymentMachineRecord> = {},
): DeploymentMachineRecord {
  return {
    deploymentId,
    machineId,
    ringIndex: 0,
    state: 'pending',
    plan: {
      manager: 'apt',
      bulletinIds: ['DSA-5001-1'],
      packages: [
        { name: 'libssl3', version: '3.0.15-1~deb12u1', previousVersion: '3.0.11-1~deb12u2' },
        { name: 'openssl', version: '3.0.15-1~deb12u1', previousVersion: null },
      ],
      notInstallable: [{ bulletinId: 'DSA-5002-1', reason: 'no fixed package for bookworm' }],
    },
    jobId: null,
    rebootDeferrals: 0,
    rollbackState: null,
    rollbackJobId: null,
    message: null,
    updatedAt: at(0),
    finishedAt: null,
    ...over,
  };
}

/** An issued install job for `agentId` with this `sequence`. */
export function job(agentId: string, machineId: string, sequence: number, over: Partial<JobRecord> = {}): JobRecord {
  const id = over.id ?? uid('job');
  return {
    id,
    agentId,
    machineId,
    deploymentId: null,
    kind: 'install',
    sequence,
    envelope: JSON.stringify({
      format: 'patchhive.job/1',
      body: `{"jobId":"${id}","sequence":${sequence}}`,
      signature: 'c2ln',
    }),
    state: 'issued',
    issuedAt: at(0),
    expiresAt: at(60 * 24),
    deliveredAt: null,
    report: null,
    reportedAt: null,
    message: null,
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
