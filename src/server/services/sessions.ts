/**
 * Console sessions, below HTTP: who a sign-in is (password, API token, or an identity OIDC vouched
 * for), opening a session row, deciding whether a stored session is still live (idle and absolute
 * expiry on the injected clock), and the caller a live session gives. Cookies and CSRF tokens are
 * the HTTP layer's (http/session-web.ts); this service only ever sees the hash of a session id.
 */
import { randomUUID } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';
import type { Role } from '../../protocol/api.js';
import type { SessionRecord, SessionVia, Store, UserRecord } from '../../store/ports.js';
import type { Caller } from '../auth/caller.js';
import { verifyAgainstDummy, verifyPassword, hashPassword, type ScryptParams } from '../auth/passwords.js';
import type { TokenService } from './tokens.js';

/** Who signs in: enough to open a session. */
export interface SignedIn {
  user: UserRecord;
  role: Role;
  scopeGroupIds: string[] | null;
  via: SessionVia;
  tokenId: string | null;
}

/** An identity vouched for elsewhere (OIDC): the user is created or brought up to date. */
export interface SessionIdentity {
  userName: string;
  role: Role;
  /** Group ids or names; null: the whole fleet (viewer and operator only). */
  scopeGroupIds: string[] | null;
  via: 'oidc';
}

export interface SessionSettings {
  /** The session cookie's name (its Secure form when the server serves HTTPS). */
  cookieName: string;
  idleMs: number;
  absoluteMs: number;
  scrypt: ScryptParams;
}

/** Where a sign-in comes from (kept short in the session row). */
export interface ClientFacts {
  userAgent: string | undefined;
  ip: string;
}

type UserCaller = Extract<Caller, { kind: 'user' }>;

/** The one answer to a failed password sign-in, whatever failed (no user enumeration). */
const BAD_CREDENTIALS = 'wrong user name or password';
/** Activity is written at most this often per session (idle expiry is this coarse). */
const TOUCH_EVERY_MS = 30_000;

export class SessionService {
  constructor(
    private readonly store: Store,
    private readonly tokens: TokenService,
    private readonly now: () => Date,
    readonly settings: SessionSettings,
  ) {}

  /** The session cookie's name. */
  get cookieName(): string {
    return this.settings.cookieName;
  }

  /**
   * A user name and password; E_UNAUTHENTICATED with the same message for an unknown user, a user
   * without a password, a disabled user and a wrong password, after the same hashing work.
   */
  async signInWithPassword(userName: string, password: string): Promise<SignedIn> {
    const user = await this.store.users.getUserByName(userName);
    if (!user?.passwordHash || user.disabledAt) {
      await verifyAgainstDummy(password, this.settings.scrypt);
      throw new PatchhiveError('E_UNAUTHENTICATED', BAD_CREDENTIALS);
    }
    const { ok, needsRehash } = await verifyPassword(password, user.passwordHash, this.settings.scrypt);
    if (!ok) throw new PatchhiveError('E_UNAUTHENTICATED', BAD_CREDENTIALS);
    if (needsRehash)
      await this.store.users.updateUser(user.id, { passwordHash: await hashPassword(password, this.settings.scrypt) });
    return { user, role: user.role, scopeGroupIds: user.scopeGroupIds, via: 'password', tokenId: null };
  }

  /** An API token: the session has the token's role and scope, and ends when the token does. */
  async signInWithToken(bearer: string): Promise<SignedIn> {
    const caller = await this.tokens.authenticateUser(bearer);
    const user = await this.store.users.getUser(caller.userId);
    if (!user) throw new PatchhiveError('E_UNAUTHENTICATED', "the token's user no longer exists");
    return { user, role: caller.role, scopeGroupIds: caller.scopeGroupIds, via: 'token', tokenId: caller.tokenId };
  }

