/** Canonical JSON: the exact bytes both sides hash or sign. */

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, undefined members left
 * out. Anything JSON cannot carry faithfully (non-finite numbers, bigint, functions, undefined in
 * an array, non-plain objects, cycles) throws, so two parties can never sign different readings.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, new Set());
}

/** The UTF-8 bytes of the canonical JSON: what every Patchhive signature covers. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function canonical(value: unknown, stack: Set<object>): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON: non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') throw new TypeError(`canonical JSON: cannot encode a ${typeof value}`);
  if (stack.has(value)) throw new TypeError('canonical JSON: cycle');
  stack.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((v) => (v === undefined ? fail('undefined in an array') : canonical(v, stack))).join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new TypeError('canonical JSON: not a plain object');
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], stack)}`).join(',')}}`;
  } finally {
    stack.delete(value);
  }
}

function fail(why: string): never {
  throw new TypeError(`canonical JSON: ${why}`);
}
