/**
 * Item collection: what an OVAL object refers to on this machine, read from the inventory.
 * A fact the inventory did not collect yields `not-collected` (→ unknown), never "absent".
 */
import type { Catalog, Component, Entity, ObjectSpec } from '../catalog/model.js';
import { compareValue } from './compare.js';
import { normalisePath, registryKey, type InventoryView, type Item } from './inventory-view.js';

export type Collected =
  | { status: 'collected'; items: Item[]; /** What was looked at, when resolved from variables. */ label?: string }
  | { status: 'not-collected'; reason: string }
  | { status: 'unsupported'; reason: string };

export interface CollectContext {
  view: InventoryView;
  catalog: Catalog;
  objectMemo: Map<string, Collected>;
}

type Values = { values: string[] } | { unknown: string };

/** Resolves an entity's expected values (its literal, or a variable's values on this machine). */
export function entityValues(e: Entity, ctx: CollectContext): Values {
  if (e.varRef === undefined) return { values: e.value === undefined ? [] : [e.value] };
  const v = ctx.catalog.variables.get(e.varRef);
  if (!v) return { unknown: `variable ${e.varRef} is not defined` };
  if (v.kind === 'constant') return { values: v.values };
  if (v.kind === 'external') return { unknown: `external variable ${e.varRef} has no value` };
  return componentValues(v.component, ctx, 0);
}

function componentValues(c: Component, ctx: CollectContext, depth: number): Values {
  if (depth > 20) return { unknown: 'variable nesting too deep' };
  switch (c.kind) {
    case 'literal':
      return { values: [c.value] };
    case 'variable':
      return entityValues({ operation: 'equals', datatype: 'string', varRef: c.varRef }, ctx);
    case 'object': {
      const got = collectItems(c.object, ctx);
      if (got.status !== 'collected') return { unknown: got.reason };
      const values = got.items.flatMap((i) => i[c.itemField] ?? []);
      return { values };
    }
    case 'concat': {
      let acc: string[] = [''];
      for (const part of c.parts) {
        const r = componentValues(part, ctx, depth + 1);
        if ('unknown' in r) return r;
        acc = acc.flatMap((a) => r.values.map((v) => a + v));
      }
      return { values: acc };
    }
    case 'unsupported':
      return { unknown: `variable function <${c.name}> is not supported` };
  }
}

/** Collects the items an object refers to, memoised per machine. */
export function collectItems(obj: ObjectSpec, ctx: CollectContext): Collected {
  let got = ctx.objectMemo.get(obj.id);
  if (!got) {
    got = obj.unsupported ? { status: 'unsupported', reason: obj.unsupported } : collectFresh(obj, ctx);
    ctx.objectMemo.set(obj.id, got);
  }
  return got;
}

function collectFresh(obj: ObjectSpec, ctx: CollectContext): Collected {
  const inv = ctx.view.inventory;
  switch (obj.type) {
    case 'dpkginfo':
    case 'rpminfo':
      return collectPackages(obj, ctx);
    case 'family':
      return { status: 'collected', items: [{ family: inv.os.family }] };
    case 'os':
      return { status: 'collected', items: [ctx.view.osItem] };
    case 'uname': {
      const k = inv.os.kernel;
      if (!k) return { status: 'not-collected', reason: 'kernel (uname) facts were not collected' };
      return {
        status: 'collected',
        items: [
          {
            os_name: k.name,
            node_name: inv.machine.name,
            os_release: k.release,
            os_version: k.version,
            machine_class: k.machine,
            processor_type: k.machine,
          },
        ],
      };
    }
    case 'file':
    case 'filehash58':
      return collectFiles(obj, ctx);
    case 'registry':
      return collectRegistry(obj, ctx);
    case 'textfilecontent54':
      return collectTextFile(obj, ctx);
    case 'kb':
      return collectKbs(obj, ctx);
    case 'product':
      return collectProducts(obj, ctx);
    default:
      return { status: 'unsupported', reason: `test type ${obj.type} is not supported by Patchhive` };
  }
}

