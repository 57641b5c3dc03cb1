/** Findings: the verdict for one (machine, bulletin), with the evidence that decided it. */
import type { Severity } from '../catalog/model.js';

export const FINDING_STATUSES = [
  'missing',
  'affected',
  'unknown',
  'superseded',
  'installed',
  'not-applicable',
] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** Statuses that mean "work to do"; moving out of them resolves a finding. */
export const OPEN_STATUSES: readonly FindingStatus[] = ['missing', 'affected'];

/** One test (or referenced definition) that contributed to a verdict. */
export interface Evidence {
  /** Test or definition id. */
  ref: string;
  /** What was checked, e.g. "dpkg package libssl3" or "file C:\\WINDOWS\\system32\\netapi32.dll". */
  subject: string;
  /** The condition the catalog states, e.g. "version less than 3.0.22-1~deb12u2". */
  expected?: string;
  /** What the machine has, e.g. "3.0.20-1~deb12u2", "not installed", "not collected". */
  actual?: string;
  /** The test's own result. */
  result: 'true' | 'false' | 'unknown' | 'error' | 'not-applicable';
  /** Plain sentence, e.g. "libssl3 3.0.20-1~deb12u2 is earlier than the fixed 3.0.22-1~deb12u2". */
  message: string;
}

export interface Finding {
  machine: string;
  bulletin: string;
  package?: string;
  status: FindingStatus;
  severity: Severity;
  title: string;
  cves: string[];
  kbs: string[];
  /** Fix id that decided the status. */
  fix?: string;
  fixedVersion?: string;
  supersededBy?: string;
  evidence: Evidence[];
  warnings: string[];
  /** The catalog the bulletin came from (a file name in `patchhive scan`); set by the caller, not the engine. */
  catalog?: string;
}
