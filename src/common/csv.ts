/**
 * The one CSV writer, for every CSV the project emits (scan findings, API lists, report sections):
 * RFC 4180 through csv-stringify (CRLF record ends; a field with a comma, quote, CR or LF quoted,
 * quotes doubled), with spreadsheet formula injection neutralised as OWASP advises: a text cell
 * that begins with =, +, -, @, tab or CR gets a leading apostrophe, so a feed-supplied bulletin
 * title like "=HYPERLINK(...)" is shown by a spreadsheet, never evaluated. Pure: no I/O.
 */
import { stringify } from 'csv-stringify/sync';

/** One cell: text (guarded), a number or boolean (as written), or nothing (an empty field). */
export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text a spreadsheet would not evaluate: a leading apostrophe before a formula's first character. */
export function guardFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A CSV document: the header record, then one record per row; newline-terminated (CRLF). */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvCell[]>): string {
  const records: CsvCell[][] = [[...header]];
  for (const row of rows) records.push(row.map((c) => (typeof c === 'string' ? guardFormula(c) : c)));
  return stringify(records, {
    record_delimiter: 'windows',
    // csv-stringify quotes a field holding the record delimiter (CRLF) but not a lone CR or LF.
    quoted_match: /[\r\n]/,
    cast: { boolean: (b) => (b ? 'true' : 'false') },
  });
}
