/**
 * The compliance report: plain JSON-serialisable data, built by src/server/services/report-build.ts and rendered
 * as JSON, CSV (src/report/csv.ts), HTML (src/report/html.ts) and PDF (src/report/pdf.ts).
 *
 * Definitions (also in docs/REPORTS.md):
 * - A finding is *open* when its status is one of OPEN_STATUSES (missing, affected); every other
 *   status is closed. Its SLA status (overdue, due-soon, on-track, no-deadline, excepted, ignored,
 *   declined) comes from src/policy/verdict.ts: the bulletin's triage decision in the machine's
 *   groups, the group's deadline policy and active risk exceptions.
 * - A machine is *compliant* when none of its open findings is overdue.
 * - A machine is *fully patched* when it has no open finding that produces work (approved in its
 *   groups) or awaits triage (new, awaiting a second approval); open findings that are ignored or
 *   declined do not count. An excepted finding still counts: an exception relieves the deadline,
 *   not the work.
 * - *MTTR* (mean time to remediate) is the mean of (resolvedAt − firstSeenAt), in days, over the
 *   findings resolved within the period [from, to]; null when none was.
 * - A finding on a machine in two groups counts once in the summary and once in each group's row.
 * - Percentages are rounded to one decimal; a scope without machines has no compliance percentage
 *   (null, shown as "no machines"), not 100 %.
 */
import type { Severity } from '../catalog/model.js';
import type { FindingStatus } from '../detect/model.js';

/** The light row of a finding that reports aggregate. */
export interface FindingFact {
  machineId: string;
  bulletinId: string;
  status: FindingStatus;
  severity: Severity;
  firstSeenAt: string;
  resolvedAt: string | null;
}

/** One machine's finding counts on one day (the store keeps one per machine and day). */
export interface DailySnapshot {
  machineId: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Count per status, and open (missing+affected) findings per severity. */
  counts: Partial<Record<FindingStatus, number>>;
  openBySeverity: Partial<Record<Severity, number>>;
}

/** Mean time to remediate over some resolved findings. */
export interface MttrFigure {
  resolved: number;
  /** Mean days from first seen to resolved; null when nothing was resolved. */
  meanDays: number | null;
}

/** The fleet-wide figures. */
export interface ReportSummary {
  machines: number;
  compliantMachines: number;
  /** Null when there are no machines. */
  compliancePercent: number | null;
  fullyPatchedMachines: number;
  openFindings: number;
  overdue: number;
  dueSoon: number;
  /** Open findings covered by an active risk exception. */
  excepted: number;
  /** Open findings whose bulletin is ignored / declined in the machine's group. */
  ignored: number;
  declined: number;
  resolvedInPeriod: number;
  mttrDays: number | null;
}

/** The machine and finding counts of a group's or an owner's machines. */
export interface MachineSetFigures {
  machines: number;
  compliant: number;
  /** Null when there are no machines. */
  compliancePercent: number | null;
  open: number;
  overdue: number;
  dueSoon: number;
  mttrDays: number | null;
}

/** One row per machine group (counted over the scope's machines only). */
export interface GroupRow extends MachineSetFigures {
  group: string;
  owner: string | null;
}

/** One row per machine owner ("(no owner)" for machines without one). */
export interface OwnerRow extends MachineSetFigures {
  owner: string;
}

/** One row per severity, every severity listed. */
export interface SeverityRow {
  severity: Severity;
  open: number;
  overdue: number;
  dueSoon: number;
  resolvedInPeriod: number;
  mttrDays: number | null;
}

/** One row per bulletin with open findings. */
export interface BulletinRow {
  bulletinId: string;
  title: string;
  severity: Severity;
  /** Machines with an open finding of this bulletin. */
  machines: number;
  /** Of those, machines where it is overdue. */
  overdue: number;
  /** The earliest deadline among its open findings (null: none has one). */
  earliestDueAt: string | null;
}

/** One overdue open finding. */
export interface OverdueRow {
  /** Machine name. */
  machine: string;
  bulletinId: string;
  title: string;
  severity: Severity;
  dueAt: string;
  /** Whole days since the deadline (0 on the day it passed). */
  daysOverdue: number;
  /** Names of the machine's groups, sorted. */
  groups: string[];
}

/** One day of the daily snapshots, summed over the scope's machines. */
export interface TrendPoint {
  day: string;
  openFindings: number;
  openBySeverity: Record<Severity, number>;
  machinesWithOpen: number;
}

/** The compliance report of one scope over one period. */
export interface ComplianceReport {
  generatedAt: string;
  /** "all" (every machine) or a group's name. */
  scope: string;
  period: { from: string; to: string };
  summary: ReportSummary;
  /** Ordered by group name. */
  byGroup: GroupRow[];
  /** Ordered by owner. */
  byOwner: OwnerRow[];
  /** Ordered by severity, most severe first. */
  bySeverity: SeverityRow[];
  /** Ordered by overdue desc, then machines desc, then bulletin id. */
  byBulletin: BulletinRow[];
  /** Ordered by dueAt, then machine, then bulletin id; at most the configured number of rows. */
  overdue: OverdueRow[];
  /** Overdue findings left out of `overdue` by the row limit (summary.overdue counts them all). */
  overdueOmitted: number;
  /** Ordered by day; days without any snapshot are absent. */
  trends: TrendPoint[];
  mttr: MttrFigure & { bySeverity: Record<Severity, MttrFigure> };
}

/** The label byOwner uses for machines without an owner. */
export const NO_OWNER = '(no owner)';
