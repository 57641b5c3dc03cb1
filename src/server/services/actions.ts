/**
 * The action catalog: named argv lists that deployment hooks and script steps run. Only admins
 * propose actions; a new action or a new version takes effect when a second admin approves its
 * change request (the version before stays active until then). Removing is immediate: it only
 * takes power away. Operators pick actions by name; the job carries the exact approved argv.
 */
import { PatchhiveError } from '../../errors.js';
import {
  actionPutSchema,
  type ActionPut,
  type ActionWire,
  type ChangeRequestWire,
} from '../../protocol/controls-api.js';
import type { ActionRecord, HookSpec, Store } from '../../store/ports.js';
import type { ChangeRequests } from './changes.js';

export class ActionService {
  constructor(
    private readonly store: Store,
    private readonly changes: ChangeRequests,
    private readonly now: () => Date,
  ) {}

  /** Active and pending versions (with history: every version), by name then version. */
  async list(history = false): Promise<ActionWire[]> {
    return this.store.actions.list(history ? {} : { statuses: ['active', 'pending'] });
  }

  /** Records a new pending version of the action and the change request a second admin must approve. */
  async propose(input: ActionPut, proposedBy: string): Promise<ChangeRequestWire> {
    const put = actionPutSchema.parse(input);
    const versions = await this.store.actions.versions(put.name);
    const active = versions.find((v) => v.status === 'active');
    const version = (versions[0]?.version ?? 0) + 1;
    const summary = `${active ? `change action ${put.name} (v${active.version} → v${version})` : `add action ${put.name}`}: ${put.argv.map(quoteArg).join(' ')}`;
    const change = await this.changes.propose(
      { kind: 'action.put', target: put.name, summary, payload: { version } },
      proposedBy,
    );
    await this.store.actions.create({
      name: put.name,
      version,
      argv: put.argv,
      description: put.description,
      timeoutSeconds: put.timeoutSeconds,
      status: 'pending',
      proposedBy,
      proposedAt: change.proposedAt,
      approvedBy: null,
      approvedAt: null,
    });
    return change;
  }

  /** Removes the action at once (its active and pending versions); unknown: E_ACTION_NOT_FOUND. */
  async remove(name: string): Promise<void> {
    const removed = await this.store.actions.setStatus(name, ['active'], 'removed');
    const withdrawn = await this.store.actions.setStatus(name, ['pending'], 'rejected');
    if (removed + withdrawn === 0) throw new PatchhiveError('E_ACTION_NOT_FOUND', `no action ${JSON.stringify(name)}`);
    const at = this.now().toISOString();
    for (const c of await this.store.changes.list({ statuses: ['pending'], kind: 'action.put', target: name })) {
      await this.store.changes.transition(c.id, 'pending', 'rejected', {
        decidedAt: at,
        message: 'the action was removed',
      });
    }
  }

  /** Makes the approved version active (called once its change request is approved). */
  async activate(name: string, version: number, approvedBy: string): Promise<void> {
    await this.store.actions.activate(name, version, approvedBy, this.now().toISOString());
  }

  /** Drops a pending version whose change request was rejected or expired. */
  async abandon(name: string, version: number): Promise<void> {
    await this.store.actions.setStatus(name, ['pending'], 'rejected', version);
  }

  /**
   * The active version of `name` as a deployment hook: unknown or removed is E_ACTION_NOT_FOUND,
   * only pending is E_ACTION_NOT_APPROVED; `path` names the request field.
   */
  async hookSpec(name: string, path: string): Promise<HookSpec> {
    const versions = await this.store.actions.versions(name);
    const active = versions.find((v) => v.status === 'active');
    if (active) return toHookSpec(active);
    if (versions.some((v) => v.status === 'pending')) {
      throw new PatchhiveError(
        'E_ACTION_NOT_APPROVED',
        `action ${JSON.stringify(name)} waits for a second admin's approval`,
        { path },
      );
    }
    throw new PatchhiveError(
      'E_ACTION_NOT_FOUND',
      `no action ${JSON.stringify(name)} in the action catalog (an admin adds it: patchhive actions add)`,
      { path },
    );
  }
}

function toHookSpec(a: ActionRecord): HookSpec {
  return { action: a.name, version: a.version, command: [...a.argv], timeoutSeconds: a.timeoutSeconds };
}

/** An argument as a reader would type it: quoted when it holds spaces or quotes. */
function quoteArg(a: string): string {
  return /^[A-Za-z0-9_./:=,+@%-]+$/.test(a) ? a : JSON.stringify(a);
}
