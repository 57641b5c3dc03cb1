/**
 * The bodies of the jobs a deployment hands out, and the decisions that shape them: the reboot
 * policy a machine follows, whether its maintenance windows let it install now, and what a rollback
 * restores. Pure; the clock comes in as `now`. Signing happens in delivery.ts.
 */
import { JOB_FORMAT, type JobBody, type JobStep } from '../../../protocol/jobs.js';
import type { MaintenanceWindow, RebootPolicy } from '../../../rollout/model.js';
import { isWithinWindow, nextWindowStart } from '../../../rollout/windows.js';
import type { HookSpec, MachinePlan } from '../../../store/ports.js';

export const INSTALL_TIMEOUT_SECONDS = 3600;
export const REBOOT_GRACE_SECONDS = 60;

const MODE_RANK: Record<RebootPolicy['mode'], number> = { never: 0, 'if-required': 1, always: 2 };

/**
 * The reboot policy a machine follows: the deployment's override; else the most conservative of its
 * groups' policies (the lowest mode of never < if-required < always, onlyInWindow if any group asks,
 * the smallest maxDeferrals); else the server default.
 */
export function effectiveRebootPolicy(
  override: RebootPolicy | null,
  groupPolicies: readonly (RebootPolicy | null)[],
  fallback: RebootPolicy,
): RebootPolicy {
  if (override) return override;
  const set = groupPolicies.filter((p): p is RebootPolicy => p !== null);
  if (set.length === 0) return fallback;
  return {
    mode: set.reduce((m, p) => (MODE_RANK[p.mode] < MODE_RANK[m] ? p.mode : m), set[0]!.mode),
    onlyInWindow: set.some((p) => p.onlyInWindow),
    maxDeferrals: Math.min(...set.map((p) => p.maxDeferrals)),
  };
}

/** Whether the machine may install now: no window set, or inside one of them; else when the next opens. */
export function windowGate(
  windows: readonly MaintenanceWindow[],
  now: string,
): { open: true } | { open: false; nextStart: string | null } {
  if (windows.length === 0 || windows.some((w) => isWithinWindow(w, now))) return { open: true };
  const starts = windows
    .map((w) => nextWindowStart(w, now))
    .filter((s): s is string => s !== null)
    .sort();
  return { open: false, nextStart: starts[0] ?? null };
}

/** When a job issued now expires: after its lifetime, or at the deployment's deadline if that is sooner. */
export function jobExpiry(now: string, lifetimeMs: number, deadline: string | null): string {
  const end = Date.parse(now) + lifetimeMs;
  const cap = deadline === null ? end : Math.min(end, Date.parse(deadline));
  return new Date(cap).toISOString();
}

/** The fields every job body starts with. */
export interface JobHeader {
  agentId: string;
  jobId: string;
  sequence: number;
  deploymentId: string | null;
  issuedAt: string;
  expiresAt: string;
}

/**
 * An install job: [pre-hook] → one install step (all packages, in order) → [post-hook] → [reboot] → verify.
 * A hook step carries the action's name and its exact approved argv, so the signature covers both.
 */
export function buildInstallJobBody(
  h: JobHeader,
  plan: MachinePlan,
  opts: { policy: RebootPolicy; preHook: HookSpec | null; postHook: HookSpec | null; deferralsUsed: number },
): JobBody {
  if (plan.manager !== 'apt' && plan.manager !== 'dnf') throw new Error(`no install job for manager ${plan.manager}`);
  const steps: JobStep[] = [];
  if (opts.preHook) steps.push({ kind: 'pre-hook', ...hookFields(opts.preHook) });
  steps.push({
    kind: 'install',
    manager: plan.manager,
    packages: plan.packages.map((p) => ({ name: p.name, version: p.version })),
    timeoutSeconds: INSTALL_TIMEOUT_SECONDS,
  });
  if (opts.postHook) steps.push({ kind: 'post-hook', ...hookFields(opts.postHook) });
  if (opts.policy.mode !== 'never') {
    steps.push({
      kind: 'reboot',
      graceSeconds: REBOOT_GRACE_SECONDS,
      when: opts.policy.mode,
      maxDeferrals: opts.policy.maxDeferrals,
      deferralsUsed: Math.min(opts.deferralsUsed, 100),
    });
  }
  steps.push({ kind: 'verify', bulletinIds: plan.bulletinIds });
  return { format: JOB_FORMAT, ...h, steps, artifacts: [], reboot: opts.policy.mode };
}

function hookFields(h: HookSpec): { action: string; command: string[]; timeoutSeconds: number } {
  return { action: h.action, command: [...h.command], timeoutSeconds: h.timeoutSeconds };
}

/** What a rollback restores: the versions the install job replaced, and the packages it added. */
export interface RollbackTargets {
  packages: { name: string; version: string }[];
  remove: string[];
}

/**
 * The rollback of one machine's install job. The versions come from the agent's report of what it
 * kept when it has one (what is really on disk), else from the plan; packages the job installed new
 * are removed.
 */
export function rollbackTargets(
  plan: MachinePlan,
  kept: readonly { name: string; version: string }[] | null,
): RollbackTargets {
  const planned = new Set(plan.packages.map((p) => p.name));
  const packages = kept
    ? kept.filter((k) => planned.has(k.name)).map((k) => ({ name: k.name, version: k.version }))
    : plan.packages
        .filter((p) => p.previousVersion !== null)
        .map((p) => ({ name: p.name, version: p.previousVersion! }));
  const remove = plan.packages.filter((p) => p.previousVersion === null).map((p) => p.name);
  return { packages, remove };
}

/** A rollback job: one rollback step for the packages of job `fromJobId`; never reboots by itself. */
export function buildRollbackJobBody(
  h: JobHeader,
  manager: 'apt' | 'dnf',
  fromJobId: string,
  targets: RollbackTargets,
): JobBody {
  return {
    format: JOB_FORMAT,
    ...h,
    steps: [
      {
        kind: 'rollback',
        manager,
        fromJobId,
        packages: targets.packages,
        remove: targets.remove,
        timeoutSeconds: INSTALL_TIMEOUT_SECONDS,
      },
    ],
    artifacts: [],
    reboot: 'never',
  };
}
