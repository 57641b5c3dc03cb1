/**
 * Keeps every machine's findings current: re-evaluates a machine when its inventory changes, and
 * on a catalog change only the machines and bulletins that change can affect. Work runs on one
 * in-process queue; a crash loses nothing because "inventory stored but not assessed" is
 * persistent state (MachineStore.listPendingAssessment) that start-up re-queues.
 */
import type { Logger } from 'pino';
import { evaluate, type PreparedCatalog } from '../../detect/index.js';
import { buildInventoryView } from '../../detect/inventory-view.js';
import { inventorySchema, type Inventory } from '../../inventory/model.js';
import type { Store } from '../../store/ports.js';
import { dailySnapshotOf } from './snapshot.js';
import { toFindingInputs } from './to-finding-input.js';
import type { CatalogState } from './catalog-state.js';

export interface AssessmentHooks {
  /** Called with the seconds one machine's assessment took. */
  onAssessed?(seconds: number): void;
  /** Called with the bulletins newly open on a machine (the triage queue takes them). */
  onOpened?(machineId: string, bulletinIds: string[]): Promise<void>;
  /** Called once a machine's new findings are stored (deployments validate installs by this rescan). */
  onMachineAssessed?(machineId: string): Promise<void>;
}

export class AssessmentService {
  private readonly queue = new Set<string>();
  private running: Promise<void> | undefined;
  /** Index keys of each assessed machine's inventory (packages, family, build): what a change can hit. */
  private readonly machineKeys = new Map<string, Set<string>>();

  constructor(
    private readonly store: Store,
    private readonly catalogs: CatalogState,
    private readonly now: () => Date,
    private readonly log: Logger,
    private readonly hooks: AssessmentHooks = {},
  ) {}

  /** Queues a full assessment of a machine (deduplicated). */
  enqueue(machineId: string): void {
    this.queue.add(machineId);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.size > 0) this.enqueue([...this.queue][0]!);
    });
  }

  /** Resolves when the queue is empty. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Re-queues machines whose stored inventory was never assessed (after a crash or restart). */
  async resumePending(): Promise<number> {
    const pending = await this.store.machines.listPendingAssessment();
    for (const id of pending) this.enqueue(id);
    return pending.length;
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0) {
      const id = this.queue.values().next().value as string;
      this.queue.delete(id);
      try {
        await this.assessMachine(id);
      } catch (err) {
        this.log.error({ err, machineId: id }, 'assessment failed');
      }
    }
  }

  /** Assesses one machine against the whole catalog now and stores the result. */
  async assessMachine(machineId: string): Promise<void> {
    const stored = await this.store.machines.getInventory(machineId);
    if (!stored) return;
    const inventory = parseStoredInventory(stored.json);
    const started = process.hrtime.bigint();
    const findings = toFindingInputs(evaluate(this.catalogs.prepared, inventory));
    const at = this.now();
    const { opened } = await this.store.findings.applyAssessment(machineId, findings, at.toISOString());
    await this.store.machines.markAssessed(machineId, stored.hash, at.toISOString());
    await this.opened(machineId, opened);
    await this.snapshot(machineId, at);
    this.machineKeys.set(machineId, new Set(buildInventoryView(inventory).keys));
    this.hooks.onAssessed?.(Number(process.hrtime.bigint() - started) / 1e9);
    await this.assessed(machineId);
  }

  /**
   * After a catalog change: re-evaluates only the changed bulletins (and those related to them by
   * supersedence), only on machines whose facts the changed bulletins can match or that have a
   * stored finding for one of them. Returns how many machines were re-evaluated.
   */
  async reassessForChange(changedIds: string[]): Promise<number> {
    if (changedIds.length === 0) return 0;
    await this.whenIdle();
    const scopeIds = this.catalogs.withSupersedence(changedIds);
    const restricted = this.catalogs.restrictedTo(scopeIds);
    const withFindings = new Set(
      (await this.store.findings.list({ bulletinIds: [...scopeIds], resolved: false })).items.map((f) => f.machineId),
    );
    let count = 0;
    for (const m of await this.store.machines.list()) {
      if (!m.inventoryHash) continue;
      const keys = await this.keysOf(m.id);
      if (!keys) continue;
      if (!withFindings.has(m.id) && !canMatch(restricted, keys)) continue;
      await this.assessRestricted(m.id, restricted, [...scopeIds]);
      count++;
    }
    return count;
  }

  private async assessRestricted(machineId: string, restricted: PreparedCatalog, scope: string[]): Promise<void> {
    const stored = await this.store.machines.getInventory(machineId);
    if (!stored) return;
    const findings = toFindingInputs(evaluate(restricted, parseStoredInventory(stored.json)));
    const at = this.now();
    const { opened } = await this.store.findings.applyAssessment(machineId, findings, at.toISOString(), {
      bulletinIds: scope,
    });
    await this.opened(machineId, opened);
    await this.snapshot(machineId, at);
    await this.assessed(machineId);
  }

  private async keysOf(machineId: string): Promise<Set<string> | undefined> {
    const cached = this.machineKeys.get(machineId);
    if (cached) return cached;
    const stored = await this.store.machines.getInventory(machineId);
    if (!stored) return undefined;
    const keys = new Set(buildInventoryView(parseStoredInventory(stored.json)).keys);
    this.machineKeys.set(machineId, keys);
    return keys;
  }

  /** Hands newly open bulletins on; a failure there is logged and never undoes the assessment. */
  private async opened(machineId: string, bulletinIds: string[]): Promise<void> {
    if (bulletinIds.length === 0 || !this.hooks.onOpened) return;
    try {
      await this.hooks.onOpened(machineId, bulletinIds);
    } catch (err) {
      this.log.error({ err, machineId }, 'queueing newly open bulletins for triage failed');
    }
  }

  /** Tells the rollout; a failure there is logged and never undoes the assessment. */
  private async assessed(machineId: string): Promise<void> {
    if (!this.hooks.onMachineAssessed) return;
    try {
      await this.hooks.onMachineAssessed(machineId);
    } catch (err) {
      this.log.error({ err, machineId }, 'validating deployments after an assessment failed');
    }
  }

  /** Forgets a deleted machine. */
  forget(machineId: string): void {
    this.machineKeys.delete(machineId);
    this.queue.delete(machineId);
  }

  private async snapshot(machineId: string, at: Date): Promise<void> {
    const all = await this.store.findings.list({ machineIds: [machineId], resolved: false });
    await this.store.findings.putSnapshot(dailySnapshotOf(machineId, all.items, at));
  }
}

/** True when some changed bulletin could apply to a machine with these keys. */
function canMatch(p: PreparedCatalog, keys: Set<string>): boolean {
  if (p.index.always.length > 0) return true;
  for (const k of p.index.byKey.keys()) if (keys.has(k)) return true;
  return false;
}

/** Stored inventories were validated on the way in; parsing again guards against a damaged row. */
function parseStoredInventory(json: string): Inventory {
  return inventorySchema.parse(JSON.parse(json));
}
