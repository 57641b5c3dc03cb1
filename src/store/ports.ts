/**
 * Storage ports: one narrow interface per area. SQLite (default) and PostgreSQL implement them
 * (src/store/kysely-*.ts) and pass one contract suite (src/store/contract.test.ts).
 * Times are ISO 8601 UTC strings; callers pass `at`/`now` (no clock inside the store).
 */
import type { Severity } from '../catalog/model.js';
import { OPEN_STATUSES, type Evidence, type FindingStatus } from '../detect/model.js';
import type {
  ApprovalRule,
  DeadlinePolicyOverride,
  RiskException,
  TriageDecision,
  TriageEvent,
  TriageState,
} from '../policy/model.js';
import type { BulletinSort, Criticality, Role, SyncDiff } from '../protocol/api.js';
import type { JobKind, JobState } from '../protocol/deploy-api.js';
import type { MACHINE_SORT_VALUES, MACHINE_STATUS_VALUES } from '../protocol/console-api.js';
import type { AuditDraft, AuditEntry } from '../protocol/audit.js';
import type { ActionStatus, ChangeKind, ChangeStatus } from '../protocol/controls-api.js';
import { NOTIFICATION_EVENTS, type NotificationEvent } from '../protocol/policy-api.js';
import type { DailySnapshot, FindingFact } from '../report/model.js';
import type { MachineRunState, MaintenanceWindow, RebootPolicy, RingSpec } from '../rollout/model.js';

export type { Criticality };

export interface OsSummary {
  family: string;
  platform: string;
  release?: string;
  codename?: string;
  version?: string;
  arch?: string;
}

export interface MachineRecord {
  id: string;
  name: string;
  os: OsSummary | null;
  role: string | null;
  criticality: Criticality;
  owner: string | null;
  location: string | null;
  tags: string[];
  internetFacing: boolean;
  source: 'agent' | 'import';
  agentId: string | null;
  createdAt: string;
  lastSeenAt: string | null;
  /** Hash and time of the stored inventory (null: none yet). */
  inventoryHash: string | null;
  inventoryAt: string | null;
  /** The inventory hash the stored findings were computed from, and when. */
  assessedHash: string | null;
  assessedAt: string | null;
}

export type MachineAttributesPatch = Partial<
  Pick<MachineRecord, 'role' | 'criticality' | 'owner' | 'location' | 'tags' | 'internetFacing'>
>;

/** One installed package, product or KB of a machine's latest inventory (a row of machine_packages). */
export interface InstalledPackageRecord {
  /** dpkg / rpm packages, Windows products, installed KBs. */
  kind: 'dpkg' | 'rpm' | 'product' | 'kb';
  name: string;
  /** dpkg: the full version; rpm: VERSION; null for KBs and products without one. */
  version: string | null;
  /** rpm RELEASE. */
  release: string | null;
  arch: string | null;
  /** Source package (dpkg, rpm) or publisher (products). */
  source: string | null;
}

/** Machine states the machine search filters on (any of those given). */
export type MachineStatus = (typeof MACHINE_STATUS_VALUES)[number];
export type MachineSort = (typeof MACHINE_SORT_VALUES)[number];

/**
 * The machine search: every given filter must hold. "Seen" is the last contact: the last check-in,
 * or, for a machine without one (imported), its last inventory.
 */
