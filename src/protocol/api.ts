/**
 * Wire schemas of the administrators' REST API under /api/v1. The OpenAPI document is generated
 * from these; the CLI client parses responses with them.
 */
import { z } from 'zod';
import { SEVERITIES } from '../catalog/model.js';
import { FINDING_STATUSES } from '../detect/model.js';
import { ROLES, SLA_STATUSES, TRIAGE_STATES, type Role } from '../policy/model.js';

export const API_PREFIX = '/api/v1';
export { ROLES, type Role };
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];
export const SOURCE_FORMATS = ['oval', 'debian-tracker', 'msrc-csv', 'msrc-json', 'native'] as const;

const iso = z.string().describe('ISO 8601 time (UTC).');
const name = z.string().min(1).max(200);
const tag = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/);

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const machineAttributesSchema = z
  .object({
    role: z.string().max(100).nullable().optional().describe('Role or function, e.g. "web".'),
    criticality: z.enum(CRITICALITIES).optional(),
    owner: z.string().max(200).nullable().optional().describe('Owner contact (e-mail or team).'),
    location: z.string().max(200).nullable().optional(),
    tags: z.array(tag).max(100).optional(),
    internetFacing: z.boolean().optional(),
  })
  .strict();

export const machineSchema = z.object({
  id: z.string(),
  name: z.string(),
  os: z
    .object({
      family: z.string(),
      platform: z.string(),
      release: z.string().optional(),
      codename: z.string().optional(),
      version: z.string().optional(),
      arch: z.string().optional(),
    })
    .nullable(),
  role: z.string().nullable(),
  criticality: z.enum(CRITICALITIES),
  owner: z.string().nullable(),
  location: z.string().nullable(),
  tags: z.array(z.string()),
  internetFacing: z.boolean(),
  source: z.enum(['agent', 'import']),
  agentId: z.string().nullable(),
  createdAt: iso,
  lastSeenAt: iso.nullable(),
  inventoryAt: iso.nullable(),
  assessedAt: iso.nullable(),
  assessmentPending: z.boolean(),
  agentStale: z
    .object({ since: iso, reason: z.string() })
    .nullable()
    .describe(
      "Set while the machine's agent reports it has seen no fresh signed server time since `since` (frozen or replayed answers; docs/KEYS.md).",
    ),
  openFindings: z.number().int().describe('Findings missing or affected.'),
});

export const machineImportSchema = z
  .object({
    inventory: z.unknown().describe('A patchhive.inventory/1 document.'),
    attributes: machineAttributesSchema.optional(),
  })
  .strict();

const durationText = z.string().min(2).max(40).describe('ISO 8601 duration, e.g. "P14D" or "PT24H".');
const severityDurations = z
  .object(
    Object.fromEntries(SEVERITIES.map((sev) => [sev, durationText.nullable().optional()])) as Record<
      (typeof SEVERITIES)[number],
      z.ZodOptional<z.ZodNullable<typeof durationText>>
    >,
  )
  .strict()
  .describe('Per severity: a duration, or null for no deadline.');

/** A group's deadline settings; fields absent fall back to the server default. */
export const deadlinePolicySchema = z
  .object({
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('IANA time zone the calendar arithmetic uses, e.g. "Europe/Berlin".'),
    tested: severityDurations.optional().describe('Deadlines after testing (the normal track).'),
    emergency: severityDurations.optional().describe('Deadlines of an emergency (untested) approval.'),
    dueSoon: durationText.optional().describe('How far ahead a deadline counts as due soon.'),
  })
  .strict();

/** A recurring maintenance window: a cron expression for its start, read in `timeZone`, and a length. */
export const maintenanceWindowSchema = z
  .object({
    cron: z.string().min(1).max(200).describe('Start of each window, e.g. "0 22 * * 0" (Sundays 22:00).'),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
    timeZone: z.string().min(1).max(64).describe('IANA time zone, e.g. "Europe/Berlin".'),
  })
  .strict();

export const groupRebootPolicySchema = z
  .object({
    mode: z.enum(['never', 'if-required', 'always']),
    onlyInWindow: z.boolean().describe('Reboot only inside the maintenance window.'),
    maxDeferrals: z.number().int().min(0).max(100).describe('How often a logged-in user may postpone it.'),
  })
  .strict();

export const groupSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  kind: z.enum(['static', 'rule']),
  rule: z.string().nullable().describe('For rule groups, e.g. "role = web and internet_facing".'),
  members: z.array(z.string()).describe('Machine ids (static groups: as set; rule groups: as evaluated now).'),
  rescanSchedule: z.string().nullable().describe('Cron expression for re-assessing the members.'),
  owner: z.string().nullable().describe('Who answers for the group; an e-mail address receives its digest.'),
  requiresSecondApprover: z.boolean().describe('Approvals need two different approvers.'),
  deadlinePolicy: deadlinePolicySchema.nullable().describe('Deadline settings that differ from the server default.'),
  maintenanceWindow: maintenanceWindowSchema
    .nullable()
    .describe('When deployments may install on the members (null: any time).'),
  rebootPolicy: groupRebootPolicySchema
    .nullable()
    .describe('How members reboot after installing (null: the server default).'),
  createdAt: iso,
});

