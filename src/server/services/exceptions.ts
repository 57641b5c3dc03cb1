/** Risk exceptions: a bulletin's risk accepted on a machine or a group until a date, with an owner and a reason. */
import { randomUUID } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';
import type { RiskException } from '../../policy/model.js';
import type { ExceptionCreate, ExceptionQuery, ExceptionWire } from '../../protocol/policy-api.js';
import type { Store } from '../../store/ports.js';
import type { GroupService } from './groups.js';
import type { MachineService } from './machines.js';
import { seesGroup, seesMachine, WHOLE_FLEET, type Scope } from '../auth/scope.js';

export class ExceptionService {
  constructor(
    private readonly store: Store,
    private readonly machines: MachineService,
    private readonly groups: GroupService,
    private readonly now: () => Date,
  ) {}

  /** Risk exceptions on the scope's machines and groups. */
  async list(q: ExceptionQuery, scope: Scope = WHOLE_FLEET): Promise<ExceptionWire[]> {
    const nowIso = this.now().toISOString();
    const items = await this.store.triage.listExceptions({
      ...(q.bulletin ? { bulletinIds: [q.bulletin] } : {}),
      ...(q.machine ? { machineId: (await this.machines.resolve(q.machine, scope)).id } : {}),
      ...(q.group ? { groupId: (await this.groups.resolve(q.group, scope)).id } : {}),
      ...(q.active === 'true' ? { activeAt: nowIso } : {}),
    });
    const visible = items.filter((e) =>
      e.machineId !== null ? seesMachine(scope, e.machineId) : seesGroup(scope, e.groupId ?? ''),
    );
    return visible.map((e) => toWire(e, nowIso));
  }

  async create(req: ExceptionCreate, user: string): Promise<ExceptionWire> {
    if ((req.machine === undefined) === (req.group === undefined)) {
      throw new PatchhiveError('E_BAD_REQUEST', 'give exactly one of machine and group', { path: '$.machine' });
    }
    const nowIso = this.now().toISOString();
    const until = new Date(req.until);
    if (!(until.getTime() > Date.parse(nowIso)))
      throw new PatchhiveError('E_BAD_REQUEST', 'until must be in the future', { path: '$.until' });
    if (!(await this.store.bulletins.get(req.bulletin)))
      throw new PatchhiveError('E_BULLETIN_NOT_FOUND', `no bulletin ${JSON.stringify(req.bulletin)}`);
    const e: RiskException = {
      id: randomUUID(),
      bulletinId: req.bulletin,
      machineId: req.machine ? (await this.machines.resolve(req.machine)).id : null,
      groupId: req.group ? (await this.groups.resolve(req.group)).id : null,
      owner: req.owner,
      reason: req.reason,
      until: until.toISOString(),
      createdAt: nowIso,
      createdBy: user,
      revokedAt: null,
    };
    await this.store.triage.createException(e);
    return toWire(e, nowIso);
  }

  async revoke(id: string): Promise<void> {
    const e = await this.store.triage.getException(id);
    if (!e) throw new PatchhiveError('E_EXCEPTION_NOT_FOUND', `no risk exception ${JSON.stringify(id)}`);
    if (e.revokedAt === null) await this.store.triage.revokeException(id, this.now().toISOString());
  }
}

function toWire(e: RiskException, nowIso: string): ExceptionWire {
  return { ...e, active: e.revokedAt === null && Date.parse(e.until) > Date.parse(nowIso) };
}
