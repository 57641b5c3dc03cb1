/**
 * The agent's inventory: the dpkg or rpm collector for the system root, plus the probes the
 * server asked for, re-checked against the inventory schema.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PatchhiveError } from '../errors.js';
import { collectDpkgInventory } from '../inventory/collect-dpkg.js';
import { checkCollected } from '../inventory/collect-common.js';
import type { Inventory } from '../inventory/model.js';
import { collectRpmInventory } from '../inventory/rpm.js';
import type { ProbeRequestWire } from '../protocol/agent.js';
import { collectProbes, type ProbeResults } from './probes.js';

const RPM_DBS = ['var/lib/rpm', 'usr/lib/sysimage/rpm'];

export interface AgentCollectOptions {
  /** System root (default "/"). */
  root: string;
  now: Date;
  probes: ProbeRequestWire;
  /** The machine id the server gave at enrollment; reported in the inventory. */
  machineId: string;
  /** The name given at enrollment (--name); else the collector's host name. */
  name?: string;
  textAllow?: readonly string[];
  /** For tests: whether a path exists. */
  exists?: (p: string) => boolean;
}

/** Which package manager a root uses: dpkg first (Debian's rpm package may leave an empty rpm db). */
export function detectPackageManager(
  root: string,
  exists: (p: string) => boolean = existsSync,
): 'dpkg' | 'rpm' | undefined {
  if (exists(path.join(root, 'var/lib/dpkg/status'))) return 'dpkg';
  if (RPM_DBS.some((db) => exists(path.join(root, db)))) return 'rpm';
  return undefined;
}

/** Adds probe results to a collected inventory; the collector's own text files win over a probe of the same path. */
export function mergeProbeResults(inv: Inventory, results: ProbeResults): Inventory {
  const out: Inventory = { ...inv };
  if (results.files.length > 0) out.files = results.files;
  const known = new Set((inv.textFiles ?? []).map((t) => t.path));
  const extra = results.textFiles.filter((t) => !known.has(t.path));
  if (extra.length > 0) out.textFiles = [...(inv.textFiles ?? []), ...extra];
  return out;
}

/** Collects this machine's (or the root's) inventory with the requested probes. */
export async function collectAgentInventory(opts: AgentCollectOptions): Promise<Inventory> {
  const root = path.resolve(opts.root);
  const manager = detectPackageManager(root, opts.exists);
  const base: { root: string; now: Date; machineName?: string } = { root, now: opts.now };
  if (opts.name) base.machineName = opts.name;
  let inv: Inventory;
  if (manager === 'dpkg') inv = await collectDpkgInventory(base);
  else if (manager === 'rpm') inv = await collectRpmInventory(base);
  else {
    throw new PatchhiveError(
      'E_COLLECT_FAILED',
      `no dpkg status (var/lib/dpkg/status) or rpm database (${RPM_DBS.join(', ')}) under ${root}`,
    );
  }
  const probes = await collectProbes(opts.probes, { root, ...(opts.textAllow ? { textAllow: opts.textAllow } : {}) });
  const merged = mergeProbeResults({ ...inv, machine: { ...inv.machine, id: opts.machineId } }, probes);
  return checkCollected(merged);
}
