/**
 * Wire parts of key rotation and freeze detection. A key announcement tells an agent the server's
 * new job-signing key, signed by the key the agent pinned (the old one); a signed server time ties
 * each check-in answer to this agent and this check-in's nonce, so an answer replayed later or to
 * another agent is no fresh sign of life. Both are signed over their canonical JSON.
 */
import { z } from 'zod';
import { canonicalBytes } from './canonical-json.js';

export const KEY_ANNOUNCEMENT_PURPOSE = 'patchhive.key-announcement/1';
export const SERVER_TIME_PURPOSE = 'patchhive.server-time/1';

export const fingerprintSchema = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'a key fingerprint "SHA256:<base64>"');
const iso = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time');
const signature = z.string().max(200).describe('Base64 Ed25519 signature over the canonical JSON of the payload.');

export const keyAnnouncementPayloadSchema = z
  .object({
    purpose: z.literal(KEY_ANNOUNCEMENT_PURPOSE),
    publicKey: z.string().max(1000).describe('The new job-signing key (PEM, SPKI, Ed25519).'),
    fingerprint: fingerprintSchema.describe("The new key's fingerprint."),
    previousFingerprint: fingerprintSchema.describe('The key that signs this announcement (the one being replaced).'),
    notBefore: iso.describe('When the new key became active.'),
  })
  .strict();

export const keyAnnouncementSchema = z
  .object({ payload: keyAnnouncementPayloadSchema, signature })
  .strict()
  .describe("The server's new job-signing key, signed by the key this agent pinned.");

export const serverTimePayloadSchema = z
  .object({
    purpose: z.literal(SERVER_TIME_PURPOSE),
    agentId: z.string().max(200),
    nonce: z.string().max(64).describe('The nonce of the check-in this answers.'),
    time: iso.describe("The server's clock when it answered."),
    signedBy: fingerprintSchema.describe('The key that signed this payload.'),
    retiredKeys: z
      .array(fingerprintSchema)
      .max(20)
      .describe('Fingerprints of keys the server has retired: never trust them again.'),
  })
  .strict();

export const serverTimeSchema = z
  .object({ payload: serverTimePayloadSchema, signature })
  .strict()
  .describe("The server's signed clock for this check-in (freeze detection).");

/** What a stale agent says about itself in a check-in. */
export const staleReportSchema = z
  .object({
    since: iso.describe('The last time this agent saw a fresh signed server time (or its enrollment).'),
    reason: z.string().max(300),
  })
  .strict();

export type KeyAnnouncementPayload = z.infer<typeof keyAnnouncementPayloadSchema>;
export type KeyAnnouncement = z.infer<typeof keyAnnouncementSchema>;
export type ServerTimePayload = z.infer<typeof serverTimePayloadSchema>;
export type ServerTime = z.infer<typeof serverTimeSchema>;
export type StaleReport = z.infer<typeof staleReportSchema>;

/** The bytes a key announcement's signature covers. */
export function keyAnnouncementBytes(p: KeyAnnouncementPayload): Buffer {
  return canonicalBytes(p);
}

/** The bytes a server time's signature covers. */
export function serverTimeBytes(p: ServerTimePayload): Buffer {
  return canonicalBytes(p);
}
