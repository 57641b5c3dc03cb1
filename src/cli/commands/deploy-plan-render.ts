/**
 * How `patchhive deploy create --dry-run` shows the plan the server answered (POST
 * /deployments/plan): the deployment's settings, one line per machine with its ring, start state,
 * packages, window and reboot policy, what it will not get and why, then the bulletins left out
 * and the warnings. Pure functions of the API's answer.
 */
import type { DeploymentPlanWire, PlannedMachineWire } from '../../protocol/deploy-api.js';
import type { ClientFormat } from '../client/config.js';
import {
  renderCsv,
  renderJson,
  renderRecord,
  renderTable,
  tableCell,
  type Column,
  type ColumnSet,
} from '../client/format.js';
import { durationText, gateText, rebootText } from './deploy-render.js';

/** "closed, opens 2026-11-21T22:00:00.000Z", "open now", "any time". */
export function windowText(w: PlannedMachineWire['window']): string {
  if (w.status === 'none') return 'any time';
  if (w.status === 'open') return 'open now';
  return w.nextOpening ? `closed, opens ${w.nextOpening}` : 'closed, never opens again';
}

const packagesOf = (m: PlannedMachineWire) => m.packages.map((p) => `${p.name}=${p.version}`);
const notInstallableOf = (m: PlannedMachineWire) => m.notInstallable.map((n) => `${n.bulletinId}: ${n.reason}`);

/** Columns of the planned machines. */
export const PLANNED_MACHINE_COLUMNS: ColumnSet<PlannedMachineWire> = {
  table: [
    { header: 'RING', value: (m) => m.ring, max: 20 },
    { header: 'MACHINE', value: (m) => m.machineName, max: 40 },
    { header: 'START', value: (m) => m.state },
    { header: 'PACKAGES', value: packagesOf, max: 80 },
    { header: 'WINDOW', value: (m) => windowText(m.window), max: 45 },
    { header: 'REBOOT', value: (m) => rebootText(m.rebootPolicy), max: 45 },
    { header: 'NOT INSTALLED', value: notInstallableOf, max: 100 },
  ],
  full: [
    { header: 'ring', value: (m) => m.ring },
    { header: 'ring_index', value: (m) => m.ringIndex },
    { header: 'machine_id', value: (m) => m.machineId },
    { header: 'machine', value: (m) => m.machineName },
    { header: 'start_state', value: (m) => m.state },
    { header: 'message', value: (m) => m.message },
    { header: 'manager', value: (m) => m.manager },
    { header: 'bulletins', value: (m) => m.bulletinIds },
    { header: 'packages', value: packagesOf },
    { header: 'previous_versions', value: (m) => m.packages.map((p) => `${p.name}=${p.previousVersion ?? '(new)'}`) },
    { header: 'not_installable', value: notInstallableOf },
    { header: 'window', value: (m) => m.window.status },
    { header: 'next_opening', value: (m) => m.window.nextOpening },
    { header: 'reboot_mode', value: (m) => m.rebootPolicy.mode },
    { header: 'reboot_only_in_window', value: (m) => m.rebootPolicy.onlyInWindow },
    { header: 'reboot_max_deferrals', value: (m) => m.rebootPolicy.maxDeferrals },
  ],
};

const PLAN_HEAD: readonly Column<DeploymentPlanWire>[] = [
  { header: 'name', value: (p) => p.name },
  { header: 'seed', value: (p) => p.seed },
  { header: 'bulletins', value: (p) => p.bulletinIds },
  { header: 'rings', value: (p) => p.rings.map((r) => `${r.name} (${r.machines.length})`) },
  { header: 'deadline', value: (p) => p.deadline },
  { header: 'reboot', value: (p) => (p.rebootPolicy ? rebootText(p.rebootPolicy) : "each machine's groups") },
  { header: 'rollback_on_halt', value: (p) => p.rollbackOnHalt },
  { header: 'pre_hook', value: (p) => p.preHook },
  { header: 'post_hook', value: (p) => p.postHook },
  { header: 'unplaced', value: (p) => p.unplaced.map((u) => u.machineName) },
];

/**
 * The plan: JSON is the API's answer; CSV one line per machine; the table the settings, the rings
 * with their soak and gate, the machines, the bulletins left out and the warnings.
 */
export function renderPlan(format: ClientFormat, plan: DeploymentPlanWire): string {
  const machines = plan.rings.flatMap((r) => r.machines);
  if (format === 'json') return renderJson(plan);
  if (format === 'csv') return renderCsv(PLANNED_MACHINE_COLUMNS.full, machines);
  const out = [renderRecord(PLAN_HEAD, plan), '\n'];
  out.push(
    renderTable(
      [
        { header: 'RING', value: (r: DeploymentPlanWire['rings'][number]) => r.name, max: 30 },
        { header: 'MACHINES', value: (r) => r.machines.length },
        { header: 'SOAK', value: (r) => durationText(r.soakSeconds) },
        { header: 'GATE', value: (r) => gateText(r.gate) },
      ],
      plan.rings,
    ),
  );
  out.push(machines.length === 0 ? '\nNo machines.\n' : `\n${renderTable(PLANNED_MACHINE_COLUMNS.table, machines)}`);
  if (plan.skippedBulletins.length > 0) {
    out.push('\nLeft out (no target machine can install them):\n');
    for (const s of plan.skippedBulletins)
      out.push(`  ${tableCell(s.bulletinId, 256)}: ${tableCell(s.reason, 2000)}\n`);
  }
  if (plan.warnings.length > 0) {
    out.push('\nWarnings:\n');
    for (const w of plan.warnings) out.push(`  - ${tableCell(w, 2000)}\n`);
  }
  out.push(
    `\nDry run: nothing was created. Give --seed ${tableCell(plan.seed, 128)} when creating it to place the machines in the same rings.\n`,
  );
  return out.join('');
}
