/**
 * Rendering API objects for people and tools: aligned tables, RFC 4180 CSV (the project's one CSV
 * writer, formulas neutralised) and JSON. Pure functions of their inputs; each command chooses its columns.
 */
import { toCsv } from '../../common/csv.js';
import type { ClientFormat } from './config.js';
import { oneLineText } from './api-client.js';

/** A cell value as an API object holds it. */
export type CellValue = string | number | boolean | null | undefined | readonly string[];

/** One column: its header and how to get the value from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => CellValue;
  /** Table only: clip the cell to this many characters. */
  max?: number;
}

/** The columns of one kind of object: a few for the table, all of them for CSV and `show`. */
export interface ColumnSet<T> {
  table: readonly Column<T>[];
  full: readonly Column<T>[];
}

/** A page of a list, as the API returns it. */
export interface ListPage<T> {
  items: T[];
  total: number;
}

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:?00)$/;

/** A value as a table shows it: "-" for none, yes/no, lists joined, UTC times shortened, one line. */
export function tableCell(v: CellValue, max = 80): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length === 0 ? '-' : oneLineText(v.join(','), max);
  const s = String(v);
  const t = ISO_TIME.exec(s);
  if (t) return `${t[1]} ${t[2]}`;
  return oneLineText(s, max);
}

/** A value as CSV holds it: "" for none, true/false, lists joined with spaces, text as it is. */
export function csvValue(v: CellValue): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(' ');
  return String(v);
}

/** An aligned table: header, then rows; columns separated by two spaces, the last not padded. */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => tableCell(c.value(r), c.max)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => [...row[i]!].length)));
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - [...s].length));
  return cells
    .map(
      (row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i]!)))
          .join('  ')
          .trimEnd() + '\n',
    )
    .join('');
}

/** CSV per RFC 4180: a header record, then one record per row, CRLF line breaks. */
export function renderCsv<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  return toCsv(
    columns.map((c) => c.header),
    rows.map((r) => columns.map((c) => csvValue(c.value(r)))),
  );
}

/** One object for people: "label: value" lines, labels aligned. */
export function renderRecord<T>(columns: readonly Column<T>[], row: T): string {
  const width = Math.max(...columns.map((c) => c.header.length)) + 1;
  return columns.map((c) => `${`${c.header}:`.padEnd(width)} ${tableCell(c.value(row), 2000)}\n`).join('');
}

/** JSON as the API sent it, indented, newline-terminated. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** A list page in the chosen format; the table says when the page is not the whole list. */
export function renderList<T>(
  format: ClientFormat,
  columns: ColumnSet<T>,
  page: ListPage<T>,
  opts: { noun: string; offset: number },
): string {
  if (format === 'json') return renderJson({ items: page.items, total: page.total });
  if (format === 'csv') return renderCsv(columns.full, page.items);
  if (page.items.length === 0) {
    return page.total > 0 ? `No ${opts.noun} at offset ${opts.offset} (${page.total} in all).\n` : `No ${opts.noun}.\n`;
  }
  const shown = page.items.length;
  const more =
    shown < page.total
      ? `(${opts.noun} ${opts.offset + 1}–${opts.offset + shown} of ${page.total}; use --offset and --limit, or --all)\n`
      : '';
  return renderTable(columns.table, page.items) + more;
}

/** One object in the chosen format: a record for the table, one CSV row, or the JSON. */
export function renderOne<T>(format: ClientFormat, columns: ColumnSet<T>, item: T): string {
  if (format === 'json') return renderJson(item);
  if (format === 'csv') return renderCsv(columns.full, [item]);
  return renderRecord(columns.full, item);
}