export const groupCreateSchema = z
  .object({
    name,
    description: z.string().max(2000).optional(),
    kind: z.enum(['static', 'rule']),
    rule: z.string().max(2000).optional(),
    members: z.array(z.string().max(200)).max(100_000).optional().describe('Machine ids or names (static groups).'),
    rescanSchedule: z.string().max(200).optional(),
    owner: z.string().max(200).optional(),
    requiresSecondApprover: z.boolean().optional(),
    deadlinePolicy: deadlinePolicySchema.optional(),
    maintenanceWindow: maintenanceWindowSchema.optional(),
    rebootPolicy: groupRebootPolicySchema.optional(),
  })
  .strict();

export const groupUpdateSchema = groupCreateSchema
  .omit({ kind: true })
  .extend({
    description: z.string().max(2000).nullable().describe('null clears it.'),
    rescanSchedule: z.string().max(200).nullable().describe('null stops scheduled rescans.'),
    owner: z.string().max(200).nullable().describe('null clears it.'),
    deadlinePolicy: deadlinePolicySchema.nullable().describe('null returns to the server default.'),
    maintenanceWindow: maintenanceWindowSchema.nullable().describe('null: installs may happen any time.'),
    rebootPolicy: groupRebootPolicySchema.nullable().describe('null returns to the server default.'),
  })
  .partial()
  .strict();

export const evidenceSchema = z.object({
  ref: z.string(),
  subject: z.string(),
  expected: z.string().optional(),
  actual: z.string().optional(),
  result: z.string(),
  message: z.string(),
});

export const findingSchema = z.object({
  machineId: z.string(),
  machineName: z.string(),
  bulletinId: z.string(),
  status: z.enum(FINDING_STATUSES),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  package: z.string().nullable(),
  fixedVersion: z.string().nullable(),
  reason: z.string().nullable().describe('The deciding evidence in one sentence.'),
  evidence: z.array(evidenceSchema),
  firstSeenAt: iso,
  lastSeenAt: iso,
  resolvedAt: iso.nullable(),
  dueAt: iso
    .nullable()
    .describe("Deadline: publication + the severity's duration under the group policies (the earliest); null: none."),
  sla: z
    .enum(SLA_STATUSES)
    .describe('Where the finding stands against its deadline, after triage and risk exceptions.'),
  triage: z.enum(TRIAGE_STATES).describe("The most restrictive triage state over the machine's groups."),
});

export const findingQuerySchema = pageQuerySchema.extend({
  machine: z.string().optional().describe('Machine id or name.'),
  bulletin: z.string().optional(),
  group: z.string().optional().describe('Group id or name.'),
  status: z
    .string()
    .optional()
    .describe(
      'Comma-separated statuses; default: missing,affected (the open findings a machine counts; unknown ones on request).',
    ),
  severity: z.enum(SEVERITIES).optional().describe('Minimum severity.'),
  resolved: z.enum(['true', 'false', 'any']).default('false'),
});

export const bulletinSchema = z.object({
  id: z.string(),
  sourceId: z.string(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  published: z.string().nullable(),
  revised: z.string().nullable(),
  cves: z.array(z.string()),
  kbs: z.array(z.string()),
  withdrawnAt: iso.nullable(),
  affectedMachines: z.number().int().describe('Machines with this bulletin missing or affected.'),
});

/** How bulletin lists can be ordered: a field, descending with a leading "-"; the id settles ties. */
export const BULLETIN_SORTS = ['-published', 'published', '-severity', 'severity', 'id', '-id'] as const;
export type BulletinSort = (typeof BULLETIN_SORTS)[number];

export const bulletinQuerySchema = pageQuerySchema.extend({
  severity: z.enum(SEVERITIES).optional(),
  source: z.string().optional(),
  q: z.string().max(200).optional().describe('Substring of id, title or CVE.'),
  affecting: z.enum(['true', 'false', 'any']).default('any'),
  publishedFrom: z.iso
    .date()
    .optional()
    .describe('Published on or after this day (YYYY-MM-DD, UTC); undated bulletins never match.'),
  publishedTo: z.iso.date().optional().describe('Published on or before this day (YYYY-MM-DD, UTC).'),
  cve: z
    .string()
    .regex(/^CVE-\d{4}-\d{4,}$/i)
    .optional()
    .describe('Only bulletins that carry this CVE id (exact, any case).'),
  kb: z
    .string()
    .regex(/^(KB)?\d{1,10}$/i)
    .optional()
    .describe('Only bulletins that carry this KB number (Microsoft), with or without the "KB" prefix.'),
  sort: z.enum(BULLETIN_SORTS).default('-published').describe('Order: a field, descending with a leading "-".'),
});

export const sourceCreateSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9][a-z0-9_.-]*$/),
    url: z.string().max(2000).describe('http(s):// URL or file:// URL / absolute path.'),
    format: z.enum(SOURCE_FORMATS).optional().describe('Default: recognised by content.'),
    release: z
      .string()
      .max(40)
      .optional()
      .describe(
        "Debian release codename for tracker feeds; default: the server host's own Debian release (said in the answer's notes).",
      ),
    schedule: z.string().max(200).optional().describe('Cron expression; default: no automatic sync.'),
    signingKey: z
      .string()
      .max(10_000)
      .optional()
      .describe('PEM Ed25519 public key; a signed feed must verify with it.'),
    allowUnsigned: z
      .boolean()
      .optional()
      .describe(
        'Load native catalogs that carry no signature (not recommended); default false: refused, as `patchhive scan` refuses them.',
      ),
    enabled: z.boolean().default(true),
  })
  .strict();

