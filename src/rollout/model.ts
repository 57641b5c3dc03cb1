/**
 * Rollout types: deployments, rings and their gates, per-machine run states, maintenance windows
 * and reboot policy. Plain data; the functions over them (rings.ts, gates.ts, windows.ts,
 * install-order.ts) are pure and take the clock as an argument. Times are ISO 8601 UTC strings.
 */
import type { Criticality } from '../protocol/api.js';

/** Built-in ways to pick a ring's members from the machines not yet placed. */
export const RING_STRATEGIES = ['least-critical-first', 'one-per-role', 'volunteers'] as const;
export type RingStrategy = (typeof RING_STRATEGIES)[number];

/** Who is in a ring: listed machines, a seeded share of the target, or a strategy. */
export type RingMembers =
  | { kind: 'explicit'; machineIds: string[] }
  /** 0..100, of the whole target (not of what is left); see rings.ts for rounding. */
  | { kind: 'percent'; percent: number }
  /** `count` caps how many machines (or roles, for one-per-role) the ring takes. */
  | { kind: 'strategy'; strategy: RingStrategy; count?: number };

/** When a ring counts as good enough for the next one to start. */
export interface RingGate {
  /** Succeeded / members, 0..1, checked once every member has finished. */
  minSuccessRatio: number;
  /** The ring halts as soon as more than this many members failed or were rolled back. */
  maxFailures: number;
}

/** One stage of a deployment (lab, pilot, broad…). */
export interface RingSpec {
  /** Unique within the deployment. A last ring named "broad" takes every machine left. */
  name: string;
  members: RingMembers;
  /** How long the ring must stay healthy after its last member finished (0: no soak). */
  soakSeconds: number;
  gate: RingGate;
}

/** A plan to install approved fixes on a target through rings. */
export interface DeploymentSpec {
  id: string;
  name: string;
  /** Every machine the deployment is for; rings partition these. */
  targetMachineIds: string[];
  /** Run in order; each starts only when the one before passed its gate. */
  rings: RingSpec[];
  /** Machines not finished by this instant are `missed` (null: no deadline). */
  deadline: string | null;
  bulletinIds: string[];
}

/** Where one machine's job stands within a deployment. */
export const MACHINE_RUN_STATES = [
  'pending',
  'waiting-window',
  'running',
  'succeeded',
  'failed',
  'missed',
  'rolled-back',
] as const;
export type MachineRunState = (typeof MACHINE_RUN_STATES)[number];

/** States after which a machine's job will not change by itself. */
export const FINISHED_RUN_STATES: ReadonlySet<MachineRunState> = new Set([
  'succeeded',
  'failed',
  'missed',
  'rolled-back',
]);

/** One machine's state in a ring, as the gate sees it. */
export interface MachineResult {
  machineId: string;
  state: MachineRunState;
  /** When the machine reached a finished state; the soak runs from the latest of these. */
  finishedAt?: string | null;
}

/** A recurring period in which installs (and, by policy, reboots) may happen. */
export interface MaintenanceWindow {
  /** Cron expression for the window's START, read in `timeZone` ("0 22 * * 0": Sundays 22:00). */
  cron: string;
  /** Elapsed minutes from each start (exact time, not wall clock, across a DST change). */
  durationMinutes: number;
  /** IANA time zone ("Europe/Berlin"). */
  timeZone: string;
}

/** When a machine may restart after installing. */
export interface RebootPolicy {
  /** never: report only; if-required: when an install needs it; always: after every job. */
  mode: 'never' | 'if-required' | 'always';
  /** Reboot only inside the machine's maintenance window. */
  onlyInWindow: boolean;
  /** How often a logged-in user may postpone the reboot before it is forced. */
  maxDeferrals: number;
}

/** The facts about a machine that ring selection reads. */
export interface RingCandidate {
  id: string;
  name: string;
  role: string | null;
  criticality: Criticality;
  tags: string[];
}
