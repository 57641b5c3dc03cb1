/**
 * Install order for one job: which package versions to install, and in what order. Pure.
 *
 * Rules:
 * - A package is identified by (manager, name). Several fixes for the same package collapse into one
 *   install of the NEWEST version (dpkg or rpm ordering): installing it also fixes the bulletins
 *   that asked for older versions, and installing an older one after it would be a downgrade. This
 *   is the "newer version last" rule taken to its end: the newest is the only one installed. The
 *   older versions are kept in `replaces`, and every bulletin is kept in `bulletinIds`.
 * - Versions that compare equal but are spelled differently ("1.0-1" and "0:1.0-1") keep the first.
 * - `dependsOn` names packages of the same manager. Dependencies of the newest version's items
 *   count (a union when several items carry it); an older version's dependencies are dropped.
 *   Names not in the job are ignored (already installed, or left to the package manager), and so
 *   is a package naming itself.
 * - Dependencies install before their dependants (topological order). Otherwise the order is the
 *   order in which packages first appear in `items`: among packages ready to install, the earliest
 *   first. A dependency cycle throws E_INPUT_MALFORMED naming the cycle ("a → b → a", where "→"
 *   reads "depends on").
 */
import { PatchhiveError } from '../errors.js';
import { compareVersions } from '../versions/index.js';

/** A package manager an install list can target. */
export type InstallManager = 'dpkg' | 'rpm';

/** One package version. */
export interface InstallPackage {
  manager: InstallManager;
  name: string;
  version: string;
}

/** One fix's install request: a bulletin, the package version that fixes it, and what it needs first. */
export interface InstallItem {
  bulletinId: string;
  package: InstallPackage;
  /** Names of packages (same manager) that must be installed before this one. */
  dependsOn?: string[];
}

/** One install in the job's ordered list. */
export interface InstallStep {
  package: InstallPackage;
  /** Every bulletin this install fixes, in first-seen order (including those that asked for older versions). */
  bulletinIds: string[];
  /** Package names in this job that are installed before this one. */
  dependsOn: string[];
  /** Older versions of the same package that were asked for and are not installed. */
  replaces: { version: string; bulletinIds: string[] }[];
}

interface Node {
  key: string;
  firstSeen: number;
  pkg: InstallPackage;
  bulletinIds: string[];
  deps: string[];
  replaces: InstallStep['replaces'];
}

const keyOf = (manager: string, name: string): string => `${manager}\u0000${name}`;

/** The job's install list: one step per package at its newest version, dependencies first, otherwise in first-seen order (rules in the header). */
export function orderInstalls(items: readonly InstallItem[]): InstallStep[] {
  items.forEach(validateItem);
  const nodes = new Map<string, Node>();
  for (const [key, group] of groupByPackage(items)) nodes.set(key, collapse(key, group));
  const edges = new Map<string, string[]>(); // key → keys it depends on, present in the job
  for (const n of nodes.values()) {
    const deps = n.deps.map((d) => keyOf(n.pkg.manager, d)).filter((k) => k !== n.key && nodes.has(k));
    edges.set(n.key, [...new Set(deps)]);
  }
  return topologicalOrder([...nodes.values()], edges).map((n) => ({
    package: n.pkg,
    bulletinIds: n.bulletinIds,
    dependsOn: edges.get(n.key)!.map((k) => nodes.get(k)!.pkg.name),
    replaces: n.replaces,
  }));
}

/** Items per (manager, name), in first-seen order, each with its index. */
function groupByPackage(items: readonly InstallItem[]): Map<string, { item: InstallItem; index: number }[]> {
  const groups = new Map<string, { item: InstallItem; index: number }[]>();
  items.forEach((item, index) => {
    const key = keyOf(item.package.manager, item.package.name);
    groups.set(key, [...(groups.get(key) ?? []), { item, index }]);
  });
  return groups;
}

