import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { guardFormula, toCsv, type CsvCell } from './csv.js';

/** One cell as the writer puts it in a record (without the header and the CRLF). */
const cell = (value: CsvCell) => toCsv(['h'], [[value]]).slice('h\r\n'.length, -'\r\n'.length);

describe('toCsv cells', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
    ['a=b', 'a=b'],
    // OWASP CSV injection: a text cell starting with = + - @ tab or CR is not a formula.
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\r=1', `"'\r=1"`],
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  ])('%j → %j', (input, out) => expect(cell(input)).toBe(out));

  it('numbers, booleans and nothing are not text', () => {
    expect(cell(-3)).toBe('-3');
    expect(cell(33.3)).toBe('33.3');
    expect(cell(true)).toBe('true');
    expect(cell(false)).toBe('false');
    expect(cell(null)).toBe('');
    expect(cell(undefined)).toBe('');
  });

  it('guardFormula leaves other text alone', () => {
    expect(guardFormula('DSA-5678-1')).toBe('DSA-5678-1');
    expect(guardFormula('-')).toBe("'-");
  });
});

describe('toCsv documents', () => {
  it('a header record, CRLF record ends, and it parses back to the (guarded) cells', () => {
    const rows: CsvCell[][] = [
      ['web,01', 3, null],
      ['=1+1', 12, 'line1\nline2'],
    ];
    const text = toCsv(['NAME', 'N', 'NOTE'], rows);
    expect(text).toBe('NAME,N,NOTE\r\n"web,01",3,\r\n\'=1+1,12,"line1\nline2"\r\n');
    expect(parse(text)).toEqual([
      ['NAME', 'N', 'NOTE'],
      ['web,01', '3', ''],
      ["'=1+1", '12', 'line1\nline2'],
    ]);
  });

  it('no rows: the header alone', () => {
    expect(toCsv(['a', 'b'], [])).toBe('a,b\r\n');
  });
});
