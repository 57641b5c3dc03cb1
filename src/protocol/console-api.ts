/**
 * Wire schemas of the console's read APIs: the Today page (what changed since the last visit and
 * what to do today), the machine search's query, a machine's packages and its jobs.
 */
import { z } from 'zod';
import { SEVERITIES } from '../catalog/model.js';
import { jobSchema, DEPLOYMENT_STATUS_VALUES } from './deploy-api.js';
import { TRIAGE_STATES } from '../policy/model.js';

const iso = z.string().describe('ISO 8601 time (UTC).');
const page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};

export const MACHINE_STATUS_VALUES = [
  'stale',
  'never-seen',
  'open-findings',
  'assessment-pending',
  'agent-stale',
] as const;
export const MACHINE_SORT_VALUES = ['name', 'lastSeenAt', 'openFindings'] as const;

export const machineListQuerySchema = z.object({
  ...page,
  group: z.string().optional().describe('Group id or name: only its machines.'),
  q: z.string().max(200).optional().describe('Name substring, case-insensitive.'),
  os: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Substring of "family platform release codename", case-insensitive.'),
  owner: z.string().min(1).max(200).optional().describe('Owner substring, case-insensitive.'),
  tag: z.string().min(1).max(200).optional().describe('A tag the machine carries, exactly.'),
  status: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      `Comma-separated, any of: ${MACHINE_STATUS_VALUES.join(', ')}. stale: last contact older than console.staleAfterHours; never-seen: no inventory received yet.`,
    ),
  package: z
    .string()
    .min(1)
    .max(300)
    .optional()
    .describe('Machines whose latest inventory has this package, product or KB (exact name).'),
  version: z.string().min(1).max(300).optional().describe('With `package`: only at this exact version.'),
  sort: z.enum(MACHINE_SORT_VALUES).default('name'),
  order: z.enum(['asc', 'desc']).optional().describe('Default: asc, except openFindings (desc).'),
});

export const installedPackageSchema = z.object({
  kind: z.enum(['dpkg', 'rpm', 'product', 'kb']),
  name: z.string(),
  version: z.string().nullable(),
  release: z.string().nullable().describe('rpm RELEASE.'),
  arch: z.string().nullable(),
  source: z.string().nullable().describe('Source package (dpkg, rpm) or publisher (products).'),
});
export const packageListQuerySchema = z.object({
  ...page,
  q: z.string().min(1).max(200).optional().describe('Name substring, case-insensitive.'),
});
export const packageListSchema = z.object({ items: z.array(installedPackageSchema), total: z.number().int() });

/** A job as a machine's job list shows it: the job without its signed steps and report (see GET /jobs/{id}). */
export const jobSummarySchema = jobSchema.omit({ steps: true, report: true });
export const machineJobListSchema = z.object({ items: z.array(jobSummarySchema), total: z.number().int() });
export const machineJobQuerySchema = z.object(page);

const todayBulletinSchema = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  sourceId: z.string(),
  source: z.string().describe('Source name.'),
  published: z.string().nullable(),
  revised: z.string().nullable(),
  withdrawnAt: iso.nullable(),
  changedAt: iso.describe('When the sync that added, revised or withdrew it ran.'),
  machines: z
    .number()
    .int()
    .describe("The caller's machines it hits: open findings now; for a withdrawn one, findings it resolved."),
});
const bulletinChangeListSchema = z.object({
  items: z.array(todayBulletinSchema).describe('Most severe first, then most machines; at most 100.'),
  total: z.number().int(),
});

const triageItemSchema = z.object({
  bulletinId: z.string(),
  groupId: z.string(),
  group: z.string(),
  state: z.enum(TRIAGE_STATES),
  title: z.string().nullable(),
  severity: z.enum(SEVERITIES).nullable(),
  owner: z.string().nullable(),
  approvals: z.array(z.string()),
  updatedAt: iso,
});
const triageListSchema = z.object({ items: z.array(triageItemSchema), total: z.number().int() });

const todayDeploymentSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(DEPLOYMENT_STATUS_VALUES),
  statusReason: z.string().nullable(),
  currentRing: z.string().nullable(),
  machines: z.number().int(),
  failedMachines: z.number().int(),
  updatedAt: iso,
  finishedAt: iso.nullable(),
});

const todayMachineSchema = z.object({
  id: z.string(),
  name: z.string(),
  source: z.enum(['agent', 'import']),
  lastSeenAt: iso.nullable(),
  inventoryAt: iso.nullable(),
});
const machineListSchema = z.object({ items: z.array(todayMachineSchema), total: z.number().int() });

export const todayQuerySchema = z
  .object({
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("Overrides the caller's last visit (default: the last visit marked, else 7 days back)."),
  })
  .strict();

export const todaySchema = z.object({
  generatedAt: iso,
  since: iso.describe('Changes at or after this time are listed.'),
  lastVisit: iso.nullable().describe('When the caller last marked Today seen (POST /today/seen); null: never.'),
  bulletins: z.object({
    new: bulletinChangeListSchema,
    revised: bulletinChangeListSchema,
    withdrawn: bulletinChangeListSchema,
  }),
  deadlines: z.object({
    overdue: z.number().int(),
    dueSoon: z.number().int(),
    byGroup: z
      .array(
        z.object({
          groupId: z.string(),
          group: z.string(),
          machines: z.number().int(),
          overdue: z.number().int(),
          dueSoon: z.number().int(),
        }),
      )
      .describe('Groups with overdue or due-soon open findings, by group name.'),
  }),
  triage: z.object({
    waiting: triageListSchema.describe('(bulletin, group) pairs to be engineered (state new); at most 100.'),
    secondApprovals: triageListSchema.describe('Approvals waiting for a second approver that is not the caller.'),
  }),
  deployments: z.object({
    running: z.array(todayDeploymentSchema),
    paused: z.array(todayDeploymentSchema),
    halted: z.array(todayDeploymentSchema),
    failed: z
      .array(todayDeploymentSchema)
      .describe('Finished since `since`: aborted, or completed with failed machines.'),
  }),
  machines: z.object({
    staleAfterHours: z.number().int(),
    stale: machineListSchema.describe('Not seen for staleAfterHours, longest first; at most 100.'),
    neverSeen: machineListSchema.describe('No inventory received yet; at most 100.'),
  }),
  sources: z.object({
    failing: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        result: z.enum(['failed', 'refused']),
        message: z.string().nullable(),
        at: iso,
        lastGoodAt: iso.nullable(),
      }),
    ),
  }),
});

export const todaySeenSchema = z
  .object({
    at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('The `generatedAt` of the Today answer shown (default: now); not in the future.'),
  })
  .strict();
export const todaySeenAnswerSchema = z.object({ lastVisit: iso });

export type MachineListQuery = z.infer<typeof machineListQuerySchema>;
export type InstalledPackageWire = z.infer<typeof installedPackageSchema>;
export type JobSummaryWire = z.infer<typeof jobSummarySchema>;
export type TodayWire = z.infer<typeof todaySchema>;
export type TodayBulletinWire = z.infer<typeof todayBulletinSchema>;
export type TodayTriageItemWire = z.infer<typeof triageItemSchema>;
export type TodayDeploymentWire = z.infer<typeof todayDeploymentSchema>;
