/**
 * One section of a compliance report as CSV: RFC 4180 (CRLF line ends, fields with a comma,
 * quote or line break quoted, quotes doubled), with spreadsheet formula injection neutralised —
 * a text cell starting with =, +, -, @, tab or CR gets a leading apostrophe, so a machine or
 * bulletin title like "=HYPERLINK(...)" is shown, never evaluated.
 */
import { SEVERITIES } from '../catalog/model.js';
import type { ComplianceReport } from './model.js';

export const CSV_SECTIONS = ['overdue', 'groups', 'owners', 'severities', 'bulletins', 'trends'] as const;
export type CsvSection = (typeof CSV_SECTIONS)[number];

type Cell = string | number | boolean | null;

/** A cell as CSV text: text neutralised against formulas, then quoted when needed. */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',') + '\r\n').join('');
}

/** The section of `report` as a CSV document with a header row. */
export function reportCsv(report: ComplianceReport, section: CsvSection): string {
  switch (section) {
    case 'overdue':
      return csv(
        ['machine', 'bulletin', 'title', 'severity', 'due_at', 'days_overdue', 'groups'],
        report.overdue.map((o) => [o.machine, o.bulletinId, o.title, o.severity, o.dueAt, o.daysOverdue, o.groups.join('; ')]),
      );
    case 'groups':
      return csv(
        ['group', 'owner', 'machines', 'compliant', 'compliance_percent', 'open', 'overdue', 'due_soon', 'mttr_days'],
        report.byGroup.map((g) => [g.group, g.owner, g.machines, g.compliant, g.compliancePercent, g.open, g.overdue, g.dueSoon, g.mttrDays]),
      );
    case 'owners':
      return csv(
        ['owner', 'machines', 'compliant', 'compliance_percent', 'open', 'overdue', 'due_soon', 'mttr_days'],
        report.byOwner.map((o) => [o.owner, o.machines, o.compliant, o.compliancePercent, o.open, o.overdue, o.dueSoon, o.mttrDays]),
      );
    case 'severities':
      return csv(
        ['severity', 'open', 'overdue', 'due_soon', 'resolved_in_period', 'mttr_days'],
        report.bySeverity.map((s) => [s.severity, s.open, s.overdue, s.dueSoon, s.resolvedInPeriod, s.mttrDays]),
      );
    case 'bulletins':
      return csv(
        ['bulletin', 'title', 'severity', 'machines', 'overdue', 'earliest_due_at'],
        report.byBulletin.map((b) => [b.bulletinId, b.title, b.severity, b.machines, b.overdue, b.earliestDueAt]),
      );
    case 'trends':
      return csv(
        ['day', 'open_findings', ...SEVERITIES, 'machines_with_open'],
        report.trends.map((t) => [t.day, t.openFindings, ...SEVERITIES.map((s) => t.openBySeverity[s]), t.machinesWithOpen]),
      );
  }
}
