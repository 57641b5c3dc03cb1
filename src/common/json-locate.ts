/**
 * Finds where a JSON text stops being valid. Node 20's JSON.parse messages give a position only for
 * some errors ("Unexpected token '}', ... is not valid JSON" has none), so on the error path we scan
 * the text ourselves. Iterative (explicit stack), so deep nesting cannot overflow the call stack.
 */

const enum State {
  Value,
  ValueOrEnd,
  AfterValue,
  Key,
  KeyOrEnd,
  Colon,
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Scans a string starting at the opening quote; returns the offset after the closing quote or -(errorOffset+1). */
function scanString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return -(j + 1);
    if (c === 0x5c) {
      const e = s[j + 1];
      if (e === 'u') {
        for (let k = j + 2; k < j + 6; k++) if (!isHex(s.charCodeAt(k))) return -(Math.min(k, s.length) + 1);
        j += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++;
      else return -(Math.min(j + 1, s.length) + 1);
    }
  }
  return -(s.length + 1);
}

/** Scans a number; returns the offset after it or -(errorOffset+1). */
function scanNumber(s: string, i: number): number {
  let j = i;
  if (s[j] === '-') j++;
  if (s[j] === '0') j++;
  else if (isDigit(s.charCodeAt(j))) while (isDigit(s.charCodeAt(j))) j++;
  else return -(j + 1);
  if (s[j] === '.') {
    j++;
    if (!isDigit(s.charCodeAt(j))) return -(j + 1);
    while (isDigit(s.charCodeAt(j))) j++;
  }
  if (s[j] === 'e' || s[j] === 'E') {
    j++;
    if (s[j] === '+' || s[j] === '-') j++;
    if (!isDigit(s.charCodeAt(j))) return -(j + 1);
    while (isDigit(s.charCodeAt(j))) j++;
  }
  return j;
}

/** Returns the offset of the first character that makes `s` invalid JSON (s.length for a truncated text), or -1. */
export function findJsonErrorOffset(s: string): number {
  const stack: number[] = []; // 0x5b '[' or 0x7b '{'
  let state = State.Value;
  let i = 0;
  for (;;) {
    while (i < s.length && isWs(s.charCodeAt(i))) i++;
    if (i >= s.length) return state === State.AfterValue && stack.length === 0 ? -1 : s.length;
    const c = s.charCodeAt(i);
    switch (state) {
      case State.ValueOrEnd:
      case State.Value: {
        if (state === State.ValueOrEnd && c === 0x5d) {
          stack.pop();
          i++;
          state = State.AfterValue;
          break;
        }
        if (c === 0x7b || c === 0x5b) {
          stack.push(c);
          i++;
          state = c === 0x7b ? State.KeyOrEnd : State.ValueOrEnd;
          break;
        }
        let next: number;
        if (c === 0x22) next = scanString(s, i);
        else if (c === 0x2d || isDigit(c)) next = scanNumber(s, i);
        else {
          const word = ['true', 'false', 'null'].find((w) => s.startsWith(w, i));
          next = word ? i + word.length : -(i + 1);
        }
        if (next < 0) return -next - 1;
        i = next;
        state = State.AfterValue;
        break;
      }
      case State.AfterValue: {
        const top = stack[stack.length - 1];
        if (top === undefined) return i; // trailing garbage after the document
        if (c === 0x2c) state = top === 0x7b ? State.Key : State.Value;
        else if ((c === 0x7d && top === 0x7b) || (c === 0x5d && top === 0x5b)) stack.pop();
        else return i;
        i++;
        break;
      }
      case State.KeyOrEnd:
      case State.Key: {
        if (state === State.KeyOrEnd && c === 0x7d) {
          stack.pop();
          i++;
          state = State.AfterValue;
          break;
        }
        if (c !== 0x22) return i;
        const next = scanString(s, i);
        if (next < 0) return -next - 1;
        i = next;
        state = State.Colon;
        break;
      }
      case State.Colon:
        if (c !== 0x3a) return i;
        i++;
        state = State.Value;
        break;
    }
  }
}

/** Converts a character offset to 1-based line and column. */
export function lineColumnAt(s: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < offset; i = s.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
