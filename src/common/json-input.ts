/**
 * Reading inputs with located errors: files to text (size limit, BOM/UTF-16 aware), JSON with
 * line:column, and zod validation with JSON paths. Shared by every importer and reader.
 */
import { readFile, stat } from 'node:fs/promises';
import { PatchhiveError } from '../errors.js';
import { findJsonErrorOffset, lineColumnAt } from './json-locate.js';
import { jsonPath, zodToPatchhiveError } from './json-path.js';

export { jsonPath, zodToPatchhiveError };

/** Inputs larger than this are refused before reading: V8 strings stop at ~512 MiB anyway. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Reads a file as text; missing/unreadable → E_INPUT_NOT_FOUND, too large → E_INPUT_MALFORMED. */
export async function readInputText(path: string): Promise<string> {
  let buf: Buffer;
  try {
    const st = await stat(path);
    if (st.isDirectory())
      throw new PatchhiveError('E_INPUT_NOT_FOUND', 'is a directory, expected a file', { file: path });
    if (st.size > MAX_INPUT_BYTES) {
      throw new PatchhiveError('E_INPUT_MALFORMED', `file is ${st.size} bytes (limit ${MAX_INPUT_BYTES})`, {
        file: path,
      });
    }
    buf = await readFile(path);
  } catch (err) {
    if (err instanceof PatchhiveError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot read file (${code})`, { file: path }, { cause: err });
  }
  return decodeText(buf);
}

/**
 * Decodes bytes to text: UTF-8 (BOM stripped), or UTF-16 when a BOM says so — Windows PowerShell 5.1's
 * `>` redirection writes UTF-16LE, and users will hand us such files.
 */
export function decodeText(buf: Uint8Array): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return new TextDecoder('utf-8').decode(buf.subarray(3));
  return new TextDecoder('utf-8').decode(buf);
}

/** Parses JSON; a syntax error becomes E_INPUT_MALFORMED at file:line:column. */
export function parseJsonLocated(text: string, file?: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const offset = findJsonErrorOffset(body);
    const { line, column } = lineColumnAt(body, offset < 0 ? body.length : offset);
    const what = offset >= body.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(body[offset])}`;
    throw new PatchhiveError('E_INPUT_MALFORMED', `invalid JSON: ${what}`, { file, line, column }, { cause: err });
  }
}

/** True for a non-null, non-array object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws E_INPUT_MALFORMED when arrays/objects nest deeper than `max` (checked without recursion),
 * so that validators and compilers that recurse over the document cannot overflow the stack. */
export function checkJsonDepth(value: unknown, max: number, file?: string): void {
  const stack: { v: unknown; depth: number; path: PropertyKey[] }[] = [{ v: value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) {
      throw new PatchhiveError('E_INPUT_MALFORMED', `nested deeper than ${max} levels`, {
        file,
        path: jsonPath(path.slice(0, 8)) + '...',
      });
    }
    for (const [k, child] of Object.entries(v)) {
      if (typeof child === 'object' && child !== null)
        stack.push({ v: child, depth: depth + 1, path: [...path, Array.isArray(v) ? Number(k) : k] });
    }
  }
}
