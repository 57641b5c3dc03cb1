import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CSV_SECTIONS, csvCell, reportCsv } from './csv.js';
import type { ComplianceReport } from './model.js';
import { sampleReport } from './sample-report.js';

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['a=b', 'a=b'],
  ])('%j → %j', (input, out) => expect(csvCell(input)).toBe(out));

  it('numbers and null are not text', () => {
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(33.3)).toBe('33.3');
    expect(csvCell(null)).toBe('');
  });
});

describe('reportCsv', () => {
  const report: ComplianceReport = sampleReport();

  it.each(CSV_SECTIONS)('%s parses back (RFC 4180) with one row per entry', (section) => {
    const text = reportCsv(report, section);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n'); // CRLF line ends only (no cell here holds a line break)
    const rows = parse(text, { relax_column_count: false });
    const entries = { overdue: report.overdue, groups: report.byGroup, owners: report.byOwner, severities: report.bySeverity, bulletins: report.byBulletin, trends: report.trends }[section];
    expect(rows).toHaveLength(entries.length + 1);
  });

  it('overdue: hostile names are neutralised and quoted, values kept', () => {
    const rows = parse(reportCsv(report, 'overdue'));
    expect(rows[0]).toEqual(['machine', 'bulletin', 'title', 'severity', 'due_at', 'days_overdue', 'groups']);
    expect(rows[1]).toEqual(["'=cmd|' /C calc'!A0", 'DSA-1', 'Fix, "quoted" <b>', 'critical', '2024-06-10T00:00:00.000Z', '20', 'db; web']);
  });

  it('groups: null owner and null MTTR are empty cells', () => {
    const rows = parse(reportCsv(report, 'groups'));
    expect(rows[2]).toEqual(['web', '', '3', '1', '33.3', '4', '2', '1', '']);
  });

  it('trends: one column per severity', () => {
    const rows = parse(reportCsv(report, 'trends'));
    expect(rows[0]).toEqual(['day', 'open_findings', 'critical', 'important', 'moderate', 'low', 'unknown', 'machines_with_open']);
    expect(rows[1]).toEqual(['2024-06-29', '3', '2', '1', '0', '0', '0', '1']);
  });
});
