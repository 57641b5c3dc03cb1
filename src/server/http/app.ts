/**
 * The HTTP edge: Fastify with the route table, one authentication step per route, one error
 * translation, and the operational endpoints (/healthz, /metrics, the OpenAPI document).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { PatchhiveError } from '../../errors.js';
import { API_PREFIX } from '../../protocol/api.js';
import { errorBodySchema } from '../../protocol/errors.js';
import { bearerOf } from '../auth/secrets.js';
import { roleAllows } from '../auth/roles.js';
import { scopeGroupIdsOf } from '../auth/scope.js';
import type { TokenService } from '../services/tokens.js';
import type { Metrics } from '../metrics.js';
import { AbuseLimits, type AbuseLimitSettings } from './abuse-limits.js';
import { registerAuditHook, rememberCaller, type AuditRecorder } from './audit-hook.js';
import { handleError, refusalCodeOf } from './errors.js';
import { registerConsole } from './console.js';
import { registerOidcRoutes, type OidcRouteDeps } from './oidc-routes.js';
import { registerSecurityHeaders } from './security-headers.js';
import {
  authenticateSession,
  hasSessionCookie,
  registerSessions,
  requireCsrf,
  type SessionWebOptions,
} from './session-web.js';
import { openApiDocument } from './openapi.js';
import { RawReply, StatusReply, type Caller, type RouteDef } from './route.js';

export interface AppDeps {
  routes: RouteDef[];
  tokens: TokenService;
  metrics: Metrics;
  logger: Logger;
  bodyLimitBytes: number;
  metricsPublic: boolean;
  rateLimit: AbuseLimitSettings;
  version: string;
  /** The audit trail's recorder (absent: auditing off). */
  audit?: { recorder: AuditRecorder; hashOnlyCheckins: boolean };
  /** Serve HTTPS with this certificate chain and key (PEM); plain HTTP when absent. */
  https?: { cert: Buffer; key: Buffer };
  /** Serve the web console at `/` from this directory (undefined: the package's dist/web); absent: no console. */
  console?: { dir?: string };
  /** Console sessions (cookie + CSRF); absent: API tokens only. */
  sessions?: SessionWebOptions;
  /** Single sign-on through OpenID Connect (absent: not configured). */
  oidc?: Omit<OidcRouteDeps, 'audit' | 'logger'>;
  /** Liveness of the parts /healthz reports on. */
  health(): Promise<{ database: boolean }>;
}

/** Builds the Fastify app (not listening yet; tests use `inject`). */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    // The https server is still an http.Server to the routes; the type parameter only matters to listen().
    ...(deps.https ? { https: { cert: deps.https.cert, key: deps.https.key, minVersion: 'TLSv1.2' as const } } : {}),
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast picks Fastify's logger type parameter; without it the instance's type is pino's
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    // Request logs carry method, route and status only: no headers (tokens), no bodies (inventories).
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    requestTimeout: 120_000,
    // Unique across restarts and nodes: the audit trail and the logs name requests by it.
    genReqId: () => randomUUID(),
  });
  // Inputs are parsed, and answers serialised, through the route table's zod schemas.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerSecurityHeaders(app);
  const limits = new AbuseLimits(app, deps.rateLimit);
  app.setErrorHandler(limits.screening(handleError));
  const webConsole = deps.console ? registerConsole(app, deps.console.dir) : undefined;
  app.setNotFoundHandler(async (req, reply) => {
    const page = webConsole?.fallback(req, reply);
    if (page) return page;
    throw new PatchhiveError('E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
  });
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpRequest(req.routeOptions.url ?? 'unknown', req.method, reply.statusCode, reply.elapsedTime / 1000);
    // The one log line of a refused request (server faults are logged by the error handler, with the error).
    if (reply.statusCode >= 400 && reply.statusCode < 500) {
      req.log.info(
        { method: req.method, route: req.routeOptions.url, status: reply.statusCode, code: refusalCodeOf(req) },
        'request refused',
      );
    }
  });
  if (deps.audit) registerAuditHook(app, { ...deps.audit, logger: deps.logger });
  if (deps.sessions) registerSessions(app, deps.sessions);

  for (const r of deps.routes) registerRoute(app, r, deps, limits);
  if (deps.oidc)
    registerOidcRoutes(app, {
      ...deps.oidc,
      logger: deps.logger,
      ...(deps.audit ? { audit: deps.audit.recorder } : {}),
    });

  const doc = openApiDocument(deps.routes, deps.version);
  app.get(`${API_PREFIX}/openapi.json`, async () => doc);
  app.get('/healthz', async (_req, reply) => {
    const h = await deps.health();
    const ok = h.database;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', ...h });
  });
  app.get('/metrics', async (req, reply) => {
    if (!deps.metricsPublic) {
      const caller = await authenticate(app, req, 'viewer', deps);
      // The metrics count the whole fleet.
      if (scopeGroupIdsOf(caller) !== null)
        throw new PatchhiveError('E_FORBIDDEN', 'a token scoped to groups cannot read the fleet-wide metrics');
    }
    return reply.type(deps.metrics.contentType).send(await deps.metrics.render());
  });
  return app;
}

