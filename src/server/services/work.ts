/**
 * Work: the open findings whose fixes may be deployed — approved in the machine's groups, and not
 * ignored or declined in any of them. Deployments (the rollout) take their fixes from here, so a
 * declined or ignored bulletin never becomes a job.
 */
import { OPEN_STATUSES, type Store } from '../../store/ports.js';
import type { WorkItemWire } from '../../protocol/policy-api.js';
import type { MachineService } from './machines.js';
import type { VerdictService } from './verdicts.js';
import { WHOLE_FLEET, type Scope } from '../auth/scope.js';

export class WorkService {
  constructor(
    private readonly store: Store,
    private readonly machines: MachineService,
    private readonly verdicts: VerdictService,
  ) {}

  /** The approved fixes one machine is missing, most urgent first. */
  async forMachine(idOrName: string, scope: Scope = WHOLE_FLEET): Promise<WorkItemWire[]> {
    const m = await this.machines.resolve(idOrName, scope);
    const open = (await this.store.findings.list({ machineIds: [m.id], statuses: [...OPEN_STATUSES], resolved: false }))
      .items;
    const verdicts = await this.verdicts.verdicts(open);
    const items: WorkItemWire[] = [];
    open.forEach((f, i) => {
      const v = verdicts[i]!;
      if (!v.producesWork) return;
      items.push({
        machineId: m.id,
        machineName: m.name,
        bulletinId: f.bulletinId,
        severity: f.severity,
        title: f.title,
        package: f.package,
        fixedVersion: f.fixedVersion,
        dueAt: v.dueAt,
        sla: v.sla,
      });
    });
    return items.sort(
      (a, b) => (a.dueAt ?? '~').localeCompare(b.dueAt ?? '~') || a.bulletinId.localeCompare(b.bulletinId),
    );
  }
}
