/**
 * The simulated agents' machines for the server benchmarks: every one starts from the real
 * minbase-12-point-release status file (~90 packages, a point release whose packages lag the
 * security suite) and differs by a few packages removed, older or newer (seeded, per machine).
 */
import { collectDpkgInventory } from '../src/inventory/collect-dpkg.js';
import type { Inventory } from '../src/inventory/model.js';
import { BENCH_NOW, STATUS_FILES } from './fixtures.js';
import { DEFAULT_FLEET, fleetMachine, type FleetOptions } from './fleet.js';

/** The status file every agent's machine derives from. */
export const AGENT_BASE = STATUS_FILES[1];

/** Parses the base status file once (OS facts from this machine, so Debian 12 release tests hold). */
export async function agentBaseInventory(): Promise<Inventory> {
  return collectDpkgInventory({ statusFile: AGENT_BASE.file, now: BENCH_NOW, machineName: AGENT_BASE.label });
}

/** The name of agent / machine `i`. */
export function agentName(i: number): string {
  return `bench-agent-${String(i).padStart(5, '0')}`;
}

/** Machine `i`: deterministic for (base, i, seed). */
export function agentInventory(base: Inventory, i: number, seed: number): Inventory {
  const o: FleetOptions = { ...DEFAULT_FLEET, weights: [1], seed };
  const inv = fleetMachine([base], i, o);
  return { ...inv, machine: { name: agentName(i) } };
}
