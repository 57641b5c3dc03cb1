/**
 * Wire schemas of triage, approval rules, risk exceptions, notification channels and reports
 * (REST under /api/v1). The OpenAPI document is generated from these.
 */
import { z } from 'zod';
import { SEVERITIES } from '../catalog/model.js';
import { SLA_STATUSES, TRIAGE_STATES } from '../policy/model.js';

/** What notifications are sent about. */
export const NOTIFICATION_EVENTS = [
  'bulletin.new',
  'bulletin.revised',
  'bulletin.withdrawn',
  'findings.due-soon',
  'findings.overdue',
  'deployment.halted',
  'deployment.failed',
  'digest',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

const iso = z.string().describe('ISO 8601 time (UTC).');
const isoInput = z.iso.datetime({ offset: true }).describe('ISO 8601 time with a zone, e.g. "2026-12-31T00:00:00Z".');
const text = (max: number) => z.string().trim().min(1).max(max);

export const triageDecisionSchema = z.object({
  bulletinId: z.string(),
  groupId: z.string(),
  group: z.string().describe('Group name.'),
  state: z.enum(TRIAGE_STATES).describe('As stored; an ignore past its expiry is reported as "new".'),
  owner: z.string().nullable(),
  notes: z.string().nullable(),
  reason: z.string().nullable(),
  ignoreUntil: iso.nullable(),
  emergency: z.boolean(),
  approvals: z.array(z.string()),
  createdAt: iso,
  updatedAt: iso,
  updatedBy: z.string(),
  version: z.number().int(),
});

/** A decision of the triage queue with what a bulk-action view shows beside it. */
export const triageQueueItemSchema = triageDecisionSchema.extend({
  title: z.string().describe("The bulletin's title (its id when the bulletin is gone)."),
  severity: z.enum(SEVERITIES),
  published: z.string().nullable(),
  dueAt: iso
    .nullable()
    .describe(
      "The group's deadline for the bulletin: publication (else when it entered the queue) + the severity's duration under the group's policy (emergency track when approved as one); null: none, or ignored / declined.",
    ),
  affectedMachines: z
    .number()
    .int()
    .describe("The group's machines with the bulletin missing or affected now (within the caller's scope)."),
});

export const triageEventSchema = z.object({
  id: z.string(),
  bulletinId: z.string(),
  groupId: z.string(),
  at: iso,
  actor: z.string(),
  action: z.string(),
  fromState: z.enum(TRIAGE_STATES).nullable(),
  toState: z.enum(TRIAGE_STATES),
  detail: z.record(z.string(), z.union([z.string(), z.boolean(), z.null()])),
});

export const triageQuerySchema = z
  .object({
    group: z.string().optional().describe('Group id or name.'),
    bulletin: z.string().optional(),
    state: z
      .string()
      .optional()
      .describe(
        'Comma-separated states; "new" is the triage queue, "awaiting-second-approval" the approvals waiting for a second approver.',
      ),
    severity: z.enum(SEVERITIES).optional().describe("Minimum severity of the decision's bulletin."),
    waitingFor: z
      .enum(['me'])
      .optional()
      .describe(
        'me: only the approvals waiting for a second approver that the caller can give (awaiting-second-approval, not approved by the caller), as Today counts them.',
      ),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const triageActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('approve'), emergency: z.boolean().optional(), note: text(2000).optional() }).strict(),
  z
    .object({
      kind: z.literal('ignore'),
      reason: text(2000),
      until: isoInput.nullable().optional(),
      note: text(2000).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('decline'), reason: text(2000), note: text(2000).optional() }).strict(),
  z.object({ kind: z.literal('reopen'), note: text(2000).optional() }).strict(),
  z.object({ kind: z.literal('assign'), owner: text(200).nullable() }).strict(),
  z.object({ kind: z.literal('note'), text: text(2000) }).strict(),
]);

