/**
 * Wire schemas of the controls under /api/v1: the action catalog (named argv lists that hooks and
 * script steps use; the API accepts no free-form commands) and change requests (a change to a
 * control proposed by one admin that takes effect only when a second admin approves it).
 */
import { z } from 'zod';
import { actionNameSchema, argvSchema } from './jobs.js';

const iso = z.string().describe('ISO 8601 time (UTC).');

export { actionNameSchema };

export const ACTION_STATUSES = ['pending', 'active', 'superseded', 'rejected', 'removed'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** Timeout of an action's step when the action does not say (seconds). */
export const DEFAULT_ACTION_TIMEOUT_SECONDS = 600;

export const actionPutSchema = z
  .strictObject({
    name: actionNameSchema,
    argv: argvSchema.describe('The program (absolute path) and its arguments, run without a shell, exactly as given.'),
    description: z
      .string()
      .trim()
      .max(1000)
      .regex(/^[^\x00-\x1f\x7f]*$/, { message: 'control characters are not allowed' })
      .nullable()
      .default(null),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_ACTION_TIMEOUT_SECONDS),
  })
  .describe('Proposes a new action, or a new version of one; a second admin must approve it.');

export const actionSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  argv: z.array(z.string()),
  description: z.string().nullable(),
  timeoutSeconds: z.number().int(),
  status: z.enum(ACTION_STATUSES),
  proposedBy: z.string(),
  proposedAt: iso,
  approvedBy: z.string().nullable(),
  approvedAt: iso.nullable(),
});

export const actionListQuerySchema = z.strictObject({
  history: z.enum(['true', 'false']).default('false').describe('Also superseded, rejected and removed versions.'),
});

export const CHANGE_KINDS = [
  'action.put',
  'group.second-approver-off',
  'approval-rule.update',
  'approval-rule.delete',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export const CHANGE_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'failed'] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

export const changeRequestSchema = z
  .object({
    id: z.string(),
    kind: z.enum(CHANGE_KINDS),
    target: z.string().describe('What it changes: the action name, group id or approval rule id.'),
    summary: z.string(),
    payload: z.unknown().describe('The change itself (kind-specific).'),
    status: z.enum(CHANGE_STATUSES),
    proposedBy: z.string(),
    proposedAt: iso,
    expiresAt: iso,
    decidedBy: z.string().nullable(),
    decidedAt: iso.nullable(),
    message: z.string().nullable().describe('Why applying an approved change failed.'),
  })
  .describe('A change to a control that waits for a second admin.');

export const changeListQuerySchema = z.strictObject({
  status: z.enum(CHANGE_STATUSES).default('pending'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export type ActionPut = z.input<typeof actionPutSchema>;
export type ActionWire = z.infer<typeof actionSchema>;
export type ChangeRequestWire = z.infer<typeof changeRequestSchema>;
