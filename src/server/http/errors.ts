/** The HTTP edge's one translation of errors into status codes and `{error:{code,message}}` bodies. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { HTTP_STATUS, PatchhiveError, type ErrorCode } from '../../errors.js';
import { jsonPath } from '../../common/json-input.js';
import type { ErrorBody } from '../../protocol/errors.js';

const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'E_PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'E_BAD_REQUEST' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'E_BAD_REQUEST' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'E_BAD_REQUEST' },
  FST_CSRF_INVALID_TOKEN: { status: 403, code: 'E_CSRF' },
  FST_CSRF_MISSING_SECRET: { status: 403, code: 'E_CSRF' },
};

/** Maps any error to a status and body; unexpected ones are 500 E_INTERNAL without details. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof PatchhiveError) {
    const status = HTTP_STATUS[err.code] ?? 500;
    const body: ErrorBody = { error: { code: err.code, message: status === 500 ? 'internal error' : err.message } };
    if (err.location?.path && status < 500) body.error.path = err.location.path;
    return { status, body };
  }
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const path = issue ? jsonPath(issue.path) : '$';
    return {
      status: 400,
      body: { error: { code: 'E_BAD_REQUEST', message: `${path}: ${issue?.message ?? 'invalid'}`, path } },
    };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    // The route's input schema refused the request (see the app's validator compiler).
    const issue = err.validation[0]!;
    const path = jsonPath(
      issue.instancePath
        .split('/')
        .slice(1)
        .filter((k) => k !== '')
        .map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
    );
    return { status: 400, body: { error: { code: 'E_BAD_REQUEST', message: `${path}: ${issue.message}`, path } } };
  }
  const fe = err as Partial<FastifyError>;
  const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return { status: known.status, body: { error: { code: known.code, message: oneLine(fe.message) } } };
  if (
    err instanceof SyntaxError ||
    (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
  ) {
    const status = typeof fe.statusCode === 'number' ? fe.statusCode : 400;
    return {
      status,
      body: { error: { code: status === 413 ? 'E_PAYLOAD_TOO_LARGE' : 'E_BAD_REQUEST', message: oneLine(fe.message) } },
    };
  }
  return { status: 500, body: { error: { code: 'E_INTERNAL', message: 'internal error' } } };
}

function oneLine(msg: string | undefined): string {
  return (msg ?? 'bad request').split('\n')[0]!.slice(0, 300);
}

const refusalCodes = new WeakMap<FastifyRequest, string>();

/** The error code a refused request was answered with (for its one log line), if any. */
export function refusalCodeOf(request: FastifyRequest): string | undefined {
  return refusalCodes.get(request);
}

/**
 * Fastify error handler: logs server faults (never request bodies or headers) and answers. A
 * refusal (4xx) is not logged here: the app's response hook writes its one line, with this code.
 */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = errorResponse(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  else refusalCodes.set(request, body.error.code);
  void reply.code(status).send(body);
}