/** Keeps the items whose fields match every object field (any of a variable's values). */
function selectItems(items: Item[], obj: ObjectSpec, ctx: CollectContext, skip: Set<string>): Collected {
  let out = items;
  for (const [field, entity] of Object.entries(obj.fields)) {
    if (skip.has(field)) continue;
    const vals = entityValues(entity, ctx);
    if ('unknown' in vals) return { status: 'not-collected', reason: vals.unknown };
    out = out.filter((it) => {
      const actual = it[field];
      if (actual === undefined) return false;
      const actuals = Array.isArray(actual) ? actual : [actual];
      return vals.values.some((v) =>
        actuals.some((a) => compareValue(a, v, entity.operation, entity.datatype) === 'true'),
      );
    });
  }
  return { status: 'collected', items: out };
}

function literalEquals(e: Entity | undefined): string | undefined {
  return e && e.varRef === undefined && e.operation === 'equals' && e.value !== undefined ? e.value : undefined;
}

function collectPackages(obj: ObjectSpec, ctx: CollectContext): Collected {
  const inv = ctx.view.inventory;
  const wanted = obj.type === 'dpkginfo' ? 'dpkg' : 'rpm';
  if (!inv.packages) {
    if (inv.os.family === 'windows') return { status: 'collected', items: [] };
    return { status: 'not-collected', reason: 'the package list was not collected' };
  }
  if (inv.packages.manager !== wanted) return { status: 'collected', items: [] };
  const name = literalEquals(obj.fields.name);
  if (name !== undefined) return selectItems(ctx.view.byName.get(name) ?? [], obj, ctx, new Set(['name']));
  const source = literalEquals(obj.fields.source);
  if (source !== undefined) return selectItems(ctx.view.bySource.get(source) ?? [], obj, ctx, new Set(['source']));
  return selectItems(ctx.view.packageItems, obj, ctx, new Set());
}

/** The paths a file-like object names: filepath, or path × filename. */
export function candidatePaths(obj: ObjectSpec, ctx: CollectContext): { paths: string[] } | { unknown: string } {
  const exact = (e: Entity) => e.operation === 'equals' || e.operation === 'case insensitive equals';
  if (obj.fields.filepath) {
    if (!exact(obj.fields.filepath)) return { unknown: `filepath ${obj.fields.filepath.operation} is not supported` };
    const v = entityValues(obj.fields.filepath, ctx);
    return 'unknown' in v ? v : { paths: v.values };
  }
  const p = obj.fields.path;
  const f = obj.fields.filename;
  if (!p || !f) return { unknown: 'object names no file' };
  if (!exact(p) || !exact(f)) return { unknown: `path/filename ${p.operation}/${f.operation} is not supported` };
  const pv = entityValues(p, ctx);
  if ('unknown' in pv) return pv;
  const fv = entityValues(f, ctx);
  if ('unknown' in fv) return fv;
  return { paths: pv.values.flatMap((dir) => fv.values.map((name) => joinPath(dir, name))) };
}

function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') || /^[A-Za-z]:/.test(dir) ? '\\' : '/';
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

function collectFiles(obj: ObjectSpec, ctx: CollectContext): Collected {
  const cand = candidatePaths(obj, ctx);
  if ('unknown' in cand) return { status: 'not-collected', reason: cand.unknown };
  const items: Item[] = [];
  for (const path of cand.paths) {
    const probe = ctx.view.files.get(normalisePath(path));
    if (!probe) return { status: 'not-collected', reason: `file ${path} was not probed` };
    if (!probe.exists) continue;
    const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
    const item: Item = {
      filepath: path,
      path: path.slice(0, cut),
      filename: path.slice(cut + 1),
      version: probe.version,
      sha256: probe.sha256,
    };
    // filehash58 items carry the hash the object asks for; collectors record SHA-256 only
    if (obj.type === 'filehash58') Object.assign(item, { hash_type: 'SHA-256', hash: probe.sha256 });
    items.push(item);
  }
  if (obj.type === 'filehash58') {
    const wanted = obj.fields.hash_type;
    if (wanted?.value !== undefined && !/^sha-?256$/i.test(wanted.value)) {
      return { status: 'not-collected', reason: `only SHA-256 file hashes are collected, not ${wanted.value}` };
    }
  }
  const got = selectItems(items, obj, ctx, new Set(['filepath', 'path', 'filename', 'hash_type']));
  return got.status === 'collected' ? { ...got, label: `file ${cand.paths.join(' | ')}` } : got;
}

