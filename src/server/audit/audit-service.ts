/**
 * The audit trail's service: records what the HTTP edge (and later the console's sign-in) reports,
 * with the time from the injected clock, and reads the trail back for the API.
 */
import type { AuditChainQuery, AuditDraft, AuditEntry, AuditQuery } from '../../protocol/audit.js';
import type { Store } from '../../store/ports.js';
import { cleanText } from './summary.js';

/** Most object ids kept per entry. */
const MAX_OBJECT_IDS = 10;
const MAX_FIELD = 300;

/** What to record about one request; the service adds the time. */
export type AuditFacts = Omit<AuditDraft, 'at'>;

export class AuditService {
  constructor(
    private readonly store: Pick<Store, 'audit'>,
    private readonly now: () => Date,
  ) {}

  /** Appends one entry; rejects (E_STORE_FAILED) when it could not be written. */
  async record(facts: AuditFacts): Promise<AuditEntry> {
    return this.store.audit.append({ ...cleanFacts(facts), at: this.now().toISOString() });
  }

  /** Entries matching the query, newest first, with the `before` of the next (older) page. */
  async list(q: AuditQuery): Promise<{ items: AuditEntry[]; nextBefore: number | null }> {
    const items = await this.store.audit.list({
      limit: q.limit,
      ...(q.before !== undefined ? { before: q.before } : {}),
      ...(q.since !== undefined ? { since: new Date(q.since).toISOString() } : {}),
      ...(q.actor !== undefined ? { actor: q.actor } : {}),
      ...(q.object !== undefined ? { object: q.object } : {}),
      ...(q.until !== undefined ? { until: new Date(q.until).toISOString() } : {}),
      ...(q.method !== undefined ? { method: q.method } : {}),
      ...(q.route !== undefined ? { route: q.route } : {}),
      ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
    });
    return { items, nextBefore: items.length === q.limit ? items.at(-1)!.seq : null };
  }

  /** The chain in order from after `q.after` (or from `q.since`), with the `after` of the next page. */
  async chain(q: AuditChainQuery): Promise<{ items: AuditEntry[]; nextAfter: number | null }> {
    const items = await this.store.audit.range(
      q.after,
      q.limit,
      q.since !== undefined ? new Date(q.since).toISOString() : undefined,
    );
    return { items, nextAfter: items.length === q.limit ? items.at(-1)!.seq : null };
  }
}

/** Bounded, well-formed text everywhere, so both databases store exactly what was hashed. */
function cleanFacts(f: AuditFacts): AuditFacts {
  const text = (s: string) => cleanText(s).slice(0, MAX_FIELD);
  const opt = (s: string | null) => (s === null ? null : text(s));
  return {
    ...f,
    userId: opt(f.userId),
    userName: opt(f.userName),
    tokenId: opt(f.tokenId),
    agentId: opt(f.agentId),
    method: text(f.method),
    route: text(f.route),
    objectIds: f.objectIds.slice(0, MAX_OBJECT_IDS).map(text),
    summary: Object.fromEntries(
      Object.entries(f.summary).map(([k, v]) => [text(k), typeof v === 'string' ? text(v) : v]),
    ),
    sourceIp: text(f.sourceIp),
    errorCode: opt(f.errorCode),
    requestId: text(f.requestId),
  };
}