export const sourceUpdateSchema = sourceCreateSchema
  .omit({ name: true })
  .extend({ enabled: z.boolean().optional() }) // no default: an update leaves `enabled` alone unless given
  .partial()
  .strict();

export const syncDiffSchema = z.object({
  added: z.array(z.object({ id: z.string(), affectedMachines: z.number().int() })),
  revised: z.array(z.object({ id: z.string(), affectedMachines: z.number().int() })),
  withdrawn: z.array(z.object({ id: z.string(), affectedMachines: z.number().int() })),
});

export const syncRecordSchema = z.object({
  id: z.string(),
  sourceId: z.string(),
  startedAt: iso,
  finishedAt: iso,
  result: z.enum(['updated', 'not-modified', 'failed', 'refused']),
  message: z.string().nullable().describe('Why it failed or was refused; warnings.'),
  errorCode: z
    .string()
    .optional()
    .describe('The stable code of a failed or refused sync, e.g. E_FEED_UNREACHABLE or E_SIGNATURE_INVALID.'),
  bytes: z.number().int().describe('Body bytes transferred.'),
  diff: syncDiffSchema.nullable(),
});

export const sourceSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  format: z.enum(SOURCE_FORMATS).nullable(),
  release: z.string().nullable(),
  schedule: z.string().nullable(),
  signed: z.boolean(),
  allowUnsigned: z.boolean().describe('Unsigned native catalogs are loaded (otherwise refused).'),
  enabled: z.boolean(),
  bulletins: z.number().int(),
  lastSync: syncRecordSchema.nullable(),
  lastGoodAt: iso.nullable(),
  notes: z
    .array(z.string())
    .optional()
    .describe(
      'What the server chose for the caller (e.g. the default release of a tracker source); only in the answer that made the choice.',
    ),
});

export const enrollmentTokenCreateSchema = z
  .object({
    expiresInHours: z
      .number()
      .positive()
      .max(24 * 365)
      .default(24),
    maxUses: z.number().int().min(1).max(1_000_000).default(1),
    note: z.string().max(200).optional(),
  })
  .strict();

export const enrollmentTokenSchema = z.object({
  id: z.string(),
  note: z.string().nullable(),
  expiresAt: iso,
  maxUses: z.number().int(),
  uses: z.number().int(),
  revokedAt: iso.nullable(),
  createdAt: iso,
  createdBy: z.string(),
});

export const apiTokenCreateSchema = z
  .object({
    name: z.string().min(1).max(100),
    user: z.string().min(1).max(100).describe('User name; created with the role when new.'),
    role: z.enum(ROLES),
    groups: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(50)
      .optional()
      .describe(
        'Scope: the token sees and acts on the machines of these groups (ids or names) only. Viewer and operator tokens only; without it, the whole fleet.',
      ),
    expiresInDays: z.number().positive().max(3650).optional(),
  })
  .strict();

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  user: z.string(),
  role: z.enum(ROLES),
  groups: z
    .array(z.string())
    .nullable()
    .default(null)
    .describe('The scope: names of the groups the token is limited to; null: the whole fleet.'),
  expiresAt: iso.nullable(),
  revokedAt: iso.nullable(),
  lastUsedAt: iso.nullable(),
  createdAt: iso,
});

/** A created token: the only time its secret is shown. */
export const createdSecretSchema = z.object({ id: z.string(), secret: z.string() });

export const listOf = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), total: z.number().int() });

export type MachineWire = z.infer<typeof machineSchema>;
export type MachineAttributes = z.infer<typeof machineAttributesSchema>;
export type GroupWire = z.infer<typeof groupSchema>;
export type GroupCreate = z.infer<typeof groupCreateSchema>;
export type GroupUpdate = z.infer<typeof groupUpdateSchema>;
export type FindingWire = z.infer<typeof findingSchema>;
export type FindingQuery = z.infer<typeof findingQuerySchema>;
export type BulletinWire = z.infer<typeof bulletinSchema>;
export type BulletinQuery = z.infer<typeof bulletinQuerySchema>;
export type SourceCreate = z.infer<typeof sourceCreateSchema>;
export type SourceWire = z.infer<typeof sourceSchema>;
export type SyncRecordWire = z.infer<typeof syncRecordSchema>;
export type SyncDiff = z.infer<typeof syncDiffSchema>;
export type EnrollmentTokenWire = z.infer<typeof enrollmentTokenSchema>;
export type ApiTokenWire = z.infer<typeof apiTokenSchema>;
export type ApiTokenCreate = z.infer<typeof apiTokenCreateSchema>;
