/**
 * The pure half of `patchhive deploy create`: the ring SPEC syntax, durations, hook command lines
 * and the request body built from a spec file and flags. Every problem is an E_USAGE error that
 * names the part that was wrong; nothing here does I/O.
 */
import type { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { RING_STRATEGIES, type RingStrategy } from '../../rollout/model.js';
import type { DeploymentCreate, ringInputSchema } from '../../protocol/deploy-api.js';
import { actionNameSchema } from '../../protocol/jobs.js';
import { oneLineText } from '../client/api-client.js';

/** One ring of the create request, as the wire schema takes it. */
export type RingInput = z.input<typeof ringInputSchema>;

/** The syntax, for --help and error messages. */
export const RING_SPEC_SYNTAX = 'NAME=MEMBERS[,soak=DURATION][,min-success=RATIO|PCT%][,max-failures=N]';
/** The MEMBERS forms, for --help. */
export const RING_MEMBERS_SYNTAX =
  'machines:a+b+c | NN% | least-critical-first[:COUNT] | one-per-role[:COUNT] | volunteers[:COUNT] | rest';

/** The longest soak the API accepts (90 days). */
const MAX_SOAK_SECONDS = 90 * 86_400;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 };
const MAX_COUNT = 100_000;

function usage(where: string, what: string): PatchhiveError {
  return new PatchhiveError('E_USAGE', `${where}: ${what}`);
}

const quoted = (s: string) => `"${oneLineText(s, 80)}"`;

