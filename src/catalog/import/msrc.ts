/**
 * Importers for the MSRC-derived CVE → KB feed (ZentrixLabs windows-version-feed, built from
 * Microsoft's monthly CVRF data):
 * - kb_cve_data.csv: CVE, KB, ProductID, ProductName, FixedBuild, Severity, ExploitStatus, PublishedDate
 * - CVE_KB_Mapping_*.json: `[{ cve, patches: [{ os, version, kb, fixedBuild, severity, exploitStatus }] }]`
 */
import { CsvError, parse } from 'csv-parse/sync';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { emptyCatalog, type Catalog } from '../model.js';
import { isPlainObject, parseJsonLocated, zodToPatchhiveError } from '../../common/json-input.js';
import { buildMsrcBulletins, type MsrcRow } from './msrc-bulletins.js';

const CSV_WHAT = 'MSRC CSV';
const JSON_WHAT = 'MSRC JSON';
const CVE_RE = /^CVE-\d{4}-\d{4,}$/;
const REQUIRED_COLUMNS = ['CVE', 'KB', 'ProductName', 'FixedBuild'] as const;

/** "5120249" or "KB5120249" → "KB5120249"; undefined for anything else ("Release Notes"). */
function normaliseKb(raw: string): string | undefined {
  const m = /^\s*(?:KB)?(\d{6,8})\s*$/i.exec(raw);
  return m ? `KB${m[1]}` : undefined;
}

/** Reads the CSV header row with the CSV parser; undefined when the text does not parse as CSV. */
function csvHeader(text: string): string[] | undefined {
  try {
    const rows = parse(text, { bom: true, to_line: 1, relax_quotes: true, relax_column_count: true });
    return rows[0]?.map((c) => c.trim());
  } catch {
    return undefined;
  }
}

/** Cheap sniff: the first line is a CSV header with the CVE, KB, ProductName and FixedBuild columns. */
export function looksLikeMsrcCsv(head: string): boolean {
  const firstLine = head.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const header = csvHeader(firstLine);
  return header !== undefined && REQUIRED_COLUMNS.every((c) => header.includes(c));
}

/** Cheap sniff: a JSON array whose first object has "cve" (and "patches") keys. */
export function looksLikeMsrcJson(head: string): boolean {
  const s = head.replace(/^\uFEFF/, '');
  if (!/^\s*\[\s*\{/.test(s)) return false;
  return /^\s*\[\s*\{\s*"cve"\s*:\s*"CVE-/.test(s) || (/"cve"\s*:/.test(s) && /"patches"\s*:/.test(s));
}

/** Imports kb_cve_data.csv text into a catalog: one bulletin per CVE, one fix per (product, KB). */
export function importMsrcCsv(text: string, opts: { file: string }): Catalog {
  const { file } = opts;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new PatchhiveError(
        'E_INPUT_MALFORMED',
        `${CSV_WHAT} ${file}: ${err.message}`,
        {
          file,
          ...(line !== undefined ? { line } : {}),
        },
        { cause: err },
      );
    }
    throw err;
  }
  const header = records[0]?.record.map((c) => c.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !header?.includes(c));
  if (!header || missing.length) {
    throw new PatchhiveError(
      'E_INPUT_UNKNOWN_FORMAT',
      `${file} is not an MSRC CVE/KB CSV: missing column(s) ${missing.join(', ')}`,
      {
        file,
        line: 1,
      },
    );
  }
  const col = (name: string) => header.indexOf(name);
  const rows: MsrcRow[] = [];
  for (const { record, info } of records.slice(1)) {
    const get = (name: string) => (col(name) >= 0 ? (record[col(name)] ?? '').trim() : '');
    const bad = (column: string, why: string) =>
      new PatchhiveError('E_INPUT_MALFORMED', `${CSV_WHAT} ${file}: line ${info.lines}: ${column} ${why}`, {
        file,
        line: info.lines,
        path: column,
      });
    const cve = get('CVE');
    if (!CVE_RE.test(cve)) throw bad('CVE', `"${cve}" is not a CVE id`);
    const productName = get('ProductName');
    if (!productName) throw bad('ProductName', 'is empty');
    const kb = normaliseKb(get('KB'));
    const published = get('PublishedDate');
    rows.push({
      cve,
      ...(kb ? { kb } : {}),
      rawKb: get('KB'),
      productName,
      fixedBuild: get('FixedBuild'),
      severity: get('Severity'),
      exploitStatus: get('ExploitStatus'),
      ...(published ? { published } : {}),
    });
  }
  const catalog = emptyCatalog(file, 'msrc-csv');
  catalog.bulletins = buildMsrcBulletins(rows, { merged: false });
  return catalog;
}

const looseText = z.union([z.string(), z.number().transform(String)]).nullish();
const patchSchema = z.object({
  os: z.string().min(1),
  version: looseText,
  kb: z.string(),
  fixedBuild: looseText,
  severity: looseText,
  exploitStatus: looseText,
});
/** PowerShell's ConvertTo-Json may write a one-element list as the element itself. */
const patchesSchema = z.preprocess((v) => (isPlainObject(v) ? [v] : v), z.array(patchSchema));
const entrySchema = z.object({ cve: z.string().regex(CVE_RE, 'expected a CVE id'), patches: patchesSchema });

/** Imports a CVE_KB_Mapping_*.json text into a catalog (names group architectures and Server Core). */
export function importMsrcJson(text: string, opts: { file: string }): Catalog {
  const { file } = opts;
  let root = parseJsonLocated(text, file);
  if (isPlainObject(root) && 'cve' in root) root = [root];
  if (!Array.isArray(root) || (root.length > 0 && !(isPlainObject(root[0]) && 'cve' in root[0]))) {
    throw new PatchhiveError(
      'E_INPUT_UNKNOWN_FORMAT',
      `${file} is not an MSRC CVE/KB mapping: expected [{ cve, patches }]`,
      {
        file,
      },
    );
  }
  const rows: MsrcRow[] = [];
  root.forEach((raw, i) => {
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) throw zodToPatchhiveError(parsed.error, file, JSON_WHAT, [i]);
    for (const p of parsed.data.patches) {
      const kb = normaliseKb(p.kb);
      rows.push({
        cve: parsed.data.cve,
        ...(kb ? { kb } : {}),
        rawKb: p.kb,
        productName: p.os.trim(),
        fixedBuild: (p.fixedBuild ?? '').trim(),
        severity: p.severity ?? '',
        exploitStatus: p.exploitStatus ?? '',
      });
    }
  });
  const catalog = emptyCatalog(file, 'msrc-json');
  catalog.bulletins = buildMsrcBulletins(rows, { merged: true });
  return catalog;
}