function registerRoute(app: FastifyInstance, r: RouteDef, deps: AppDeps, limits: AbuseLimits): void {
  app.route({
    method: r.method,
    url: API_PREFIX + r.url,
    schema: {
      ...(r.params ? { params: r.params } : {}),
      ...(r.query ? { querystring: r.query } : {}),
      ...(r.body ? { body: r.body } : {}),
      response: {
        [r.status ?? 200]: r.response,
        ...(r.accepted ? { 202: r.accepted } : {}),
        '4xx': errorBodySchema,
        '5xx': errorBodySchema,
      },
    },
    // The credential is checked before the input, so a stranger learns nothing from validation errors.
    preValidation: [
      ...(r.attempts ? [limits.attemptHook(r.attempts)] : []),
      async (request, reply) => {
        if (r.secret) void reply.header('cache-control', 'no-store');
        callers.set(request, await authenticate(app, request, r.access, deps));
        if (r.body && (request.body === undefined || request.body === null)) {
          throw new PatchhiveError('E_BAD_REQUEST', 'a JSON body is required');
        }
      },
    ],
    handler: async (request, reply) => {
      const caller = callers.get(request)!;
      const result = await r.handler({
        params: request.params,
        query: request.query,
        body: request.body,
        caller,
        request,
        reply,
      });
      if (result instanceof RawReply) {
        void reply
          .code(r.status ?? 200)
          .type(result.contentType)
          .header('x-content-type-options', 'nosniff');
        if (result.filename)
          void reply.header(
            'content-disposition',
            `attachment; filename="${result.filename.replace(/[^\w.-]/g, '_')}"`,
          );
        return reply.send(result.body);
      }
      if (result instanceof StatusReply) return reply.code(result.status).send(result.body);
      return reply.code(r.status ?? 200).send(result);
    },
  });
}

const callers = new WeakMap<FastifyRequest, Caller>();

/**
 * Checks the credential a route needs; throws 401/403 PatchhiveErrors. A user route takes the
 * Authorization bearer token, or else the console session cookie (with its CSRF token on a change);
 * an agent route only ever an agent's bearer credential.
 */
async function authenticate(
  app: FastifyInstance,
  request: FastifyRequest,
  access: RouteDef['access'],
  deps: Pick<AppDeps, 'tokens' | 'sessions'>,
): Promise<Caller> {
  if (access === 'public') return { kind: 'anonymous' };
  const bearer = bearerOf(request.headers.authorization);
  if (access === 'agent') {
    const agent = await deps.tokens.authenticateAgent(bearer);
    rememberCaller(request, agent);
    return agent;
  }
  const bySession = bearer === undefined && deps.sessions && hasSessionCookie(request, deps.sessions.service);
  const user = bySession
    ? await authenticateSession(request, deps.sessions!.service)
    : await deps.tokens.authenticateUser(bearer);
  rememberCaller(request, user);
  if (bySession) await requireCsrf(app, request);
  if (!roleAllows(user.role, access)) {
    const held = user.sessionId ? 'the session has' : 'the token has';
    throw new PatchhiveError('E_FORBIDDEN', `this needs the ${access} role; ${held} ${user.role}`);
  }
  return user;
}