export const triageBulkSchema = z
  .object({
    items: z
      .array(
        z
          .object({
            bulletin: z.string().min(1).max(200),
            group: z.string().min(1).max(200).describe('Group id or name.'),
            expectedVersion: z
              .number()
              .int()
              .min(0)
              .optional()
              .describe('Refuse (E_CONFLICT) when the decision changed since.'),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
    action: triageActionSchema,
  })
  .strict();

export const triageBulkResultSchema = z.object({
  items: z.array(
    z.object({
      bulletin: z.string(),
      group: z.string(),
      ok: z.boolean(),
      decision: triageDecisionSchema.optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
  applied: z.number().int(),
  refused: z.number().int(),
});

const ruleMatchSchema = z
  .object({
    severities: z.array(z.enum(SEVERITIES)).max(5).optional(),
    sources: z.array(text(200)).max(100).optional().describe('Catalog source names or ids.'),
    products: z.array(text(200)).max(100).optional(),
    packages: z.array(text(200)).max(1000).optional(),
  })
  .strict();

export const approvalRuleCreateSchema = z
  .object({
    name: text(100),
    priority: z.number().int().min(0).max(1_000_000).default(100),
    enabled: z.boolean().default(true),
    group: z.string().max(200).nullable().optional().describe('Group id or name; absent or null: every group.'),
    match: ruleMatchSchema.default({}),
    decision: z.enum(['approve', 'ignore', 'decline']),
    reason: text(2000).optional(),
    emergency: z.boolean().default(false),
    after: z
      .object({ group: z.string().min(1).max(200), days: z.number().int().min(0).max(365) })
      .strict()
      .optional()
      .describe('Test-then-approve: decide only this many days after the fix succeeded in that group.'),
  })
  .strict();

export const approvalRuleUpdateSchema = z
  .object({
    priority: z.number().int().min(0).max(1_000_000),
    enabled: z.boolean(),
    match: ruleMatchSchema,
    reason: text(2000).nullable(),
    emergency: z.boolean(),
  })
  .partial()
  .strict();

export const approvalRuleSchema = z.object({
  id: z.string(),
  name: z.string(),
  priority: z.number().int(),
  enabled: z.boolean(),
  groupId: z.string().nullable(),
  match: ruleMatchSchema,
  decision: z.enum(['approve', 'ignore', 'decline']),
  reason: z.string().nullable(),
  emergency: z.boolean(),
  after: z.object({ groupId: z.string(), days: z.number().int() }).nullable(),
  createdAt: iso,
  createdBy: z.string(),
});

export const exceptionCreateSchema = z
  .object({
    bulletin: z.string().min(1).max(200),
    machine: z.string().min(1).max(200).optional().describe('Machine id or name (or give group).'),
    group: z.string().min(1).max(200).optional().describe('Group id or name (or give machine).'),
    owner: text(200),
    reason: text(2000),
    until: isoInput,
  })
  .strict();

export const exceptionSchema = z.object({
  id: z.string(),
  bulletinId: z.string(),
  machineId: z.string().nullable(),
  groupId: z.string().nullable(),
  owner: z.string(),
  reason: z.string(),
  until: iso,
  createdAt: iso,
  createdBy: z.string(),
  revokedAt: iso.nullable(),
  active: z.boolean(),
});

export const exceptionQuerySchema = z
  .object({
    bulletin: z.string().optional(),
    machine: z.string().optional(),
    group: z.string().optional(),
    active: z.enum(['true', 'any']).default('true'),
  })
  .strict();

export const workItemSchema = z.object({
  machineId: z.string(),
  machineName: z.string(),
  bulletinId: z.string(),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  package: z.string().nullable(),
  fixedVersion: z.string().nullable(),
  dueAt: iso.nullable(),
  sla: z.enum(SLA_STATUSES),
});

export const channelCreateSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9][a-z0-9_.-]*$/),
    kind: z.enum(['webhook', 'slack', 'email']),
    target: z.string().min(1).max(2000).describe('URL (webhook, slack) or comma-separated e-mail addresses.'),
    secret: z.string().min(16).max(500).optional().describe('HMAC-SHA256 key for webhooks; never shown again.'),
    events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1),
    minMachines: z.number().int().min(0).max(1_000_000).default(1),
    groups: z.array(z.string().max(200)).max(1000).default([]).describe('Group ids or names; empty: every group.'),
    enabled: z.boolean().default(true),
  })
  .strict();

export const channelUpdateSchema = z
  .object({
    target: z.string().min(1).max(2000),
    secret: z.string().min(16).max(500).describe('A new HMAC key for a webhook channel (rotation); never shown again.'),
    events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1),
    minMachines: z.number().int().min(0).max(1_000_000),
    groups: z.array(z.string().max(200)).max(1000),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

export const channelSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['webhook', 'slack', 'email']),
  target: z
    .string()
    .describe('E-mail addresses; for URLs only the origin (Slack-style URLs carry their key in the path).'),
  signed: z.boolean(),
  events: z.array(z.enum(NOTIFICATION_EVENTS)),
  minMachines: z.number().int(),
  groupIds: z.array(z.string()),
  enabled: z.boolean(),
  createdAt: iso,
});

export const deliverySchema = z.object({
  id: z.string(),
  channelId: z.string(),
  event: z.enum(NOTIFICATION_EVENTS),
  eventKey: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: iso.nullable(),
  lastError: z.string().nullable(),
  createdAt: iso,
  deliveredAt: iso.nullable(),
});

export const deliveryQuerySchema = z
  .object({
    channel: z.string().optional(),
    status: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const REPORT_FORMATS = ['json', 'csv', 'html', 'pdf'] as const;
export const REPORT_SECTIONS = ['overdue', 'groups', 'owners', 'severities', 'bulletins', 'trends'] as const;

export const reportQuerySchema = z
  .object({
    group: z.string().optional().describe('Group id or name; absent: the whole fleet.'),
    format: z.enum(REPORT_FORMATS).default('json'),
    section: z.enum(REPORT_SECTIONS).default('overdue').describe('For CSV: which table.'),
    periodDays: z.coerce
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(30)
      .describe('Trends and time to remediate over this many days.'),
  })
  .strict();

export type TriageDecisionWire = z.infer<typeof triageDecisionSchema>;
export type TriageEventWire = z.infer<typeof triageEventSchema>;
export type TriageQueueItemWire = z.infer<typeof triageQueueItemSchema>;
export type TriageQuery = z.infer<typeof triageQuerySchema>;
export type TriageBulk = z.infer<typeof triageBulkSchema>;
export type TriageBulkResult = z.infer<typeof triageBulkResultSchema>;
export type ApprovalRuleCreate = z.infer<typeof approvalRuleCreateSchema>;
export type ApprovalRuleUpdate = z.infer<typeof approvalRuleUpdateSchema>;
export type ApprovalRuleWire = z.infer<typeof approvalRuleSchema>;
export type ExceptionCreate = z.infer<typeof exceptionCreateSchema>;
export type ExceptionWire = z.infer<typeof exceptionSchema>;
export type ExceptionQuery = z.infer<typeof exceptionQuerySchema>;
export type WorkItemWire = z.infer<typeof workItemSchema>;
export type ChannelCreate = z.infer<typeof channelCreateSchema>;
export type ChannelUpdate = z.infer<typeof channelUpdateSchema>;
export type ChannelWire = z.infer<typeof channelSchema>;
export type DeliveryWire = z.infer<typeof deliverySchema>;
export type ReportQuery = z.infer<typeof reportQuerySchema>;
