/** Translates database errors into PatchhiveErrors, once, at the boundary of each store area. */
import { PatchhiveError, type ErrorCode } from '../errors.js';

interface DriverError {
  code?: unknown;
  message?: unknown;
}

/** A unique or primary-key violation (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A foreign-key violation (PostgreSQL 23503, SQLite SQLITE_CONSTRAINT_FOREIGNKEY). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** How one area names its objects and what a dangling reference means there. */
export interface AreaErrors {
  /** Singular noun for messages, e.g. "machine". */
  noun: string;
  /** The error for a reference to a row of another area that does not exist. */
  missingReference?: { code: ErrorCode; message: string };
}

/** Maps one caught error: PatchhiveErrors pass through, constraint violations get their codes. */
export function translateStoreError(err: unknown, area: AreaErrors): PatchhiveError {
  if (err instanceof PatchhiveError) return err;
  if (isUniqueViolation(err)) {
    return new PatchhiveError('E_CONFLICT', `a ${area.noun} with that id or name already exists`, undefined, {
      cause: err,
    });
  }
  if (isForeignKeyViolation(err) && area.missingReference) {
    return new PatchhiveError(area.missingReference.code, area.missingReference.message, undefined, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new PatchhiveError('E_STORE_FAILED', `${area.noun} store: ${detail}`, undefined, { cause: err });
}

/** Wraps every method of an area object so that whatever it rejects with is a PatchhiveError. */
export function guardArea<T extends object>(impl: T, area: AreaErrors): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(impl)) {
    if (typeof value !== 'function') {
      guarded[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await method.apply(impl, args);
      } catch (err) {
        throw translateStoreError(err, area);
      }
    };
  }
  return guarded as T;
}
