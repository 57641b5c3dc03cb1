/**
 * The dry run of a deployment as the API shows it (deploymentPlanSchema): the very record and rows
 * the planner made for creation, described ring by ring and machine by machine, with each machine's
 * window and reboot policy decided by the functions delivery uses (windowGate,
 * effectiveRebootPolicy), and warnings in plain words. Pure; the clock comes in as `now`.
 */
import type { DeploymentPlanWire, PlannedMachineWire } from '../../../protocol/deploy-api.js';
import type { MaintenanceWindow, RebootPolicy } from '../../../rollout/model.js';
import { effectiveRebootPolicy, windowGate } from './job-build.js';
import type { PlannedDeployment } from './planner.js';

/** What the preview needs to know of one machine beside its plan: its name and its groups' settings. */
export interface PreviewMachine {
  name: string;
  windows: readonly MaintenanceWindow[];
  rebootPolicies: readonly (RebootPolicy | null)[];
}

/** At most this many machine names in one warning; the rest are counted. */
const NAMES_IN_WARNING = 5;

/** The plan of `planned` as the API answers it; `machines` knows every target machine of it. */
export function previewDeployment(
  planned: PlannedDeployment,
  machines: ReadonlyMap<string, PreviewMachine>,
  opts: { now: string; defaultRebootPolicy: RebootPolicy },
): DeploymentPlanWire {
  const { spec } = planned.record;
  const nameOf = (id: string) => machines.get(id)?.name ?? id;
  const planOf = (row: PlannedDeployment['rows'][number]): PlannedMachineWire => {
    const m = machines.get(row.machineId);
    const gate = windowGate(m?.windows ?? [], opts.now);
    return {
      machineId: row.machineId,
      machineName: nameOf(row.machineId),
      ring: spec.rings[row.ringIndex]!.name,
      ringIndex: row.ringIndex,
      state: row.state,
      message: row.message,
      manager: row.plan.manager,
      bulletinIds: row.plan.bulletinIds,
      packages: row.plan.packages,
      notInstallable: row.plan.notInstallable,
      window: gate.open
        ? { status: (m?.windows.length ?? 0) === 0 ? 'none' : 'open', nextOpening: null }
        : { status: 'closed', nextOpening: gate.nextStart },
      rebootPolicy: effectiveRebootPolicy(spec.rebootPolicy, m?.rebootPolicies ?? [], opts.defaultRebootPolicy),
    };
  };
  const rings = spec.rings.map((r, index) => ({
    index,
    name: r.name,
    soakSeconds: r.soakSeconds,
    gate: r.gate,
    machines: planned.rows
      .filter((row) => row.ringIndex === index)
      .map(planOf)
      .sort((a, b) => a.machineName.localeCompare(b.machineName)),
  }));
  const unplaced = planned.unplaced
    .map((machineId) => ({ machineId, machineName: nameOf(machineId) }))
    .sort((a, b) => a.machineName.localeCompare(b.machineName));
  return {
    name: planned.record.name,
    seed: spec.seed,
    bulletinIds: spec.bulletinIds,
    deadline: spec.deadline,
    rebootPolicy: spec.rebootPolicy,
    rollbackOnHalt: spec.rollbackOnHalt,
    preHook: spec.preHook?.action ?? null,
    postHook: spec.postHook?.action ?? null,
    rings,
    unplaced,
    skippedBulletins: planned.skipped,
    warnings: planWarnings(rings, unplaced, planned.skipped, spec.deadline),
  };
}

/** "a, b, c, d, e and 3 more". */
function namesText(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_IN_WARNING);
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function machinesText(n: number): string {
  return `${n} machine${n === 1 ? '' : 's'}`;
}

/** What will not go as one may expect: empty rings, machines left out, failing at once, or never in a window. */
export function planWarnings(
  rings: readonly { name: string; machines: readonly PlannedMachineWire[] }[],
  unplaced: readonly { machineName: string }[],
  skipped: readonly { bulletinId: string }[],
  deadline: string | null,
): string[] {
  const out: string[] = [];
  for (const r of rings) if (r.machines.length === 0) out.push(`ring ${r.name} has no machines`);
  if (unplaced.length > 0)
    out.push(
      `${machinesText(unplaced.length)} of the target ${unplaced.length === 1 ? 'is' : 'are'} in no ring and will not be patched: ${namesText(unplaced.map((u) => u.machineName))}`,
    );
  if (skipped.length > 0)
    out.push(
      `${skipped.length} approved bulletin${skipped.length === 1 ? ' is' : 's are'} left out: no target machine can install ${skipped.length === 1 ? 'it' : 'them'}`,
    );
  const all = rings.flatMap((r) => r.machines);
  const failing = all.filter((m) => m.state === 'failed').map((m) => m.machineName);
  if (failing.length > 0)
    out.push(
      `${machinesText(failing.length)} will fail at once, nothing they miss is installable (this counts against their ring's gate): ${namesText(failing)}`,
    );
  const pending = all.filter((m) => m.state === 'pending');
  const never = pending.filter((m) => m.window.status === 'closed' && m.window.nextOpening === null);
  if (never.length > 0)
    out.push(
      `${machinesText(never.length)} will wait for good: no maintenance window opens again: ${namesText(never.map((m) => m.machineName))}`,
    );
  if (deadline !== null) {
    const late = pending.filter(
      (m) => m.window.nextOpening !== null && Date.parse(m.window.nextOpening) >= Date.parse(deadline),
    );
    if (late.length > 0)
      out.push(
        `${machinesText(late.length)} will be missed: their next window opens after the deadline: ${namesText(late.map((m) => m.machineName))}`,
      );
  }
  return out;
}
