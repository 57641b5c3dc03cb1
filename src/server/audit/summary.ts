/**
 * What the audit trail keeps of a request body: its top-level field names, small scalar values
 * as sent, and a placeholder for anything else. Pure. Never keeps a secret: fields named like one
 * (token, password, credential, secret, ...) and values shaped like a Patchhive secret are
 * replaced, and a URL keeps neither its user information nor its query string nor its fragment.
 */

export type SummaryValue = string | number | boolean | null;

/** Longest string kept as sent. */
const MAX_TEXT = 120;
/** Most fields listed; the rest are counted. */
const MAX_FIELDS = 40;
/** Most nested field names named in an object's placeholder. */
const MAX_NESTED_NAMES = 8;

const SECRET_NAME =
  /token|secret|passw|credential|private|api_?key|authori[sz]ation|cookie|session|signature|^key$|Key$/i;
const SECRET_VALUE = /ph[kae]_[0-9a-f-]{8,}|-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
export const REDACTED = '[redacted]';

/** The audit summary of a parsed JSON body (anything that is not an object: no fields). */
export function summarizeBody(body: unknown): Record<string, SummaryValue> {
  if (!isPlainObject(body)) return Array.isArray(body) ? { '(body)': `[array of ${body.length}]` } : {};
  const out: Record<string, SummaryValue> = {};
  const keys = Object.keys(body);
  for (const key of keys.slice(0, MAX_FIELDS)) {
    out[cleanText(key).slice(0, MAX_TEXT)] = SECRET_NAME.test(key) ? REDACTED : summarizeValue(body[key]);
  }
  if (keys.length > MAX_FIELDS) out['(more fields)'] = keys.length - MAX_FIELDS;
  return out;
}

function summarizeValue(v: unknown): SummaryValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') return summarizeText(v);
  if (Array.isArray(v)) return `[array of ${v.length}]`;
  if (isPlainObject(v)) {
    const names = Object.keys(v);
    const shown = names.slice(0, MAX_NESTED_NAMES).map((n) => cleanText(n).slice(0, 40));
    return `[object: ${shown.join(', ')}${names.length > shown.length ? ', ...' : ''}]`;
  }
  return `[${typeof v}]`;
}

function summarizeText(raw: string): string {
  if (SECRET_VALUE.test(raw)) return REDACTED;
  const s = raw.includes('://') ? stripUrl(raw) : raw;
  if (s.length > MAX_TEXT) return `[text of ${s.length} characters]`;
  return cleanText(s);
}

/** A URL without user information, query string and fragment (anything unparsable: a placeholder). */
export function stripUrl(s: string): string {
  try {
    const u = new URL(s.trim());
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[unparsable URL]';
  }
}

/** Text both databases store and hash identically: well-formed Unicode, no control characters. */
export function cleanText(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd').replace(/[\u0000-\u001f\u007f]/g, '');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
