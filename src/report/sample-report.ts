/** A small hand-written ComplianceReport with hostile strings, for the renderer tests. For tests only. */
import type { ComplianceReport } from './model.js';

const sev = (critical: number, important: number) => ({ critical, important, moderate: 0, low: 0, unknown: 0 });
const none = { resolved: 0, meanDays: null };

/** A report whose machine, title and group names try CSV formula and HTML injection. */
export function sampleReport(): ComplianceReport {
  return {
    generatedAt: '2024-06-30T00:00:00.000Z',
    scope: 'all',
    period: { from: '2024-05-31T00:00:00.000Z', to: '2024-06-30T00:00:00.000Z' },
    summary: {
      machines: 5,
      compliantMachines: 3,
      compliancePercent: 60,
      fullyPatchedMachines: 1,
      openFindings: 8,
      overdue: 2,
      dueSoon: 1,
      excepted: 1,
      ignored: 1,
      declined: 1,
      resolvedInPeriod: 2,
      mttrDays: 7.5,
    },
    byGroup: [
      {
        group: 'db',
        owner: 'dba@example.org',
        machines: 2,
        compliant: 1,
        compliancePercent: 50,
        open: 4,
        overdue: 1,
        dueSoon: 0,
        mttrDays: 5,
      },
      {
        group: 'web',
        owner: null,
        machines: 3,
        compliant: 1,
        compliancePercent: 33.3,
        open: 4,
        overdue: 2,
        dueSoon: 1,
        mttrDays: null,
      },
    ],
    byOwner: [
      {
        owner: '(no owner)',
        machines: 5,
        compliant: 3,
        compliancePercent: 60,
        open: 8,
        overdue: 2,
        dueSoon: 1,
        mttrDays: 7.5,
      },
    ],
    bySeverity: [
      { severity: 'critical', open: 2, overdue: 2, dueSoon: 0, resolvedInPeriod: 0, mttrDays: null },
      { severity: 'important', open: 6, overdue: 0, dueSoon: 1, resolvedInPeriod: 2, mttrDays: 7.5 },
      { severity: 'moderate', open: 0, overdue: 0, dueSoon: 0, resolvedInPeriod: 0, mttrDays: null },
      { severity: 'low', open: 0, overdue: 0, dueSoon: 0, resolvedInPeriod: 0, mttrDays: null },
      { severity: 'unknown', open: 0, overdue: 0, dueSoon: 0, resolvedInPeriod: 0, mttrDays: null },
    ],
    byBulletin: [
      {
        bulletinId: 'DSA-1',
        title: 'Fix, "quoted" <b>',
        severity: 'critical',
        machines: 2,
        overdue: 2,
        earliestDueAt: '2024-06-10T00:00:00.000Z',
      },
    ],
    overdue: [
      {
        machine: "=cmd|' /C calc'!A0",
        bulletinId: 'DSA-1',
        title: 'Fix, "quoted" <b>',
        severity: 'critical',
        dueAt: '2024-06-10T00:00:00.000Z',
        daysOverdue: 20,
        groups: ['db', 'web'],
      },
      {
        machine: '<script>alert(1)</script>',
        bulletinId: 'DSA-1',
        title: '"><img src=x onerror=alert(1)>',
        severity: 'critical',
        dueAt: '2024-06-12T00:00:00.000Z',
        daysOverdue: 18,
        groups: ['web'],
      },
    ],
    overdueOmitted: 0,
    trends: [{ day: '2024-06-29', openFindings: 3, openBySeverity: sev(2, 1), machinesWithOpen: 1 }],
    mttr: {
      resolved: 2,
      meanDays: 7.5,
      bySeverity: {
        critical: none,
        important: { resolved: 2, meanDays: 7.5 },
        moderate: none,
        low: none,
        unknown: none,
      },
    },
  };
}
