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
import { registerOidcRoutes, type OidcRouteDeps } from './oidc-routes.js';
import { registerSecurityHeaders } from './security-headers.js';
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
  app.setNotFoundHandler(async (req) => {
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
      const caller = await authenticate(req, 'viewer', deps.tokens);
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
        callers.set(request, await authenticate(request, r.access, deps.tokens));
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

/** Checks the credential a route needs; throws 401/403 PatchhiveErrors. */
async function authenticate(
  request: FastifyRequest,
  access: RouteDef['access'],
  tokens: TokenService,
): Promise<Caller> {
  if (access === 'public') return { kind: 'anonymous' };
  const bearer = bearerOf(request.headers.authorization);
  if (access === 'agent') {
    const agent = await tokens.authenticateAgent(bearer);
    rememberCaller(request, agent);
    return agent;
  }
  const user = await tokens.authenticateUser(bearer);
  rememberCaller(request, user);
  if (!roleAllows(user.role, access)) {
    throw new PatchhiveError('E_FORBIDDEN', `this needs the ${access} role; the token has ${user.role}`);
  }
  return user;
}
