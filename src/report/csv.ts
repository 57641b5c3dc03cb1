/**
 * One section of a compliance report as CSV, written by the project's one CSV writer
 * (src/common/csv.ts: RFC 4180, spreadsheet formulas neutralised).
 */
import { SEVERITIES } from '../catalog/model.js';
import { toCsv } from '../common/csv.js';
import type { RemediationFigure, RemediationTimes } from './history.js';
import type { ComplianceReport, TrendPoint } from './model.js';

export const CSV_SECTIONS = ['overdue', 'groups', 'owners', 'severities', 'bulletins', 'trends'] as const;
export type CsvSection = (typeof CSV_SECTIONS)[number];

/** The section of `report` as a CSV document with a header row. */
export function reportCsv(report: ComplianceReport, section: CsvSection): string {
  switch (section) {
    case 'overdue':
      return toCsv(
        ['machine', 'bulletin', 'title', 'severity', 'due_at', 'days_overdue', 'groups'],
        report.overdue.map((o) => [
          o.machine,
          o.bulletinId,
          o.title,
          o.severity,
          o.dueAt,
          o.daysOverdue,
          o.groups.join('; '),
        ]),
      );
    case 'groups':
      return toCsv(
        ['group', 'owner', 'machines', 'compliant', 'compliance_percent', 'open', 'overdue', 'due_soon', 'mttr_days'],
        report.byGroup.map((g) => [
          g.group,
          g.owner,
          g.machines,
          g.compliant,
          g.compliancePercent,
          g.open,
          g.overdue,
          g.dueSoon,
          g.mttrDays,
        ]),
      );
    case 'owners':
      return toCsv(
        ['owner', 'machines', 'compliant', 'compliance_percent', 'open', 'overdue', 'due_soon', 'mttr_days'],
        report.byOwner.map((o) => [
          o.owner,
          o.machines,
          o.compliant,
          o.compliancePercent,
          o.open,
          o.overdue,
          o.dueSoon,
          o.mttrDays,
        ]),
      );
    case 'severities':
      return toCsv(
        ['severity', 'open', 'overdue', 'due_soon', 'resolved_in_period', 'mttr_days'],
        report.bySeverity.map((s) => [s.severity, s.open, s.overdue, s.dueSoon, s.resolvedInPeriod, s.mttrDays]),
      );
    case 'bulletins':
      return toCsv(
        ['bulletin', 'title', 'severity', 'machines', 'overdue', 'earliest_due_at'],
        report.byBulletin.map((b) => [b.bulletinId, b.title, b.severity, b.machines, b.overdue, b.earliestDueAt]),
      );
    case 'trends':
      return trendCsv(report.trends);
  }
}

/** Open findings per day as CSV: one row per day. */
export function trendCsv(points: readonly TrendPoint[]): string {
  return toCsv(
    ['day', 'open_findings', ...SEVERITIES, 'machines_with_open'],
    points.map((t) => [t.day, t.openFindings, ...SEVERITIES.map((s) => t.openBySeverity[s]), t.machinesWithOpen]),
  );
}

/** Time to remediate as CSV: one row per severity, then "all". */
export function remediationCsv(times: RemediationTimes): string {
  const row = (label: string, f: RemediationFigure) => [label, f.resolved, f.meanDays, f.medianDays];
  return toCsv(
    ['severity', 'resolved', 'mean_days', 'median_days'],
    [...SEVERITIES.map((s) => row(s, times.bySeverity[s])), row('all', times)],
  );
}
