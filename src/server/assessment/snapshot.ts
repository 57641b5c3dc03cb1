/**
 * Daily snapshots: one machine's findings reduced to counts, for compliance history over time.
 * Pure: the day comes from the `at` the caller passes.
 */
import type { Severity } from '../../catalog/model.js';
import type { FindingStatus } from '../../detect/model.js';
import { PatchhiveError } from '../../errors.js';
import { OPEN_STATUSES, type DailySnapshot } from '../../store/ports.js';

/** What a snapshot needs of a finding. */
export interface FindingSummaryInput {
  status: FindingStatus;
  severity: Severity;
}

/** The counts of a snapshot: statuses and severities that occur are present, zeros are left out. */
export type FindingSummary = Pick<DailySnapshot, 'counts' | 'openBySeverity'>;

/** Counts findings per status, and open findings (OPEN_STATUSES) per severity. */
export function summariseFindings(findings: readonly FindingSummaryInput[]): FindingSummary {
  const counts: DailySnapshot['counts'] = {};
  const openBySeverity: DailySnapshot['openBySeverity'] = {};
  for (const f of findings) {
    counts[f.status] = (counts[f.status] ?? 0) + 1;
    if (OPEN_STATUSES.includes(f.status)) openBySeverity[f.severity] = (openBySeverity[f.severity] ?? 0) + 1;
  }
  return { counts, openBySeverity };
}

/** The snapshot of one machine's findings for the UTC day of `at`. */
export function dailySnapshotOf(machineId: string, findings: readonly FindingSummaryInput[], at: Date): DailySnapshot {
  if (Number.isNaN(at.getTime())) throw new PatchhiveError('E_INTERNAL', 'snapshot time is not a valid date');
  return { machineId, day: at.toISOString().slice(0, 10), ...summariseFindings(findings) };
}