export interface MachineSearch {
  /** Only these machines (a scope, a group). */
  ids?: readonly string[];
  /** Name substring, case-insensitive. */
  q?: string;
  /** Substring of "family platform release codename", case-insensitive. */
  os?: string;
  /** Owner substring, case-insensitive. */
  owner?: string;
  /** One of the machine's tags, exactly. */
  tag?: string;
  /** Any of these: stale (seen before `staleBefore`), never-seen (no inventory ever), open-findings, assessment-pending, agent-stale. */
  statuses?: readonly MachineStatus[];
  /** The time before which a machine last seen is stale; required with the 'stale' status. */
  staleBefore?: string;
  /** Machines whose latest inventory has this package (exact name), at this exact version when given. */
  package?: { name: string; version?: string };
  sort?: MachineSort;
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface MachineStore {
  create(m: MachineRecord): Promise<void>;
  get(id: string): Promise<MachineRecord | undefined>;
  getByName(name: string): Promise<MachineRecord | undefined>;
  /** All machines, ordered by name; `ids` restricts to those ids. */
  list(filter?: { ids?: string[] }): Promise<MachineRecord[]>;
  updateAttributes(id: string, patch: MachineAttributesPatch): Promise<void>;
  setOs(id: string, os: OsSummary | null): Promise<void>;
  touch(id: string, at: string): Promise<void>;
  delete(id: string): Promise<void>;
  /** Stores the inventory durably (committed before it resolves) and sets inventoryHash/At. */
  putInventory(id: string, hash: string, inventoryJson: string, at: string): Promise<void>;
  getInventory(id: string): Promise<{ hash: string; json: string; at: string } | undefined>;
  markAssessed(id: string, hash: string, at: string): Promise<void>;
  /** Machines whose stored inventory has not been assessed (assessedHash ≠ inventoryHash). */
  listPendingAssessment(): Promise<string[]>;
  /** One page of the machines matching the search (two indexed queries), and how many match. */
  search(filter: MachineSearch): Promise<{ items: MachineRecord[]; total: number }>;
  /** The packages of the machine's latest inventory, by name then version; `q`: name substring. */
  listPackages(
    machineId: string,
    filter: { q?: string; limit: number; offset: number },
  ): Promise<{ items: InstalledPackageRecord[]; total: number }>;
}

export interface GroupRecord {
  id: string;
  name: string;
  description: string | null;
  kind: 'static' | 'rule';
  rule: string | null;
  rescanSchedule: string | null;
  /** Who answers for the group (an e-mail address receives its digest). */
  owner: string | null;
  /** Approvals in this group need two different approvers. */
  requiresSecondApprover: boolean;
  /** Deadline settings that differ from the server default (null: the default). */
  deadlinePolicy: DeadlinePolicyOverride | null;
  /** When deployments may install on the group's machines (null: any time). */
  maintenanceWindow: MaintenanceWindow | null;
  /** How the group's machines reboot after installing (null: the server default). */
  rebootPolicy: RebootPolicy | null;
  createdAt: string;
}

export interface GroupStore {
  create(g: GroupRecord, members: string[]): Promise<void>;
  get(id: string): Promise<GroupRecord | undefined>;
  getByName(name: string): Promise<GroupRecord | undefined>;
  list(): Promise<GroupRecord[]>;
  update(id: string, patch: Partial<Omit<GroupRecord, 'id' | 'kind' | 'createdAt'>>): Promise<void>;
  delete(id: string): Promise<void>;
  /** Static members (machine ids), ordered. */
  members(id: string): Promise<string[]>;
  /** Static members of any of the groups (machine ids, each once, ordered), in one query. */
  membersOfAny(ids: string[]): Promise<string[]>;
  setMembers(id: string, machineIds: string[]): Promise<void>;
  /** Ids of the static groups that list this machine (one indexed query). */
  staticGroupIdsOf(machineId: string): Promise<string[]>;
}

export interface EnrollmentTokenRecord {
  id: string;
  secretHash: string;
  note: string | null;
  expiresAt: string;
  maxUses: number;
  uses: number;
  revokedAt: string | null;
  createdAt: string;
  createdBy: string;
}

export type ConsumeResult =
  { ok: true; token: EnrollmentTokenRecord } | { ok: false; reason: 'not-found' | 'expired' | 'revoked' | 'exhausted' };

export interface AgentRecord {
  id: string;
  machineId: string;
  credentialHash: string;
  createdAt: string;
  revokedAt: string | null;
  lastCheckinAt: string | null;
}

/** What an agent last said about its trust in the server: the key it pins, and whether it is stale. */
export interface AgentTrust {
  /** Fingerprint of the job-signing key the agent pins (null: it never said). */
  pinnedKey: string | null;
  /** Set while the agent reports it has seen no fresh signed server time since then. */
  staleSince: string | null;
  staleReason: string | null;
}

/** A stale agent (see AgentTrust). */
export interface StaleAgent {
  agentId: string;
  machineId: string;
  since: string;
  reason: string;
}

export interface AgentStore {
  createEnrollmentToken(t: EnrollmentTokenRecord): Promise<void>;
  getEnrollmentToken(id: string): Promise<EnrollmentTokenRecord | undefined>;
  listEnrollmentTokens(): Promise<EnrollmentTokenRecord[]>;
  revokeEnrollmentToken(id: string, at: string): Promise<void>;
  /**
   * Atomically uses the token once when its secret hash matches, it is not revoked, not expired
   * at `now` and has uses left (two concurrent calls can never both take the last use).
   */
  consumeEnrollmentToken(id: string, secretHash: string, now: string): Promise<ConsumeResult>;
  createAgent(a: AgentRecord): Promise<void>;
  getAgent(id: string): Promise<AgentRecord | undefined>;
  revokeAgent(id: string, at: string): Promise<void>;
  touchAgent(id: string, at: string): Promise<void>;
  /** Atomically takes the agent's next job sequence number (1, 2, …); never the same twice. */
  nextJobSequence(agentId: string): Promise<number>;
  getTrust(agentId: string): Promise<AgentTrust | undefined>;
  setTrust(agentId: string, trust: AgentTrust): Promise<void>;
  /** How many agents (not revoked) pin each key; null: agents that never said. */
  countByPinnedKey(): Promise<{ pinnedKey: string | null; agents: number }[]>;
  /** Agents (not revoked) that report themselves stale, oldest first. */
  listStale(): Promise<StaleAgent[]>;
}

/** What the assessment hands the store for one (machine, bulletin). */
export interface FindingInput {
  bulletinId: string;
  status: FindingStatus;
  severity: Severity;
  title: string;
  package: string | null;
  fixedVersion: string | null;
  reason: string | null;
  evidence: Evidence[];
}

export interface FindingRecord extends FindingInput {
  machineId: string;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
}

export { OPEN_STATUSES };

export interface FindingFilter {
  machineIds?: string[];
  bulletinIds?: string[];
  statuses?: FindingStatus[];
  /** Minimum severity rank (critical 4 … unknown 0), see severityRank. */
  severities?: Severity[];
  resolved?: boolean;
  limit?: number;
  offset?: number;
}

export type { DailySnapshot, FindingFact };

export interface FindingStore {
  /**
   * Applies one assessment of a machine, in one transaction. For each input: insert (firstSeen =
   * lastSeen = at), or update status/evidence/lastSeen; an open finding whose new status is not
   * open gets resolvedAt = at; a resolved one that is open again gets resolvedAt = null and
   * firstSeenAt = at. Stored findings within `scope` (all bulletins when undefined) that are
   * absent from `findings` become 'not-applicable' (resolvedAt = at if they were open).
   * Returns the bulletin ids newly opened and newly resolved.
   */
  applyAssessment(
    machineId: string,
    findings: FindingInput[],
    at: string,
    scope?: { bulletinIds: string[] },
  ): Promise<{ opened: string[]; resolved: string[] }>;
  list(filter: FindingFilter): Promise<{ items: FindingRecord[]; total: number }>;
  /** Open findings per bulletin id (machines affected), for the given bulletins; only on `machineIds` when given. */
  countOpenByBulletin(bulletinIds: string[], machineIds?: string[]): Promise<Map<string, number>>;
  /** Per bulletin: machines (only `machineIds` when given) whose finding of it was resolved at or after `since`. */
  countResolvedByBulletin(bulletinIds: string[], since: string, machineIds?: string[]): Promise<Map<string, number>>;
  /** Open findings per machine id. */
  countOpenByMachine(machineIds: string[]): Promise<Map<string, number>>;
  putSnapshot(s: DailySnapshot): Promise<void>;
  listSnapshots(machineId: string, fromDay: string, toDay: string): Promise<DailySnapshot[]>;
  deleteForMachine(machineId: string): Promise<void>;
  /**
   * Streams the facts reports need, in batches ordered by (machineId, bulletinId): every open
   * finding, plus findings resolved at or after `resolvedSince` (none when absent). Memory stays
   * bounded by the batch size whatever the number of findings.
   */
  scanFacts(opts: { resolvedSince?: string; machineIds?: string[]; batchSize?: number }): AsyncIterable<FindingFact[]>;
  /** Streams all machines' snapshots with fromDay ≤ day ≤ toDay, in batches ordered by (day, machineId). */
  scanSnapshots(fromDay: string, toDay: string, batchSize?: number): AsyncIterable<DailySnapshot[]>;
}

export interface BulletinRecord {
  id: string;
  sourceId: string;
  title: string;
  severity: Severity;
  published: string | null;
  revised: string | null;
  cves: string[];
  kbs: string[];
  /** Hash of the bulletin's content, to tell a revision from an unchanged copy. */
  contentHash: string;
  withdrawnAt: string | null;
}

export interface BulletinStore {
  /** Replaces the source's bulletins: upserts these, marks the source's others withdrawn at `at`. */
  replaceForSource(sourceId: string, bulletins: BulletinRecord[], at: string): Promise<void>;
  listForSource(sourceId: string): Promise<BulletinRecord[]>;
  get(id: string): Promise<BulletinRecord | undefined>;
  list(filter: {
    severities?: Severity[];
    sourceId?: string;
    q?: string;
    ids?: string[];
    includeWithdrawn?: boolean;
    /** Published on or after this day (YYYY-MM-DD); an undated bulletin never matches a date bound. */
    publishedFrom?: string;
    /** Published on or before this day (YYYY-MM-DD), whatever the time of day. */
    publishedTo?: string;
    /** Carries this CVE id (exact, any case). */
    cve?: string;
    /** Carries this KB number (exact; "KB5001" and "5001" are the same). */
    kb?: string;
    /** Default "-published": newest first, undated last. */
    sort?: BulletinSort;
    limit?: number;
    offset?: number;
  }): Promise<{ items: BulletinRecord[]; total: number }>;
}

export interface SourceRecord {
  id: string;
  name: string;
  url: string;
  format: string | null;
  release: string | null;
  schedule: string | null;
  signingKey: string | null;
  /** Load native catalogs that carry no signature (an admin's explicit choice; default false). */
  allowUnsigned: boolean;
  enabled: boolean;
  createdAt: string;
}

/** What the last sync left: conditional-request validators and the last good copy. */
export interface SourceSyncState {
  sourceId: string;
  etag: string | null;
  lastModified: string | null;
  /** File (in the data directory) holding the last good copy, its SHA-256 and when it was taken. */
  goodPath: string | null;
  goodSha256: string | null;
  goodAt: string | null;
}

export interface SyncRecord {
  id: string;
  sourceId: string;
  startedAt: string;
  finishedAt: string;
  result: 'updated' | 'not-modified' | 'failed' | 'refused';
  message: string | null;
  bytes: number;
  diff: SyncDiff | null;
}

export interface SourceStore {
  create(s: SourceRecord): Promise<void>;
  get(id: string): Promise<SourceRecord | undefined>;
  getByName(name: string): Promise<SourceRecord | undefined>;
  list(): Promise<SourceRecord[]>;
  update(id: string, patch: Partial<Omit<SourceRecord, 'id' | 'name' | 'createdAt'>>): Promise<void>;
  delete(id: string): Promise<void>;
  getSyncState(sourceId: string): Promise<SourceSyncState | undefined>;
  putSyncState(s: SourceSyncState): Promise<void>;
  recordSync(r: SyncRecord): Promise<void>;
  /** Newest first. */
  listSyncs(sourceId: string, limit: number): Promise<SyncRecord[]>;
  /** Syncs of every source started at or after `since` (with one of `results` when given), oldest first. */
  listSyncsSince(since: string, results?: SyncRecord['result'][]): Promise<SyncRecord[]>;
}

export interface UserRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  /** Self-describing scrypt hash (see server/auth/passwords.ts); null: no password sign-in. */
  passwordHash: string | null;
  /** The group ids the user's sessions are limited to; null: the whole fleet. */
  scopeGroupIds: string[] | null;
  disabledAt: string | null;
  passwordChangedAt: string | null;
}

