/**
 * Users, for admins: list, create, change role / scope / disabled, reset a password; and a user's
 * own password change. A change of role, scope or disabled flag, and a password reset, sign the
 * user's sessions out: a session never keeps more than its user now has.
 */
import { randomUUID } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';
import type { UserCreate, UserUpdate, UserWire } from '../../protocol/session-api.js';
import type { Store, UserPatch, UserRecord } from '../../store/ports.js';
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { SessionService } from './sessions.js';
import type { TokenService } from './tokens.js';

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<UserWire[]> {
    const users = await this.store.users.listUsers();
    return Promise.all(users.map((u) => this.toWire(u)));
  }

  /** A new user (E_CONFLICT when the name is taken); a password is checked against the policy. */
  async create(req: UserCreate): Promise<UserWire> {
    const scope = req.groups ? await this.tokens.scopeGroupIds(req.groups, req.role) : null;
    if (req.password !== undefined) checkPasswordPolicy(req.password, req.name);
    const at = this.now().toISOString();
    const user: UserRecord = {
      id: randomUUID(),
      name: req.name,
      role: req.role,
      createdAt: at,
      passwordHash: req.password !== undefined ? await hashPassword(req.password, this.sessions.settings.scrypt) : null,
      scopeGroupIds: scope,
      disabledAt: null,
      passwordChangedAt: req.password !== undefined ? at : null,
    };
    await this.store.users.createUser(user);
    return this.toWire(user);
  }

  /** Changes role, scope or disabled flag; the user's sessions are signed out when anything changed. */
  async update(id: string, req: UserUpdate): Promise<UserWire> {
    const user = await this.get(id);
    const role = req.role ?? user.role;
    const scope =
      req.groups === undefined
        ? user.scopeGroupIds
        : req.groups === null
          ? null
          : await this.tokens.scopeGroupIds(req.groups, role);
    if (role === 'admin' && scope !== null)
      throw new PatchhiveError('E_BAD_REQUEST', 'an admin cannot be scoped to groups; send "groups": null as well', {
        path: '$.groups',
      });
    const patch: UserPatch = {};
    if (role !== user.role) patch.role = role;
    if (JSON.stringify(scope) !== JSON.stringify(user.scopeGroupIds)) patch.scopeGroupIds = scope;
    if (req.disabled !== undefined && req.disabled !== (user.disabledAt !== null))
      patch.disabledAt = req.disabled ? this.now().toISOString() : null;
    if (Object.keys(patch).length > 0) {
      await this.store.users.updateUser(user.id, patch);
      await this.sessions.endAllOf(user.id);
    }
    return this.toWire({ ...user, ...patch });
  }

  /** An admin sets a user's password (or has one generated, answered once); the user's sessions end. */
  async resetPassword(
    id: string,
    password: string | undefined,
  ): Promise<{ password?: string; sessionsRevoked: number }> {
    const user = await this.get(id);
    const next = password ?? generatePassword();
    if (password !== undefined) checkPasswordPolicy(password, user.name);
    await this.setPassword(user, next);
    const sessionsRevoked = await this.sessions.endAllOf(user.id);
    return password === undefined ? { password: next, sessionsRevoked } : { sessionsRevoked };
  }

  /**
   * A user changes its own password, proving the current one (E_UNAUTHENTICATED when wrong); its
   * other sessions end, the one it changed it from (if any) stays.
   */
  async changeOwnPassword(userId: string, current: string, next: string, keepSession?: string): Promise<void> {
    const user = await this.get(userId);
    const { ok } = user.passwordHash
      ? await verifyPassword(current, user.passwordHash, this.sessions.settings.scrypt)
      : { ok: false };
    if (!ok) throw new PatchhiveError('E_UNAUTHENTICATED', 'the current password is wrong');
    checkPasswordPolicy(next, user.name, '$.newPassword');
    await this.setPassword(user, next);
    await this.sessions.endAllOf(userId, keepSession);
  }

  private async setPassword(user: UserRecord, password: string): Promise<void> {
    const passwordHash = await hashPassword(password, this.sessions.settings.scrypt);
    await this.store.users.updateUser(user.id, { passwordHash, passwordChangedAt: this.now().toISOString() });
  }

  private async get(id: string): Promise<UserRecord> {
    const user = (await this.store.users.getUser(id)) ?? (await this.store.users.getUserByName(id));
    if (!user) throw new PatchhiveError('E_USER_NOT_FOUND', `no user ${JSON.stringify(id)}`);
    return user;
  }

  private async toWire(u: UserRecord): Promise<UserWire> {
    return {
      id: u.id,
      name: u.name,
      role: u.role,
      groups: await this.tokens.scopeNames(u.scopeGroupIds),
      hasPassword: u.passwordHash !== null,
      disabledAt: u.disabledAt,
      passwordChangedAt: u.passwordChangedAt,
      createdAt: u.createdAt,
    };
  }
}
