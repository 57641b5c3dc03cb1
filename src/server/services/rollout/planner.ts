/**
 * Creating a deployment: resolve the target and the rings' explicit members, place the machines in
 * rings (selectRingMembers), and plan each placed machine from its approved open findings and its
 * stored inventory (plan.ts). Loads, then decides with the pure functions; the service stores.
 */
import { randomUUID } from 'node:crypto';
import type { Bulletin } from '../../../catalog/model.js';
import { PatchhiveError } from '../../../errors.js';
import type { Inventory } from '../../../inventory/model.js';
import type { DeploymentCreateParsed } from '../../../protocol/deploy-api.js';
import type { RingSpec } from '../../../rollout/model.js';
import { ringSpecProblems, selectRingMembers } from '../../../rollout/rings.js';
import {
  OPEN_STATUSES,
  type DeploymentMachineRecord,
  type DeploymentRecord,
  type FindingRecord,
  type MachinePlan,
} from '../../../store/ports.js';
import type { RolloutDeps } from './deps.js';
import { initialRunState, planMachine, type PlanFinding } from './plan.js';

const CHUNK = 500;

/** A new deployment, its machines' rows, the target machines no ring took, and the approved bulletins left out. */
export interface PlannedDeployment {
  record: DeploymentRecord;
  rows: DeploymentMachineRecord[];
  unplaced: string[];
  /** Approved bulletins no target machine can install (only when the bulletins were not named): left out, and said. */
  skipped: NotInstallable[];
}

/** An approved bulletin that no target machine can install, and why (the reasons of up to three machines). */
export interface NotInstallable {
  bulletinId: string;
  reason: string;
}

export class DeploymentPlanner {
  private bulletinIndex: { generation: number; byId: Map<string, Bulletin> } | undefined;

  constructor(private readonly deps: RolloutDeps) {}

