/**
 * The leaf criteria (dpkg, rpm, file, registry, os, kb, product, textfile) as OVAL-shaped tests.
 *
 * Shapes (see docs/CATALOG-FORMAT.md): a test with no states is true when an item exists
 * (check_existence at_least_one_exists) or when none exists (none_exist, for "exists": false);
 * with states, every collected item must satisfy them (check "all"), and each operator of a
 * comparison is its own state, all ANDed, so `{ "ge": "1", "lt": "2" }` is a range.
 *
 * Ids: the test is "<catalog>:<bulletin>:<fix>:<path>" (path like "installed.all[0]"), its
 * object "<test id>:obj" and its states "<test id>:ste<n>".
 */
import type { CheckExistence, Datatype, Entity, Operation, StateSpec, TestNode } from '../model.js';
import { PatchhiveError } from '../../errors.js';
import { parseDpkgVersion, parseEvr } from '../../versions/index.js';
import {
  OPERATIONS,
  type DpkgCriterion,
  type FileCriterion,
  type Op,
  type OsCriterion,
  type ProductCriterion,
  type RegistryCriterion,
  type RpmCriterion,
  type TextfileCriterion,
} from './criterion-schema.js';
import { jsonPath as formatJsonPath } from '../../common/json-input.js';

type PathSegment = string | number;

/** Where a criterion sits: the fix's id prefix and JSON path, and the path below the fix. */
export interface CriterionSite {
  /** "<catalog>:<bulletin>:<fix>" */
  idPrefix: string;
  /** JSON path segments of the fix, for error locations. */
  fixPath: readonly PathSegment[];
  /** Path below the fix, e.g. ["installed", "all", 0]. */
  rel: readonly PathSegment[];
}

const SYMBOL: Record<Op, string> = { lt: '<', le: '<=', eq: '=', ne: '!=', ge: '>=', gt: '>', match: '~' };

interface Condition {
  field: string;
  op: Op;
  entity: Entity;
  /** JSON path segments (below the criterion) of the written value, for errors. */
  at: PathSegment[];
}

function ent(value: string, operation: Operation = 'equals', datatype: Datatype = 'string'): Entity {
  return { value, operation, datatype };
}

function fail(
  site: CriterionSite,
  at: readonly PathSegment[],
  code: 'E_VERSION_INVALID' | 'E_INPUT_MALFORMED',
  message: string,
): never {
  throw new PatchhiveError(code, message, { path: formatJsonPath([...site.fixPath, ...site.rel, ...at]) });
}

/** Turns `{ "<op>": value }` into conditions on one item field; `norm` checks and normalises each value. */
function conditions(
  field: string,
  cmp: Partial<Record<Op, string | number>> | undefined,
  at: PathSegment[],
  datatypeFor: (op: Op, value: string) => Datatype,
  norm: (value: string, op: Op, where: PathSegment[]) => string = (v) => v,
): Condition[] {
  if (!cmp) return [];
  return Object.entries(cmp)
    .filter(([, v]) => v !== undefined)
    .map(([op, v]) => {
      const o = op as Op;
      const where = [...at, o];
      const value = norm(String(v), o, where);
      return { field, op: o, entity: ent(value, OPERATIONS[o], datatypeFor(o, value)), at: where };
    });
}

function describeConds(conds: Condition[]): string {
  return conds.map((c) => `${c.field} ${SYMBOL[c.op]} ${c.entity.value}`).join(' and ');
}

function makeTest(
  site: CriterionSite,
  type: string,
  objectFields: Record<string, Entity>,
  conds: Condition[],
  existence: CheckExistence,
  comment: string,
): TestNode {
  const id = `${site.idPrefix}:${formatJsonPath(site.rel, '')}`;
  const states: StateSpec[] = conds.map((c, i) => ({
    id: `${id}:ste${i}`,
    type,
    fields: { [c.field]: c.entity },
    operator: 'AND',
  }));
  return {
    kind: 'test',
    comment,
    test: {
      id,
      comment,
      check: 'all',
      checkExistence: existence,
      stateOperator: 'AND',
      object: { id: `${id}:obj`, type, fields: objectFields },
      states,
    },
  };
}

/** dpkg reads no epoch as epoch 0; the engine's items always carry one ("0:1.2-1"). dpkg also
 * ignores surrounding blanks, so they are dropped rather than carried into the test. */
