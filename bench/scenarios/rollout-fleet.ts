/**
 * What the rollout benchmarks (section 7) deploy: a small native catalog of bulletins whose fixes
 * are newer versions of packages the real minbase-12 status file has, the machines that miss them,
 * and what a simulated agent reports after "installing" a job (its report and its inventory at
 * the fixed versions, so the server's validation by rescan passes). Shared by the scenario children.
 */
import type { Inventory } from '../../src/inventory/model.js';
import type { JobReport } from '../../src/protocol/agent.js';
import type { JobBody } from '../../src/protocol/jobs.js';

/** The catalog source's name on the benchmark server. */
export const ROLLOUT_SOURCE = 'bench-rollout';

/** One bulletin: a package of the base machine fixed in a newer version. */
export interface RolloutBulletin {
  id: string;
  pkg: string;
  fixed: string;
}

/**
 * The catalog's bulletins: 8 over 7 packages (libc6 twice, an older and a newer fix, which the
 * planner collapses into the newer), fixed versions just above the base machine's.
 */
const PLAN: [pkg: string, suffix: string][] = [
  ['libc6', '+bench1'],
  ['libc6', '+bench2'],
  ['libc-bin', '+bench2'],
  ['libsystemd0', '+bench1'],
  ['libudev1', '+bench1'],
  ['tar', '+bench1'],
  ['libgnutls30', '+bench1'],
  ['gzip', '+bench1'],
];

/** Packages of the small machines of Bench A that no bulletin is about. */
const BYSTANDERS = ['base-files', 'dpkg', 'apt'];

/** The bulletins, with versions taken from the base inventory (throws when a package is absent). */
export function rolloutBulletins(base: Inventory): RolloutBulletin[] {
  return PLAN.map(([pkg, suffix], i) => {
    const installed = base.packages?.items.find((p) => p.name === pkg);
    if (!installed) throw new Error(`the base inventory has no ${pkg}`);
    return { id: `PHB-ROLL-${String(i + 1).padStart(2, '0')}`, pkg, fixed: `${installed.version}${suffix}` };
  });
}

/** The native catalog document (patchhive.catalog/1, unsigned) of these bulletins. */
export function rolloutCatalogJson(bulletins: readonly RolloutBulletin[]): string {
  const doc = {
    format: 'patchhive.catalog/1',
    name: ROLLOUT_SOURCE,
    bulletins: bulletins.map((b) => ({
      id: b.id,
      title: `${b.pkg} security update (${b.fixed})`,
      severity: 'important',
      published: '2026-10-01',
      fixes: [
        {
          id: 'debian-12',
          package: { manager: 'dpkg', name: b.pkg, version: b.fixed },
          applicability: { all: [{ os: { platform: 'debian', release: '12' } }, { dpkg: { name: b.pkg } }] },
          installed: { dpkg: { name: b.pkg, version: { ge: b.fixed } } },
        },
      ],
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Bench A's machine: the base machine's OS and only its bulletin packages plus three others. */
export function smallInventory(base: Inventory, name: string): Inventory {
  const keep = new Set([...PLAN.map(([pkg]) => pkg), ...BYSTANDERS]);
  const items = (base.packages?.items ?? []).filter((p) => keep.has(p.name));
  return { ...base, machine: { name }, packages: { manager: 'dpkg', items } };
}

/** The inventory after the job's install steps: each named package at its target version. */
export function inventoryAfter(
  inv: Inventory,
  job: JobBody,
): { inventory: Inventory; kept: { name: string; version: string }[] } {
  const targets = new Map<string, string>();
  for (const s of job.steps)
    if (s.kind === 'install' && (s.manager === 'apt' || s.manager === 'dnf'))
      for (const p of s.packages) targets.set(p.name, p.version);
  const kept: { name: string; version: string }[] = [];
  const items = (inv.packages?.items ?? []).map((p) => {
    const to = targets.get(p.name);
    if (to === undefined || to === p.version) return p;
    kept.push({ name: p.name, version: p.version });
    return { ...p, version: to, ...(p.sourceVersion !== undefined ? { sourceVersion: to } : {}) };
  });
  return { inventory: { ...inv, packages: { manager: inv.packages?.manager ?? 'dpkg', items } }, kept };
}

/** What an agent reports for a job it ran: every step succeeded (no reboot was needed). */
export function succeededReport(job: JobBody, kept: JobReport['keptPackages'], at: string): JobReport {
  return {
    jobId: job.jobId,
    sequence: job.sequence,
    state: 'succeeded',
    refusal: null,
    message: `${job.steps.length} steps succeeded`,
    steps: job.steps.map((s, index) => ({
      index,
      kind: s.kind,
      result: s.kind === 'reboot' ? 'skipped' : 'succeeded',
      exitCode: s.kind === 'install' ? 0 : null,
      startedAt: at,
      finishedAt: at,
      log: s.kind === 'install' ? 'Setting up packages ... done\n' : '',
      message: s.kind === 'reboot' ? 'no reboot required' : 'done',
    })),
    rebootPending: false,
    rebootDeferrals: 0,
    keptPackages: kept,
    finishedAt: at,
  };
}

/** What an agent reports for an envelope it refused (nothing ran). */
export function refusedReport(
  jobId: string,
  sequence: number | null,
  refusal: NonNullable<JobReport['refusal']>,
  message: string,
  at: string,
): JobReport {
  return {
    jobId,
    sequence,
    state: 'refused',
    refusal,
    message: message.slice(0, 2000),
    steps: [],
    rebootPending: false,
    rebootDeferrals: 0,
    keptPackages: [],
    finishedAt: at,
  };
}