  /** Plans a deployment from a validated request; refuses unknown objects and invalid rings. */
  async plan(req: DeploymentCreateParsed, createdBy: string): Promise<PlannedDeployment> {
    const id = randomUUID();
    const now = this.deps.now().toISOString();
    const preHook = req.preHook === null ? null : await this.deps.actions.hookSpec(req.preHook, '$.preHook');
    const postHook = req.postHook === null ? null : await this.deps.actions.hookSpec(req.postHook, '$.postHook');
    const target = await this.resolveTarget(req.target);
    if (target.machineIds.length === 0)
      throw new PatchhiveError('E_BAD_REQUEST', 'the target has no machines', { path: '$.target' });
    const rings = await this.resolveRings(req.rings, new Set(target.machineIds));
    const deadline = req.deadline === null ? null : new Date(req.deadline).toISOString();
    if (deadline !== null && Date.parse(deadline) <= Date.parse(now))
      throw new PatchhiveError('E_BAD_REQUEST', 'the deadline has passed already', { path: '$.deadline' });
    const bulletins = this.bulletins();
    for (const [i, b] of (req.bulletins ?? []).entries()) {
      if (!bulletins.has(b))
        throw new PatchhiveError('E_BULLETIN_NOT_FOUND', `no bulletin ${JSON.stringify(b)} in the catalog`, {
          path: `$.bulletins[${i}]`,
        });
    }
    const seed = req.seed ?? id;
    const candidates = await this.deps.store.machines.list({ ids: target.machineIds });
    const placement = selectRingMembers(rings, candidates, { seed, volunteers: new Set() });
    const placed = placement.rings.flatMap((r, ringIndex) =>
      r.machineIds.map((machineId) => ({ machineId, ringIndex })),
    );
    let findings = await this.planFindings(
      placed.map((p) => p.machineId),
      req.bulletins,
    );
    let bulletinIds = req.bulletins
      ? [...new Set(req.bulletins)]
      : [...new Set([...findings.values()].flat().map((f) => f.bulletinId))].sort();
    if (bulletinIds.length === 0) {
      throw new PatchhiveError(
        'E_BAD_REQUEST',
        'no approved fix is missing on the target machines: approve bulletins first, or name them',
        { path: '$.bulletins' },
      );
    }
    const inventories = new Map<string, Awaited<ReturnType<DeploymentPlanner['inventoryOf']>>>();
    for (const { machineId } of placed) inventories.set(machineId, await this.inventoryOf(machineId));
    const planAll = () =>
      new Map(
        placed.map(({ machineId }) => [
          machineId,
          planMachine({ inventory: inventories.get(machineId), findings: findings.get(machineId) ?? [], bulletins }),
        ]),
      );
    let plans = planAll();
    // Said up front, not found out by a ring that fails at once: an approved bulletin no machine can install.
    const skipped = notInstallableAnywhere(findings, plans);
    if (skipped.length > 0) {
      const list = skipped.map((s) => `${s.bulletinId} (${s.reason})`).join('; ');
      if (req.bulletins) {
        throw new PatchhiveError(
          'E_BAD_REQUEST',
          `no target machine can install ${list}: leave ${skipped.length === 1 ? 'it' : 'them'} out of the bulletins, or decline ${skipped.length === 1 ? 'it' : 'them'} in triage`,
          { path: '$.bulletins' },
        );
      }
      const left = new Set(skipped.map((s) => s.bulletinId));
      findings = new Map([...findings].map(([m, fs]) => [m, fs.filter((f) => !left.has(f.bulletinId))]));
      bulletinIds = bulletinIds.filter((b) => !left.has(b));
      if (bulletinIds.length === 0)
        throw new PatchhiveError('E_BAD_REQUEST', `no approved fix can be installed on the target machines: ${list}`, {
          path: '$.bulletins',
        });
      plans = planAll();
    }
    const rows: DeploymentMachineRecord[] = [];
    for (const { machineId, ringIndex } of placed) {
      const mine = findings.get(machineId) ?? [];
      const plan = plans.get(machineId)!;
      const start = initialRunState(plan, mine);
      const finished = start.state !== 'pending';
      rows.push({
        deploymentId: id,
        machineId,
        ringIndex,
        state: start.state,
        plan,
        jobId: null,
        rebootDeferrals: 0,
        rollbackState: null,
        rollbackJobId: null,
        message: start.message,
        updatedAt: now,
        finishedAt: finished ? now : null,
      });
    }
    const record: DeploymentRecord = {
      id,
      name: req.name,
      status: 'running',
      spec: {
        rings,
        bulletinIds,
        deadline,
        rebootPolicy: req.rebootPolicy,
        rollbackOnHalt: req.rollbackOnHalt,
        target: { groupIds: target.groupIds, machineIds: target.listedMachineIds },
        preHook,
        postHook,
        seed,
      },
      currentRing: -1,
      ringStartedAt: rings.map(() => null),
      statusReason: null,
      createdBy,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      version: 1,
    };
    return { record, rows, unplaced: placement.unplaced, skipped };
  }

  /** The target's machines now: members of its groups, then the listed machines, each once. */
  async resolveTarget(t: {
    groups: string[];
    machines: string[];
  }): Promise<{ groupIds: string[]; listedMachineIds: string[]; machineIds: string[] }> {
    const ids = new Set<string>();
    const groupIds: string[] = [];
    for (const ref of t.groups) {
      const g = await this.deps.groups.resolve(ref);
      groupIds.push(g.id);
      for (const m of await this.deps.groups.memberIds(g)) ids.add(m);
    }
    const listedMachineIds: string[] = [];
    for (const ref of t.machines) {
      const m = await this.deps.machines.resolve(ref);
      listedMachineIds.push(m.id);
      ids.add(m.id);
    }
    return { groupIds, listedMachineIds, machineIds: [...ids] };
  }

