/**
 * The agent's local policy: which kinds of job steps and which actions this machine accepts,
 * whatever the server signs. A valid signature says who sent a job; this file says what the
 * machine's own administrator lets any server do (docs/AGENT.md, "Local policy").
 *
 * Rules (checked over the whole job before anything runs):
 * - install apt/dnf/wusa/msiexec/exe: allowed when the manager is listed in `installs`;
 * - rollback: allowed when `rollback` is true and its manager is listed in `installs`;
 * - reboot: allowed when `reboot` is true; verify: always (it runs nothing);
 * - config (file edit, registry value): allowed only when `config` is true;
 * - pre-hook, post-hook and install `script` (the action steps): allowed only when an entry of
 *   `actions` matches: `{name}` matches the step's action name, `{argvPrefix}` matches when the
 *   step's argv starts with those items (element-wise, exact strings), and an entry with both
 *   needs both. No entry, no action.
 * With no file the default applies: every package install, rollback, reboot and verify; no
 * hooks, no scripts, no config edits. A file that is unsafe (not root's, writable by others, a
 * symlink, in a directory others can write) or invalid is not used: the default applies and the
 * reason is logged and given in every refusal it causes — an unusable file never widens anything.
 *
 * `checkJobAgainstPolicy` is pure; `loadLocalPolicy` reads the file (the edge).
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { actionNameSchema, argvSchema, type JobBody, type JobStep } from '../protocol/jobs.js';

export const AGENT_POLICY_FORMAT = 'patchhive.agent-policy/1';
/** Where `patchhive agent run` reads its policy unless `--policy-file` says otherwise (never below --root). */
export const DEFAULT_POLICY_FILE = '/etc/patchhive/agent-policy.json';
const MAX_POLICY_BYTES = 256 * 1024;

export const INSTALL_MANAGERS = ['apt', 'dnf', 'wusa', 'msiexec', 'exe'] as const;

const actionRuleSchema = z
  .strictObject({ name: actionNameSchema.optional(), argvPrefix: argvSchema.optional() })
  .refine((r) => r.name !== undefined || r.argvPrefix !== undefined, {
    message: 'an action rule needs "name", "argvPrefix" or both',
  });

/** The policy file's JSON; omitted keys take the default's value. */
export const localPolicySchema = z.strictObject({
  schema: z.literal(AGENT_POLICY_FORMAT),
  installs: z
    .array(z.enum(INSTALL_MANAGERS))
    .max(INSTALL_MANAGERS.length)
    .default([...INSTALL_MANAGERS]),
  rollback: z.boolean().default(true),
  reboot: z.boolean().default(true),
  config: z.boolean().default(false),
  actions: z.array(actionRuleSchema).max(1000).default([]),
});

export type LocalPolicy = z.infer<typeof localPolicySchema>;
export type ActionRule = LocalPolicy['actions'][number];

/** The policy without a file: package installs, rollback, reboot and verify; no hooks, scripts or config edits. */
export const DEFAULT_LOCAL_POLICY: LocalPolicy = Object.freeze({
  schema: AGENT_POLICY_FORMAT,
  installs: [...INSTALL_MANAGERS],
  rollback: true,
  reboot: true,
  config: false,
  actions: [],
});

/** A policy and where it came from; `problem` says why a file that exists was not used. */
export interface LoadedPolicy {
  policy: LocalPolicy;
  source: 'file' | 'default';
  file: string;
  problem: string | null;
}

export type PolicyVerdict = { ok: true } | { ok: false; stepIndex: number; message: string };

const startsWith = (argv: readonly string[], prefix: readonly string[]) =>
  prefix.length <= argv.length && prefix.every((item, i) => argv[i] === item);

/** True when some rule of `rules` matches the action `name` run as `argv`. */
export function actionAllowed(rules: readonly ActionRule[], name: string, argv: readonly string[]): boolean {
  return rules.some(
    (r) => (r.name === undefined || r.name === name) && (r.argvPrefix === undefined || startsWith(argv, r.argvPrefix)),
  );
}

/** Why `step` is not allowed by `policy`, or null when it is. */
export function stepRefusal(step: JobStep, policy: LocalPolicy): string | null {
  const installs: readonly string[] = policy.installs;
  switch (step.kind) {
    case 'pre-hook':
    case 'post-hook':
      return actionAllowed(policy.actions, step.action, step.command)
        ? null
        : `${step.kind} action "${step.action}" (${step.command[0]}) is not in the local policy's actions`;
    case 'install':
      if (step.manager === 'script') {
        return actionAllowed(policy.actions, step.action, step.command)
          ? null
          : `install script action "${step.action}" (${step.command[0]}) is not in the local policy's actions`;
      }
      return installs.includes(step.manager) ? null : `${step.manager} installs are not in the local policy's installs`;
    case 'rollback':
      if (!policy.rollback) return 'rollbacks are not allowed by the local policy';
      return installs.includes(step.manager)
        ? null
        : `${step.manager} rollbacks are not allowed (${step.manager} is not in the local policy's installs)`;
    case 'config':
      return policy.config
        ? null
        : `config edits (${step.change.type === 'file-edit' ? step.change.path : `${step.change.hive}\\${step.change.key}`}) are not allowed by the local policy`;
    case 'reboot':
      return policy.reboot ? null : 'reboots are not allowed by the local policy';
    case 'verify':
      return null;
  }
}

