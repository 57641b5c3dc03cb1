/**
 * Wire schemas of deployments (the rollout) under /api/v1: create one from approved fixes, follow
 * it ring by ring and machine by machine, pause, resume, abort and roll back. The OpenAPI document
 * is generated from these; the CLI (`patchhive deploy …`) speaks them.
 */
import { z } from 'zod';
import { RING_STRATEGIES } from '../rollout/model.js';
import { groupRebootPolicySchema } from './api.js';
import { actionNameSchema } from './jobs.js';

const iso = z.string().describe('ISO 8601 time (UTC).');
const isoInput = z.iso.datetime({ offset: true }).describe('ISO 8601 time with a zone, e.g. "2026-12-31T00:00:00Z".');
const text = (max: number) => z.string().trim().min(1).max(max);
const ref = text(200).describe('Id or name.');

export const DEPLOYMENT_STATUS_VALUES = ['running', 'paused', 'halted', 'aborted', 'completed'] as const;
export const MACHINE_DEPLOY_STATES = [
  'pending',
  'waiting-window',
  'running',
  'validating',
  'succeeded',
  'failed',
  'missed',
  'rolled-back',
] as const;
export const RING_STATUS_VALUES = ['waiting', 'running', 'soaking', 'passed', 'halted'] as const;

export const ringMembersInputSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('explicit'),
    machines: z.array(ref).min(1).max(100_000).describe('Machine ids or names.'),
  }),
  z.strictObject({
    kind: z.literal('percent'),
    percent: z.number().min(0).max(100).describe('Share of the whole target, rounded up.'),
  }),
  z.strictObject({
    kind: z.literal('strategy'),
    strategy: z.enum(RING_STRATEGIES),
    count: z.number().int().min(1).max(100_000).optional(),
  }),
]);

export const ringGateSchema = z.strictObject({
  minSuccessRatio: z.number().min(0).max(1).describe('Succeeded / members, once all finished.'),
  maxFailures: z.number().int().min(0).describe('More failures (or rollbacks) than this halt the ring at once.'),
});

export const ringInputSchema = z.strictObject({
  name: text(64),
  members: ringMembersInputSchema,
  soakSeconds: z
    .number()
    .int()
    .min(0)
    .max(90 * 86_400)
    .default(0)
    .describe('How long the ring must stay healthy before the next starts.'),
  gate: ringGateSchema.default({ minSuccessRatio: 1, maxFailures: 0 }),
});

export const rebootPolicySchema = groupRebootPolicySchema;

export const deploymentCreateSchema = z
  .strictObject({
    name: text(200),
    target: z
      .strictObject({
        groups: z.array(ref).max(1000).default([]),
        machines: z.array(ref).max(100_000).default([]),
      })
      .refine((t) => t.groups.length + t.machines.length > 0, { message: 'name at least one group or machine' }),
    bulletins: z
      .array(text(256))
      .max(10_000)
      .optional()
      .describe('Approved bulletins to install (default: every approved fix the target misses).'),
    rings: z.array(ringInputSchema).min(1).max(20),
    deadline: isoInput.nullable().default(null).describe('Machines not done by then are reported missed.'),
    rebootPolicy: rebootPolicySchema.nullable().default(null).describe("Overrides the groups' reboot policies."),
    rollbackOnHalt: z.boolean().default(true).describe('Roll back the machines of a ring that halts.'),
    preHook: actionNameSchema
      .nullable()
      .default(null)
      .describe(
        'Name of an approved action of the action catalog run before installing (e.g. a snapshot); no commands here.',
      ),
    postHook: actionNameSchema.nullable().default(null).describe('Name of an approved action run after installing.'),
    seed: text(128).optional().describe('Seeds percentage rings (default: the deployment id).'),
  })
  .describe('A deployment: approved fixes to a target through rings.');

/** Machines per state: every state is a key (an object rather than a record, so the document lists them). */
const stateCountsSchema = z.object(
  Object.fromEntries(MACHINE_DEPLOY_STATES.map((s) => [s, z.number().int()])) as Record<
    (typeof MACHINE_DEPLOY_STATES)[number],
    z.ZodNumber
  >,
);

export const ringStatusSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  status: z.enum(RING_STATUS_VALUES),
  startedAt: iso.nullable(),
  soakSeconds: z.number().int(),
  gate: ringGateSchema,
  members: z.number().int(),
  counts: stateCountsSchema,
  successRatio: z.number(),
});

export const plannedPackageSchema = z.object({
  name: z.string(),
  version: z.string(),
  previousVersion: z.string().nullable(),
});

const skippedBulletinSchema = z.object({ bulletinId: z.string(), reason: z.string() });

export const deploymentMachineSchema = z.object({
  machineId: z.string(),
  machineName: z.string(),
  ring: z.string(),
  ringIndex: z.number().int(),
  state: z.enum(MACHINE_DEPLOY_STATES),
  message: z.string().nullable(),
  bulletinIds: z.array(z.string()),
  packages: z.array(plannedPackageSchema),
  notInstallable: z.array(z.object({ bulletinId: z.string(), reason: z.string() })),
  jobId: z.string().nullable(),
  rebootDeferrals: z.number().int(),
  rollback: z.enum(['pending', 'running', 'succeeded', 'failed']).nullable(),
  rollbackJobId: z.string().nullable(),
  updatedAt: iso,
  finishedAt: iso.nullable(),
});

