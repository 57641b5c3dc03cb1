/** Test helper: the PatchhiveError a function throws. */
import { PatchhiveError } from '../../src/errors.js';

/** Runs `fn` and returns the PatchhiveError it throws; any other outcome fails the test. */
export function thrownError(fn: () => unknown): PatchhiveError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PatchhiveError) return err;
    throw err;
  }
  throw new Error('expected a PatchhiveError, but nothing was thrown');
}