/** One node for a package: the newest version (first spelling of it), its items' dependencies, the older versions. */
function collapse(key: string, group: { item: InstallItem; index: number }[]): Node {
  const { manager, name } = group[0]!.item.package;
  const cmp = (a: string, b: string): number => compareVersions(manager, a, b);
  const newest = group.reduce(
    (best, g) => (cmp(g.item.package.version, best) > 0 ? g.item.package.version : best),
    group[0]!.item.package.version,
  );
  const current = group.filter((g) => cmp(g.item.package.version, newest) === 0);
  const olderByVersion = new Map<string, string[]>();
  for (const { item } of group) {
    if (cmp(item.package.version, newest) === 0) continue;
    olderByVersion.set(
      item.package.version,
      unique([...(olderByVersion.get(item.package.version) ?? []), item.bulletinId]),
    );
  }
  return {
    key,
    firstSeen: group[0]!.index,
    pkg: { manager, name, version: newest },
    bulletinIds: unique(group.map((g) => g.item.bulletinId)),
    deps: current.flatMap((g) => g.item.dependsOn ?? []),
    replaces: [...olderByVersion]
      .sort(([a], [b]) => cmp(a, b))
      .map(([version, bulletinIds]) => ({ version, bulletinIds })),
  };
}

/** Kahn's algorithm, choosing the earliest-seen ready node each time; throws on a cycle. */
function topologicalOrder(nodes: Node[], edges: Map<string, string[]>): Node[] {
  const remaining = new Map(nodes.map((n) => [n.key, n]));
  const done = new Set<string>();
  const out: Node[] = [];
  while (remaining.size > 0) {
    let next: Node | undefined;
    for (const n of remaining.values()) {
      if (edges.get(n.key)!.every((d) => done.has(d)) && (!next || n.firstSeen < next.firstSeen)) next = n;
    }
    if (!next) throw cycleError(findCycle([...remaining.keys()], edges, remaining));
    remaining.delete(next.key);
    done.add(next.key);
    out.push(next);
  }
  return out;
}

/** A cycle among nodes none of which could be placed: walk dependencies until a node repeats. */
function findCycle(keys: string[], edges: Map<string, string[]>, remaining: Map<string, Node>): string[] {
  const path: string[] = [];
  const seenAt = new Map<string, number>();
  let at = keys.sort((a, b) => remaining.get(a)!.firstSeen - remaining.get(b)!.firstSeen)[0]!;
  while (!seenAt.has(at)) {
    seenAt.set(at, path.length);
    path.push(at);
    // Every remaining node has a remaining dependency, or it would have been placed.
    at = edges.get(at)!.find((d) => remaining.has(d))!;
  }
  return [...path.slice(seenAt.get(at)), at].map((k) => remaining.get(k)!.pkg.name);
}

function cycleError(cycle: string[]): PatchhiveError {
  return new PatchhiveError('E_INPUT_MALFORMED', `dependency cycle: ${cycle.join(' → ')}`, { path: '$[*].dependsOn' });
}

function validateItem(item: InstallItem, i: number): void {
  const bad = (path: string, what: string): never => {
    throw new PatchhiveError('E_BAD_REQUEST', `install item ${i}: ${what}`, { path: `$[${i}]${path}` });
  };
  if (typeof item.bulletinId !== 'string' || item.bulletinId === '')
    bad('.bulletinId', 'bulletinId must be a non-empty string');
  const p = item.package;
  if (p?.manager !== 'dpkg' && p?.manager !== 'rpm') bad('.package.manager', 'manager must be dpkg or rpm');
  if (typeof p.name !== 'string' || p.name === '') bad('.package.name', 'name must be a non-empty string');
  if (typeof p.version !== 'string') bad('.package.version', 'version must be a string');
  if (
    item.dependsOn !== undefined &&
    !(Array.isArray(item.dependsOn) && item.dependsOn.every((d) => typeof d === 'string'))
  ) {
    bad('.dependsOn', 'dependsOn must be a list of package names');
  }
  compareVersions(p.manager, p.version, p.version); // throws E_VERSION_INVALID for a version the manager rejects
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
