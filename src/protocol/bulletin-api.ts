/**
 * Wire schemas of one bulletin's pages: its catalog content (description, references,
 * supersedence, fixes) and the machines it hits, grouped by machine group.
 */
import { z } from 'zod';
import { FINDING_STATUSES } from '../detect/model.js';
import { SLA_STATUSES, TRIAGE_STATES } from '../policy/model.js';
import { bulletinSchema } from './api.js';

const iso = z.string().describe('ISO 8601 time (UTC).');

export const bulletinFixSchema = z.object({
  id: z.string(),
  product: z.string().nullable(),
  package: z
    .object({ manager: z.enum(['dpkg', 'rpm', 'windows']), name: z.string(), version: z.string().nullable() })
    .nullable()
    .describe('The package and version that fix it (Linux), null for a KB or a manual remediation.'),
  kb: z.string().nullable().describe('The KB that fixes it (Microsoft).'),
  available: z.boolean().describe('False: no fix yet; applicable machines are reported "affected".'),
});

export const bulletinDetailSchema = bulletinSchema.extend({
  description: z.string().nullable(),
  class: z.string().nullable().describe('vulnerability, patch, compliance, inventory or miscellaneous.'),
  references: z.array(z.object({ source: z.string(), id: z.string(), url: z.string().nullable() })),
  supersedes: z.array(z.string()).describe('Bulletins this one replaces.'),
  supersededBy: z.array(z.string()).describe('Bulletins of the loaded catalogs that replace this one.'),
  fixes: z.array(bulletinFixSchema),
  manualRemediation: z.string().nullable().describe('The configuration change that remediates it when no fix exists.'),
  notes: z.array(z.string()),
  inCatalog: z
    .boolean()
    .describe('False when no loaded catalog holds it any more (withdrawn): the catalog fields are then empty.'),
});

export const bulletinMachinesQuerySchema = z
  .object({
    group: z.string().max(200).optional().describe('Group id or name: that group only.'),
    status: z
      .string()
      .max(200)
      .optional()
      .describe('Comma-separated finding statuses, or "all"; default: missing,affected (the open findings).'),
    limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Machines listed per group.'),
    offset: z.coerce.number().int().min(0).default(0).describe('Machines skipped in each group.'),
  })
  .strict();

export const bulletinMachineSchema = z.object({
  machineId: z.string(),
  name: z.string(),
  status: z.enum(FINDING_STATUSES),
  reason: z.string().nullable().describe('The deciding evidence in one sentence.'),
  package: z.string().nullable(),
  fixedVersion: z.string().nullable(),
  firstSeenAt: iso,
  resolvedAt: iso.nullable(),
  dueAt: iso.nullable(),
  sla: z.enum(SLA_STATUSES),
});

export const bulletinMachineGroupSchema = z.object({
  groupId: z.string().nullable().describe('Null for the machines in no group.'),
  group: z.string().describe('Group name; "(no group)" for the machines in none.'),
  triage: z
    .object({ state: z.enum(TRIAGE_STATES), version: z.number().int(), updatedAt: iso, updatedBy: z.string() })
    .nullable()
    .describe("The bulletin's triage decision in this group (null: none yet, or no group)."),
  total: z.number().int().describe("The group's machines with a matching finding (all pages)."),
  items: z.array(bulletinMachineSchema).describe('Ordered by machine name; limit and offset apply per group.'),
});

export const bulletinMachinesSchema = z.object({
  bulletinId: z.string(),
  machines: z
    .number()
    .int()
    .describe('Distinct machines with a matching finding (a machine in two groups counts once).'),
  groups: z
    .array(bulletinMachineGroupSchema)
    .describe('Groups with at least one such machine, by name; "(no group)" last.'),
});

export type BulletinDetailWire = z.infer<typeof bulletinDetailSchema>;
export type BulletinMachinesQuery = z.infer<typeof bulletinMachinesQuerySchema>;
export type BulletinMachinesWire = z.infer<typeof bulletinMachinesSchema>;
export type BulletinMachineGroupWire = z.infer<typeof bulletinMachineGroupSchema>;