export const deploymentSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(DEPLOYMENT_STATUS_VALUES),
  statusReason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: iso,
  updatedAt: iso,
  finishedAt: iso.nullable(),
  deadline: iso.nullable(),
  bulletinIds: z.array(z.string()),
  rebootPolicy: rebootPolicySchema.nullable(),
  rollbackOnHalt: z.boolean(),
  currentRing: z.string().nullable().describe('The ring that runs or soaks now.'),
  rings: z.array(ringStatusSchema),
  counts: stateCountsSchema,
  /** Machines of the target that no ring took. */
  unplaced: z.array(z.string()),
});

export const deploymentDetailSchema = deploymentSchema.extend({
  machines: z.array(deploymentMachineSchema),
  skippedBulletins: z
    .array(skippedBulletinSchema)
    .optional()
    .describe(
      'In the answer that created the deployment: approved bulletins that no target machine can install, left out of it (named bulletins are refused instead).',
    ),
});
export const plannedWindowSchema = z
  .object({
    status: z
      .enum(['none', 'open', 'closed'])
      .describe("none: the machine's groups set no window, it installs at its next check-in; open: inside one now."),
    nextOpening: iso.nullable().describe('When closed: when the next of its windows opens (null: none opens again).'),
  })
  .describe("The machine's maintenance windows as of the plan.");

export const plannedMachineSchema = z.object({
  machineId: z.string(),
  machineName: z.string(),
  ring: z.string(),
  ringIndex: z.number().int(),
  state: z
    .enum(MACHINE_DEPLOY_STATES)
    .describe(
      'Where its run starts: pending (work to do), succeeded (nothing to install) or failed (nothing installable).',
    ),
  message: z.string().nullable(),
  manager: z.enum(['apt', 'dnf', 'windows', 'none']),
  bulletinIds: z.array(z.string()).describe('The bulletins its job fixes.'),
  packages: z.array(plannedPackageSchema).describe('The exact versions its job installs, in install order.'),
  notInstallable: z.array(skippedBulletinSchema).describe('Bulletins it misses that it will not get, and why.'),
  window: plannedWindowSchema,
  rebootPolicy: rebootPolicySchema.describe(
    "The reboot policy its job follows (the deployment's, its groups' or the server default).",
  ),
});

export const ringPlanSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  soakSeconds: z.number().int(),
  gate: ringGateSchema,
  machines: z.array(plannedMachineSchema),
});

export const deploymentPlanSchema = z
  .object({
    name: z.string(),
    seed: z.string().describe('The seed that placed the machines in rings: create with it to get the same placement.'),
    bulletinIds: z.array(z.string()),
    deadline: iso.nullable(),
    rebootPolicy: rebootPolicySchema.nullable().describe("The deployment's override (null: each machine's groups)."),
    rollbackOnHalt: z.boolean(),
    preHook: z.string().nullable(),
    postHook: z.string().nullable(),
    rings: z.array(ringPlanSchema),
    unplaced: z
      .array(z.object({ machineId: z.string(), machineName: z.string() }))
      .describe('Target machines no ring took.'),
    skippedBulletins: z
      .array(skippedBulletinSchema)
      .describe(
        'Approved bulletins that no target machine can install: left out (named bulletins are refused instead).',
      ),
    warnings: z.array(z.string()).describe('What will not go as one may expect, in plain words.'),
  })
  .describe('What POST /deployments would create now, machine by machine; nothing is stored.');
export const deploymentListSchema = z.object({ items: z.array(deploymentSchema) });
export const deploymentListQuerySchema = z.strictObject({
  status: z.string().optional().describe('Comma-separated statuses.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const deploymentActionSchema = z.strictObject({ reason: text(1000).optional() });
export const rollbackRequestSchema = z.strictObject({
  machines: z
    .array(ref)
    .max(100_000)
    .optional()
    .describe('Only these machines (default: every machine the deployment changed).'),
  reason: text(1000).optional(),
});

export const JOB_KINDS = ['install', 'rollback'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
/** issued: signed, not yet fetched; delivered: handed out at a check-in; then as the agent reports. */
export const JOB_STATES = [
  'issued',
  'delivered',
  'running',
  'succeeded',
  'failed',
  'refused',
  'interrupted',
  'expired',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const jobSchema = z.object({
  id: z.string(),
  kind: z.enum(JOB_KINDS),
  machineId: z.string(),
  machineName: z.string(),
  deploymentId: z.string().nullable(),
  sequence: z.number().int(),
  state: z.enum(JOB_STATES),
  issuedAt: iso,
  expiresAt: iso,
  deliveredAt: iso.nullable(),
  reportedAt: iso.nullable(),
  message: z.string().nullable(),
  steps: z.array(z.unknown()).describe('The signed steps.'),
  report: z.unknown().nullable().describe("The agent's latest report, step logs included."),
});
export const jobListSchema = z.object({ items: z.array(jobSchema) });

export type DeploymentCreate = z.input<typeof deploymentCreateSchema>;
export type DeploymentCreateParsed = z.output<typeof deploymentCreateSchema>;
export type DeploymentWire = z.infer<typeof deploymentSchema>;
export type DeploymentDetailWire = z.infer<typeof deploymentDetailSchema>;
export type DeploymentMachineWire = z.infer<typeof deploymentMachineSchema>;
export type DeploymentPlanWire = z.infer<typeof deploymentPlanSchema>;
export type PlannedMachineWire = z.infer<typeof plannedMachineSchema>;
export type RingStatusWire = z.infer<typeof ringStatusSchema>;
export type JobWire = z.infer<typeof jobSchema>;
