/**
 * A secret held in memory (e.g. the OIDC client secret from the environment) that never prints:
 * JSON, string conversion and util.inspect all show a placeholder, so a logged config or error
 * cannot carry it. Only `reveal()` gives the text, at the one place that sends it.
 */
import { readFile, stat } from 'node:fs/promises';
import { inspect } from 'node:util';
import { PatchhiveError } from '../errors.js';

const REDACTED = '[redacted]';

export class SecretText {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  /** The secret itself; call it only where it is sent to its one recipient. */
  reveal(): string {
    return this.#text;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * A secret from its file (one trailing newline dropped): E_CONFIG_INVALID naming `what` when the
 * file cannot be read or is empty; `permissive` when group or others may read it.
 */
export async function readSecretFile(file: string, what: string): Promise<{ text: string; permissive: boolean }> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(file, 'utf8');
    mode = (await stat(file)).mode;
  } catch (err) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `cannot read the ${what} file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        file,
      },
    );
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new PatchhiveError('E_CONFIG_INVALID', `the ${what} file is empty`, { file });
  return { text: secret, permissive: (mode & 0o077) !== 0 };
}
