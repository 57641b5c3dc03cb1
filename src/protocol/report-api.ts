/** The compliance report as it goes over the wire (GET /reports/compliance?format=json); see src/report/model.ts. */
import { z } from 'zod';
import { SEVERITIES } from '../catalog/model.js';
import type { ComplianceReport } from '../report/model.js';

const severity = z.enum(SEVERITIES);
const count = z.number().int().min(0);
const percent = z
  .number()
  .min(0)
  .max(100)
  .nullable()
  .describe('Null when there are no machines ("no machines"), never 100 % of nothing.');
const days = z.number().nullable().describe('Mean days from first seen to resolved; null when nothing was resolved.');
const perSeverity = <T extends z.ZodType>(t: T) =>
  z.object(Object.fromEntries(SEVERITIES.map((s) => [s, t])) as Record<(typeof SEVERITIES)[number], T>);

const mttrFigureSchema = z.object({ resolved: count, meanDays: days });
const machineSetFigures = {
  machines: count,
  compliant: count,
  compliancePercent: percent,
  open: count,
  overdue: count,
  dueSoon: count,
  mttrDays: days,
};

export const complianceReportSchema = z.object({
  generatedAt: z.string(),
  scope: z.string().describe('"all" (every machine) or a group\'s name.'),
  period: z.object({ from: z.string(), to: z.string() }),
  summary: z.object({
    machines: count,
    compliantMachines: count,
    compliancePercent: percent,
    fullyPatchedMachines: count,
    openFindings: count,
    overdue: count,
    dueSoon: count,
    excepted: count,
    ignored: count,
    declined: count,
    resolvedInPeriod: count,
    mttrDays: days,
  }),
  byGroup: z.array(z.object({ group: z.string(), owner: z.string().nullable(), ...machineSetFigures })),
  byOwner: z.array(z.object({ owner: z.string(), ...machineSetFigures })),
  bySeverity: z.array(
    z.object({ severity, open: count, overdue: count, dueSoon: count, resolvedInPeriod: count, mttrDays: days }),
  ),
  byBulletin: z.array(
    z.object({
      bulletinId: z.string(),
      title: z.string(),
      severity,
      machines: count,
      overdue: count,
      earliestDueAt: z.string().nullable(),
    }),
  ),
  overdue: z.array(
    z.object({
      machine: z.string(),
      bulletinId: z.string(),
      title: z.string(),
      severity,
      dueAt: z.string(),
      daysOverdue: count,
      groups: z.array(z.string()),
    }),
  ),
  overdueOmitted: count,
  trends: z.array(
    z.object({ day: z.string(), openFindings: count, openBySeverity: perSeverity(count), machinesWithOpen: count }),
  ),
  mttr: mttrFigureSchema.extend({ bySeverity: perSeverity(mttrFigureSchema) }),
});

// The report model and its wire schema must stay one shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.output<typeof complianceReportSchema>, ComplianceReport> = true;
void sameShape;

const dayText = z.iso.date();
const viewFormat = z.enum(['json', 'csv', 'pdf']).default('json');
const groupRef = z.string().max(200).optional().describe('Group id or name; absent: the whole fleet (of the scope).');

/** GET /reports/by-group, by-owner, by-severity, by-bulletin: one table of the compliance report. */
export const reportViewQuerySchema = z
  .object({
    group: groupRef,
    periodDays: z.coerce.number().int().min(1).max(3650).default(30).describe('Time to remediate over this many days.'),
    format: viewFormat,
  })
  .strict();

const viewHead = {
  generatedAt: z.string(),
  scope: z.string().describe('"all" (every machine) or a group\'s name.'),
  period: z.object({ from: z.string(), to: z.string() }),
};
export const reportByGroupSchema = z.object({ ...viewHead, items: complianceReportSchema.shape.byGroup });
export const reportByOwnerSchema = z.object({ ...viewHead, items: complianceReportSchema.shape.byOwner });
export const reportBySeveritySchema = z.object({ ...viewHead, items: complianceReportSchema.shape.bySeverity });
export const reportByBulletinSchema = z.object({ ...viewHead, items: complianceReportSchema.shape.byBulletin });

/** GET /reports/overdue. */
export const overdueQuerySchema = z
  .object({
    group: groupRef,
    severity: severity.optional().describe('Minimum severity.'),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    offset: z.coerce.number().int().min(0).default(0),
    format: viewFormat,
  })
  .strict();
export const overdueReportSchema = z.object({
  generatedAt: z.string(),
  scope: z.string(),
  total: count.describe('Overdue findings matching the filters (those the row limit of the report kept).'),
  omitted: count.describe('Overdue findings the report left out by its row limit (REPORTS.md).'),
  items: complianceReportSchema.shape.overdue.describe('Ordered by deadline, then machine, then bulletin.'),
});

/** GET /reports/trend and /reports/mttr: a range of whole UTC days. */
export const rangeQuerySchema = z
  .object({
    group: groupRef,
    from: dayText.optional().describe('First day (YYYY-MM-DD, UTC); default: 29 days before `to`.'),
    to: dayText.optional().describe('Last day (YYYY-MM-DD, UTC); default: today.'),
    format: viewFormat,
  })
  .strict();
export const trendReportSchema = z.object({
  scope: z.string(),
  from: z.string(),
  to: z.string(),
  points: complianceReportSchema.shape.trends.describe(
    'One per day with snapshots, in order; days without any are absent.',
  ),
});
const remediationFigureSchema = z.object({
  resolved: count,
  meanDays: z.number().nullable().describe('Mean days from first seen to resolved; null when nothing was resolved.'),
  medianDays: z
    .number()
    .nullable()
    .describe('Median days from first seen to resolved; null when nothing was resolved.'),
});
export const mttrReportSchema = remediationFigureSchema.extend({
  scope: z.string(),
  from: z.string(),
  to: z.string(),
  bySeverity: perSeverity(remediationFigureSchema),
});

export type ReportViewQuery = z.infer<typeof reportViewQuerySchema>;
export type OverdueQuery = z.infer<typeof overdueQuerySchema>;
export type OverdueReport = z.infer<typeof overdueReportSchema>;
export type RangeQuery = z.infer<typeof rangeQuerySchema>;
export type TrendReport = z.infer<typeof trendReportSchema>;
export type MttrReport = z.infer<typeof mttrReportSchema>;
