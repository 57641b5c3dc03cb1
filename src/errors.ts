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
} as const;

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
