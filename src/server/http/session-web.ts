/**
 * Console sessions at the HTTP edge, with maintained plugins: @fastify/cookie signs the cookie,
 * @fastify/session keeps the session (its store is our database, so every server node sees every
 * session; rows are keyed by the SHA-256 of the session id, never the id), and
 * @fastify/csrf-protection makes and checks the CSRF tokens (its secret lives in the session row).
 *
 * The cookie: HttpOnly, SameSite=Strict, Path=/, Secure when the server is reached over HTTPS
 * (then named `__Host-patchhive_session`), no Max-Age (it ends with the browser; the server ends
 * it sooner: idle and absolute expiry on the server's clock, see SessionService).
 */
import { createHash, randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifySession, { type SessionStore as SessionPluginStore } from '@fastify/session';
import type { FastifyInstance, FastifyReply, FastifyRequest, Session } from 'fastify';
import { PatchhiveError } from '../../errors.js';
import type { SessionWire } from '../../protocol/session-api.js';
import type { SessionRecord, Store } from '../../store/ports.js';
import type { Caller } from '../auth/caller.js';
import type { SessionIdentity, SessionService, SignedIn } from '../services/sessions.js';
import type { TokenService } from '../services/tokens.js';

export interface SessionWebOptions {
  service: SessionService;
  /** The cookie-signing secret every node shares (kept in the database; never logged). */
  secret: string;
  /** Mark the cookie Secure (the server is reached over HTTPS). */
  secure: boolean;
}

/** What a stored session holds for @fastify/session: our record, and the CSRF secret where the CSRF plugin looks. */
interface PluginSession {
  record?: SessionRecord;
  _csrf?: string;
}

declare module 'fastify' {
  interface Session {
    record?: SessionRecord;
    _csrf?: string;
  }
}

type Callback<T = void> = (err?: unknown, value?: T) => void;

/** The name of the session cookie. */
export function cookieNameOf(secure: boolean): string {
  return secure ? '__Host-patchhive_session' : 'patchhive_session';
}

/** The cookie-signing secret, made by the first node that starts and kept in the database for every node. */
export async function sessionCookieSecret(store: Store, now: () => Date): Promise<string> {
  return store.sessions.sharedSecret('session-cookie', randomBytes(32).toString('base64url'), now().toISOString());
}

/** SHA-256 of a session id: what the database keys sessions by. */
export function sessionIdHash(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/** @fastify/session's store over the SessionService: only live sessions are found. */
class DatabaseSessionStore implements SessionPluginStore {
  constructor(private readonly service: SessionService) {}

  get(sessionId: string, cb: Callback<Session | null>): void {
    this.service.live(sessionIdHash(sessionId)).then(
      (record) => {
        // No cookie data: the plugin then applies no expiry of its own (ours runs on the server's clock).
        const stored: PluginSession = { record, ...(record?.csrfSecret ? { _csrf: record.csrfSecret } : {}) };
        cb(undefined, record ? (stored as Session) : null);
      },
      (err: unknown) => cb(err),
    );
  }

  /** Sessions are opened by startSession (their row carries the user); here only a new CSRF secret is kept. */
  set(sessionId: string, session: Session, cb: Callback): void {
    const record = session.record;
    if (!record || !session._csrf || session._csrf === record.csrfSecret) return cb();
    this.service.setCsrfSecret(sessionIdHash(sessionId), session._csrf).then(
      () => cb(),
      (err: unknown) => cb(err),
    );
  }

  destroy(sessionId: string, cb: Callback): void {
    this.service.end(sessionIdHash(sessionId)).then(
      () => cb(),
      (err: unknown) => cb(err),
    );
  }
}

/** Registers cookie, session and CSRF plugins on the app (before its routes). */
export function registerSessions(app: FastifyInstance, opts: SessionWebOptions): void {
  void app.register(fastifyCookie);
  void app.register(fastifySession, {
    secret: opts.secret,
    cookieName: opts.service.cookieName,
    cookie: { httpOnly: true, sameSite: 'strict', secure: opts.secure, path: '/' },
    store: new DatabaseSessionStore(opts.service),
    saveUninitialized: false,
    rolling: false,
  });
  void app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    getToken: (req) => {
      const h = req.headers['x-csrf-token'];
      return typeof h === 'string' ? h : undefined;
    },
  });
}

