/**
 * The agent's HTTP client for the two agent endpoints. Every answer is validated with the
 * protocol's zod schemas; failures come back as data (status, code, one-line message) so the
 * loop can tell a revoked credential from a server that is merely down. Secrets never appear in
 * a message: the credential travels only in the Authorization header, and the URL holds none.
 */
import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import {
  AGENT_API_PREFIX,
  checkinResponseSchema,
  enrollResponseSchema,
  type CheckinRequest,
  type CheckinResponse,
  type EnrollRequest,
  type EnrollResponse,
} from '../protocol/agent.js';
import { errorBodySchema } from '../protocol/errors.js';
import { jsonPath } from '../common/json-input.js';
import { isCertificateError, serverDispatcher, type ProxySettings } from '../common/http-dispatcher.js';
import { SERVER_KEY_PATH, serverKeyResponseSchema, type ServerKeyResponse } from '../protocol/server-key.js';

export type { ProxySettings };

export interface HttpOptions {
  proxy?: ProxySettings;
  connectTimeoutMs?: number;
  /** Time to wait for the response headers, and between body chunks. */
  responseTimeoutMs?: number;
  /** Largest response body accepted. */
  maxResponseBytes?: number;
  userAgent: string;
  /** PEM bundle of the CAs that may issue the server's certificate (--ca-file); default: the built-in roots. */
  ca?: string;
}

/** Why a request did not give a valid answer. `status` is absent when no HTTP answer came. */
export interface ServerFailure {
  status?: number;
  code: ErrorCode;
  message: string;
}

export type ServerResult<T> = { ok: true; value: T } | { ok: false; failure: ServerFailure };

const MAX_MESSAGE = 300;

/** Makes a server-supplied text safe for one terminal line: no control characters, bounded length. */
export function oneLine(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean;
}

const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${jsonPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`;
}

/**
 * Interprets one HTTP answer (pure): a 2xx body must match `schema`; any other status should carry
 * the protocol's error body, whose code is kept when Patchhive knows it.
 */
export function interpretResponse<T>(
  status: number,
  bodyText: string,
  schema: z.ZodType<T>,
  what: string,
): ServerResult<T> {
  let body: unknown;
  let json = true;
  try {
    body = JSON.parse(bodyText);
  } catch {
    json = false;
  }
  if (status >= 200 && status < 300) {
    if (!json)
      return { ok: false, failure: { status, code: 'E_SERVER_ERROR', message: `the ${what} answer is not JSON` } };
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      return {
        ok: false,
        failure: {
          status,
          code: 'E_SERVER_ERROR',
          message: `the ${what} answer does not match the protocol at ${firstIssue(parsed.error)}`,
        },
      };
    }
    return { ok: true, value: parsed.data };
  }
  const err = json ? errorBodySchema.safeParse(body) : undefined;
  if (err?.success) {
    const serverCode = oneLine(err.data.error.code);
    const code: ErrorCode = isErrorCode(serverCode) ? serverCode : 'E_SERVER_ERROR';
    const message = `the server refused the ${what} (HTTP ${status}, ${serverCode}): ${oneLine(err.data.error.message)}`;
    return { ok: false, failure: { status, code, message } };
  }
  return {
    ok: false,
    failure: { status, code: 'E_SERVER_ERROR', message: `the server answered the ${what} with HTTP ${status}` },
  };
}

/** True when the server says this agent's credential is revoked: the agent must stop, not retry. */
export function isRevoked(f: ServerFailure): boolean {
  return f.status === 401 && f.code === 'E_TOKEN_REVOKED';
}

/** The error code of a failed connection (undici wraps the socket's error, sometimes in an AggregateError). */
function networkCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; errors?: { code?: unknown }[]; name?: unknown };
  const code = e.code ?? e.cause?.code ?? e.errors?.[0]?.code ?? e.name;
  return typeof code === 'string' ? oneLine(code) : 'error';
}

export interface AgentClient {
  /** GET /api/v1/server-key (public): the job-signing key and its fingerprint, to compare before spending a token. */
  serverKey(): Promise<ServerResult<ServerKeyResponse>>;
  /** POST /enroll with the token; the token is sent once and never logged. */
  enroll(req: EnrollRequest): Promise<ServerResult<EnrollResponse>>;
  /** POST /checkin with the agent credential as a bearer token. */
  checkin(credential: string, req: CheckinRequest): Promise<ServerResult<CheckinResponse>>;
  close(): Promise<void>;
}

/** A client for the server at `base` (a URL checked by checkServerUrl), through the configured proxy. */
export function createAgentClient(base: string, opts: HttpOptions): AgentClient {
  const timeout = opts.responseTimeoutMs ?? 60_000;
  const maxBytes = opts.maxResponseBytes ?? 64 * 1024 * 1024;
  const dispatcher: Dispatcher = serverDispatcher({
    proxy: opts.proxy,
    ca: opts.ca,
    connectTimeoutMs: opts.connectTimeoutMs ?? 15_000,
    responseTimeoutMs: timeout,
    maxResponseBytes: maxBytes,
  });
  const origin = new URL(base).origin;

  async function send<T>(
    url: string,
    payload: unknown,
    schema: z.ZodType<T>,
    what: string,
    credential?: string,
  ): Promise<ServerResult<T>> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': opts.userAgent };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (credential !== undefined) headers.authorization = `Bearer ${credential}`;
    try {
      // undici's request follows no redirects: a credential is never replayed to another host.
      const res = await request(
        url,
        payload === undefined
          ? { method: 'GET', dispatcher, headers }
          : { method: 'POST', dispatcher, headers, body: JSON.stringify(payload) },
      );
      const text = await res.body.text();
      return interpretResponse(res.statusCode, text, schema, what);
    } catch (err) {
      const code = networkCode(err);
      if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
        return {
          ok: false,
          failure: { code: 'E_SERVER_ERROR', message: `the ${what} answer is larger than ${maxBytes} bytes` },
        };
      }
      if (isCertificateError(code)) {
        const hint =
          opts.ca === undefined
            ? 'give --ca-file with the CA that issued it'
            : 'the --ca-file bundle does not hold the CA that issued it';
        return {
          ok: false,
          failure: {
            code: 'E_SERVER_UNREACHABLE',
            message: `the server's TLS certificate at ${origin} did not verify (${code}): ${hint}`,
          },
        };
      }
      return {
        ok: false,
        failure: {
          code: 'E_SERVER_UNREACHABLE',
          message: `cannot reach the server at ${origin} for the ${what} (${code})`,
        },
      };
    }
  }
  const post = <T>(route: string, payload: unknown, schema: z.ZodType<T>, what: string, credential?: string) =>
    send(`${base}${AGENT_API_PREFIX}${route}`, payload, schema, what, credential);

  return {
    serverKey: () => send(`${base}${SERVER_KEY_PATH}`, undefined, serverKeyResponseSchema, 'server key request'),
    enroll: (req) => post('/enroll', req, enrollResponseSchema, 'enrollment'),
    checkin: (credential, req) => post('/checkin', req, checkinResponseSchema, 'check-in', credential),
    close: () => dispatcher.close(),
  };
}
