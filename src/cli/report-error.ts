/** How the command lines (`patchhive`, `patchhive-agent`) turn an error into one line and an exit code. */
import { CommanderError } from 'commander';
import { PatchhiveError } from '../errors.js';

/** Exit codes: 0 nothing missing, 1 something missing, 2 error. */
export const EXIT_ERROR = 2;

/** Prints an error as one line and returns the exit code for it. */
export function reportError(err: unknown, debug: boolean, prefix = 'patchhive'): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or help/version, which are not errors)
    return err.exitCode === 0 ? 0 : EXIT_ERROR;
  }
  if (err instanceof PatchhiveError) {
    process.stderr.write(`${prefix}: error: ${err.toOneLine()}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${prefix}: internal error: ${msg.split('\n')[0]} [E_INTERNAL]\n`);
  }
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return EXIT_ERROR;
}
