/**
 * The agent ↔ server wire protocol. The agent imports only this folder, `inventory/` and its own
 * code; the server validates every request with these schemas.
 */
import { z } from 'zod';
import { inventorySchema, probeRequestSchema } from '../inventory/model.js';
import { fingerprintSchema, keyAnnouncementSchema, serverTimeSchema, staleReportSchema } from './key-trust.js';

export const AGENT_API_PREFIX = '/api/v1/agent';

const secret = z.string().min(16).max(256);

export const enrollRequestSchema = z
  .object({
    token: secret.describe('The enrollment token, as shown once when it was created.'),
    hostname: z.string().min(1).max(255).describe('The machine name the agent reports.'),
  })
  .strict()
  .describe('First contact of a new agent.');

export const enrollResponseSchema = z
  .object({
    agentId: z.string(),
    machineId: z.string(),
    credential: z
      .string()
      .describe('The agent\'s own secret; sent as "Authorization: Bearer <credential>". Shown once.'),
    jobSigningPublicKey: z.string().describe('PEM (SPKI) Ed25519 key the agent pins to verify jobs.'),
    checkinIntervalSeconds: z.number().int().positive(),
  })
  .describe('What an enrolled agent keeps.');

/** Files, registry values and text files the server asks the agent to read (declared with the inventory). */
export { probeRequestSchema };

/** Longest step log (its tail) an agent sends; the rest stays in the agent's own log. */
export const MAX_STEP_LOG_CHARS = 16 * 1024;
export const MAX_JOB_REPORTS = 20;

const reportId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);

/** What became of one step of a job, as the agent journaled it. */
export const stepReportSchema = z
  .object({
    index: z.number().int().min(0).max(10_000),
    kind: z.string().max(32),
    result: z.enum(['succeeded', 'failed', 'skipped', 'interrupted']),
    exitCode: z.number().int().nullable(),
    startedAt: z.string().max(40),
    finishedAt: z.string().max(40).nullable(),
    /** The tail of the step's output (stdout and stderr interleaved), secrets never included. */
    log: z.string().max(MAX_STEP_LOG_CHARS),
    /** One line for people: "installed 6 packages", "postinst of patchhive-demo exited 1". */
    message: z.string().max(2000),
  })
  .strict();

/**
 * The agent's account of one job: refused (and why — nothing ran), running, or finished. Sent on
 * every check-in until the server acknowledges it, so a crash or a lost answer loses nothing.
 */
export const jobReportSchema = z
  .object({
    jobId: reportId,
    /** Null when the envelope was too broken to read one. */
    sequence: z.number().int().min(1).nullable(),
    state: z.enum(['refused', 'running', 'succeeded', 'failed', 'interrupted']),
    /** Why the agent refused the job (state "refused"): verifyJob's reason, its local policy, or an artifact check. */
    refusal: z
      .enum([
        'malformed',
        'bad-signature',
        'retired-key',
        'wrong-agent',
        'replayed',
        'expired',
        'not-yet-valid',
        'size-mismatch',
        'hash-mismatch',
        'download-failed',
        'not-allowed-by-local-policy',
      ])
      .nullable(),
    message: z.string().max(2000),
    steps: z.array(stepReportSchema).max(100),
    /** The machine still needs a reboot (deferred, not allowed, or policy never). */
    rebootPending: z.boolean(),
    /** How many times a logged-in user's session postponed the reboot in this job. */
    rebootDeferrals: z.number().int().min(0).max(100),
    /** Packages this job replaced whose previous versions the agent kept for rollback. */
    keptPackages: z.array(z.object({ name: z.string().max(200), version: z.string().max(200) }).strict()).max(500),
    finishedAt: z.string().max(40).nullable(),
  })
  .strict();

export const checkinRequestSchema = z
  .object({
    inventoryHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe('SHA-256 of the canonical inventory (src/protocol/inventory-hash.ts).'),
    inventory: inventorySchema
      .optional()
      .describe('Sent only when the hash differs from the last one the server accepted.'),
    agentVersion: z.string().max(64).optional(),
    jobReports: z
      .array(jobReportSchema)
      .max(MAX_JOB_REPORTS)
      .optional()
      .describe('Job results not yet acknowledged by the server.'),
    pinnedKey: fingerprintSchema
      .optional()
      .describe('Fingerprint of the job-signing key this agent has pinned (key rotation).'),
    nonce: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,64}$/)
      .optional()
      .describe(
        'A fresh random value the server signs back with its time, so an old answer cannot pass for a new one.',
      ),
    stale: staleReportSchema
      .optional()
      .describe('Present when the agent has seen no fresh signed server time for too long.'),
  })
  .strict()
  .describe('A periodic check-in.');

export const checkinResponseSchema = z
  .object({
    acceptedInventoryHash: z
      .string()
      .nullable()
      .describe('The inventory hash the server has durably stored for this machine (null: none yet).'),
    inventoryWanted: z
      .boolean()
      .describe('True when the server has no inventory with this hash: send it on the next check-in.'),
    probes: probeRequestSchema,
    nextCheckinSeconds: z.number().int().positive(),
    jobs: z
      .array(z.unknown())
      .max(10)
      .describe(
        'Signed job envelopes (src/protocol/jobs.ts); each is verified by the agent on its own, so one bad envelope is refused alone.',
      ),
    acknowledgedJobReports: z
      .array(z.object({ jobId: z.string(), state: z.string() }).strict())
      .describe('Reports the server has stored (job id and the state it stored); the agent stops resending those.'),
    serverTime: serverTimeSchema.optional(),
    keyAnnouncement: keyAnnouncementSchema.optional(),
  })
  .describe("The server's answer to a check-in.");

export type EnrollRequest = z.infer<typeof enrollRequestSchema>;
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;
export type ProbeRequestWire = z.infer<typeof probeRequestSchema>;
export type CheckinRequest = z.infer<typeof checkinRequestSchema>;
export type CheckinResponse = z.infer<typeof checkinResponseSchema>;
export type JobReport = z.infer<typeof jobReportSchema>;
export type StepReport = z.infer<typeof stepReportSchema>;
