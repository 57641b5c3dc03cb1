/**
 * The browser side of single sign-on: two full-page navigations that the JSON route table cannot
 * express (they answer with redirects and a cookie), registered on the app directly.
 *
 * - GET /api/v1/auth/oidc/login[?returnTo=/path] → 302 to the provider, with a short-lived
 *   HttpOnly cookie that binds the sign-in to this browser.
 * - GET /api/v1/auth/oidc/callback → the code is exchanged and the ID token verified; the user is
 *   created or updated; the session is started (OidcSessionStarter); 302 to the returnTo path.
 *
 * Every failure ends in a 302 to `/signin?error=E_OIDC_…` (codes: protocol/auth-methods.ts) and,
 * like every sign-in, is recorded in the audit trail (without codes, tokens or the state).
 */
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { OidcSignInError } from '../../protocol/auth-methods.js';
import type { AuditFacts } from '../audit/audit-service.js';
import type { OidcFailure, OidcIdentity, OidcService } from '../oidc/oidc-service.js';
import type { AuditRecorder } from './audit-hook.js';

export type { OidcIdentity };

/**
 * The one thing sign-in needs from the session module: start a session for this identity (set its
 * cookie on `reply`). Rejecting means no session was started.
 */
export interface OidcSessionStarter {
  startFor(identity: OidcIdentity, request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export interface OidcRouteDeps {
  service: OidcService;
  sessions: OidcSessionStarter;
  /** The audit trail (absent: auditing off). */
  audit?: AuditRecorder;
  logger: Logger;
}

export const OIDC_LOGIN_PATH = '/api/v1/auth/oidc/login';
const CALLBACK_ROUTE = '/api/v1/auth/oidc/callback';
const STATE_COOKIE = 'patchhive_oidc_state';

/** Registers the login and callback routes. */
export function registerOidcRoutes(app: FastifyInstance, deps: OidcRouteDeps): void {
  const redirect = new URL(deps.service.redirectUri);
  const cookie = (value: string, maxAge: number) =>
    serializeCookie(STATE_COOKIE, value, {
      httpOnly: true,
      // Lax, not Strict: the callback is a navigation coming from the provider's site.
      sameSite: 'lax',
      secure: redirect.protocol === 'https:',
      path: redirect.pathname,
      maxAge,
    });

  app.get(OIDC_LOGIN_PATH, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const returnTo = (request.query as { returnTo?: unknown } | undefined)?.returnTo;
    try {
      const begun = await deps.service.begin(returnTo);
      if (!begun.ok) return await refuse(request, reply, begun, deps);
      void reply.header('set-cookie', cookie(begun.state, deps.service.config.loginMinutes * 60));
      return await reply.redirect(begun.authorizationUrl, 302);
    } catch (err) {
      return serverFailed(request, reply, err, deps);
    }
  });

  app.get(CALLBACK_ROUTE, async (request, reply) => {
    void reply.header('cache-control', 'no-store').header('set-cookie', cookie('', 0));
    try {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      const bound = parseCookies(request.headers.cookie ?? '')[STATE_COOKIE];
      const finished = await deps.service.finish(query, bound);
      if (!finished.ok) return await refuse(request, reply, finished, deps);
      const { identity } = finished;
      await deps.audit?.record(
        facts(request, {
          actorKind: 'user',
          userId: identity.userId,
          userName: identity.userName,
          role: identity.role,
          objectIds: [identity.userId],
          summary: {
            event: 'oidc.sign-in',
            issuer: finished.issuer,
            subject: finished.subject,
            userCreated: finished.created,
            scope: identity.scopeGroupIds === null ? 'whole fleet' : identity.scopeGroupIds.join(','),
          },
          errorCode: null,
        }),
      );
      await deps.sessions.startFor(identity, request, reply);
      return await reply.redirect(finished.returnTo, 302);
    } catch (err) {
      return serverFailed(request, reply, err, deps);
    }
  });
}

/** Records a refused sign-in and sends the browser to the sign-in page with the code. */
async function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: OidcFailure,
  deps: OidcRouteDeps,
): Promise<FastifyReply> {
  request.log.info({ route: request.routeOptions.url, code: failure.code, detail: failure.detail }, 'sign-in refused');
  await deps.audit?.record(
    facts(request, {
      actorKind: 'anonymous',
      userId: null,
      userName: failure.userName,
      role: null,
      objectIds: [],
      summary: { event: 'oidc.sign-in', detail: failure.detail },
      errorCode: failure.code,
    }),
  );
  return toSignIn(reply, failure.code);
}

/** A fault of the server itself (database, audit trail, session): logged, recorded when possible. */
async function serverFailed(
  request: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
  deps: OidcRouteDeps,
): Promise<FastifyReply> {
  deps.logger.error({ err, route: request.routeOptions.url }, 'single sign-on failed on the server');
  const code: OidcSignInError = 'E_OIDC_SERVER_FAILED';
  await deps.audit
    ?.record(
      facts(request, {
        actorKind: 'anonymous',
        userId: null,
        userName: null,
        role: null,
        objectIds: [],
        summary: { event: 'oidc.sign-in' },
        errorCode: code,
      }),
    )
    .catch((auditErr: unknown) => deps.logger.error({ err: auditErr }, 'AUDIT TRAIL WRITE FAILED for a sign-in'));
  return toSignIn(reply, code);
}

function toSignIn(reply: FastifyReply, code: OidcSignInError): FastifyReply {
  // A refusal starts no session: no cookie of a session module is kept on this answer.
  return reply.redirect(`/signin?error=${code}`, 302);
}

type Outcome = Pick<AuditFacts, 'actorKind' | 'userId' | 'userName' | 'role' | 'objectIds' | 'summary' | 'errorCode'>;

function facts(request: FastifyRequest, o: Outcome): AuditFacts {
  return {
    ...o,
    tokenId: null,
    agentId: null,
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?')[0]!,
    sourceIp: request.ip,
    status: 302,
    requestId: String(request.id),
  };
}
