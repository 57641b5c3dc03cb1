/**
 * A small typed client of the Patchhive REST API (/api/v1) over undici: proxy-aware, with
 * timeouts, responses parsed with the wire schemas, and failures turned into PatchhiveErrors
 * (the server's own code when it is one we know). The token goes into one header and nowhere else.
 * Each call names its route (`api('/groups/{id}', ref)`): the query, the body and the answer
 * schema are checked at compile time against the types generated from the OpenAPI document.
 */
import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { ERROR_CODES, PatchhiveError, type ErrorCode } from '../../errors.js';
import { API_PREFIX } from '../../protocol/api.js';
import { errorBodySchema } from '../../protocol/errors.js';
import { jsonPath } from '../../common/json-input.js';
import type { ClientConfig } from './config.js';
import type { AnswerOf, ApiPath, BodyOf, QueryOf, RouteOf } from './api-routes.js';
import { isCertificateError, serverDispatcher } from '../../common/http-dispatcher.js';

/** Answers larger than this are refused rather than held in memory. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Query parameters; undefined values are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A schema that accepts every answer the document promises for the route (else a compile error naming the answer). */
export type Accepting<S extends z.ZodType, A> = [A] extends [z.input<S>]
  ? unknown
  : { 'the schema does not accept the answer the OpenAPI document promises': A };

/** Strips control characters and clips, so server-supplied text cannot break a line or a terminal. */
export function oneLineText(s: string, max = 500): string {
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** The client; one per CLI run. */
export class ApiClient {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher;

  constructor(config: Pick<ClientConfig, 'server' | 'token' | 'timeout' | 'proxy'> & { ca?: string | undefined }) {
    this.#base = config.server + API_PREFIX;
    this.#token = config.token;
    this.#timeoutMs = config.timeout * 1000;
    this.#dispatcher = serverDispatcher({
      proxy: config.proxy,
      ca: config.ca,
      connectTimeoutMs: this.#timeoutMs,
      responseTimeoutMs: this.#timeoutMs,
    });
  }

  /** GET a path and parse the answer with `schema`. */
  async get<R extends RouteOf<'get'>, S extends z.ZodType>(
    path: ApiPath<R>,
    schema: S & Accepting<S, AnswerOf<R, 'get'>>,
    query?: QueryOf<R, 'get'>,
  ): Promise<z.infer<S>> {
    return this.#parse('GET', path, schema, await this.#send('GET', path, query as QueryParams | undefined, undefined));
  }

  /** POST a JSON body (or none) and parse the answer with `schema`. */
  async post<R extends RouteOf<'post'>, S extends z.ZodType>(
    path: ApiPath<R>,
    schema: S & Accepting<S, AnswerOf<R, 'post'>>,
    body?: BodyOf<R, 'post'>,
  ): Promise<z.infer<S>> {
    return this.#parse('POST', path, schema, await this.#send('POST', path, undefined, body));
  }

  /** PATCH with a JSON body and parse the answer with `schema`. */
  async patch<R extends RouteOf<'patch'>, S extends z.ZodType>(
    path: ApiPath<R>,
    schema: S & Accepting<S, AnswerOf<R, 'patch'>>,
    body: BodyOf<R, 'patch'>,
  ): Promise<z.infer<S>> {
    return this.#parse('PATCH', path, schema, await this.#send('PATCH', path, undefined, body));
  }

  /** DELETE; returns the JSON answer if there is one (undefined for 204). */
  async delete<R extends RouteOf<'delete'>>(path: ApiPath<R>): Promise<unknown> {
    return this.#send('DELETE', path, undefined, undefined);
  }

  /**
   * GET an answer that is not JSON (a CSV, HTML or PDF report): its content type and bytes. Auth,
   * timeouts, the size limit and error translation are those of the JSON calls.
   */
  async getRaw<R extends RouteOf<'get'>>(
    path: ApiPath<R>,
    query?: QueryOf<R, 'get'>,
  ): Promise<{ contentType: string; body: Buffer }> {
    const { res, url, where } = await this.#request('GET', path, query as QueryParams | undefined, undefined, '*/*');
    const bytes = await readBodyBytes(res, url, this.#timeoutMs);
    if (res.statusCode >= 300) throwIfNotOk(res, parseJsonBody(bytes.toString('utf8'), res, where), where);
    return { contentType: String(res.headers['content-type'] ?? ''), body: bytes };
  }

  /** Closes the connections (lets the process exit at once). */
  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #send(method: Method, path: string, query: QueryParams | undefined, body: unknown): Promise<unknown> {
    const { res, url, where } = await this.#request(method, path, query, body, 'application/json');
    const text = await readBody(res, url, this.#timeoutMs);
    const json = parseJsonBody(text, res, where);
    throwIfNotOk(res, json, where);
    return json;
  }

  /** Sends one request with the token; a failure to talk to the server at all is E_SERVER_UNREACHABLE. */
  async #request(
    method: Method,
    path: string,
    query: QueryParams | undefined,
    body: unknown,
    accept: string,
  ): Promise<{ res: Dispatcher.ResponseData; url: URL; where: string }> {
    const url = new URL(this.#base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const where = `${method} ${API_PREFIX}${path}`;
    try {
      const res = await request(url, {
        method,
        dispatcher: this.#dispatcher,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      return { res, url, where };
    } catch (err) {
      throw unreachable(url, err, this.#timeoutMs);
    }
  }

  #parse<S extends z.ZodType>(method: Method, path: string, schema: S, json: unknown): z.infer<S> {
    const r = schema.safeParse(json);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    throw new PatchhiveError(
      'E_SERVER_ERROR',
      `unexpected answer to ${method} ${API_PREFIX}${path} at ${jsonPath(issue.path)}: ${oneLineText(issue.message, 200)} (is the server the same version as this CLI?)`,
    );
  }
}

async function readBody(res: Dispatcher.ResponseData, url: URL, timeoutMs: number): Promise<string> {
  return (await readBodyBytes(res, url, timeoutMs)).toString('utf8');
}

async function readBodyBytes(res: Dispatcher.ResponseData, url: URL, timeoutMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_RESPONSE_BYTES) {
        res.body.destroy();
        throw new PatchhiveError(
          'E_SERVER_ERROR',
          `the server's answer is larger than ${MAX_RESPONSE_BYTES} bytes; use --limit`,
        );
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof PatchhiveError) throw err;
    throw unreachable(url, err, timeoutMs);
  }
  return Buffer.concat(chunks);
}

