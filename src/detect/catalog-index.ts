/**
 * Index from machine facts to the bulletins that could apply: a bulletin whose applicability
 * needs package P to be installed is only evaluated on machines that have P. Cost then grows
 * with the machine's packages, not with the catalog's size.
 */
import type { Catalog, Criterion, ObjectSpec, Test } from '../catalog/model.js';

export interface CatalogIndex {
  /** key (e.g. "dpkg:name:apt", "family:windows") → bulletin positions. */
  byKey: Map<string, number[]>;
  /** Bulletins with no key: evaluated on every machine. */
  always: number[];
}

type Keys = string[] | null;

function literal(o: ObjectSpec, field: string): string | undefined {
  const e = o.fields[field];
  return e && e.operation === 'equals' && e.varRef === undefined ? e.value : undefined;
}

/** A state field every state pins to one literal value with (case-insensitive) equals. */
function pinnedStateValue(t: Test, field: string): string | undefined {
  // with OR/ONE/XOR between states or fields, one field alone pins nothing
  if (t.states.length > 1 && t.stateOperator !== 'AND') return undefined;
  for (const s of t.states) {
    if ((s.operator ?? 'AND') !== 'AND') continue;
    const e = s.fields[field];
    if (
      e &&
      e.varRef === undefined &&
      e.value !== undefined &&
      (e.operation === 'equals' || e.operation === 'case insensitive equals')
    ) {
      return e.value.trim();
    }
  }
  return undefined;
}

/** Keys one of which a machine must have for the test to be true; null when no such set exists. */
function testKeys(t: Test): Keys {
  if (
    t.checkExistence !== 'at_least_one_exists' &&
    t.checkExistence !== 'all_exist' &&
    t.checkExistence !== 'only_one_exists'
  )
    return null;
  const o = t.object;
  switch (o.type) {
    case 'dpkginfo': {
      const name = literal(o, 'name');
      if (name !== undefined) return [`dpkg:name:${name}`];
      const source = literal(o, 'source');
      return source !== undefined ? [`dpkg:source:${source}`] : null;
    }
    case 'rpminfo': {
      const name = literal(o, 'name');
      return name !== undefined ? [`rpm:name:${name}`] : null;
    }
    case 'registry':
    case 'kb':
      return ['family:windows'];
    case 'file':
    case 'filehash58': {
      const p = literal(o, 'filepath') ?? literal(o, 'path');
      return p !== undefined && !/^[A-Za-z]:|\\/.test(p) ? ['family:unix'] : ['family:windows'];
    }
    case 'textfilecontent54':
    case 'uname':
      return ['family:unix'];
    case 'os':
    case 'family': {
      // a Windows build number pins the machine more narrowly than its family
      const build = pinnedStateValue(t, 'build');
      if (build !== undefined && o.type === 'os') return [`os:build:${build}`];
      const family = pinnedStateValue(t, 'family');
      return family !== undefined ? [`family:${family.toLowerCase()}`] : null;
    }
    default:
      return null;
  }
}

function specificity(keys: string[]): number {
  // package keys narrow far more than a whole OS family
  const broad = keys.some((k) => k.startsWith('family:'));
  return (broad ? 1_000_000 : 0) + keys.length;
}

class KeyDeriver {
  private readonly memo = new Map<string, Keys>();
  constructor(private readonly catalog: Catalog) {}

  keys(c: Criterion): Keys {
    switch (c.kind) {
      case 'const':
        return c.value ? null : [];
      case 'test':
        return c.negate ? null : testKeys(c.test);
      case 'extend':
        return c.negate ? null : this.definitionKeys(c.definition);
      case 'criteria': {
        if (c.negate || c.operator === 'XOR') return null;
        const childKeys = c.children.map((ch) => this.keys(ch));
        if (c.operator === 'AND') {
          const known = childKeys.filter((k): k is string[] => k !== null);
          if (known.length === 0) return null;
          return known.reduce((best, k) => (specificity(k) < specificity(best) ? k : best));
        }
        if (childKeys.some((k) => k === null)) return null;
        return [...new Set(childKeys.flat() as string[])];
      }
    }
  }

  private definitionKeys(id: string): Keys {
    if (this.memo.has(id)) return this.memo.get(id)!;
    this.memo.set(id, null); // a cycle yields "no key": safe
    const def = this.catalog.definitions.get(id);
    const k = def ? this.keys(def.criteria) : null;
    this.memo.set(id, k);
    return k;
  }
}

/** Builds the index once per catalog; reused for every machine. */
export function buildCatalogIndex(catalog: Catalog): CatalogIndex {
  const deriver = new KeyDeriver(catalog);
  const byKey = new Map<string, number[]>();
  const always: number[] = [];
  catalog.bulletins.forEach((b, i) => {
    const perFix = b.fixes.map((f) => deriver.keys(f.applicability));
    if (b.fixes.length === 0) return; // nothing can apply
    if (perFix.some((k) => k === null)) {
      always.push(i);
      return;
    }
    for (const key of new Set(perFix.flat() as string[])) {
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    }
  });
  return { byKey, always };
}

/** Positions of the bulletins worth evaluating on a machine with these keys, in catalog order. */
export function candidateBulletins(index: CatalogIndex, machineKeys: string[]): number[] {
  const seen = new Set<number>(index.always);
  for (const k of machineKeys) for (const i of index.byKey.get(k) ?? []) seen.add(i);
  return [...seen].sort((a, b) => a - b);
}
