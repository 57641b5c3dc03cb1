/**
 * The closed set of errors Patchhive reports, with stable codes. Each edge (CLI, HTTP) translates
 * them once; nothing below an edge prints or exits.
 */

export const ERROR_CODES = {
  E_INPUT_NOT_FOUND: 'input file not found or unreadable',
  E_INPUT_MALFORMED: 'input is malformed (bad XML/JSON, truncated, wrong types)',
  E_INPUT_UNKNOWN_FORMAT: 'input is not a catalog or inventory Patchhive recognises',
  E_VERSION_INVALID: 'a version string cannot be parsed',
  E_SIGNATURE_MISSING: 'a native catalog has no signature',
  E_SIGNATURE_INVALID: 'a signature does not verify',
  E_KEY_INVALID: 'a key file is malformed',
  E_USAGE: 'bad command-line usage',
  E_OUTPUT_FAILED: 'an output file could not be written',
  E_COLLECT_FAILED: 'collecting the inventory failed',
  E_INTERNAL: 'unexpected internal error',
  E_CONFIG_INVALID: 'the configuration (file, environment or flags) is invalid',
  E_BAD_REQUEST: 'the request is malformed or fails validation',
  E_PAYLOAD_TOO_LARGE: 'the request body is larger than the server accepts',
  E_UNSUPPORTED_MEDIA_TYPE: 'the request body is not JSON',
  E_UNAUTHENTICATED: 'no valid credential was presented',
  E_TOKEN_EXPIRED: 'the token has expired',
  E_TOKEN_REVOKED: 'the token or agent credential has been revoked',
  E_ENROLLMENT_EXHAUSTED: 'the enrollment token has no uses left',
  E_FORBIDDEN: "the caller's role does not allow this",
  E_RATE_LIMITED: 'too many attempts; retry after the time the server gives',
  E_NOT_FOUND: 'no such route or object',
  E_MACHINE_NOT_FOUND: 'no such machine',
  E_GROUP_NOT_FOUND: 'no such group',
  E_BULLETIN_NOT_FOUND: 'no such bulletin',
  E_SOURCE_NOT_FOUND: 'no such catalog source',
  E_TOKEN_NOT_FOUND: 'no such token',
  E_CONFLICT: 'the object already exists or was changed concurrently',
  E_RULE_INVALID: 'a group rule cannot be parsed',
  E_FEED_UNREACHABLE: 'a catalog feed could not be fetched',
  E_SERVER_UNREACHABLE: 'the Patchhive server could not be reached',
  E_SERVER_ERROR: 'the Patchhive server answered with an error',
  E_STORE_FAILED: 'the database failed',
  E_TRIAGE_TRANSITION: "the triage action is not allowed from the decision's current state",
  E_SECOND_APPROVER: 'the group requires a second approval by a different user',
  E_APPROVAL_RULE_NOT_FOUND: 'no such approval rule',
  E_EXCEPTION_NOT_FOUND: 'no such risk exception',
  E_CHANNEL_NOT_FOUND: 'no such notification channel',
  E_DEPLOYMENT_NOT_FOUND: 'no such deployment',
  E_JOB_NOT_FOUND: 'no such job',
  E_DEPLOYMENT_STATE: "the action is not allowed in the deployment's current status",
  E_DELIVERY_FAILED: 'a notification could not be delivered',
  E_REPORT_FAILED: 'a report could not be rendered',
  E_AUDIT_FAILED: 'the request could not be recorded in the audit trail',
  E_AUDIT_CHAIN_BROKEN: "the audit trail's hash chain does not verify",
  E_ACTION_NOT_FOUND: 'no such action in the action catalog (or it was removed)',
  E_ACTION_NOT_APPROVED: "the action waits for a second admin's approval",
  E_CHANGE_NOT_FOUND: 'no such change request',
  E_CHANGE_STATE: 'the change request is no longer pending (decided or expired)',
  E_CSRF: 'a change made with a session cookie lacks a valid CSRF token (x-csrf-token header)',
  E_USER_NOT_FOUND: 'no such user',
} as const;

/** HTTP status for each error code an HTTP edge can return; anything else is a 500. */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  E_INPUT_MALFORMED: 400,
  E_INPUT_UNKNOWN_FORMAT: 400,
  E_VERSION_INVALID: 400,
  E_SIGNATURE_MISSING: 400,
  E_SIGNATURE_INVALID: 400,
  E_KEY_INVALID: 400,
  E_BAD_REQUEST: 400,
  E_RULE_INVALID: 400,
  E_UNAUTHENTICATED: 401,
  E_TOKEN_EXPIRED: 401,
  E_TOKEN_REVOKED: 401,
  E_ENROLLMENT_EXHAUSTED: 401,
  E_FORBIDDEN: 403,
  E_RATE_LIMITED: 429,
  E_NOT_FOUND: 404,
  E_MACHINE_NOT_FOUND: 404,
  E_GROUP_NOT_FOUND: 404,
  E_BULLETIN_NOT_FOUND: 404,
  E_SOURCE_NOT_FOUND: 404,
  E_TOKEN_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_TRIAGE_TRANSITION: 409,
  E_SECOND_APPROVER: 403,
  E_APPROVAL_RULE_NOT_FOUND: 404,
  E_EXCEPTION_NOT_FOUND: 404,
  E_CHANNEL_NOT_FOUND: 404,
  E_DEPLOYMENT_NOT_FOUND: 404,
  E_JOB_NOT_FOUND: 404,
  E_DEPLOYMENT_STATE: 409,
  E_REPORT_FAILED: 503,
  E_AUDIT_FAILED: 503,
  E_PAYLOAD_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_FEED_UNREACHABLE: 502,
  E_ACTION_NOT_FOUND: 404,
  E_ACTION_NOT_APPROVED: 409,
  E_CHANGE_NOT_FOUND: 404,
  E_CHANGE_STATE: 409,
  E_CSRF: 403,
  E_USER_NOT_FOUND: 404,
};

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where in an input a problem is: the file and, when known, line/column or a JSON path/element. */
export interface Location {
  file?: string;
  line?: number;
  column?: number;
  /** JSON path ("$.bulletins[3].severity") or XML element ("<definition id=...>"). */
  path?: string;
}

export class PatchhiveError extends Error {
  readonly code: ErrorCode;
  readonly location: Location | undefined;

  constructor(code: ErrorCode, message: string, location?: Location, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PatchhiveError';
    this.code = code;
    this.location = location;
  }

  /** One line: "file:line:col: message [CODE]". */
  toOneLine(): string {
    const where = formatLocation(this.location);
    return `${where ? where + ': ' : ''}${this.message} [${this.code}]`;
  }
}

/** Formats a location as "file:line:col (path)". */
export function formatLocation(loc: Location | undefined): string {
  if (!loc) return '';
  let s = loc.file ?? '';
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  if (loc.path) s += s ? ` (${loc.path})` : loc.path;
  return s;
}

/** Adds a file name to an error's location if it has none. */
export function withFile(err: unknown, file: string): unknown {
  if (err instanceof PatchhiveError && !err.location?.file) {
    return new PatchhiveError(err.code, err.message, { ...err.location, file }, { cause: err.cause });
  }
  return err;
}
