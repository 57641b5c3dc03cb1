/** JSON paths for located errors, and zod errors turned into them. Pure: no file is read here. */
import type { z } from 'zod';
import { PatchhiveError } from '../errors.js';

/** Formats path segments as a JSON path, `$.packages.items[3].version`; keys that are not
 * identifiers are quoted (`$["python3.11"]`). With root "" it makes ids ("a.b[0]"). */
export function jsonPath(segments: readonly PropertyKey[], root = '$'): string {
  let out = root;
  for (const key of segments) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Turns a zod error into E_INPUT_MALFORMED naming the file, the JSON path (below `base`) and what was expected. */
export function zodToPatchhiveError(
  error: z.ZodError,
  file: string | undefined,
  what: string,
  base: readonly PropertyKey[] = [],
): PatchhiveError {
  const [first, ...rest] = error.issues;
  const path = jsonPath([...base, ...(first?.path ?? [])]);
  const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  return new PatchhiveError('E_INPUT_MALFORMED', `${what}: ${first?.message ?? 'invalid'}${more}`, {
    file,
    path,
  });
}