/**
 * A duration such as "0", "90s", "30m", "12h", "1d", "2w" or "1d12h" (units in falling order,
 * each once) in whole seconds.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const v = text.trim().toLowerCase();
  if (v === '0') return 0;
  if (!/^(\d{1,7}w)?(\d{1,7}d)?(\d{1,7}h)?(\d{1,7}m)?(\d{1,7}s)?$/.test(v) || v === '') return undefined;
  let total = 0;
  for (const [, n, unit] of v.matchAll(/(\d+)([wdhms])/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
  return total;
}

/** A whole number 0..max written in decimal digits, or undefined. */
function wholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^\d{1,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** A ratio "0.9" (0..1) or a percentage "90%" (0..100 %) as 0..1, or undefined. */
function parseRatio(text: string): number | undefined {
  const pct = /^(\d{1,3}(?:\.\d+)?)%$/.exec(text);
  if (pct) {
    const n = Number(pct[1]);
    return n <= 100 ? n / 100 : undefined;
  }
  if (!/^(?:0|1)(?:\.\d+)?$|^\.\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 0 && n <= 1 ? n : undefined;
}

/** The MEMBERS part of a ring SPEC. */
function parseMembers(where: string, text: string): RingInput['members'] {
  if (text === '') throw usage(where, `no MEMBERS after "=" (expected ${RING_MEMBERS_SYNTAX})`);
  if (text.toLowerCase() === 'rest') return { kind: 'percent', percent: 100 };
  const pct = /^(\d{1,3}(?:\.\d+)?)%$/.exec(text);
  if (pct) {
    const percent = Number(pct[1]);
    if (percent <= 0 || percent > 100) throw usage(where, `percentage ${quoted(text)} must be above 0 and at most 100`);
    return { kind: 'percent', percent };
  }
  const colon = text.indexOf(':');
  const head = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  const tail = colon < 0 ? undefined : text.slice(colon + 1);
  if (head === 'machines') {
    const machines = (tail ?? '').split('+').map((m) => m.trim());
    if (tail === undefined || machines.some((m) => m === '')) {
      throw usage(
        where,
        `"machines:" needs machine names or ids joined by "+", e.g. machines:lab-1+lab-2 (got ${quoted(text)})`,
      );
    }
    if (machines.some((m) => m.length > 200)) throw usage(where, 'a machine name or id is longer than 200 characters');
    return { kind: 'explicit', machines };
  }
  if ((RING_STRATEGIES as readonly string[]).includes(head)) {
    const strategy = head as RingStrategy;
    if (tail === undefined) return { kind: 'strategy', strategy };
    const count = wholeNumber(tail.trim(), 1, MAX_COUNT);
    if (count === undefined)
      throw usage(where, `the count after "${strategy}:" must be a whole number 1..${MAX_COUNT} (got ${quoted(tail)})`);
    return { kind: 'strategy', strategy, count };
  }
  throw usage(where, `unknown MEMBERS ${quoted(text)} (expected ${RING_MEMBERS_SYNTAX})`);
}

/**
 * Parses one --ring SPEC: `NAME=MEMBERS[,soak=DURATION][,min-success=RATIO|PCT%][,max-failures=N]`.
 * A gate value not given keeps the API's default (every member must succeed; no failure allowed).
 */
export function parseRingSpec(spec: string): RingInput {
  const where = `--ring ${quoted(spec)}`;
  const eq = spec.indexOf('=');
  if (eq < 0) throw usage(where, `expected ${RING_SPEC_SYNTAX}`);
  const name = spec.slice(0, eq).trim();
  if (name === '') throw usage(where, 'the ring NAME before "=" is empty');
  if (name.length > 64) throw usage(where, 'the ring NAME is longer than 64 characters');
  const [membersText, ...options] = spec
    .slice(eq + 1)
    .split(',')
    .map((p) => p.trim());
  const ring: RingInput = { name, members: parseMembers(where, membersText ?? '') };
  const seen = new Set<string>();
  let minSuccessRatio: number | undefined;
  let maxFailures: number | undefined;
  for (const option of options) {
    const at = option.indexOf('=');
    const key = (at < 0 ? option : option.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : option.slice(at + 1).trim();
    if (option === '') throw usage(where, 'an empty option between commas');
    if (at < 0 || value === '')
      throw usage(
        where,
        `option ${quoted(option)} needs a value (soak=DURATION, min-success=RATIO|PCT%, max-failures=N)`,
      );
    if (seen.has(key)) throw usage(where, `option "${key}" is given twice`);
    seen.add(key);
    if (key === 'soak') {
      const seconds = parseDurationSeconds(value);
      if (seconds === undefined)
        throw usage(where, `soak ${quoted(value)} is not a duration such as 0, 90m, 12h, 1d, 2w or 1d12h`);
      if (seconds > MAX_SOAK_SECONDS) throw usage(where, `soak ${quoted(value)} is longer than 90 days`);
      ring.soakSeconds = seconds;
    } else if (key === 'min-success') {
      minSuccessRatio = parseRatio(value);
      if (minSuccessRatio === undefined)
        throw usage(where, `min-success ${quoted(value)} must be a ratio 0..1 (0.9) or a percentage 0..100% (90%)`);
    } else if (key === 'max-failures') {
      maxFailures = wholeNumber(value, 0, 1_000_000);
      if (maxFailures === undefined)
        throw usage(where, `max-failures ${quoted(value)} must be a whole number, 0 or more`);
    } else {
      throw usage(where, `unknown option ${quoted(key)} (expected soak, min-success or max-failures)`);
    }
  }
  if (minSuccessRatio !== undefined || maxFailures !== undefined)
    ring.gate = { minSuccessRatio: minSuccessRatio ?? 1, maxFailures: maxFailures ?? 0 };
  return ring;
}

/** An action name given to --pre-hook/--post-hook (the action catalog holds the command). */
export function actionNameArg(option: string, name: string): string {
  const r = actionNameSchema.safeParse(name);
  if (!r.success)
    throw usage(
      option,
      `${r.error.issues[0]!.message}; got ${quoted(name)} (hooks name actions of the catalog: patchhive actions list)`,
    );
  return name;
}

/** What `deploy create` was given on the command line (already parsed by commander). */
export interface CreateFlags {
  name?: string;
  group?: string[];
  machine?: string[];
  bulletin?: string[];
  ring?: RingInput[];
  /** ISO 8601 UTC, already resolved from a span. */
  deadline?: string;
  reboot?: 'never' | 'if-required' | 'always';
  rebootOnlyInWindow?: boolean;
  maxDeferrals?: number;
  /** false with --no-rollback-on-halt (commander sets true otherwise). */
  rollbackOnHalt?: boolean;
  preHook?: string;
  postHook?: string;
  seed?: string;
}

type RebootPolicyInput = NonNullable<DeploymentCreate['rebootPolicy']>;

/** The reboot policy: the spec file's, with the flags laid over it; a partial policy is refused. */
function rebootPolicyOf(base: DeploymentCreate['rebootPolicy'], f: CreateFlags): DeploymentCreate['rebootPolicy'] {
  if (f.reboot === undefined && !f.rebootOnlyInWindow && f.maxDeferrals === undefined) return base;
  const from: Partial<RebootPolicyInput> = base ?? {};
  const mode = f.reboot ?? from.mode;
  if (mode === undefined)
    throw usage('--reboot-only-in-window / --max-deferrals', 'give --reboot never|if-required|always too');
  return {
    mode,
    onlyInWindow: f.rebootOnlyInWindow ? true : (from.onlyInWindow ?? false),
    maxDeferrals: f.maxDeferrals ?? from.maxDeferrals ?? 0,
  };
}

/**
 * The POST /deployments body: the spec file's JSON (if any) with every flag given laid over it.
 * --group / --machine / --bulletin / --ring replace the file's lists of the same kind.
 */
export function buildCreateBody(file: Partial<DeploymentCreate> | undefined, f: CreateFlags): DeploymentCreate {
  const base: Partial<DeploymentCreate> = file ?? {};
  const target = { ...(base.target ?? {}) };
  if (f.group?.length) target.groups = f.group;
  if (f.machine?.length) target.machines = f.machine;
  const body: Record<string, unknown> = { ...base, target };
  const set = (key: keyof DeploymentCreate, value: unknown) => {
    if (value !== undefined) body[key] = value;
  };
  set('name', f.name);
  set('bulletins', f.bulletin?.length ? f.bulletin : undefined);
  set('rings', f.ring?.length ? f.ring : undefined);
  set('deadline', f.deadline);
  set('rebootPolicy', rebootPolicyOf(base.rebootPolicy, f));
  set('rollbackOnHalt', f.rollbackOnHalt === false ? false : undefined);
  set('preHook', f.preHook !== undefined ? actionNameArg('--pre-hook', f.preHook) : undefined);
  set('postHook', f.postHook !== undefined ? actionNameArg('--post-hook', f.postHook) : undefined);
  set('seed', f.seed);
  if (body.name === undefined) throw usage('deploy create', 'needs --name (or "name" in --spec-file)');
  if (!Array.isArray(body.rings) || body.rings.length === 0)
    throw usage('deploy create', `needs at least one --ring ${RING_SPEC_SYNTAX} (or "rings" in --spec-file)`);
  if ((target.groups?.length ?? 0) + (target.machines?.length ?? 0) === 0) {
    throw usage('deploy create', 'needs a target: --group G and/or --machine M (or "target" in --spec-file)');
  }
  return body as DeploymentCreate;
}