function dpkgNorm(site: CriterionSite) {
  return (v: string, _op: Op, where: PathSegment[]): string => {
    try {
      parseDpkgVersion(v, { strict: true });
    } catch (err) {
      if (err instanceof PatchhiveError) fail(site, where, 'E_VERSION_INVALID', err.message);
      throw err;
    }
    const t = v.trim();
    return t.includes(':') ? t : `0:${t}`;
  };
}

function rpmNorm(site: CriterionSite) {
  return (v: string, _op: Op, where: PathSegment[]): string => {
    let epoch: string | null;
    try {
      epoch = parseEvr(v, { strict: true }).epoch;
    } catch (err) {
      if (err instanceof PatchhiveError) fail(site, where, 'E_VERSION_INVALID', err.message);
      throw err;
    }
    return epoch === null ? `0:${v}` : v;
  };
}

// Catalogs are written by people: insist on the plain dotted form rather than every spelling the
// comparator tolerates ("6, 1, 7601", "6.1 (annotated)").
function dottedNorm(site: CriterionSite) {
  return (v: string, _op: Op, where: PathSegment[]): string => {
    if (!/^\d+(\.\d+)*$/.test(v)) {
      fail(
        site,
        where,
        'E_VERSION_INVALID',
        `invalid version ${JSON.stringify(v)}: expected dotted numbers like "5.1.2600.3462"`,
      );
    }
    return v;
  };
}

function regexCheck(site: CriterionSite, v: string, where: PathSegment[]): RegExp {
  try {
    return new RegExp(v);
  } catch (err) {
    return fail(
      site,
      where,
      'E_INPUT_MALFORMED',
      `invalid regular expression ${JSON.stringify(v)}: ${(err as Error).message}`,
    );
  }
}

const fixed = (d: Datatype) => (): Datatype => d;

const existence = (absent: boolean): CheckExistence => (absent ? 'none_exist' : 'at_least_one_exists');

/** `dpkg`: packages by binary name (compares evr) or by source (compares source_evr). */
export function dpkgTest(d: DpkgCriterion, site: CriterionSite): TestNode {
  const bySource = d.source !== undefined;
  const what = bySource ? `dpkg source ${d.source}` : `dpkg package ${d.name}`;
  const field = bySource ? 'source_evr' : 'evr';
  const conds = conditions(field, d.version, ['dpkg', 'version'], fixed('debian_evr_string'), dpkgNorm(site));
  const objectFields: Record<string, Entity> = bySource ? { source: ent(d.source!) } : { name: ent(d.name!) };
  const comment = conds.length ? `${what} ${describeConds(conds)}` : `${what} is installed`;
  return makeTest(site, 'dpkginfo', objectFields, conds, 'at_least_one_exists', comment);
}

/** `rpm`: a package by name, compared on "epoch:version-release". */
export function rpmTest(r: RpmCriterion, site: CriterionSite): TestNode {
  const conds = conditions('evr', r.evr, ['rpm', 'evr'], fixed('evr_string'), rpmNorm(site));
  const comment = conds.length ? `rpm package ${r.name} ${describeConds(conds)}` : `rpm package ${r.name} is installed`;
  return makeTest(site, 'rpminfo', { name: ent(r.name) }, conds, 'at_least_one_exists', comment);
}

/** `file`: a file by full path, its version, or its absence. */
export function fileTest(f: FileCriterion, site: CriterionSite): TestNode {
  const conds = conditions('version', f.version, ['file', 'version'], fixed('version'), dottedNorm(site));
  const absent = f.exists === false;
  const comment = absent
    ? `file ${f.path} does not exist`
    : conds.length
      ? `file ${f.path} ${describeConds(conds)}`
      : `file ${f.path} exists`;
  return makeTest(site, 'file', { filepath: ent(f.path) }, conds, existence(absent), comment);
}

