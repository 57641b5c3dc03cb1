/**
 * Scenario 5: re-assessment after a catalog change, in the server of scenario 4 once its agents'
 * machines are stored and assessed. The catalog source file is replaced by a copy with some
 * definitions' fixed versions bumped and the source is synced (SourceService.sync, which calls
 * AssessmentService.reassessForChange); the peer is a full re-assessment of every machine against
 * every bulletin (what a server without restricted re-assessment would do), in the same process.
 */
import { writeFile } from 'node:fs/promises';
import type { RunningServer } from '../src/server/server.js';
import type { CatalogChange } from './catalog-change.js';
import type { ChildRpc, Message } from './ipc.js';
import { PhaseMonitor, type PhaseUsage } from './proc-stats.js';

/** The sync that carried the change, and the restricted re-assessment inside it. */
export interface RestrictedReassess {
  syncResult: string;
  /** Bulletins the sync found revised (should be the changed ones), and whether they were exactly those. */
  revised: number;
  revisedAreTheChanged: boolean;
  /** The whole sync: read the file, import, diff, swap the catalog, re-assess, count, record. */
  syncMs: number;
  /** reassessForChange alone. */
  reassessMs: number;
  /** Machines it re-evaluated (of `machines` with an inventory). */
  machinesReevaluated: number;
  /** Open findings of the changed bulletins before and after. */
  openBefore: number;
  openAfter: number;
}

/** The peer: every machine against every bulletin. */
export interface FullReassess {
  ms: number;
  machines: number;
  bulletins: number;
}

export interface ReassessRun {
  changed: { bulletins: number; aboutInstalled: number; aboutOthers: number };
  machines: number;
  restricted: RestrictedReassess & { server: PhaseUsage };
  full: FullReassess & { server: PhaseUsage };
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** Server side of "sync": syncs `source` and times reassessForChange inside it. */
export async function syncAndTime(
  server: RunningServer,
  source: string,
  changedIds: string[],
): Promise<RestrictedReassess> {
  const a = server.assessment;
  const original = a.reassessForChange.bind(a);
  let inner: { ms: number; machines: number } | undefined;
  a.reassessForChange = async (ids: string[]) => {
    const t = performance.now();
    const machines = await original(ids);
    inner = { ms: performance.now() - t, machines };
    return machines;
  };
  try {
    const openBefore = sum(await server.store.findings.countOpenByBulletin(changedIds));
    const t0 = performance.now();
    const rec = await server.services.sources.sync(source);
    const syncMs = performance.now() - t0;
    const openAfter = sum(await server.store.findings.countOpenByBulletin(changedIds));
    const revised = (rec.diff?.revised ?? []).map((r) => r.id).sort();
    const expected = [...changedIds].sort();
    return {
      syncResult: rec.result,
      revised: revised.length,
      revisedAreTheChanged: revised.length === expected.length && revised.every((id, i) => id === expected[i]),
      syncMs,
      reassessMs: inner?.ms ?? NaN,
      machinesReevaluated: inner?.machines ?? 0,
      openBefore,
      openAfter,
    };
  } finally {
    a.reassessForChange = original;
  }
}

/** Server side of "full": queues every machine with an inventory and waits for the queue. */
export async function reassessAll(server: RunningServer): Promise<FullReassess> {
  await server.assessment.whenIdle();
  const t0 = performance.now();
  const machines = (await server.store.machines.list()).filter((m) => m.inventoryHash !== null);
  for (const m of machines) server.assessment.enqueue(m.id);
  await server.assessment.whenIdle();
  return {
    ms: performance.now() - t0,
    machines: machines.length,
    bulletins: server.catalogs.prepared.catalog.bulletins.length,
  };
}

/** Orchestrator side: writes the changed catalog over the source's file, then times both re-assessments in the server child. */
export async function runReassess(
  server: ChildRpc,
  catalogFile: string,
  change: CatalogChange,
  machines: number,
): Promise<ReassessRun> {
  await writeFile(catalogFile, change.xml);
  let monitor = new PhaseMonitor(server.pid);
  const restricted = await server.call<Message & RestrictedReassess>({ kind: 'sync', bulletinIds: change.bulletinIds });
  const restrictedUsage = monitor.stop();
  monitor = new PhaseMonitor(server.pid);
  const full = await server.call<Message & FullReassess>({ kind: 'full' });
  const fullUsage = monitor.stop();
  const { kind: _k1, ...r } = restricted;
  const { kind: _k2, ...f } = full;
  return {
    changed: {
      bulletins: change.bulletinIds.length,
      aboutInstalled: change.aboutInstalled,
      aboutOthers: change.aboutOthers,
    },
    machines,
    restricted: { ...(r as RestrictedReassess), server: restrictedUsage },
    full: { ...(f as FullReassess), server: fullUsage },
  };
}