function registryValues(e: Entity | undefined, field: string, ctx: CollectContext): string[] | { unknown: string } {
  if (!e) return { unknown: `registry object has no ${field}` };
  if (e.operation !== 'equals' && e.operation !== 'case insensitive equals') {
    return { unknown: `registry ${field} ${e.operation} is not supported` };
  }
  const v = entityValues(e, ctx);
  return 'unknown' in v ? v : v.values;
}

function collectRegistry(obj: ObjectSpec, ctx: CollectContext): Collected {
  const hives = registryValues(obj.fields.hive, 'hive', ctx);
  const keys = registryValues(obj.fields.key, 'key', ctx);
  // a nil <name> means the key itself
  const nameEntity = obj.fields.name;
  const nilName = !nameEntity || (nameEntity.value === undefined && nameEntity.varRef === undefined);
  const names = nilName ? [null] : registryValues(nameEntity, 'name', ctx);
  for (const r of [hives, keys, names]) if (!Array.isArray(r)) return { status: 'not-collected', reason: r.unknown };
  // a 32-bit OS has only one view, which the collector reports as the native one
  const view = obj.behaviors?.windows_view === '32_bit' && ctx.view.inventory.os.arch !== 'x86' ? '32_bit' : undefined;
  const items: Item[] = [];
  for (const hive of hives as string[])
    for (const key of keys as string[])
      for (const name of names as (string | null)[]) {
        const probe = ctx.view.registry.get(registryKey(hive, key, name, view));
        const label = `${hive}\\${key}${name === null ? '' : '\\' + name}`;
        if (!probe) return { status: 'not-collected', reason: `registry value ${label} was not probed` };
        if (probe.exists) items.push({ hive, key, name: name ?? undefined, value: probe.value, type: probe.type });
      }
  return { status: 'collected', items };
}

function collectTextFile(obj: ObjectSpec, ctx: CollectContext): Collected {
  const cand = candidatePaths(obj, ctx);
  if ('unknown' in cand) return { status: 'not-collected', reason: cand.unknown };
  const pattern = obj.fields.pattern;
  if (!pattern || pattern.operation !== 'pattern match' || pattern.value === undefined) {
    return { status: 'not-collected', reason: 'textfilecontent54 needs a literal pattern match' };
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern.value, 'gm');
  } catch {
    return { status: 'not-collected', reason: `pattern ${pattern.value} cannot be evaluated` };
  }
  const items: Item[] = [];
  for (const path of cand.paths) {
    const probe = ctx.view.textFiles.get(normalisePath(path));
    if (!probe) return { status: 'not-collected', reason: `file ${path} was not collected` };
    if (!probe.exists || probe.content === undefined) continue;
    let instance = 0;
    for (const m of probe.content.matchAll(re)) {
      instance++;
      items.push({
        filepath: path,
        pattern: pattern.value,
        instance: String(instance),
        text: m[0],
        subexpression: m.slice(1).map((g) => g ?? ''),
      });
      if (m[0] === '') re.lastIndex++;
    }
  }
  return selectItems(items, obj, ctx, new Set(['filepath', 'path', 'filename', 'pattern']));
}

function collectKbs(obj: ObjectSpec, ctx: CollectContext): Collected {
  const kbs = ctx.view.kbs;
  if (!kbs) {
    if (ctx.view.inventory.os.family !== 'windows') return { status: 'collected', items: [] };
    return { status: 'not-collected', reason: 'installed updates were not collected' };
  }
  const kb = literalEquals(obj.fields.kb);
  if (kb !== undefined)
    return { status: 'collected', items: kbs.has(kb.toUpperCase()) ? [{ kb: kb.toUpperCase() }] : [] };
  return selectItems(
    [...kbs].map((k) => ({ kb: k })),
    obj,
    ctx,
    new Set(),
  );
}

function collectProducts(obj: ObjectSpec, ctx: CollectContext): Collected {
  const products = ctx.view.inventory.products;
  if (!products) {
    if (ctx.view.inventory.os.family !== 'windows') return { status: 'collected', items: [] };
    return { status: 'not-collected', reason: 'installed products were not collected' };
  }
  return selectItems(
    products.map((p) => ({ name: p.name, version: p.version })),
    obj,
    ctx,
    new Set(),
  );
}