  private async resolveRings(input: DeploymentCreateParsed['rings'], target: Set<string>): Promise<RingSpec[]> {
    const rings: RingSpec[] = [];
    for (const [i, r] of input.entries()) {
      let members: RingSpec['members'];
      if (r.members.kind === 'explicit') {
        const machineIds: string[] = [];
        for (const ref of r.members.machines) {
          const m = await this.deps.machines.resolve(ref);
          if (!target.has(m.id))
            throw new PatchhiveError(
              'E_BAD_REQUEST',
              `ring ${r.name} lists machine ${m.name}, which is not in the target`,
              { path: `$.rings[${i}].members.machines` },
            );
          machineIds.push(m.id);
        }
        members = { kind: 'explicit', machineIds };
      } else if (r.members.kind === 'percent') {
        members = { kind: 'percent', percent: r.members.percent };
      } else {
        members = {
          kind: 'strategy',
          strategy: r.members.strategy,
          ...(r.members.count !== undefined ? { count: r.members.count } : {}),
        };
      }
      rings.push({ name: r.name, members, soakSeconds: r.soakSeconds, gate: r.gate });
    }
    const problems = ringSpecProblems(rings).map((p) => p.replace(/^\$/, '$.rings'));
    if (problems.length > 0)
      throw new PatchhiveError('E_BAD_REQUEST', `invalid rings: ${problems.join('; ')}`, {
        path: problems[0]!.split(':')[0]!,
      });
    return rings;
  }

  /** Per machine, its open findings among the deployment's bulletins (default: the approved ones) with their triage. */
  private async planFindings(machineIds: string[], listed: string[] | undefined): Promise<Map<string, PlanFinding[]>> {
    const open: FindingRecord[] = [];
    for (let i = 0; i < machineIds.length; i += CHUNK) {
      const chunk = machineIds.slice(i, i + CHUNK);
      open.push(
        ...(
          await this.deps.store.findings.list({
            machineIds: chunk,
            statuses: [...OPEN_STATUSES],
            resolved: false,
            ...(listed ? { bulletinIds: listed } : {}),
          })
        ).items,
      );
    }
    const out = new Map<string, PlanFinding[]>();
    if (open.length === 0) return out;
    const ctx = await this.deps.verdicts.context(
      machineIds,
      open.map((f) => f.bulletinId),
    );
    for (const f of open) {
      const v = this.deps.verdicts.verdict(f, ctx);
      if (!listed && !v.producesWork) continue;
      (out.get(f.machineId) ?? out.set(f.machineId, []).get(f.machineId)!).push({
        bulletinId: f.bulletinId,
        approved: v.producesWork,
        triage: v.triage,
      });
    }
    return out;
  }

  private async inventoryOf(machineId: string): Promise<Pick<Inventory, 'os' | 'packages'> | undefined> {
    const stored = await this.deps.store.machines.getInventory(machineId);
    if (!stored) return undefined;
    // Validated when it was stored; only the OS and the package list are read here.
    const inv = JSON.parse(stored.json) as Inventory;
    return { os: inv.os, packages: inv.packages };
  }

  private bulletins(): Map<string, Bulletin> {
    const generation = this.deps.catalogs.generation;
    if (this.bulletinIndex?.generation !== generation) {
      this.bulletinIndex = {
        generation,
        byId: new Map(this.deps.catalogs.prepared.catalog.bulletins.map((b) => [b.id, b])),
      };
    }
    return this.bulletinIndex.byId;
  }
}

/**
 * The approved bulletins that some target machine needs and no target machine can install (no
 * package fixes it, the package is not installed where it is missing, ...), with the reasons.
 */
export function notInstallableAnywhere(
  findings: ReadonlyMap<string, readonly PlanFinding[]>,
  plans: ReadonlyMap<string, MachinePlan>,
): NotInstallable[] {
  const installable = new Set([...plans.values()].flatMap((p) => p.bulletinIds));
  const reasons = new Map<string, Set<string>>();
  for (const [machineId, fs] of findings) {
    const plan = plans.get(machineId);
    if (!plan) continue;
    for (const f of fs) {
      if (!f.approved || installable.has(f.bulletinId)) continue;
      const why = plan.notInstallable.find((n) => n.bulletinId === f.bulletinId)?.reason ?? 'nothing to install';
      (reasons.get(f.bulletinId) ?? reasons.set(f.bulletinId, new Set()).get(f.bulletinId)!).add(why);
    }
  }
  return [...reasons]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bulletinId, why]) => ({ bulletinId, reason: [...why].slice(0, 3).join('; ') }));
}
