/**
 * Parser for dpkg's status database (/var/lib/dpkg/status, deb822 format). Linear: one pass over
 * the text with indexOf, no regular expression applied per line, bounded line length.
 */
import { PatchhiveError } from '../errors.js';
import type { InstalledPackage } from './model.js';

/** Longest line accepted. Real status lines stay far below this (long Depends/Provides are a few KB). */
export const MAX_STATUS_LINE = 1024 * 1024;

/** Status third words that mean "not installed" for us (same as apt's CurrentVer being unset). */
const NOT_INSTALLED = new Set(['not-installed', 'config-files']);

/** C0 controls other than TAB, LF and CR never occur in a status file: their presence means binary data. */
const BINARY_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The fields we keep, by their lower-case name (deb822 field names are case-insensitive). */
type Wanted = 'package' | 'status' | 'version' | 'source' | 'architecture';
const WANTED = new Set<string>(['package', 'status', 'version', 'source', 'architecture']);

interface Paragraph {
  line: number;
  fields: Partial<Record<Wanted, string>>;
  last: Wanted | undefined;
}

function malformed(message: string, file: string | undefined, line: number): PatchhiveError {
  return new PatchhiveError('E_INPUT_MALFORMED', message, { file, line });
}

/** The 1-based line number of a character offset (only computed on the error path). */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Parses a dpkg status file and returns the installed packages in file order. Throws
 * E_INPUT_MALFORMED located at the offending line or paragraph for anything dpkg would reject.
 */
export function parseDpkgStatus(text: string, file?: string): InstalledPackage[] {
  const binary = BINARY_CHAR.exec(text);
  if (binary) {
    const code = text.charCodeAt(binary.index).toString(16).padStart(2, '0');
    throw malformed(
      `binary data (control character 0x${code}); not a dpkg status file`,
      file,
      lineOf(text, binary.index),
    );
  }
  const out: InstalledPackage[] = [];
  let para: Paragraph | undefined;
  let paragraphs = 0;
  let lineNo = 0;
  let start = 0;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = length;
    lineNo++;
    if (end - start > MAX_STATUS_LINE) {
      throw malformed(
        `line is ${end - start} characters long (limit ${MAX_STATUS_LINE}); not a dpkg status file`,
        file,
        lineNo,
      );
    }
    let lineEnd = end;
    if (lineEnd > start && text.charCodeAt(lineEnd - 1) === 13) lineEnd--; // tolerate CRLF copies
    const first = text.charCodeAt(start);
    if (lineEnd === start || isBlank(text, start, lineEnd)) {
      if (para) finish(para, out, file);
      para = undefined;
    } else if (first === 32 || first === 9) {
      // Continuation line: only matters if it continues a field we keep (multi-line values are unusual there).
      if (!para) throw malformed('continuation line outside a paragraph', file, lineNo);
      if (para.last) para.fields[para.last] += ' ' + text.slice(start, lineEnd).trim();
    } else {
      const colon = text.indexOf(':', start);
      if (colon === -1 || colon >= lineEnd || colon === start) {
        throw malformed(
          `expected "Field: value", got ${JSON.stringify(clip(text.slice(start, lineEnd)))}`,
          file,
          lineNo,
        );
      }
      if (!para) paragraphs++;
      para ??= { line: lineNo, fields: {}, last: undefined };
      const key = wantedField(text, start, colon);
      if (key && para.fields[key] !== undefined)
        throw malformed(`duplicate field ${text.slice(start, colon)}`, file, lineNo);
      if (key) para.fields[key] = text.slice(colon + 1, lineEnd).trim();
      para.last = key;
    }
    start = end + 1;
  }
  if (para) finish(para, out, file);
  // every real system has dpkg itself installed: an empty file is a wrong file, not a clean machine
  if (paragraphs === 0) throw malformed('empty: not a dpkg status file (no package paragraphs)', file, 1);
  return out;
}

/** The kept field a line starts with, if any; the length test skips slicing most of the ~25 fields per package. */
function wantedField(text: string, start: number, colon: number): Wanted | undefined {
  const len = colon - start;
  if (len !== 6 && len !== 7 && len !== 12) return undefined;
  const name = text.slice(start, colon).toLowerCase();
  return WANTED.has(name) ? (name as Wanted) : undefined;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
}

/** Validates one paragraph and appends it to `out` when the package is installed. */
function finish(para: Paragraph, out: InstalledPackage[], file: string | undefined): void {
  const { package: name, status, version, source, architecture } = para.fields;
  if (!name) throw malformed('paragraph has no Package field', file, para.line);
  if (status === undefined)
    throw malformed(`package ${name}: no Status field (is this a status file?)`, file, para.line);
  const words = status.split(/\s+/);
  if (words.length !== 3)
    throw malformed(`package ${name}: Status "${clip(status)}" is not "want flag status"`, file, para.line);
  if (NOT_INSTALLED.has(words[2]!)) return;
  if (!version)
    throw malformed(`package ${name} is installed (Status ${words[2]}) but has no Version`, file, para.line);
  if (/\s/.test(version))
    throw malformed(`package ${name}: Version "${clip(version)}" contains spaces`, file, para.line);
  const pkg: InstalledPackage = { name, version };
  if (architecture) pkg.arch = architecture;
  const src = parseSourceField(source, name, version);
  if (!src)
    throw malformed(
      `package ${name}: Source "${clip(source ?? '')}" is not "name" or "name (version)"`,
      file,
      para.line,
    );
  pkg.source = src.name;
  pkg.sourceVersion = src.version;
  out.push(pkg);
}

/** Reads `Source: name` or `Source: name (version)`; defaults to the binary's own name and version. */
function parseSourceField(
  field: string | undefined,
  name: string,
  version: string,
): { name: string; version: string } | undefined {
  if (field === undefined || field === '') return { name, version };
  const open = field.indexOf('(');
  if (open === -1) return /\s/.test(field) ? undefined : { name: field, version };
  const srcName = field.slice(0, open).trim();
  const close = field.indexOf(')', open);
  if (!srcName || close !== field.length - 1) return undefined;
  const srcVersion = field.slice(open + 1, close).trim();
  if (!srcVersion || /\s/.test(srcName) || /\s/.test(srcVersion)) return undefined;
  return { name: srcName, version: srcVersion };
}
