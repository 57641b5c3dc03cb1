/** JSON input helpers for importers: parsing with line/column, JSON paths, zod issues as errors. */
import type { z } from 'zod';
import { PatchhiveError } from '../../errors.js';

/** Line and column (both 1-based) of a character offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/** Parses JSON text (a leading BOM is ignored); syntax errors become E_INPUT_MALFORMED with line/column. */
export function parseJsonText(text: string, file: string, what: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const pos = /at position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : body.trimEnd().length;
    const { line, column } = lineColumn(body, offset);
    const truncated = offset >= body.trimEnd().length || /end of (JSON )?input/i.test(msg);
    const why = truncated ? 'truncated JSON (unexpected end of input)' : `invalid JSON (${msg})`;
    throw new PatchhiveError('E_INPUT_MALFORMED', `${what} ${file}: ${why} at line ${line} column ${column}`, {
      file,
      line,
      column,
    }, { cause: err });
  }
}

/** Formats path segments as a JSON path, e.g. `$.apache2["CVE-2023-25690"].releases[0]`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let s = '$';
  for (const seg of segments) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) s += `.${seg}`;
    else s += `[${JSON.stringify(String(seg))}]`;
  }
  return s;
}

/** Turns the first zod issue into E_INPUT_MALFORMED whose message and location name the file and JSON path. */
export function zodMalformed(error: z.ZodError, file: string, what: string, base: readonly PropertyKey[] = []): PatchhiveError {
  const issue = error.issues[0];
  const path = jsonPath([...base, ...(issue?.path ?? [])]);
  const detail = issue?.message ?? 'wrong type';
  return new PatchhiveError('E_INPUT_MALFORMED', `${what} ${file}: ${detail} at ${path}`, { file, path });
}

/** True for a non-null, non-array object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
