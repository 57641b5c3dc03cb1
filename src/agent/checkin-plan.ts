/**
 * The decisions of a check-in (pure): whether to send the inventory or only its hash, what the
 * server's answer changes in the agent's state, and whether to check in again at once.
 */
import type { CheckinResponse, ProbeRequestWire } from '../protocol/agent.js';
import type { AgentState } from './state.js';

/** Send the whole inventory only when the server lacks it: a new hash, or the server asked. */
export function shouldSendInventory(hash: string, lastAcceptedHash: string | null, inventoryWanted: boolean): boolean {
  return inventoryWanted || hash !== lastAcceptedHash;
}

/** A probe request in a canonical form (sorted, de-duplicated) so that order alone is no change. */
function canonicalProbes(p: ProbeRequestWire): string {
  const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();
  const registry = p.registry.map((r) => JSON.stringify([r.hive, r.key, r.name, r.view ?? null]));
  return JSON.stringify([sorted(p.files), sorted(p.textFiles), sorted(registry)]);
}

/** True when two probe requests ask for the same things. */
export function sameProbes(a: ProbeRequestWire, b: ProbeRequestWire): boolean {
  return canonicalProbes(a) === canonicalProbes(b);
}

export interface CheckinOutcome {
  /** The state after the answer (same object when nothing changed). */
  state: AgentState;
  /** True when the state must be written. */
  changed: boolean;
  /** The server asks for probes the last inventory did not have. */
  probesChanged: boolean;
  /** The server wants the whole inventory. */
  inventoryWanted: boolean;
}

/** Every probe of either request, once. */
export function mergeProbes(a: ProbeRequestWire, b: ProbeRequestWire): ProbeRequestWire {
  const registry = new Map(
    [...a.registry, ...b.registry].map((r) => [JSON.stringify([r.hive, r.key, r.name, r.view ?? null]), r] as const),
  );
  return {
    files: [...new Set([...a.files, ...b.files])].sort(),
    registry: [...registry.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, r]) => r),
    textFiles: [...new Set([...a.textFiles, ...b.textFiles])].sort(),
  };
}

/**
 * What a check-in answer means for the agent: the accepted hash and the probes it must collect.
 * The server names only the probes the last inventory lacked, so the agent keeps every probe it
 * was ever asked for; replacing them would drop the answers it already gave and make the
 * inventory flip between two hashes.
 */
export function applyCheckinResponse(state: AgentState, res: CheckinResponse): CheckinOutcome {
  const merged = mergeProbes(state.probes, res.probes);
  const probesChanged = !sameProbes(state.probes, merged);
  const hashChanged = state.lastAcceptedHash !== res.acceptedInventoryHash;
  const changed = probesChanged || hashChanged;
  const next: AgentState = changed
    ? { ...state, lastAcceptedHash: res.acceptedInventoryHash, probes: probesChanged ? merged : state.probes }
    : state;
  return { state: next, changed, probesChanged, inventoryWanted: res.inventoryWanted };
}

/** Check in again at once (at most once per cycle) when the answer asked for more than we sent. */
export function needsFollowUp(outcome: CheckinOutcome): boolean {
  return outcome.probesChanged || outcome.inventoryWanted;
}
