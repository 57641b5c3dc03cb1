/** Maps the engine's findings to what the store keeps. */
import type { Finding } from '../../detect/model.js';
import { findingReason } from '../../report/findings-format.js';
import type { FindingInput } from '../../store/ports.js';

/** Findings worth storing: everything the engine reports except not-applicable. */
export function toFindingInputs(findings: Finding[]): FindingInput[] {
  return findings
    .filter((f) => f.status !== 'not-applicable')
    .map((f) => ({
      bulletinId: f.bulletin,
      status: f.status,
      severity: f.severity,
      title: f.title,
      package: f.package ?? null,
      fixedVersion: f.fixedVersion ?? null,
      reason: findingReason(f) || null,
      evidence: f.evidence,
    }));
}
