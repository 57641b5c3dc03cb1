/**
 * The audit trail's wire form and its hash chain. Each entry carries a strictly increasing
 * sequence number, the previous entry's hash and its own hash: SHA-256 (hex) of the canonical JSON
 * of every other field plus the previous hash. The server computes it when appending; anyone with
 * the entries (an export, a SIEM) can recompute it: pure, no I/O, no clock.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ROLES } from './api.js';
import { canonicalJson } from './canonical-json.js';

/** The previous hash of the first entry. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export const AUDIT_ACTOR_KINDS = ['user', 'agent', 'anonymous'] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];

/** A summary value: a small scalar, or a placeholder saying what was left out. */
const summaryValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const hash = z.string().regex(/^[0-9a-f]{64}$/);

/** What is recorded about one request, before the chain fields are added. */
export const auditDraftSchema = z.object({
  at: z.string().describe('When the answer was decided (ISO 8601 UTC).'),
  actorKind: z.enum(AUDIT_ACTOR_KINDS),
  userId: z.string().nullable(),
  userName: z.string().nullable(),
  tokenId: z.string().nullable().describe('The API token or enrollment token presented (its id, never its secret).'),
  agentId: z.string().nullable(),
  role: z.enum(ROLES).nullable(),
  method: z.string(),
  route: z
    .string()
    .describe('The route pattern, e.g. /api/v1/groups/:id (the path without its query for an unknown route).'),
  objectIds: z.array(z.string()).describe('Route parameters, and the id of an object a 201 answer created.'),
  summary: z
    .record(z.string(), summaryValue)
    .describe(
      'Top-level fields of the request body: small scalars as sent, anything secret-like or large replaced by a placeholder.',
    ),
  sourceIp: z.string(),
  status: z.number().int(),
  errorCode: z.string().nullable(),
  requestId: z.string(),
});
export type AuditDraft = z.infer<typeof auditDraftSchema>;

export const auditEntrySchema = auditDraftSchema
  .extend({
    seq: z.number().int().positive().describe('Position in the chain: 1, 2, 3, ... with no gaps.'),
    prevHash: hash.describe("The previous entry's hash (64 zeros for the first entry)."),
    hash: hash.describe('SHA-256 of the canonical JSON of every other field, prevHash included.'),
  })
  .strict();
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** The hash an entry must carry: SHA-256 over the canonical JSON of all its fields but `hash`. */
export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { hash: _ignored, ...fields } = entry as AuditEntry;
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

/** Adds the chain fields to a draft that follows `prev` (undefined: the first entry). */
export function chainAuditEntry(draft: AuditDraft, prev: { seq: number; hash: string } | undefined): AuditEntry {
  const linked = { ...draft, seq: (prev?.seq ?? 0) + 1, prevHash: prev?.hash ?? AUDIT_GENESIS_HASH };
  return { ...linked, hash: auditEntryHash(linked) };
}

/** Why the chain broke at one entry. */
export interface AuditChainBreak {
  /** The first entry that does not verify. */
  seq: number;
  reason: string;
}

/** The outcome of checking a run of entries. */
export type AuditChainResult =
  | { ok: true; count: number; firstSeq: number | null; lastSeq: number | null; headHash: string | null }
  | ({ ok: false; count: number } & AuditChainBreak);

/**
 * Checks entries in order, one at a time (so a long trail can be read page by page). `fromStart`:
 * the first entry must be sequence 1 with the genesis previous hash; otherwise (an export from
 * some time on) the first entry is taken as the anchor and only its own hash is checked.
 */
export class AuditChainVerifier {
  private last: { seq: number; hash: string } | undefined;
  private first: number | null = null;
  private count = 0;
  private broken: AuditChainBreak | undefined;

  constructor(private readonly fromStart: boolean) {}

  /** Checks the next entry; returns the break when this entry (or an earlier one) broke the chain. */
  push(entry: AuditEntry): AuditChainBreak | undefined {
    if (this.broken) return this.broken;
    this.count++;
    const why = this.check(entry);
    if (why) return (this.broken = { seq: entry.seq, reason: why });
    this.first ??= entry.seq;
    this.last = { seq: entry.seq, hash: entry.hash };
    return undefined;
  }

  /** The outcome over every entry pushed so far. */
  result(): AuditChainResult {
    if (this.broken) return { ok: false, count: this.count, ...this.broken };
    return {
      ok: true,
      count: this.count,
      firstSeq: this.first,
      lastSeq: this.last?.seq ?? null,
      headHash: this.last?.hash ?? null,
    };
  }

  private check(e: AuditEntry): string | undefined {
    const prev = this.last;
    if (!prev) {
      if (this.fromStart && e.seq !== 1)
        return `the chain starts at entry ${e.seq}, not 1: the entries before it were deleted`;
      if (this.fromStart && e.prevHash !== AUDIT_GENESIS_HASH)
        return 'the first entry does not start the chain (its previous hash is not the genesis hash)';
    } else {
      if (e.seq <= prev.seq) return `sequence ${e.seq} does not follow ${prev.seq}: entries out of order or repeated`;
      if (e.seq !== prev.seq + 1)
        return `sequence gap after entry ${prev.seq}: ${e.seq - prev.seq - 1} entr${e.seq - prev.seq - 1 === 1 ? 'y' : 'ies'} deleted`;
    }
    if (auditEntryHash(e) !== e.hash) return 'hash mismatch: the entry was changed after it was written';
    if (prev && e.prevHash !== prev.hash) return `previous-hash mismatch: entry ${prev.seq} was changed or replaced`;
    return undefined;
  }
}

/** Checks a whole run of entries in order (see AuditChainVerifier). */
export function verifyAuditChain(entries: Iterable<AuditEntry>, fromStart: boolean): AuditChainResult {
  const v = new AuditChainVerifier(fromStart);
  for (const e of entries) if (v.push(e)) break;
  return v.result();
}

/** GET /api/v1/audit: filters, newest first; `before` pages back from a sequence number. */
export const auditQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z.coerce
      .number()
      .int()
      .positive()
      .optional()
      .describe("Only entries with a smaller sequence number (the previous page's nextBefore)."),
    since: z.iso.datetime({ offset: true }).optional().describe('Only entries at or after this time.'),
    actor: z.string().min(1).max(300).optional().describe('A user name or id, a token id or an agent id.'),
    object: z.string().min(1).max(300).optional().describe("An object id among the entry's object ids."),
    until: z.iso.datetime({ offset: true }).optional().describe('Only entries before this time.'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional().describe('Only requests with this method.'),
    route: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('A substring of the route pattern (any case), e.g. "/triage" or "/groups/:id".'),
    outcome: z
      .enum(['success', 'failure'])
      .optional()
      .describe('success: answered below 400; failure: refused or failed (400 and above).'),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** GET /api/v1/audit/chain: the chain in order, for export and verification. */
export const auditChainQuerySchema = z
  .object({
    after: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe("Only entries with a larger sequence number (the previous page's nextAfter)."),
    since: z.iso.datetime({ offset: true }).optional().describe('Start at the first entry at or after this time.'),
    limit: z.coerce.number().int().min(1).max(1000).default(1000),
  })
  .strict();
export type AuditChainQuery = z.infer<typeof auditChainQuerySchema>;

export const auditPageSchema = z.object({
  items: z.array(auditEntrySchema),
  nextBefore: z.number().int().nullable().describe('Pass as `before` for the next (older) page; null at the end.'),
});
export const auditChainPageSchema = z.object({
  items: z.array(auditEntrySchema),
  nextAfter: z.number().int().nullable().describe('Pass as `after` for the next page; null at the end.'),
});