/** Checks every step of `job` (pure): the first step the policy does not allow refuses the whole job. */
export function checkJobAgainstPolicy(
  job: Pick<JobBody, 'jobId' | 'steps'>,
  loaded: Pick<LoadedPolicy, 'policy' | 'source' | 'file' | 'problem'>,
): PolicyVerdict {
  for (const [i, step] of job.steps.entries()) {
    const why = stepRefusal(step, loaded.policy);
    if (why === null) continue;
    const source =
      loaded.source === 'file'
        ? `the local policy ${loaded.file}`
        : loaded.problem
          ? `the default local policy (${loaded.problem})`
          : `the default local policy (no ${loaded.file})`;
    return { ok: false, stepIndex: i, message: `job ${job.jobId}: step ${i}: ${why}; refused by ${source}` };
  }
  return { ok: true };
}

export interface PolicyFileTrust {
  /** The only owner accepted for the file and its directories (default 0, root). */
  ownerUid?: number;
}

/**
 * Reads the policy file: absent → the default; present but unsafe or invalid → the default, with
 * the problem. Safe means: a regular file (not a symlink), owned by root, not writable by group or
 * others; every directory up to "/" owned by root and not writable by group or others unless sticky.
 */
export async function loadLocalPolicy(file: string, trust: PolicyFileTrust = {}): Promise<LoadedPolicy> {
  const owner = trust.ownerUid ?? 0;
  const fallback = (problem: string | null): LoadedPolicy => ({
    policy: DEFAULT_LOCAL_POLICY,
    source: 'default',
    file,
    problem,
  });
  if (!path.isAbsolute(file)) return fallback(`the policy file path ${file} is not absolute`);
  const dirProblem = await unsafeDirectory(path.dirname(file), owner);
  const fh = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)).catch(
    (err: NodeJS.ErrnoException) => err,
  );
  if (fh instanceof Error) {
    if (fh.code === 'ENOENT') return fallback(dirProblem);
    return fallback(
      fh.code === 'ELOOP' ? `${file} is a symbolic link` : `${file} cannot be opened (${fh.code ?? fh.message})`,
    );
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return fallback(`${file} is not a regular file`);
    if (st.uid !== owner)
      return fallback(`${file} is owned by uid ${st.uid}, not ${owner === 0 ? 'root' : `uid ${owner}`}`);
    if ((st.mode & 0o022) !== 0)
      return fallback(`${file} is writable by ${writers(st.mode)} (mode ${(st.mode & 0o7777).toString(8)})`);
    if (dirProblem) return fallback(dirProblem);
    if (st.size > MAX_POLICY_BYTES) return fallback(`${file} is ${st.size} bytes (limit ${MAX_POLICY_BYTES})`);
    const text = await fh.readFile('utf8');
    return parsePolicyText(text, file);
  } finally {
    await fh.close();
  }
}

/** Parses the file's text; invalid JSON or schema → the default, with where it is wrong. */
export function parsePolicyText(text: string, file: string): LoadedPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      policy: DEFAULT_LOCAL_POLICY,
      source: 'default',
      file,
      problem: `${file} is not JSON (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  const parsed = localPolicySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      policy: DEFAULT_LOCAL_POLICY,
      source: 'default',
      file,
      problem: `${file} is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    };
  }
  return { policy: parsed.data, source: 'file', file, problem: null };
}

const writers = (mode: number) =>
  ['', 'others', 'its group', 'its group and others'][((mode & 0o020) >> 3) | ((mode & 0o002) >> 1)]!;

/** Why a directory on the way to the file lets someone other than `owner` replace it, or null. */
async function unsafeDirectory(dir: string, owner: number): Promise<string | null> {
  for (let d = dir; ; d = path.dirname(d)) {
    const st = await lstat(d).catch(() => null);
    if (st) {
      if (!st.isDirectory()) return `${d} is not a directory`;
      if (st.uid !== owner && st.uid !== 0) return `the directory ${d} is owned by uid ${st.uid}, not root`;
      if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0)
        return `the directory ${d} is writable by ${writers(st.mode)} (mode ${(st.mode & 0o7777).toString(8)})`;
    }
    if (d === path.dirname(d)) return null;
  }
}

/**
 * The policy as the executor sees it: re-read for every job (an edit takes effect at the next job,
 * no restart), a problem logged once each time it changes.
 */
export function createPolicySource(
  file: string,
  warn: (line: string) => void,
  trust: PolicyFileTrust = {},
): () => Promise<LoadedPolicy> {
  let lastProblem: string | null = null;
  return async () => {
    // an unexpected read error (EIO …) must not crash the agent, nor allow more than the default
    const loaded = await loadLocalPolicy(file, trust).catch((err: unknown): LoadedPolicy => ({
      policy: DEFAULT_LOCAL_POLICY,
      source: 'default',
      file,
      problem: `${file} cannot be read (${err instanceof Error ? err.message : String(err)})`,
    }));
    if (loaded.problem !== null && loaded.problem !== lastProblem) {
      warn(
        `patchhive agent: the local policy file is not used: ${loaded.problem}; the default applies (package installs only, no hooks, scripts or config edits)`,
      );
    }
    lastProblem = loaded.problem;
    return loaded;
  };
}