/** An error answer (4xx/5xx with the API's error body) or a redirect, as a PatchhiveError. */
function throwIfNotOk(res: Dispatcher.ResponseData, json: unknown, where: string): void {
  if (res.statusCode >= 400) throw serverError(res.statusCode, json, where);
  if (res.statusCode >= 300) {
    throw new PatchhiveError(
      'E_SERVER_ERROR',
      `${where}: the server answered HTTP ${res.statusCode} (redirects are not followed; check --server)`,
    );
  }
}

function parseJsonBody(text: string, res: Dispatcher.ResponseData, where: string): unknown {
  if (text === '') return undefined;
  const type = String(res.headers['content-type'] ?? '');
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    if (res.statusCode >= 400) return undefined; // a proxy's HTML error page: reported by status below
    throw new PatchhiveError(
      'E_SERVER_ERROR',
      `${where}: the server answered ${oneLineText(type, 80) || 'without a content type'}, not JSON (is --server the Patchhive server?)`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    if (res.statusCode >= 400) return undefined;
    throw new PatchhiveError('E_SERVER_ERROR', `${where}: the server's answer is not valid JSON`);
  }
}

function serverError(status: number, json: unknown, where: string): PatchhiveError {
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) {
    return new PatchhiveError('E_SERVER_ERROR', `${where}: the server answered HTTP ${status} without an error body`);
  }
  const { code, message, path } = parsed.data.error;
  const text = oneLineText(message);
  const location = path ? { path: oneLineText(path, 200) } : undefined;
  if (!Object.hasOwn(ERROR_CODES, code)) {
    return new PatchhiveError('E_SERVER_ERROR', `HTTP ${status} ${oneLineText(code, 60)}: ${text}`, location);
  }
  const hint =
    code === 'E_UNAUTHENTICATED' || code === 'E_TOKEN_EXPIRED' || code === 'E_TOKEN_REVOKED'
      ? ' (check --token-file, PATCHHIVE_TOKEN or the config file)'
      : '';
  return new PatchhiveError(code as ErrorCode, text + hint, location);
}

const CAUSE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/** A failure to talk to the server at all. Names the origin and an error code, never the token or a proxy URL. */
function unreachable(url: URL, err: unknown, timeoutMs: number): PatchhiveError {
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const timedOut = e.name === 'TimeoutError' || /TIMEOUT/.test(e.code ?? '');
  const code = CAUSE_CODES.has(e.cause?.code ?? '') ? e.cause!.code : (e.code ?? e.name ?? 'error');
  const why = timedOut ? `no answer within ${timeoutMs / 1000} s` : oneLineText(String(code), 60);
  if (isCertificateError(String(code))) {
    const msg = `the TLS certificate of the Patchhive server at ${url.origin} did not verify (${why}); give --ca-file (or PATCHHIVE_CA_FILE, "caFile") with the CA that issued it`;
    return new PatchhiveError('E_SERVER_UNREACHABLE', msg, undefined, { cause: err });
  }
  return new PatchhiveError(
    'E_SERVER_UNREACHABLE',
    `cannot reach the Patchhive server at ${url.origin} (${why})`,
    undefined,
    { cause: err },
  );
}