/** What an admin may change of a user (absent: unchanged). */
export type UserPatch = Partial<
  Pick<UserRecord, 'role' | 'scopeGroupIds' | 'disabledAt' | 'passwordHash' | 'passwordChangedAt'>
>;

/** How a session was signed in. */
export type SessionVia = 'password' | 'token' | 'oidc';

/** A browser session; only the SHA-256 of its id is stored. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  /** Role and scope at sign-in (the user's, or the API token's for a token sign-in). */
  role: Role;
  scopeGroupIds: string[] | null;
  via: SessionVia;
  /** The API token a token sign-in used (its revocation ends the session). */
  tokenId: string | null;
  csrfSecret: string | null;
  createdAt: string;
  lastSeenAt: string;
  /** Absolute expiry: no activity extends it. */
  expiresAt: string;
  revokedAt: string | null;
  userAgent: string | null;
  sourceIp: string | null;
}

/** Browser sessions and the secrets every server node shares. */
export interface SessionStore {
  createSession(s: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | undefined>;
  /** Notes activity (idle expiry counts from it); a missing session is ignored. */
  touchSession(idHash: string, at: string): Promise<void>;
  setCsrfSecret(idHash: string, secret: string): Promise<void>;
  /** Revokes one session (idempotent: the first revocation time stays). */
  revokeSession(idHash: string, at: string): Promise<void>;
  /** Revokes every live session of a user (but `except`, the hash of one to keep); returns how many. */
  revokeUserSessions(userId: string, at: string, except?: string): Promise<number>;
  /** Deletes sessions that expired or were revoked before `before`; returns how many. */
  deleteEndedSessions(before: string): Promise<number>;
  /** The shared secret of this name: the stored one, or `candidate` when none was stored yet (first writer wins). */
  sharedSecret(name: string, candidate: string, at: string): Promise<string>;
}

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  secretHash: string;
  role: Role;
  /** The group ids the token is limited to (their machines); null: the whole fleet. */
  scopeGroupIds: string[] | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface UserStore {
  createUser(u: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByName(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** Changes a user (E_USER_NOT_FOUND when there is none). */
  updateUser(id: string, patch: UserPatch): Promise<void>;
  createApiToken(t: ApiTokenRecord): Promise<void>;
  getApiToken(id: string): Promise<ApiTokenRecord | undefined>;
  listApiTokens(): Promise<ApiTokenRecord[]>;
  revokeApiToken(id: string, at: string): Promise<void>;
  touchApiToken(id: string, at: string): Promise<void>;
}

/** A sign-in started at the OpenID provider and not finished yet: what its callback must match. */
export interface PendingOidcLogin {
  /** Hex SHA-256 of the `state` sent to the provider (the state itself is not stored). */
  stateHash: string;
  nonce: string;
  /** The PKCE code verifier (useless without the code, which only the browser gets). */
  codeVerifier: string;
  /** Where to send the browser after signing in: a path of this server. */
  returnTo: string;
  createdAt: string;
  expiresAt: string;
}

/** A provider account signing in: who it is there, and what Patchhive calls it now. */
export interface OidcAccount {
  issuer: string;
  subject: string;
  name: string;
  role: Role;
}

/** OpenID Connect sign-in: the pending sign-ins, and the users linked to provider accounts. */
export interface OidcStore {
  /** Stores a pending sign-in, and deletes the ones that expired before `now`. */
  savePending(p: PendingOidcLogin, now: string): Promise<void>;
  /** Reads and deletes, at once, the pending sign-in of this state hash: a second take gets undefined. */
  takePending(stateHash: string): Promise<PendingOidcLogin | undefined>;
  /**
   * The user linked to the account (issuer, subject), renamed and given the account's role; a new
   * user (id `newId`) when none is linked yet. E_CONFLICT when the name belongs to another user.
   */
  upsertUser(account: OidcAccount, newId: string, now: string): Promise<{ user: UserRecord; created: boolean }>;
}

export interface TriageFilter {
  groupIds?: string[];
  bulletinIds?: string[];
  states?: TriageState[];
  limit?: number;
  offset?: number;
}

export interface ExceptionFilter {
  bulletinIds?: string[];
  machineId?: string;
  groupId?: string;
  /** Only exceptions not revoked and with until > activeAt. */
  activeAt?: string;
}

export interface TriageStore {
  get(bulletinId: string, groupId: string): Promise<TriageDecision | undefined>;
  /** Ordered by (groupId, bulletinId). */
  list(filter: TriageFilter): Promise<{ items: TriageDecision[]; total: number }>;
  /**
   * Writes the decision and appends its event in one transaction. `expectedVersion` is the version
   * the caller read (0: the decision must not exist yet); a mismatch is E_CONFLICT and writes nothing.
   */
  save(decision: TriageDecision, event: TriageEvent, expectedVersion: number): Promise<void>;
  /** Events of one bulletin (in one group, or in all), oldest first. */
  history(bulletinId: string, groupId?: string): Promise<TriageEvent[]>;
  /**
   * Creates a `new` decision (version 1, with an 'enqueue' event by "system") for each pair that has
   * no decision yet; existing pairs are left alone. Returns the pairs it created.
   */
  enqueueNew(
    pairs: { bulletinId: string; groupId: string }[],
    at: string,
  ): Promise<{ bulletinId: string; groupId: string }[]>;
  /** Ignored decisions whose ignoreUntil ≤ now. */
  listExpiredIgnores(now: string): Promise<TriageDecision[]>;
  deleteForGroup(groupId: string): Promise<void>;

  createRule(r: ApprovalRule): Promise<void>;
  getRule(id: string): Promise<ApprovalRule | undefined>;
  /** Ordered by (priority, name). */
  listRules(): Promise<ApprovalRule[]>;
  updateRule(id: string, patch: Partial<Omit<ApprovalRule, 'id' | 'createdAt' | 'createdBy'>>): Promise<void>;
  deleteRule(id: string): Promise<void>;

  createException(e: RiskException): Promise<void>;
  getException(id: string): Promise<RiskException | undefined>;
  /** Ordered by (bulletinId, until). */
  listExceptions(filter: ExceptionFilter): Promise<RiskException[]>;
  revokeException(id: string, at: string): Promise<void>;
}

export { NOTIFICATION_EVENTS, type NotificationEvent };

export type ChannelKind = 'webhook' | 'slack' | 'email';

/** Where notifications go. */
export interface ChannelRecord {
  id: string;
  name: string;
  kind: ChannelKind;
  /** The URL (webhook, slack) or comma-separated addresses (email). */
  target: string;
  /** HMAC-SHA256 key for webhooks; never returned by the API. */
  secret: string | null;
  events: NotificationEvent[];
  /** bulletin.new is sent only when the bulletin affects at least this many machines. */
  minMachines: number;
  /** Only events about these groups (empty: all). */
  groupIds: string[];
  enabled: boolean;
  createdAt: string;
}

/** One message to one channel, from queued to delivered or failed: the delivery log. */
export interface DeliveryRecord {
  id: string;
  channelId: string;
  event: NotificationEvent;
  /** Deduplicates: one delivery per (channelId, eventKey). */
  eventKey: string;
  payloadJson: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface NotificationStore {
  createChannel(c: ChannelRecord): Promise<void>;
  getChannel(id: string): Promise<ChannelRecord | undefined>;
  getChannelByName(name: string): Promise<ChannelRecord | undefined>;
  listChannels(): Promise<ChannelRecord[]>;
  updateChannel(id: string, patch: Partial<Omit<ChannelRecord, 'id' | 'createdAt'>>): Promise<void>;
  deleteChannel(id: string): Promise<void>;
  /** Queues deliveries durably; one whose (channelId, eventKey) exists already is skipped. Returns how many were queued. */
  enqueue(deliveries: DeliveryRecord[]): Promise<number>;
  /** Pending deliveries with nextAttemptAt ≤ now, oldest first. */
  due(now: string, limit: number): Promise<DeliveryRecord[]>;
  markDelivered(id: string, at: string, attempts: number): Promise<void>;
  /** Records a failed attempt; nextAttemptAt null means no more retries (status 'failed'). */
  markAttemptFailed(id: string, error: string, attempts: number, nextAttemptAt: string | null): Promise<void>;
  /** Newest first. */
  listDeliveries(filter: {
    channelId?: string;
    status?: DeliveryRecord['status'];
    limit?: number;
  }): Promise<DeliveryRecord[]>;
}

/** Where a deployment as a whole stands. */
export const DEPLOYMENT_STATUSES = ['running', 'paused', 'halted', 'aborted', 'completed'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** An action version as a deployment uses it: its name, version and exact argv at creation. */
export interface HookSpec {
  action: string;
  version: number;
  command: string[];
  timeoutSeconds: number;
}

/** What a deployment was created with (stored as JSON; ring members already resolved to machine ids). */
export interface DeploymentPlanSpec {
  rings: RingSpec[];
  bulletinIds: string[];
  /** Machines not finished by then are reported missed (null: none). */
  deadline: string | null;
  /** Overrides the groups' reboot policies (null: each machine's groups decide). */
  rebootPolicy: RebootPolicy | null;
  /** Roll back the machines of a ring that halts. */
  rollbackOnHalt: boolean;
  /** The target as given: group ids and machine ids. */
  target: { groupIds: string[]; machineIds: string[] };
  /** The approved action run before installing, copied from the catalog when the deployment was created. */
  preHook: HookSpec | null;
  postHook: HookSpec | null;
  /** Seeds percentage rings so the same spec gives the same members. */
  seed: string;
}

export interface DeploymentRecord {
  id: string;
  name: string;
  status: DeploymentStatus;
  spec: DeploymentPlanSpec;
  /** Index of the ring that runs or soaks now (-1: none started; rings.length: all passed). */
  currentRing: number;
  /** When each ring started (null: not yet), one entry per ring. */
  ringStartedAt: (string | null)[];
  /** Why it halted, was aborted or paused (null otherwise). */
  statusReason: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Bumped on every update; updates may require the version the caller read. */
  version: number;
}

/** One package a machine's job installs: the exact version, and the version it replaces. */
export interface PlannedPackage {
  name: string;
  version: string;
  /** Installed before the job (null: the job installs it new). */
  previousVersion: string | null;
}

/** What one machine's job of a deployment is meant to do. */
export interface MachinePlan {
  manager: 'apt' | 'dnf' | 'windows' | 'none';
  bulletinIds: string[];
  /** In install order (install-order.ts). */
  packages: PlannedPackage[];
  /** Bulletins that cannot be installed automatically, and why (no package, unknown manager…). */
  notInstallable: { bulletinId: string; reason: string }[];
}

/** Per machine: 'validating' means the installer finished and a rescan must confirm the fix. */
export type DeploymentMachineState = MachineRunState | 'validating';
export type RollbackState = 'pending' | 'running' | 'succeeded' | 'failed';

export interface DeploymentMachineRecord {
  deploymentId: string;
  machineId: string;
  ringIndex: number;
  state: DeploymentMachineState;
  plan: MachinePlan;
  /** The install job last issued (null: none yet). */
  jobId: string | null;
  /** Reboots postponed by user sessions so far. */
  rebootDeferrals: number;
  rollbackState: RollbackState | null;
  rollbackJobId: string | null;
  message: string | null;
  updatedAt: string;
  finishedAt: string | null;
}

export { JOB_KINDS, JOB_STATES, type JobKind, type JobState } from '../protocol/deploy-api.js';

export interface JobRecord {
  id: string;
  agentId: string;
  machineId: string;
  deploymentId: string | null;
  kind: JobKind;
  sequence: number;
  /** The signed envelope exactly as delivered (JSON text). */
  envelope: string;
  state: JobState;
  issuedAt: string;
  expiresAt: string;
  deliveredAt: string | null;
  /** The agent's latest report (protocol/agent.ts JobReport) as JSON text, logs included. */
  report: string | null;
  reportedAt: string | null;
  message: string | null;
}

export interface RolloutStore {
  /** Creates the deployment and its machine rows in one transaction. */
  createDeployment(d: DeploymentRecord, machines: DeploymentMachineRecord[]): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | undefined>;
  /** Newest first. */
  listDeployments(filter: { statuses?: DeploymentStatus[]; limit?: number }): Promise<DeploymentRecord[]>;
  /**
   * Applies `patch` and bumps the version. With `expectedVersion`, a different stored version is
   * E_CONFLICT and writes nothing. Returns the stored record after the update.
   */
  updateDeployment(
    id: string,
    patch: Partial<Omit<DeploymentRecord, 'id' | 'createdAt' | 'createdBy' | 'version'>>,
    expectedVersion?: number,
  ): Promise<DeploymentRecord>;
  /** Ordered by (ringIndex, machineId). */
  listDeploymentMachines(
    deploymentId: string,
    filter?: { ringIndex?: number; states?: DeploymentMachineState[]; machineIds?: string[] },
  ): Promise<DeploymentMachineRecord[]>;
  getDeploymentMachine(deploymentId: string, machineId: string): Promise<DeploymentMachineRecord | undefined>;
  updateDeploymentMachine(
    deploymentId: string,
    machineId: string,
    patch: Partial<Omit<DeploymentMachineRecord, 'deploymentId' | 'machineId'>>,
  ): Promise<void>;
  /** Applies the same patch to many machines of one deployment (one statement per chunk). */
  updateDeploymentMachines(
    deploymentId: string,
    machineIds: string[],
    patch: Partial<Omit<DeploymentMachineRecord, 'deploymentId' | 'machineId'>>,
  ): Promise<void>;
  /** The machine's rows in deployments whose status is one of `statuses`, oldest deployment first. */
  runsForMachine(machineId: string, statuses: DeploymentStatus[]): Promise<DeploymentMachineRecord[]>;
  /** Per deployment: how many machines are in each state. */
  countMachineStates(
    deploymentId: string,
  ): Promise<{ ringIndex: number; state: DeploymentMachineState; count: number }[]>;

  createJob(j: JobRecord): Promise<void>;
  getJob(id: string): Promise<JobRecord | undefined>;
  updateJob(
    id: string,
    patch: Partial<Pick<JobRecord, 'state' | 'deliveredAt' | 'report' | 'reportedAt' | 'message'>>,
  ): Promise<void>;
  /** A machine's jobs, newest issued first; only of these deployments when given. */
  listJobsOfMachine(
    machineId: string,
    filter: { deploymentIds?: readonly string[]; limit: number; offset: number },
  ): Promise<{ items: JobRecord[]; total: number }>;
  /** Ordered by sequence. */
  listJobs(filter: {
    machineId?: string;
    agentId?: string;
    deploymentId?: string;
    states?: JobState[];
    limit?: number;
  }): Promise<JobRecord[]>;
}

/** When each user last marked the Today page seen (what "since my last visit" means). */
export interface VisitStore {
  lastSeen(userId: string): Promise<string | undefined>;
  markSeen(userId: string, at: string): Promise<void>;
}

/** Filters of the audit trail, read newest first. */
export interface AuditFilter {
  limit: number;
  /** Only entries with a smaller sequence number. */
  before?: number;
  /** Only entries at or after this time. */
  since?: string;
  /** User name or id, token id or agent id. */
  actor?: string;
  /** One of the entry's object ids. */
  object?: string;
  /** Only entries before this time. */
  until?: string;
  /** The HTTP method (GET, POST, PATCH, DELETE). */
  method?: string;
  /** A substring of the route pattern, e.g. "/triage" (any case). */
  route?: string;
  /** success: status below 400; failure: 400 and above. */
  outcome?: 'success' | 'failure';
}

/**
 * The audit trail: append-only and hash-chained. `append` links the draft to the newest entry
 * (sequence + 1, its hash as previous hash) under a lock, so concurrent appends never fork the
 * chain; the table refuses UPDATE and DELETE in the database itself.
 */
export interface AuditStore {
  /** Appends one entry after the newest and returns it with its chain fields. */
  append(draft: AuditDraft): Promise<AuditEntry>;
  /** Entries matching the filter, newest first. */
  list(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Entries in chain order with a sequence number above `afterSeq` (and at or after `since`). */
  range(afterSeq: number, limit: number, since?: string): Promise<AuditEntry[]>;
}

/** One version of an action of the action catalog (a named argv list hooks and script steps run). */
export interface ActionRecord {
  name: string;
  version: number;
  argv: string[];
  description: string | null;
  timeoutSeconds: number;
  status: ActionStatus;
  proposedBy: string;
  proposedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
}

/** The action catalog: versions per name; at most one active version per name. */
export interface ActionStore {
  /** Adds a version; an existing (name, version) is E_CONFLICT. */
  create(a: ActionRecord): Promise<void>;
  get(name: string, version: number): Promise<ActionRecord | undefined>;
  /** Every version of `name`, newest first. */
  versions(name: string): Promise<ActionRecord[]>;
  /** Versions whose status is one of `statuses` (default: all), by name then version. */
  list(filter?: { statuses?: ActionStatus[] }): Promise<ActionRecord[]>;
  /**
   * Makes a pending version active and the version active before it superseded, in one
   * transaction; a version that is not pending is E_CONFLICT and changes nothing.
   */
  activate(name: string, version: number, approvedBy: string, at: string): Promise<void>;
  /** Moves versions of `name` whose status is in `from` to `to`; returns how many moved. */
  setStatus(name: string, from: ActionStatus[], to: ActionStatus, version?: number): Promise<number>;
}

/** A change to a control proposed by one admin, waiting for a different admin (see services/changes.ts). */
export interface ChangeRequestRecord {
  id: string;
  kind: ChangeKind;
  /** The action name, group id or approval rule id it changes. */
  target: string;
  summary: string;
  payload: unknown;
  status: ChangeStatus;
  proposedBy: string;
  proposedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  message: string | null;
}

export interface ChangeRequestStore {
  create(c: ChangeRequestRecord): Promise<void>;
  get(id: string): Promise<ChangeRequestRecord | undefined>;
  /** Newest first. */
  list(filter: {
    statuses?: ChangeStatus[];
    kind?: ChangeKind;
    target?: string;
    limit?: number;
  }): Promise<ChangeRequestRecord[]>;
  /**
   * Moves the request from `from` to `to` with the decider, time and message, only if it is still
   * in `from` (so two admins cannot both decide it); false when it was not.
   */
  transition(
    id: string,
    from: ChangeStatus,
    to: ChangeStatus,
    patch: { decidedBy?: string | null; decidedAt?: string | null; message?: string | null },
  ): Promise<boolean>;
}

/** The whole store: the areas, plus lifecycle. */
/** Every store area: what a transaction sees (store.transaction). */
export type StoreAreas = Omit<Store, 'migrate' | 'ping' | 'close' | 'transaction'>;

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  machines: MachineStore;
  groups: GroupStore;
  agents: AgentStore;
  findings: FindingStore;
  bulletins: BulletinStore;
  sources: SourceStore;
  users: UserStore;
  sessions: SessionStore;
  oidc: OidcStore;
  triage: TriageStore;
  notifications: NotificationStore;
  rollout: RolloutStore;
  audit: AuditStore;
  actions: ActionStore;
  changes: ChangeRequestStore;
  visits: VisitStore;
  /**
   * Runs `fn` in one database transaction spanning every area: its writes commit together when it
   * resolves and are all rolled back when it throws (the error is passed on). Inside, use only the
   * `tx` areas given — the outer store waits for the transaction (SQLite has one connection) — and
   * let a store error end `fn` (after one, PostgreSQL takes no more statements in the transaction).
   */
  transaction<T>(fn: (tx: StoreAreas) => Promise<T>): Promise<T>;
  /** Applies pending migrations (idempotent). */
  migrate(): Promise<void>;
  /** Cheap liveness query for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
