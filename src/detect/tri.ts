/** Three-valued logic for OVAL criteria: true, false, unknown. */
import type { Operator } from '../catalog/model.js';

export type Result = 'true' | 'false' | 'unknown';

/** Combines child results under an OVAL operator (AND, OR, ONE, XOR). */
export function combine(op: Operator, rs: Result[]): Result {
  let t = 0;
  let f = 0;
  for (const r of rs) {
    if (r === 'true') t++;
    else if (r === 'false') f++;
  }
  const u = rs.length - t - f;
  switch (op) {
    case 'AND':
      return f > 0 ? 'false' : u > 0 ? 'unknown' : 'true';
    case 'OR':
      return t > 0 ? 'true' : u > 0 ? 'unknown' : 'false';
    case 'ONE':
      return t > 1 ? 'false' : t === 1 && u === 0 ? 'true' : t + u === 0 ? 'false' : 'unknown';
    case 'XOR':
      return u > 0 ? 'unknown' : t % 2 === 1 ? 'true' : 'false';
  }
}

/** Negates a result (unknown stays unknown). */
export function negateResult(r: Result): Result {
  return r === 'true' ? 'false' : r === 'false' ? 'true' : 'unknown';
}
