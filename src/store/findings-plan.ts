/**
 * Plans one assessment of a machine against its stored findings: which rows to upsert with which
 * times, which stored ones become not-applicable, which bulletins opened or resolved. Pure; the
 * findings area executes the plan in one transaction.
 */
import { severityRank } from '../catalog/model.js';
import type { FindingStatus } from '../detect/model.js';
import { OPEN_STATUSES, type FindingInput } from './ports.js';
import { toJson } from './sql-util.js';

/** A row of `findings`. */
export interface FindingRow {
  machine_id: string;
  bulletin_id: string;
  status: string;
  severity: string;
  severity_rank: number;
  title: string;
  package: string | null;
  fixed_version: string | null;
  reason: string | null;
  evidence_json: string;
  first_seen_at: string;
  last_seen_at: string;
  resolved_at: string | null;
}

/** What the plan needs of a stored finding. */
export type StoredFindingState = Pick<FindingRow, 'bulletin_id' | 'status' | 'first_seen_at' | 'resolved_at'>;

/** The writes one assessment makes. */
export interface AssessmentPlan {
  /** Full rows for every input (insert or overwrite). */
  upserts: FindingRow[];
  /** Stored findings in scope, absent from the input, open now: become not-applicable, resolved at `at`. */
  absentOpen: string[];
  /** Stored findings in scope, absent from the input, not open and not already not-applicable. */
  absentClosed: string[];
  opened: string[];
  resolved: string[];
}

/** True for the statuses that mean work to do. */
export function isOpenStatus(status: string): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

/** Computes the plan; inputs repeating a bulletin id count once (the last one wins). */
export function planAssessment(
  machineId: string,
  stored: readonly StoredFindingState[],
  inputs: readonly FindingInput[],
  at: string,
  scope?: { bulletinIds: string[] },
): AssessmentPlan {
  const byBulletin = new Map(stored.map((s) => [s.bulletin_id, s]));
  const latest = new Map(inputs.map((f) => [f.bulletinId, f]));
  const plan: AssessmentPlan = { upserts: [], absentOpen: [], absentClosed: [], opened: [], resolved: [] };

  for (const f of latest.values()) {
    const before = byBulletin.get(f.bulletinId);
    const wasOpen = before !== undefined && isOpenStatus(before.status);
    const nowOpen = isOpenStatus(f.status);
    let firstSeen = before?.first_seen_at ?? at;
    let resolvedAt = before?.resolved_at ?? null;
    if (nowOpen && !wasOpen) {
      // New, or back after being closed: the open period starts now.
      firstSeen = at;
      resolvedAt = null;
      plan.opened.push(f.bulletinId);
    } else if (!nowOpen && wasOpen) {
      resolvedAt = at;
      plan.resolved.push(f.bulletinId);
    }
    plan.upserts.push(toFindingRow(machineId, f, firstSeen, at, resolvedAt));
  }

  const inScope = scope ? new Set(scope.bulletinIds) : undefined;
  for (const s of stored) {
    if (latest.has(s.bulletin_id) || (inScope && !inScope.has(s.bulletin_id))) continue;
    if (isOpenStatus(s.status)) {
      plan.absentOpen.push(s.bulletin_id);
      plan.resolved.push(s.bulletin_id);
    } else if (s.status !== ('not-applicable' satisfies FindingStatus)) {
      plan.absentClosed.push(s.bulletin_id);
    }
  }
  return plan;
}

function toFindingRow(
  machineId: string,
  f: FindingInput,
  firstSeen: string,
  lastSeen: string,
  resolvedAt: string | null,
): FindingRow {
  return {
    machine_id: machineId,
    bulletin_id: f.bulletinId,
    status: f.status,
    severity: f.severity,
    severity_rank: severityRank(f.severity),
    title: f.title,
    package: f.package,
    fixed_version: f.fixedVersion,
    reason: f.reason,
    evidence_json: toJson(f.evidence),
    first_seen_at: firstSeen,
    last_seen_at: lastSeen,
    resolved_at: resolvedAt,
  };
}
