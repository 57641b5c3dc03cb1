/**
 * Probe requests: the files, registry values and text files the server must ask a machine for,
 * so that the bulletins that may apply to it can be decided. Pure: catalog + inventory in,
 * request out; the same index and item resolution as `evaluate`, so what is asked for is exactly
 * what evaluation would look up.
 */
import type { Criterion, Entity, Fix, ObjectSpec, Test, Component } from '../catalog/model.js';
import type { Inventory, ProbeRequest } from '../inventory/model.js';
import { candidateBulletins } from './catalog-index.js';
import { candidatePaths, entityValues } from './collect-items.js';
import { evaluateCriterion, type MachineContext } from './evaluate-criteria.js';
import type { PreparedCatalog } from './evaluate.js';
import { buildInventoryView, normalisePath, registryKey, type InventoryView } from './inventory-view.js';

type RegistryRequest = ProbeRequest['registry'][number];

const isExact = (e: Entity) => e.operation === 'equals' || e.operation === 'case insensitive equals';

/** Walks criteria and records every probe they need that the inventory lacks. */
class ProbeCollector {
  readonly files = new Map<string, string>();
  readonly textFiles = new Map<string, string>();
  readonly registry = new Map<string, RegistryRequest>();
  private readonly seen = new Set<string>();
  /** Paths the machine has answered for, as probed or as requested (before expansion). */
  private readonly answeredFiles: Set<string>;
  private readonly answeredTextFiles: Set<string>;

  constructor(
    private readonly ctx: MachineContext,
    private readonly view: InventoryView,
  ) {
    const answered = (probes: { path: string; requested?: string }[] | undefined) =>
      new Set((probes ?? []).flatMap((p) => [p.path, p.requested ?? p.path]).map(normalisePath));
    this.answeredFiles = answered(view.inventory.files);
    this.answeredTextFiles = answered(view.inventory.textFiles);
  }

