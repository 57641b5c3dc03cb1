/**
 * A secret held in memory (e.g. the OIDC client secret from the environment) that never prints:
 * JSON, string conversion and util.inspect all show a placeholder, so a logged config or error
 * cannot carry it. Only `reveal()` gives the text, at the one place that sends it.
 */
import { inspect } from 'node:util';

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
