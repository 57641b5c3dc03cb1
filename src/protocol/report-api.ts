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