/** `registry`: a value compared as text, by pattern, or as a whole number (lt/le/ge/gt). */
export function registryTest(r: RegistryCriterion, site: CriterionSite): TestNode {
  const label = `registry ${r.hive}\\${r.key}${r.name !== undefined ? '\\' + r.name : ''}`;
  if (r.name === undefined && r.value) {
    fail(
      site,
      ['registry', 'value'],
      'E_INPUT_MALFORMED',
      'registry: "value" needs a value "name" (a key has no value)',
    );
  }
  const textual = (op: Op) => op === 'eq' || op === 'ne' || op === 'match';
  const conds = conditions(
    'value',
    r.value,
    ['registry', 'value'],
    (op) => (textual(op) ? 'string' : 'int'),
    (v, op, where) => {
      if (op === 'match') regexCheck(site, v, where);
      else if (!textual(op) && !/^-?\d+$/.test(v)) {
        fail(
          site,
          where,
          'E_INPUT_MALFORMED',
          `registry: "${op}" compares whole numbers; ${JSON.stringify(v)} is not one`,
        );
      }
      return v;
    },
  );
  // No name means the key itself: OVAL's nil name entity (no value).
  const name: Entity = r.name !== undefined ? ent(r.name) : { operation: 'equals', datatype: 'string' };
  const absent = r.exists === false;
  const comment = absent
    ? `${label} does not exist`
    : conds.length
      ? `${label} ${describeConds(conds)}`
      : `${label} exists`;
  return makeTest(site, 'registry', { hive: ent(r.hive), key: ent(r.key), name }, conds, existence(absent), comment);
}

const OS_TEXT_FIELDS = [
  'family',
  'platform',
  'release',
  'codename',
  'arch',
  'display_version',
  'installation_type',
] as const;

/** `os`: the inventory's OS facts; text facts must be equal, build/ubr/version compare. */
export function osTest(o: OsCriterion, site: CriterionSite): TestNode {
  const conds: Condition[] = [];
  for (const field of OS_TEXT_FIELDS) {
    const v = o[field];
    if (v !== undefined) conds.push({ field, op: 'eq', entity: ent(v), at: ['os', field] });
  }
  conds.push(...conditions('build', o.build, ['os', 'build'], fixed('int')));
  conds.push(...conditions('ubr', o.ubr, ['os', 'ubr'], fixed('int')));
  conds.push(...conditions('version', o.version, ['os', 'version'], fixed('version'), dottedNorm(site)));
  return makeTest(site, 'os', {}, conds, 'at_least_one_exists', `os ${describeConds(conds)}`);
}

/** `kb`: a Windows update is installed. */
export function kbTest(kb: string, site: CriterionSite): TestNode {
  return makeTest(site, 'kb', { kb: ent(kb) }, [], 'at_least_one_exists', `${kb} is installed`);
}

/** `product`: an installed product by name, optionally its version. */
export function productTest(p: ProductCriterion, site: CriterionSite): TestNode {
  const conds = conditions('version', p.version, ['product', 'version'], fixed('version'), dottedNorm(site));
  const comment = conds.length ? `product ${p.name} ${describeConds(conds)}` : `product ${p.name} is installed`;
  return makeTest(site, 'product', { name: ent(p.name) }, conds, 'at_least_one_exists', comment);
}

/** `textfile`: lines of a file matching a pattern (textfilecontent54), optionally their captured value. */
export function textfileTest(t: TextfileCriterion, site: CriterionSite): TestNode {
  const re = regexCheck(site, t.pattern, ['textfile', 'pattern']);
  // The engine compares every capture group; with exactly one, "value" means that group.
  const groups = new RegExp(`${re.source}|`).exec('')!.length - 1;
  if (t.value && groups !== 1) {
    fail(
      site,
      ['textfile', 'pattern'],
      'E_INPUT_MALFORMED',
      `textfile: with "value", the pattern needs exactly one capture group (it has ${groups})`,
    );
  }
  const conds = conditions('subexpression', t.value, ['textfile', 'value'], fixed('string'), (v, op, where) => {
    if (op === 'match') regexCheck(site, v, where);
    return v;
  });
  const objectFields: Record<string, Entity> = {
    filepath: ent(t.path),
    pattern: ent(t.pattern, 'pattern match'),
    // OVAL idiom: instance >= 1 selects every match.
    instance:
      t.instance !== undefined ? ent(String(t.instance), 'equals', 'int') : ent('1', 'greater than or equal', 'int'),
  };
  const absent = t.exists === false;
  const what = `${t.path} lines matching /${t.pattern}/`;
  const comment = absent ? `no ${what}` : conds.length ? `${what}: ${describeConds(conds)}` : `${what} exist`;
  return makeTest(site, 'textfilecontent54', objectFields, conds, existence(absent), comment);
}