  /** True the first time a key is seen: each definition, test, object and variable is walked once. */
  private first(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  criterion(c: Criterion): void {
    switch (c.kind) {
      case 'const':
        return;
      case 'test':
        return this.test(c.test);
      case 'extend': {
        const def = this.ctx.catalog.definitions.get(c.definition);
        if (def && this.first(`def:${c.definition}`)) this.criterion(def.criteria);
        return;
      }
      case 'criteria':
        for (const child of c.children) this.criterion(child);
    }
  }

  filePath(path: string): void {
    const key = normalisePath(path);
    if (!this.answeredFiles.has(key) && !this.files.has(key)) this.files.set(key, path);
  }

  private test(t: Test): void {
    if (!this.first(`test:${t.id}`)) return;
    this.object(t.object);
    // a state may compare with a variable computed from other objects (a registry value)
    for (const s of t.states) for (const e of Object.values(s.fields)) this.entity(e);
  }

  private entity(e: Entity): void {
    if (e.varRef === undefined || !this.first(`var:${e.varRef}`)) return;
    const v = this.ctx.catalog.variables.get(e.varRef);
    if (v?.kind === 'local') this.component(v.component);
  }

  private component(c: Component): void {
    if (c.kind === 'object') this.object(c.object);
    else if (c.kind === 'variable') this.entity({ operation: 'equals', datatype: 'string', varRef: c.varRef });
    else if (c.kind === 'concat') for (const part of c.parts) this.component(part);
  }

  private object(o: ObjectSpec): void {
    if (o.unsupported || !this.first(`obj:${o.id}`)) return;
    // objects behind variables first: their probes are what makes this object's paths resolvable
    for (const e of Object.values(o.fields)) this.entity(e);
    switch (o.type) {
      case 'file':
      case 'filehash58':
        for (const p of this.paths(o)) this.filePath(p);
        return;
      case 'textfilecontent54':
        for (const p of this.paths(o)) {
          const key = normalisePath(p);
          if (!this.answeredTextFiles.has(key) && !this.textFiles.has(key)) this.textFiles.set(key, p);
        }
        return;
      case 'registry':
        return this.registryObject(o);
    }
  }

  /** The exact values of an entity on this machine; none when they cannot be resolved yet. */
  private values(e: Entity | undefined): string[] {
    if (!e || !isExact(e)) return [];
    const v = entityValues(e, this.ctx);
    return 'unknown' in v ? [] : v.values;
  }

  /** Paths a file-like object names (filepath, or path × filename), as collect-items reads them. */
  private paths(o: ObjectSpec): string[] {
    const c = candidatePaths(o, this.ctx);
    return 'unknown' in c ? [] : c.paths;
  }

  private registryObject(o: ObjectSpec): void {
    const nameEntity = o.fields.name;
    const nilName = !nameEntity || (nameEntity.value === undefined && nameEntity.varRef === undefined);
    const names: (string | null)[] = nilName ? [null] : this.values(nameEntity);
    // the same view rule as collectRegistry: a 32-bit OS has only its native view
    const view = o.behaviors?.windows_view === '32_bit' && this.view.inventory.os.arch !== 'x86' ? '32_bit' : undefined;
    for (const hive of this.values(o.fields.hive))
      for (const key of this.values(o.fields.key))
        for (const name of names) {
          const id = registryKey(hive, key, name, view);
          if (this.view.registry.has(id) || this.registry.has(id)) continue;
          this.registry.set(id, view ? { hive, key, name, view } : { hive, key, name });
        }
  }
}

/** The criteria (and known-hash files) of a fix that evaluation would look at on this machine. */
function fixNeeds(fix: Fix, ctx: MachineContext): { criteria: Criterion[]; hashedFiles: string[] } {
  // a fix whose product is known to be absent needs nothing more (evaluate says not-applicable)
  if (evaluateCriterion(fix.applicability, ctx).result === 'false') return { criteria: [], hashedFiles: [] };
  if (!fix.available) return { criteria: [fix.applicability], hashedFiles: [] };
  return {
    criteria: [fix.applicability, fix.installed, ...(fix.installedMarker ? [fix.installedMarker] : [])],
    // the warnings compare the hashes of installed files
    hashedFiles: (fix.knownFileHashes ?? []).map((k) => k.path),
  };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Values ordered by their normalised key (Windows paths ignore case). */
function sortedByKey(m: Map<string, string>): string[] {
  return [...m.entries()].sort(([a], [b]) => byText(a, b)).map(([, v]) => v);
}

function registryOrder(a: RegistryRequest, b: RegistryRequest): number {
  return (
    byText(a.hive, b.hive) ||
    byText(a.key, b.key) ||
    byText(a.name ?? '', b.name ?? '') ||
    byText(a.view ?? '', b.view ?? '')
  );
}

/**
 * The probes (files, registry values, text files) that the bulletins which may apply to this
 * machine need and its inventory does not hold yet, deduplicated and sorted. Paths built from
 * other probes (OVAL variables over registry values) appear once those probes are answered.
 * Pattern-match object fields are not supported and are skipped.
 */
export function probesNeeded(prepared: PreparedCatalog, inventory: Inventory): ProbeRequest {
  const view = buildInventoryView(inventory);
  const ctx: MachineContext = {
    view,
    catalog: prepared.catalog,
    objectMemo: new Map(),
    testMemo: new Map(),
    definitionMemo: new Map(),
    inProgress: new Set(),
  };
  const collector = new ProbeCollector(ctx, view);
  for (const i of candidateBulletins(prepared.index, view.keys)) {
    for (const fix of prepared.catalog.bulletins[i]!.fixes) {
      const { criteria, hashedFiles } = fixNeeds(fix, ctx);
      for (const c of criteria) collector.criterion(c);
      for (const path of hashedFiles) collector.filePath(path);
    }
  }
  return {
    files: sortedByKey(collector.files),
    registry: [...collector.registry.values()].sort(registryOrder),
    textFiles: sortedByKey(collector.textFiles),
  };
}
