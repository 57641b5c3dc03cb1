/**
 * API tokens (administrators, with a role), enrollment tokens (agents' first contact) and
 * authentication of both kinds of bearer credentials.
 */
import { randomUUID } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';
import type { ApiTokenCreate, ApiTokenWire, EnrollmentTokenWire, Role } from '../../protocol/api.js';
import type { ApiTokenRecord, EnrollmentTokenRecord, Store, StoreAreas, UserRecord } from '../../store/ports.js';
import { issueSecret, parseSecret, secretMatches } from '../auth/secrets.js';
import type { Caller } from '../auth/caller.js';
import type { TouchBuffer } from './touch-buffer.js';

export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    private readonly touches: TouchBuffer,
  ) {}

  /** The user behind an API token; throws E_UNAUTHENTICATED / E_TOKEN_EXPIRED / E_TOKEN_REVOKED. */
  async authenticateUser(bearer: string | undefined): Promise<Extract<Caller, { kind: 'user' }>> {
    if (!bearer) throw new PatchhiveError('E_UNAUTHENTICATED', 'an API token is required (Authorization: Bearer ...)');
    const parsed = parseSecret('phk', bearer);
    if (!parsed) throw new PatchhiveError('E_UNAUTHENTICATED', 'not a Patchhive API token');
    const token = await this.store.users.getApiToken(parsed.id);
    if (!token || !secretMatches(parsed.part, token.secretHash))
      throw new PatchhiveError('E_UNAUTHENTICATED', 'unknown API token');
    if (token.revokedAt) throw new PatchhiveError('E_TOKEN_REVOKED', 'this API token has been revoked');
    const now = this.now();
    if (token.expiresAt && token.expiresAt <= now.toISOString())
      throw new PatchhiveError('E_TOKEN_EXPIRED', 'this API token has expired');
    const user = await this.store.users.getUser(token.userId);
    if (!user) throw new PatchhiveError('E_UNAUTHENTICATED', "the token's user no longer exists");
    if (user.disabledAt) throw new PatchhiveError('E_UNAUTHENTICATED', "the token's user is disabled");
    this.touches.apiToken(token.id, now.toISOString());
    return {
      kind: 'user',
      userId: user.id,
      userName: user.name,
      role: token.role,
      tokenId: token.id,
      scopeGroupIds: token.scopeGroupIds,
    };
  }

  /** The agent behind an agent credential. */
  async authenticateAgent(bearer: string | undefined): Promise<Extract<Caller, { kind: 'agent' }>> {
    if (!bearer)
      throw new PatchhiveError('E_UNAUTHENTICATED', 'an agent credential is required (Authorization: Bearer ...)');
    const parsed = parseSecret('pha', bearer);
    if (!parsed) throw new PatchhiveError('E_UNAUTHENTICATED', 'not a Patchhive agent credential');
    const agent = await this.store.agents.getAgent(parsed.id);
    if (!agent || !secretMatches(parsed.part, agent.credentialHash))
      throw new PatchhiveError('E_UNAUTHENTICATED', 'unknown agent');
    if (agent.revokedAt) throw new PatchhiveError('E_TOKEN_REVOKED', 'this agent has been revoked');
    return { kind: 'agent', agentId: agent.id, machineId: agent.machineId };
  }

  /**
   * Creates a user (when new) and an API token for it; the secret is returned once. A scope (groups)
   * is for viewer and operator tokens only, and every group it names must exist (E_GROUP_NOT_FOUND).
   */
  async createApiToken(
    req: ApiTokenCreate,
    createdBy: string,
    expiresInHours?: number,
  ): Promise<{ id: string; secret: string; token: ApiTokenWire }> {
    const now = this.now();
    const scopeGroupIds = req.groups ? await this.scopeGroupIds(req.groups, req.role) : null;
    const lifetimeMs =
      expiresInHours !== undefined
        ? expiresInHours * 3_600_000
        : req.expiresInDays
          ? req.expiresInDays * 86_400_000
          : undefined;
    const issued = issueSecret('phk');
    const rec: Omit<ApiTokenRecord, 'userId'> = {
      id: issued.id,
      name: req.name,
      secretHash: issued.secretHash,
      role: req.role,
      scopeGroupIds,
      expiresAt: lifetimeMs !== undefined ? new Date(now.getTime() + lifetimeMs).toISOString() : null,
      revokedAt: null,
      lastUsedAt: null,
      createdAt: now.toISOString(),
    };
    // A new user and its first token are one change: neither is left without the other.
    const { user, token } = await this.store.transaction(async (tx) => {
      const owner = await this.ensureUser(req.user, req.role, now, tx);
      const withUser: ApiTokenRecord = { ...rec, userId: owner.id };
      await tx.users.createApiToken(withUser);
      return { user: owner, token: withUser };
    });
    void createdBy;
    return { id: token.id, secret: issued.secret, token: toApiTokenWire(token, user.name, await this.groupNames()) };
  }

  async listApiTokens(): Promise<ApiTokenWire[]> {
    const users = new Map((await this.store.users.listUsers()).map((u) => [u.id, u.name]));
    const groups = await this.groupNames();
    return (await this.store.users.listApiTokens()).map((t) => toApiTokenWire(t, users.get(t.userId) ?? '?', groups));
  }

  /** The names of a caller's scope groups (null: the whole fleet); a deleted group shows as its id. */
  async scopeNames(scopeGroupIds: readonly string[] | null): Promise<string[] | null> {
    if (scopeGroupIds === null) return null;
    const names = await this.groupNames();
    return scopeGroupIds.map((id) => names.get(id) ?? id);
  }

  /** The ids of the groups a scope names (ids or names); only viewers and operators can be scoped. */
  async scopeGroupIds(refs: readonly string[], role: Role): Promise<string[]> {
    // An admin changes controls, tokens and the catalog for everyone: a partial admin is no admin.
    if (role === 'admin')
      throw new PatchhiveError(
        'E_BAD_REQUEST',
        'an admin token cannot be scoped to groups; scope a viewer or operator token',
        { path: '$.groups' },
      );
    const ids = new Set<string>();
    for (const [i, ref] of refs.entries()) {
      const g = (await this.store.groups.get(ref)) ?? (await this.store.groups.getByName(ref));
      if (!g)
        throw new PatchhiveError('E_GROUP_NOT_FOUND', `no group ${JSON.stringify(ref)}`, { path: `$.groups[${i}]` });
      ids.add(g.id);
    }
    return [...ids];
  }

  private async groupNames(): Promise<Map<string, string>> {
    return new Map((await this.store.groups.list()).map((g) => [g.id, g.name]));
  }

  async revokeApiToken(id: string): Promise<void> {
    if (!(await this.store.users.getApiToken(id))) throw new PatchhiveError('E_TOKEN_NOT_FOUND', `no API token ${id}`);
    await this.store.users.revokeApiToken(id, this.now().toISOString());
  }

  /** An enrollment token: expires, has a use limit; the secret is returned once. */
  async createEnrollmentToken(
    req: { expiresInHours: number; maxUses: number; note?: string },
    createdBy: string,
  ): Promise<{ id: string; secret: string; token: EnrollmentTokenWire }> {
    const now = this.now();
    const issued = issueSecret('phe');
    const rec: EnrollmentTokenRecord = {
      id: issued.id,
      secretHash: issued.secretHash,
      note: req.note ?? null,
      expiresAt: new Date(now.getTime() + req.expiresInHours * 3_600_000).toISOString(),
      maxUses: req.maxUses,
      uses: 0,
      revokedAt: null,
      createdAt: now.toISOString(),
      createdBy,
    };
    await this.store.agents.createEnrollmentToken(rec);
    return { id: rec.id, secret: issued.secret, token: toEnrollmentWire(rec) };
  }

  async listEnrollmentTokens(): Promise<EnrollmentTokenWire[]> {
    return (await this.store.agents.listEnrollmentTokens()).map(toEnrollmentWire);
  }

  async revokeEnrollmentToken(id: string): Promise<void> {
    if (!(await this.store.agents.getEnrollmentToken(id)))
      throw new PatchhiveError('E_TOKEN_NOT_FOUND', `no enrollment token ${id}`);
    await this.store.agents.revokeEnrollmentToken(id, this.now().toISOString());
  }

  /** Takes one use of an enrollment token or throws why not. */
  async consumeEnrollmentToken(bearer: string, store: StoreAreas = this.store): Promise<void> {
    const parsed = parseSecret('phe', bearer);
    if (!parsed) throw new PatchhiveError('E_UNAUTHENTICATED', 'not a Patchhive enrollment token');
    const token = await store.agents.getEnrollmentToken(parsed.id);
    if (!token || !secretMatches(parsed.part, token.secretHash))
      throw new PatchhiveError('E_UNAUTHENTICATED', 'unknown enrollment token');
    const res = await store.agents.consumeEnrollmentToken(parsed.id, token.secretHash, this.now().toISOString());
    if (res.ok) return;
    if (res.reason === 'expired') throw new PatchhiveError('E_TOKEN_EXPIRED', 'this enrollment token has expired');
    if (res.reason === 'revoked') throw new PatchhiveError('E_TOKEN_REVOKED', 'this enrollment token has been revoked');
    if (res.reason === 'exhausted')
      throw new PatchhiveError('E_ENROLLMENT_EXHAUSTED', 'this enrollment token has no uses left');
    throw new PatchhiveError('E_UNAUTHENTICATED', 'unknown enrollment token');
  }

  /** First start: when there are no users, an admin and its token valid for `hours` (returned once). */
  async bootstrapAdmin(hours: number): Promise<string | undefined> {
    if ((await this.store.users.listUsers()).length > 0) return undefined;
    const created = await this.createApiToken({ name: 'initial', user: 'admin', role: 'admin' }, 'bootstrap', hours);
    return created.secret;
  }

  /**
   * Recovery when every admin token is lost or expired: a new admin token of the user "admin"
   * (created when missing), valid for `hours`. Only the server's owner can call it (it needs the
   * database); the secret is returned once.
   */
  async issueRecoveryAdminToken(hours: number): Promise<{ id: string; secret: string }> {
    const created = await this.createApiToken({ name: 'recovery', user: 'admin', role: 'admin' }, 'recovery', hours);
    return { id: created.id, secret: created.secret };
  }

  private async ensureUser(name: string, role: Role, now: Date, store: StoreAreas): Promise<UserRecord> {
    const existing = await store.users.getUserByName(name);
    if (existing) return existing;
    const user: UserRecord = {
      id: randomUUID(),
      name,
      role,
      createdAt: now.toISOString(),
      passwordHash: null,
      scopeGroupIds: null,
      disabledAt: null,
      passwordChangedAt: null,
    };
    await store.users.createUser(user);
    return user;
  }
}

function toApiTokenWire(t: ApiTokenRecord, user: string, groupNames: ReadonlyMap<string, string>): ApiTokenWire {
  return {
    id: t.id,
    name: t.name,
    user,
    role: t.role,
    groups: t.scopeGroupIds === null ? null : t.scopeGroupIds.map((id) => groupNames.get(id) ?? id),
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
    lastUsedAt: t.lastUsedAt,
    createdAt: t.createdAt,
  };
}

function toEnrollmentWire(t: EnrollmentTokenRecord): EnrollmentTokenWire {
  return {
    id: t.id,
    note: t.note,
    expiresAt: t.expiresAt,
    maxUses: t.maxUses,
    uses: t.uses,
    revokedAt: t.revokedAt,
    createdAt: t.createdAt,
    createdBy: t.createdBy,
  };
}
