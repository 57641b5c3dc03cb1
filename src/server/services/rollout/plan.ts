/**
 * Planning one machine's part of a deployment: from its open findings among the deployment's
 * bulletins, which package versions its job installs (exact versions, in install order), which
 * bulletins it cannot get automatically and why, and where its run starts. Pure.
 *
 * A fix is installable on a machine when its package manager matches the machine's (dpkg → apt,
 * rpm → dnf) and the fix's package is installed below the fix version: by binary name, or — for
 * catalogs that name source packages (the Debian tracker) — every installed binary built from it.
 * Each such binary is targeted at the fix version; several fixes of one package collapse into the
 * newest (orderInstalls).
 */
import type { Bulletin } from '../../../catalog/model.js';
import type { Inventory, InstalledPackage } from '../../../inventory/model.js';
import { jobStepSchema } from '../../../protocol/jobs.js';
import { orderInstalls, type InstallItem } from '../../../rollout/install-order.js';
import { fixPackages } from '../../../rollout/fix-packages.js';
import type { DeploymentMachineState, MachinePlan, PlannedPackage } from '../../../store/ports.js';
import { compareVersions } from '../../../versions/index.js';

/** One open finding of the machine among the deployment's bulletins, seen through triage. */
export interface PlanFinding {
  bulletinId: string;
  /** Approved in the machine's groups and not ignored or declined in any (WorkService semantics). */
  approved: boolean;
  /** The effective triage state, named when the finding is not approved. */
  triage: string;
}

/** What planning one machine reads. */
export interface PlanInput {
  /** The stored inventory (undefined: none yet). */
  inventory: Pick<Inventory, 'os' | 'packages'> | undefined;
  findings: readonly PlanFinding[];
  bulletins: ReadonlyMap<string, Bulletin>;
}

export const WINDOWS_NOT_BUILT = 'Windows fixes need an installer artifact; not built';

/** The machine's plan: packages to install, the bulletins they fix, and what cannot be installed. */
export function planMachine(input: PlanInput): MachinePlan {
  const manager = managerOf(input.inventory);
  const notInstallable: MachinePlan['notInstallable'] = [];
  const items: InstallItem[] = [];
  const previous = new Map<string, string>();
  for (const f of input.findings) {
    const refuse = (reason: string) => notInstallable.push({ bulletinId: f.bulletinId, reason });
    if (!f.approved) {
      refuse(`not approved for this machine (triage: ${f.triage})`);
      continue;
    }
    if (manager === 'windows') {
      refuse(WINDOWS_NOT_BUILT);
      continue;
    }
    if (manager === 'none') {
      refuse('the machine reports no package manager (dpkg or rpm)');
      continue;
    }
    const bulletin = input.bulletins.get(f.bulletinId);
    if (!bulletin) {
      refuse('the bulletin is not in the current catalog');
      continue;
    }
    const found = targetsOf(bulletin, manager, input.inventory?.packages?.items ?? []);
    if ('reason' in found) {
      refuse(found.reason);
      continue;
    }
    for (const t of found.targets) {
      items.push({
        bulletinId: f.bulletinId,
        package: { manager: manager === 'apt' ? 'dpkg' : 'rpm', name: t.name, version: t.version },
      });
      if (!previous.has(t.name)) previous.set(t.name, t.previousVersion);
    }
  }
  const steps = orderInstalls(items);
  const packages: PlannedPackage[] = steps.map((s) => ({
    name: s.package.name,
    version: s.package.version,
    previousVersion: previous.get(s.package.name) ?? null,
  }));
  const bulletinIds = [...new Set(steps.flatMap((s) => s.bulletinIds))];
  return { manager, bulletinIds, packages, notInstallable };
}

/** Where a machine's run starts: pending with work to do, else finished at once (see the rules). */
export function initialRunState(
  plan: MachinePlan,
  findings: readonly PlanFinding[],
): { state: DeploymentMachineState; message: string | null } {
  if (plan.packages.length > 0) return { state: 'pending', message: null };
  const targeted = findings.filter((f) => f.approved);
  if (targeted.length === 0) return { state: 'succeeded', message: 'nothing to install' };
  const reasons = plan.notInstallable.filter((n) => targeted.some((t) => t.bulletinId === n.bulletinId));
  return {
    state: 'failed',
    message: `nothing installable: ${reasons.map((r) => `${r.bulletinId} (${r.reason})`).join('; ')}`.slice(0, 2000),
  };
}

function managerOf(inv: PlanInput['inventory']): MachinePlan['manager'] {
  if (inv?.packages?.manager === 'dpkg') return 'apt';
  if (inv?.packages?.manager === 'rpm') return 'dnf';
  if (inv?.os.family === 'windows') return 'windows';
  return 'none';
}

interface Target {
  name: string;
  version: string;
  previousVersion: string;
}

/** The installed packages a bulletin's fixes upgrade, each at the fix version; or why there are none. */
function targetsOf(
  bulletin: Bulletin,
  manager: 'apt' | 'dnf',
  installed: readonly InstalledPackage[],
): { targets: Target[] } | { reason: string } {
  const scheme = manager === 'apt' ? 'dpkg' : 'rpm';
  const named = bulletin.fixes.flatMap((f) => fixPackages(f, scheme));
  if (named.length === 0) return { reason: `no ${scheme} package and version fixes it in the catalog` };
  const targets = new Map<string, Target>();
  const why: string[] = [];
  for (const pkg of named) {
    const matched = installed.filter(
      (p) => p.name === pkg.name || (scheme === 'dpkg' && (p.source ?? p.name) === pkg.name),
    );
    if (matched.length === 0) why.push(`${pkg.name} is not installed`);
    for (const p of matched) {
      const current =
        scheme === 'dpkg' ? (p.name === pkg.name ? p.version : (p.sourceVersion ?? p.version)) : rpmEvr(p);
      const below = safeCompare(scheme, current, pkg.version);
      if (below === undefined) {
        why.push(`cannot compare ${p.name} ${current} with ${pkg.version}`);
        continue;
      }
      if (below >= 0) continue;
      if (!validForJob(manager, p.name, pkg.version)) {
        why.push(`${p.name} ${pkg.version} cannot be named exactly in a job`);
        continue;
      }
      const previousVersion = scheme === 'dpkg' ? p.version : rpmEvr(p);
      const known = targets.get(p.name);
      if (!known || (safeCompare(scheme, known.version, pkg.version) ?? 0) < 0)
        targets.set(p.name, { name: p.name, version: pkg.version, previousVersion });
    }
  }
  if (targets.size > 0) return { targets: [...targets.values()] };
  return { reason: why.length > 0 ? why.join('; ') : 'the installed packages are already at the fix version' };
}

function rpmEvr(p: InstalledPackage): string {
  const epoch = p.epoch && p.epoch !== '0' ? `${p.epoch}:` : '';
  return `${epoch}${p.version}${p.release ? `-${p.release}` : ''}`;
}

function safeCompare(scheme: 'dpkg' | 'rpm', a: string, b: string): number | undefined {
  try {
    return compareVersions(scheme, a, b);
  } catch {
    return undefined;
  }
}

/** The job schema is the last word on names and versions: a target it would refuse is not planned. */
function validForJob(manager: 'apt' | 'dnf', name: string, version: string): boolean {
  return jobStepSchema.safeParse({ kind: 'install', manager, packages: [{ name, version }], timeoutSeconds: 60 })
    .success;
}
