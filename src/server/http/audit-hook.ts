/**
 * The one place the HTTP edge records the audit trail. Recorded: every POST/PUT/PATCH/DELETE under
 * /api/v1, allowed or refused (2xx, 4xx including 401/403/429, 5xx); every refused credential
 * (401) or role (403) on any route; agent enrollment. Agent check-ins are recorded when refused or
 * when they change more than last-seen (an inventory or job reports); accepted hash-only
 * check-ins are not, unless `hashOnlyCheckins` (see docs/AUDIT.md for why).
 *
 * The entry is written before the answer leaves (onSend). When it cannot be written, the failure
 * is logged at error level with the entry, and the answer becomes 503 E_AUDIT_FAILED: nobody gets
 * the result of an unaudited request (e.g. a token's secret), and the client learns that the
 * change may have been applied without a record.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AGENT_API_PREFIX } from '../../protocol/agent.js';
import { API_PREFIX } from '../../protocol/api.js';
import type { AuditFacts } from '../audit/audit-service.js';
import { summarizeBody } from '../audit/summary.js';
import { bearerOf } from '../auth/secrets.js';
import type { Caller } from './route.js';

/** What the hook records into (the AuditService). */
export interface AuditRecorder {
  record(facts: AuditFacts): Promise<unknown>;
}

export interface AuditHookOptions {
  recorder: AuditRecorder;
  logger: Logger;
  /** Also record accepted check-ins that carry only the inventory hash. */
  hashOnlyCheckins: boolean;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const CHECKIN_PATH = `${AGENT_API_PREFIX}/checkin`;
const ENROLL_PATH = `${AGENT_API_PREFIX}/enroll`;
/** Largest answer read back for an error code or a created id. */
const MAX_PARSED_ANSWER = 64 * 1024;

const callers = new WeakMap<FastifyRequest, Caller>();

/** Notes who the request's credential belongs to (before any role check can refuse it). */
export function rememberCaller(request: FastifyRequest, caller: Caller): void {
  callers.set(request, caller);
}

/** Whether a request with this outcome goes into the trail (pure). */
export function shouldAudit(
  method: string,
  path: string,
  status: number,
  body: unknown,
  hashOnlyCheckins: boolean,
): boolean {
  if (status === 401 || status === 403) return true;
  if (!MUTATING.has(method)) return false;
  if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) return false;
  if (path !== CHECKIN_PATH || status >= 400 || hashOnlyCheckins) return true;
  const b = body as { inventory?: unknown; jobReports?: unknown[] } | null | undefined;
  return b?.inventory !== undefined || (Array.isArray(b?.jobReports) && b.jobReports.length > 0);
}

/** Registers the recording hook on the app (before its routes). */
export function registerAuditHook(app: FastifyInstance, opts: AuditHookOptions): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?')[0]!;
    if (!shouldAudit(request.method, path, reply.statusCode, request.body, opts.hashOnlyCheckins)) return payload;
    const facts = auditFacts(request, reply, path, payload);
    try {
      await opts.recorder.record(facts);
      return payload;
    } catch (err) {
      opts.logger.error({ err, audit: facts }, 'AUDIT TRAIL WRITE FAILED: the request was answered 503');
      void reply.code(503).type('application/json; charset=utf-8').removeHeader('content-disposition');
      const message =
        'the request could not be recorded in the audit trail; it may have been applied: check the server log before retrying';
      return JSON.stringify({ error: { code: 'E_AUDIT_FAILED', message } });
    }
  });
}

function auditFacts(request: FastifyRequest, reply: FastifyReply, path: string, payload: unknown): AuditFacts {
  const answer = reply.statusCode === 201 || reply.statusCode >= 400 ? parseAnswer(payload) : undefined;
  const error = (answer as { error?: { code?: unknown } } | undefined)?.error;
  return {
    ...actorOf(request, path),
    method: request.method,
    route: request.routeOptions.url ?? path,
    objectIds: objectIdsOf(request.params, reply.statusCode === 201 ? answer : undefined),
    summary: summarizeBody(request.body),
    sourceIp: request.ip,
    status: reply.statusCode,
    errorCode: typeof error?.code === 'string' ? error.code : null,
    requestId: String(request.id),
  };
}

type Actor = Pick<AuditFacts, 'actorKind' | 'userId' | 'userName' | 'tokenId' | 'agentId' | 'role'>;

function actorOf(request: FastifyRequest, path: string): Actor {
  const none: Actor = {
    actorKind: 'anonymous',
    userId: null,
    userName: null,
    tokenId: null,
    agentId: null,
    role: null,
  };
  const caller = callers.get(request);
  if (caller?.kind === 'user')
    return {
      ...none,
      actorKind: 'user',
      userId: caller.userId,
      userName: caller.userName,
      tokenId: caller.tokenId,
      role: caller.role,
    };
  if (caller?.kind === 'agent') return { ...none, actorKind: 'agent', agentId: caller.agentId };
  // Not authenticated: the id part of whatever credential was presented (never its secret).
  const presented =
    path === ENROLL_PATH
      ? (request.body as { token?: unknown } | undefined)?.token
      : bearerOf(request.headers.authorization);
  const id = typeof presented === 'string' ? /^(ph[kae])_([0-9a-f-]{36})_/.exec(presented) : null;
  if (!id) return none;
  return id[1] === 'pha' ? { ...none, agentId: id[2]! } : { ...none, tokenId: id[2]! };
}

function objectIdsOf(params: unknown, created: unknown): string[] {
  const ids = Object.values((params ?? {}) as Record<string, unknown>).filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  const c = created as Record<string, unknown> | undefined;
  for (const key of ['id', 'agentId', 'machineId']) {
    const v = c?.[key];
    if (typeof v === 'string' && !ids.includes(v)) ids.push(v);
  }
  return ids;
}

function parseAnswer(payload: unknown): unknown {
  if (typeof payload !== 'string' || payload.length > MAX_PARSED_ANSWER) return undefined;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return undefined;
  }
}
