/** The guided deployment form's state and the request body it stands for (POST /deployments and its dry run). */
import type { Schemas } from '../../wire';

export type Create = Schemas['DeploymentCreate'];
export type RebootPolicy = Schemas['RebootPolicy'];
export type MembersKind = 'percent' | 'explicit' | 'strategy';
export type Strategy = 'least-critical-first' | 'one-per-role' | 'volunteers';

export interface RingDraft {
  name: string;
  kind: MembersKind;
  percent: number;
  machines: string[];
  strategy: Strategy;
  count: number | '';
  soakHours: number;
  minSuccessPercent: number;
  maxFailures: number;
}

export const ring = (name: string, percent: number, soakHours: number): RingDraft => ({
  name,
  kind: 'percent',
  percent,
  machines: [],
  strategy: 'least-critical-first',
  count: '',
  soakHours,
  minSuccessPercent: 100,
  maxFailures: 0,
});

/** The request body exactly as the form describes it. */
export function toBody(d: {
  name: string;
  allFixes: boolean;
  bulletins: string[];
  groups: string[];
  machines: string[];
  rings: RingDraft[];
  deadline: string;
  overrideReboot: boolean;
  reboot: RebootPolicy;
  rollbackOnHalt: boolean;
  preHook: string | null;
  postHook: string | null;
}): Create {
  return {
    name: d.name.trim(),
    target: { groups: d.groups, machines: d.machines },
    ...(d.allFixes ? {} : { bulletins: d.bulletins }),
    rings: d.rings.map((r) => ({
      name: r.name.trim(),
      members:
        r.kind === 'percent'
          ? { kind: 'percent', percent: r.percent }
          : r.kind === 'explicit'
            ? { kind: 'explicit', machines: r.machines }
            : { kind: 'strategy', strategy: r.strategy, ...(r.count === '' ? {} : { count: r.count }) },
      soakSeconds: Math.round(r.soakHours * 3600),
      gate: { minSuccessRatio: r.minSuccessPercent / 100, maxFailures: r.maxFailures },
    })),
    deadline: d.deadline ? new Date(d.deadline).toISOString() : null,
    rebootPolicy: d.overrideReboot ? d.reboot : null,
    rollbackOnHalt: d.rollbackOnHalt,
    preHook: d.preHook,
    postHook: d.postHook,
  };
}