  /**
   * An identity another sign-in (OIDC) vouched for: creates the user when new, brings its role and
   * scope up to date, refuses a disabled user (E_UNAUTHENTICATED).
   */
  async signInAs(identity: SessionIdentity): Promise<SignedIn> {
    const scope =
      identity.scopeGroupIds === null ? null : await this.tokens.scopeGroupIds(identity.scopeGroupIds, identity.role);
    const at = this.now().toISOString();
    let user = await this.store.users.getUserByName(identity.userName);
    if (!user) {
      user = {
        id: randomUUID(),
        name: identity.userName,
        role: identity.role,
        createdAt: at,
        passwordHash: null,
        scopeGroupIds: scope,
        disabledAt: null,
        passwordChangedAt: null,
      };
      await this.store.users.createUser(user);
    } else if (user.disabledAt) {
      throw new PatchhiveError('E_UNAUTHENTICATED', 'this user is disabled');
    } else if (user.role !== identity.role || JSON.stringify(user.scopeGroupIds) !== JSON.stringify(scope)) {
      await this.store.users.updateUser(user.id, { role: identity.role, scopeGroupIds: scope });
      user = { ...user, role: identity.role, scopeGroupIds: scope };
    }
    return { user, role: identity.role, scopeGroupIds: scope, via: identity.via, tokenId: null };
  }

  /** Stores a new session under the hash of its id. */
  async open(idHash: string, who: SignedIn, client: ClientFacts, csrfSecret: string | null): Promise<SessionRecord> {
    const now = this.now();
    const rec: SessionRecord = {
      idHash,
      userId: who.user.id,
      role: who.role,
      scopeGroupIds: who.scopeGroupIds,
      via: who.via,
      tokenId: who.tokenId,
      csrfSecret,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.absoluteMs).toISOString(),
      revokedAt: null,
      userAgent: client.userAgent?.slice(0, 200) ?? null,
      sourceIp: client.ip.slice(0, 64),
    };
    await this.store.sessions.createSession(rec);
    return rec;
  }

  /** The stored session when it is live: not signed out, not idle too long, not past its absolute end. */
  async live(idHash: string): Promise<SessionRecord | undefined> {
    const rec = await this.store.sessions.getSession(idHash);
    return rec && isLive(rec, this.now(), this.settings.idleMs) ? rec : undefined;
  }

  /** When a live session ends if no request comes first. */
  idleEnd(rec: SessionRecord): string {
    const idle = Date.parse(rec.lastSeenAt) + this.settings.idleMs;
    return new Date(Math.min(idle, Date.parse(rec.expiresAt))).toISOString();
  }

  /**
   * The caller a live session gives, noting the activity; E_UNAUTHENTICATED when the user was
   * removed or disabled, or the API token of a token sign-in was revoked or expired.
   */
  async callerOf(rec: SessionRecord): Promise<UserCaller> {
    const now = this.now();
    const user = await this.store.users.getUser(rec.userId);
    if (!user || user.disabledAt)
      throw new PatchhiveError('E_UNAUTHENTICATED', "the session's user is disabled or gone");
    if (rec.tokenId) {
      const token = await this.store.users.getApiToken(rec.tokenId);
      if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now.toISOString()))
        throw new PatchhiveError('E_UNAUTHENTICATED', 'the API token this session was signed in with has ended');
    }
    if (now.getTime() - Date.parse(rec.lastSeenAt) >= TOUCH_EVERY_MS) {
      await this.store.sessions.touchSession(rec.idHash, now.toISOString());
      rec.lastSeenAt = now.toISOString();
    }
    return {
      kind: 'user',
      userId: user.id,
      userName: user.name,
      role: rec.role,
      tokenId: rec.tokenId,
      scopeGroupIds: rec.scopeGroupIds,
      sessionId: rec.idHash,
    };
  }

  /** Keeps the CSRF secret of a session (set after it was opened). */
  async setCsrfSecret(idHash: string, secret: string): Promise<void> {
    await this.store.sessions.setCsrfSecret(idHash, secret);
  }

  /** Signs one session out (idempotent). */
  async end(idHash: string): Promise<void> {
    await this.store.sessions.revokeSession(idHash, this.now().toISOString());
  }

  /** Deletes the rows of sessions that ended more than a day ago (they authenticate nothing); returns how many. */
  async deleteEnded(): Promise<number> {
    return this.store.sessions.deleteEndedSessions(new Date(this.now().getTime() - 86_400_000).toISOString());
  }

  /** Signs every session of a user out (but `except`, a session id hash); returns how many were live. */
  async endAllOf(userId: string, except?: string): Promise<number> {
    return this.store.sessions.revokeUserSessions(userId, this.now().toISOString(), except);
  }
}

/** Pure: whether a session is live at `now`. */
export function isLive(rec: SessionRecord, now: Date, idleMs: number): boolean {
  const t = now.getTime();
  return rec.revokedAt === null && t < Date.parse(rec.expiresAt) && t < Date.parse(rec.lastSeenAt) + idleMs;
}
