/** Wire schemas of the job-signing key API (GET /keys, POST /keys/rotate, POST /keys/retire). */
import { z } from 'zod';

export const signingKeyWireSchema = z.object({
  fingerprint: z.string().describe('"SHA256:" + base64 of the SHA-256 of the raw Ed25519 public key.'),
  state: z.enum(['active', 'retiring', 'retired']),
  publicKey: z.string().describe('PEM (SPKI).'),
  createdAt: z.string(),
  retiringSince: z.string().nullable(),
  retiredAt: z.string().nullable(),
  agents: z.number().int().describe('Agents (not revoked) that pin this key.'),
});

export const keyListSchema = z.object({
  items: z.array(signingKeyWireSchema),
  agentsUnknown: z
    .number()
    .int()
    .describe('Agents that have not said which key they pin (not yet checked in with this version).'),
});

export const keyRotateSchema = z
  .object({
    retireOldNow: z
      .boolean()
      .optional()
      .describe('Retire the old key at once (it was stolen): agents that have not moved must re-enroll.'),
  })
  .strict();

export type SigningKeyWire = z.infer<typeof signingKeyWireSchema>;
export type KeyList = z.infer<typeof keyListSchema>;
