/** Rejects catalog values that no comparator could read, at import time and with a location. */
import type { Entity } from '../model.js';
import { parseDpkgVersion, parseEvr, compareWindowsVersions } from '../../versions/index.js';
import { PatchhiveError } from '../../errors.js';

/** Returns a message when the entity's literal is not a valid version for its datatype. */
export function validateEntityVersion(e: Entity): string | undefined {
  if (e.value === undefined) return undefined;
  if (e.operation === 'pattern match') return undefined;
  try {
    switch (e.datatype) {
      case 'debian_evr_string':
        parseDpkgVersion(e.value, { strict: true });
        return undefined;
      case 'evr_string':
        parseEvr(e.value);
        return undefined;
      case 'version':
        compareWindowsVersions(e.value, e.value);
        return undefined;
      case 'int':
        return /^[+-]?\d+$/.test(e.value.trim()) ? undefined : `"${e.value}" is not an integer`;
      default:
        return undefined;
    }
  } catch (err) {
    if (err instanceof PatchhiveError) return err.message;
    throw err;
  }
}