/** True when the request carries our session cookie (signed or not: the plugin checks). */
export function hasSessionCookie(request: FastifyRequest, service: SessionService): boolean {
  return typeof request.cookies?.[service.cookieName] === 'string';
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The caller of a request authenticated by its session cookie; 401 when the session expired, was
 * signed out, or its user (or API token) no longer may.
 */
export async function authenticateSession(
  request: FastifyRequest,
  service: SessionService,
): Promise<Extract<Caller, { kind: 'user' }>> {
  const record = request.session?.record;
  if (!record)
    throw new PatchhiveError('E_UNAUTHENTICATED', 'the session has expired or was signed out; sign in again');
  return service.callerOf(record);
}

/** A change (POST/PUT/PATCH/DELETE) made with a session cookie needs the session's CSRF token in `x-csrf-token` (403 E_CSRF). */
export async function requireCsrf(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  if (!MUTATING.has(request.method)) return;
  // The plugin's hook answers a refusal itself (reply.send); handing it a reply that only passes the
  // error on lets the app's one error translation answer it (403 E_CSRF), audit and count it.
  await new Promise<void>((resolve, reject) => {
    const passOn = { send: (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))) };
    app.csrfProtection(request, passOn as unknown as FastifyReply, () => resolve());
  });
}

/**
 * Starts a session for someone who just proved who they are: a new session id (any earlier one of
 * this browser is signed out), the row in the database, the cookie on the reply, and the answer
 * (who, until when, a CSRF token).
 */
export async function startSession(
  service: SessionService,
  who: SignedIn,
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: TokenService,
): Promise<SessionWire> {
  // A new id on every sign-in: a session id planted before sign-in (fixation) is worth nothing.
  await request.session.regenerate();
  const session = request.session;
  const csrfToken = reply.generateCsrf();
  const record = await service.open(
    sessionIdHash(session.sessionId),
    who,
    { userAgent: request.headers['user-agent'], ip: request.ip },
    session._csrf ?? null,
  );
  session.record = record;
  // Saved now (the row exists already; this marks it saved so the cookie goes out with the answer).
  await session.save();
  return describeSession(service, record, who.user.name, csrfToken, tokens);
}

/**
 * For another sign-in method (OIDC): creates or updates the user of `identity` and starts its
 * session; the answer is what POST /session answers.
 */
export async function startSessionFor(
  service: SessionService,
  identity: SessionIdentity,
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: TokenService,
): Promise<SessionWire> {
  return startSession(service, await service.signInAs(identity), request, reply, tokens);
}

/** The current session of a cookie-authenticated request (with a fresh CSRF token). */
export async function currentSession(
  service: SessionService,
  caller: Caller,
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: TokenService,
): Promise<SessionWire> {
  const record = request.session?.record;
  if (caller.kind !== 'user' || !caller.sessionId || !record)
    throw new PatchhiveError('E_NOT_FOUND', 'this request was not made with a session cookie');
  return describeSession(service, record, caller.userName, reply.generateCsrf(), tokens);
}

/** Signs the request's own session out and clears its cookie. */
export async function endSession(request: FastifyRequest): Promise<void> {
  if (request.session?.record) await request.session.destroy();
}

async function describeSession(
  service: SessionService,
  record: SessionRecord,
  userName: string,
  csrfToken: string,
  tokens: TokenService,
): Promise<SessionWire> {
  return {
    user: userName,
    role: record.role,
    groups: await tokens.scopeNames(record.scopeGroupIds),
    via: record.via,
    csrfToken,
    expiresAt: record.expiresAt,
    idleExpiresAt: service.idleEnd(record),
  };
}
