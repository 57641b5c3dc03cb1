/**
 * Change requests: a change to a control, proposed by one admin, stored until a different admin
 * approves or rejects it, or it expires. This class only records them; services/controls.ts
 * decides which changes need one and applies them once approved.
 */
import { randomUUID } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';
import { checkDecision } from '../../policy/controls.js';
import type { ChangeKind, ChangeRequestWire, ChangeStatus } from '../../protocol/controls-api.js';
import type { ChangeRequestRecord, Store } from '../../store/ports.js';

/** How long a change request waits for a second admin. */
export const CHANGE_LIFETIME_DAYS = 7;

export interface ChangeProposal {
  kind: ChangeKind;
  target: string;
  summary: string;
  payload: unknown;
}

export class ChangeRequests {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  /** Records a pending change; a live pending one for the same kind and target is E_CONFLICT. */
  async propose(p: ChangeProposal, proposedBy: string): Promise<ChangeRequestWire> {
    const now = this.now();
    const open = (await this.store.changes.list({ statuses: ['pending'], kind: p.kind, target: p.target })).filter(
      (c) => Date.parse(c.expiresAt) > now.getTime(),
    );
    if (open.length > 0) {
      throw new PatchhiveError(
        'E_CONFLICT',
        `change request ${open[0]!.id} for the same change waits for a second admin: approve or reject it first`,
      );
    }
    const record: ChangeRequestRecord = {
      id: randomUUID(),
      ...p,
      status: 'pending',
      proposedBy,
      proposedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + CHANGE_LIFETIME_DAYS * 86_400_000).toISOString(),
      decidedBy: null,
      decidedAt: null,
      message: null,
    };
    await this.store.changes.create(record);
    return record;
  }

  async get(id: string): Promise<ChangeRequestRecord> {
    const c = await this.store.changes.get(id);
    if (!c) throw new PatchhiveError('E_CHANGE_NOT_FOUND', `no change request ${JSON.stringify(id)}`);
    return c;
  }

  /** Newest first. */
  async list(status: ChangeStatus, limit: number): Promise<ChangeRequestRecord[]> {
    return this.store.changes.list({ statuses: [status], limit });
  }

  /** Pending requests past their expiry, marked expired; returns them. */
  async expireDue(): Promise<ChangeRequestRecord[]> {
    const now = this.now();
    const due = (await this.store.changes.list({ statuses: ['pending'] })).filter(
      (c) => Date.parse(c.expiresAt) <= now.getTime(),
    );
    const expired: ChangeRequestRecord[] = [];
    for (const c of due) {
      if (await this.store.changes.transition(c.id, 'pending', 'expired', { decidedAt: now.toISOString() }))
        expired.push({ ...c, status: 'expired' });
    }
    return expired;
  }

  /**
   * Records `user`'s decision if it is allowed now (E_SECOND_APPROVER for one's own change,
   * E_CHANGE_STATE when no longer pending or expired); exactly one concurrent decision wins.
   */
  async decide(id: string, user: string, decision: 'approve' | 'reject'): Promise<ChangeRequestRecord> {
    const c = await this.get(id);
    const at = this.now().toISOString();
    const check = checkDecision(c, user, decision, at);
    if (!check.ok) {
      if (check.reason === 'own-change')
        throw new PatchhiveError(
          'E_SECOND_APPROVER',
          `${user} proposed change request ${c.id}; a different admin must approve it`,
        );
      if (check.reason === 'expired') {
        await this.store.changes.transition(c.id, 'pending', 'expired', { decidedAt: at });
        throw new PatchhiveError(
          'E_CHANGE_STATE',
          `change request ${c.id} expired at ${c.expiresAt}; propose it again`,
        );
      }
      throw new PatchhiveError('E_CHANGE_STATE', `change request ${c.id} is ${c.status}, not pending`);
    }
    const status = decision === 'approve' ? 'approved' : 'rejected';
    if (!(await this.store.changes.transition(c.id, 'pending', status, { decidedBy: user, decidedAt: at }))) {
      throw new PatchhiveError('E_CHANGE_STATE', `change request ${c.id} was decided meanwhile`);
    }
    return { ...c, status, decidedBy: user, decidedAt: at };
  }

  /** Marks an approved change whose application failed, with why. */
  async failed(c: ChangeRequestRecord, message: string): Promise<ChangeRequestRecord> {
    await this.store.changes.transition(c.id, 'approved', 'failed', { message });
    return { ...c, status: 'failed', message };
  }
}
