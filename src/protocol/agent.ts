/**
 * The agent ↔ server wire protocol. The agent imports only this folder, `inventory/` and its own
 * code; the server validates every request with these schemas.
 */
import { z } from 'zod';
import { inventorySchema, probeRequestSchema } from '../inventory/model.js';

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
    credential: z.string().describe('The agent\'s own secret; sent as "Authorization: Bearer <credential>". Shown once.'),
    jobSigningPublicKey: z.string().describe('PEM (SPKI) Ed25519 key the agent pins to verify jobs.'),
    checkinIntervalSeconds: z.number().int().positive(),
  })
  .describe('What an enrolled agent keeps.');

/** Files, registry values and text files the server asks the agent to read (declared with the inventory). */
export { probeRequestSchema };

export const checkinRequestSchema = z
  .object({
    inventoryHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe('SHA-256 of the canonical inventory (src/protocol/inventory-hash.ts).'),
    inventory: inventorySchema.optional().describe('Sent only when the hash differs from the last one the server accepted.'),
    agentVersion: z.string().max(64).optional(),
  })
  .strict()
  .describe('A periodic check-in.');

export const checkinResponseSchema = z
  .object({
    acceptedInventoryHash: z
      .string()
      .nullable()
      .describe('The inventory hash the server has durably stored for this machine (null: none yet).'),
    inventoryWanted: z.boolean().describe('True when the server has no inventory with this hash: send it on the next check-in.'),
    probes: probeRequestSchema,
    nextCheckinSeconds: z.number().int().positive(),
    jobs: z.array(z.unknown()).describe('Signed jobs (the rollout work); empty for now.'),
  })
  .describe('The server\'s answer to a check-in.');

export type EnrollRequest = z.infer<typeof enrollRequestSchema>;
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;
export type ProbeRequestWire = z.infer<typeof probeRequestSchema>;
export type CheckinRequest = z.infer<typeof checkinRequestSchema>;
export type CheckinResponse = z.infer<typeof checkinResponseSchema>;
