/**
 * Turns a raw OVAL document into the catalog model: resolves test/object/state/variable
 * references, maps OVAL test types onto the engine's object types, and makes one bulletin per
 * vulnerability, patch or compliance definition.
 */
import { PatchhiveError } from '../../errors.js';
import {
  emptyCatalog,
  severityFromWord,
  type Bulletin,
  type Catalog,
  type Check,
  type CheckExistence,
  type Component,
  type Criterion,
  type Datatype,
  type Entity,
  type ObjectSpec,
  type Operation,
  type Operator,
  type StateSpec,
  type Test,
  type Variable,
} from '../model.js';
import {
  child,
  childrenNamed,
  OVAL_DEF_NS,
  type RawCriteria,
  type RawDefinition,
  type RawElement,
  type RawOval,
} from './oval-sax.js';
import { deriveApplicability } from './oval-applicability.js';
import { validateEntityVersion } from './validate-versions.js';

const NS_TYPE: Record<string, Record<string, string>> = {
  [`${OVAL_DEF_NS}#linux`]: { dpkginfo: 'dpkginfo', rpminfo: 'rpminfo' },
  [`${OVAL_DEF_NS}#windows`]: { file: 'file', registry: 'registry' },
  [`${OVAL_DEF_NS}#independent`]: {
    family: 'family',
    textfilecontent54: 'textfilecontent54',
    filehash58: 'filehash58',
  },
  [`${OVAL_DEF_NS}#unix`]: { uname: 'uname' },
};

/** Short prefix for unsupported types, so "unknown" evidence names the real OVAL type. */
function nsPrefix(ns: string): string {
  const frag = ns.split('#')[1];
  return frag ? `${frag}-def` : 'oval-def';
}

/** Maps an OVAL element (e.g. dpkginfo_test in the linux namespace) to the engine's type name. */
export function ovalTypeName(el: RawElement, suffix: '_test' | '_object' | '_state'): string {
  const base = el.name.endsWith(suffix) ? el.name.slice(0, -suffix.length) : el.name;
  return NS_TYPE[el.ns]?.[base] ?? `${nsPrefix(el.ns)}:${base}`;
}

const OPERATIONS = new Set<string>([
  'equals',
  'not equal',
  'case insensitive equals',
  'case insensitive not equal',
  'greater than',
  'less than',
  'greater than or equal',
  'less than or equal',
  'bitwise and',
  'bitwise or',
  'pattern match',
  'subset of',
  'superset of',
]);
const DATATYPES = new Set<string>([
  'string',
  'int',
  'float',
  'boolean',
  'version',
  'evr_string',
  'debian_evr_string',
  'binary',
  'ios_version',
  'fileset_revision',
]);

export class OvalConverter {
  private readonly tests = new Map<string, Test>();
  private readonly objects = new Map<string, ObjectSpec>();
  private readonly states = new Map<string, StateSpec>();

  constructor(
    private readonly raw: RawOval,
    private readonly file: string,
  ) {}

  /** Converts everything; throws a located E_INPUT_MALFORMED on a dangling reference or bad value. */
  convert(name: string): Catalog {
    const catalog = emptyCatalog(name, 'oval');
    for (const [id, el] of this.raw.variables) catalog.variables.set(id, this.variable(el));
    for (const def of this.raw.definitions) {
      const id = def.attrs.id!;
      const meta = def.metadata;
      const title = (child(meta, 'title')?.text ?? '').trim() || id;
      const criteria = def.criteria ? this.criterion(def.criteria, id) : ({ kind: 'const', value: false } as Criterion);
      catalog.definitions.set(id, { id, title, criteria });
      const cls = def.attrs.class ?? 'miscellaneous';
      if (cls === 'inventory' || cls === 'miscellaneous') continue;
      catalog.bulletins.push(this.bulletin(def, id, title, cls, criteria));
    }
    checkExtends(catalog, this.file);
    return catalog;
  }

  private bulletin(def: RawDefinition, id: string, title: string, cls: string, criteria: Criterion): Bulletin {
    const meta = def.metadata;
    const refs = childrenNamed(meta, 'reference').map((r) => ({
      source: r.attrs.source ?? '',
      id: r.attrs.ref_id ?? '',
      ...(r.attrs.ref_url ? { url: r.attrs.ref_url } : {}),
    }));
    const cves = uniq(refs.filter((r) => /^CVE-\d+-\d+$/.test(r.id)).map((r) => r.id));
    const kbs = uniq(refs.filter((r) => /^KB\d+$/i.test(r.id)).map((r) => r.id.toUpperCase()));
    const advisory = child(meta, 'advisory');
    const products = childrenNamed(child(meta, 'affected'), 'product')
      .map((p) => p.text.trim())
      .filter(Boolean);
    const dates = child(child(meta, 'oval_repository'), 'dates');
    const published = child(advisory, 'issued')?.attrs.date ?? child(dates, 'submitted')?.attrs.date;
    const revised = child(advisory, 'updated')?.attrs.date ?? lastModified(dates);
    // compliance definitions are true when the machine is compliant; the others when the fix is missing
    const installed: Criterion = cls === 'compliance' ? criteria : negate(criteria);
    const pkgManager = packageManagerOf(criteria);
    const b: Bulletin = {
      id,
      source: 'oval',
      title,
      severity: severityFromWord(child(advisory, 'severity')?.text),
      cves,
      kbs,
      references: refs,
      supersedes: [],
      class: cls,
      fixes: [
        {
          id,
          ...(products.length === 1 ? { product: products[0] } : {}),
          ...(products.length === 1 && pkgManager ? { package: { manager: pkgManager, name: products[0]! } } : {}),
          available: true,
          applicability: cls === 'compliance' ? { kind: 'const', value: true } : deriveApplicability(criteria),
          installed,
        },
      ],
    };
    const description = child(meta, 'description')?.text.trim();
    if (description) b.description = description;
    if (published) b.published = published;
    if (revised) b.revised = revised;
    return b;
  }

  private criterion(raw: RawCriteria, defId: string): Criterion {
    const negated = raw.attrs.negate === 'true' || raw.attrs.negate === '1';
    const comment = raw.attrs.comment;
    const common = { ...(negated ? { negate: true } : {}), ...(comment ? { comment } : {}) };
    if (raw.kind === 'criteria') {
      if (raw.children.length === 0)
        this.fail('<criteria> has no criterion, criteria or extend_definition', raw.line, defId);
      const operator = (raw.attrs.operator ?? 'AND') as Operator;
      if (!['AND', 'OR', 'ONE', 'XOR'].includes(operator))
        this.fail(`unknown criteria operator "${operator}"`, raw.line, defId);
      return { kind: 'criteria', operator, ...common, children: raw.children.map((c) => this.criterion(c, defId)) };
    }
    if (raw.kind === 'extend_definition') {
      const ref = raw.attrs.definition_ref;
      if (!ref) this.fail('<extend_definition> without definition_ref', raw.line, defId);
      return { kind: 'extend', ...common, definition: ref };
    }
    const ref = raw.attrs.test_ref;
    if (!ref) this.fail('<criterion> without test_ref', raw.line, defId);
    return { kind: 'test', ...common, test: this.test(ref, raw.line, defId) };
  }

  private test(id: string, line: number, defId: string): Test {
    const cached = this.tests.get(id);
    if (cached) return cached;
    const el = this.raw.tests.get(id);
    if (!el) this.fail(`definition refers to test ${id}, which the document does not contain`, line, defId);
    const objectRef = child(el, 'object')?.attrs.object_ref;
    if (!objectRef) this.fail(`test ${id} has no <object object_ref>`, el.line);
    const test: Test = {
      id,
      ...(el.attrs.comment ? { comment: el.attrs.comment } : {}),
      check: (el.attrs.check ?? 'all') as Check,
      checkExistence: (el.attrs.check_existence ?? 'at_least_one_exists') as CheckExistence,
      stateOperator: (el.attrs.state_operator ?? 'AND') as Operator,
      object: this.object(objectRef, el.line),
      states: childrenNamed(el, 'state').map((s) => this.state(s.attrs.state_ref ?? '', s.line)),
    };
    const testType = ovalTypeName(el, '_test');
    if (testType !== test.object.type && !test.object.unsupported) {
      test.object = {
        ...test.object,
        unsupported: `test type ${testType} does not match object type ${test.object.type}`,
      };
    }
    this.tests.set(id, test);
    return test;
  }

  /** Resolves an object id to its spec (used by tests and by variable object_components). */
  object(id: string, line: number): ObjectSpec {
    const cached = this.objects.get(id);
    if (cached) return cached;
    const el = this.raw.objects.get(id);
    if (!el) this.fail(`reference to object ${id}, which the document does not contain`, line);
    const spec: ObjectSpec = { id, type: ovalTypeName(el, '_object'), fields: {} };
    for (const c of el.children) {
      if (c.name === 'behaviors') {
        spec.behaviors = { ...c.attrs };
        continue;
      }
      if (c.name === 'set' || c.name === 'filter') {
        spec.unsupported = `object ${id} uses <${c.name}>, which Patchhive does not evaluate`;
        continue;
      }
      spec.fields[c.name] = this.entity(c);
    }
    this.objects.set(id, spec);
    return spec;
  }

  private state(id: string, line: number): StateSpec {
    const cached = this.states.get(id);
    if (cached) return cached;
    const el = this.raw.states.get(id);
    if (!el) this.fail(`reference to state ${id}, which the document does not contain`, line);
    const spec: StateSpec = { id, type: ovalTypeName(el, '_state'), fields: {} };
    if (el.attrs.operator) spec.operator = el.attrs.operator as Operator;
    for (const c of el.children) {
      if (c.children.length > 0 && c.name !== 'value') {
        spec.unsupported = `state ${id} has a structured entity <${c.name}>`;
        continue;
      }
      spec.fields[c.name] = this.entity(c);
    }
    this.states.set(id, spec);
    return spec;
  }

  private entity(el: RawElement): Entity {
    const operation = el.attrs.operation ?? 'equals';
    const datatype = el.attrs.datatype ?? 'string';
    if (!OPERATIONS.has(operation)) this.fail(`<${el.name}> has an unknown operation "${operation}"`, el.line);
    if (!DATATYPES.has(datatype)) this.fail(`<${el.name}> has an unknown datatype "${datatype}"`, el.line);
    const entity: Entity = { operation: operation as Operation, datatype: datatype as Datatype };
    if (el.attrs.var_ref) {
      entity.varRef = el.attrs.var_ref;
      if (el.attrs.var_check) entity.varCheck = el.attrs.var_check as Entity['varCheck'];
    } else if (el.attrs.nil !== 'true') {
      entity.value = el.text;
      const problem = validateEntityVersion(entity);
      if (problem) this.fail(`<${el.name}>: ${problem}`, el.line);
    }
    if (el.attrs.entity_check) entity.entityCheck = el.attrs.entity_check as Entity['entityCheck'];
    return entity;
  }

  private variable(el: RawElement): Variable {
    const id = el.attrs.id!;
    const datatype = (el.attrs.datatype ?? 'string') as Datatype;
    if (el.name === 'constant_variable') {
      return { kind: 'constant', id, datatype, values: childrenNamed(el, 'value').map((v) => v.text) };
    }
    if (el.name === 'local_variable') {
      const first = el.children[0];
      if (!first) this.fail(`local_variable ${id} has no component`, el.line);
      return { kind: 'local', id, datatype, component: this.component(first) };
    }
    return { kind: 'external', id, datatype };
  }

  private component(el: RawElement): Component {
    switch (el.name) {
      case 'literal_component':
        return { kind: 'literal', value: el.text };
      case 'object_component':
        return {
          kind: 'object',
          object: this.object(el.attrs.object_ref ?? '', el.line),
          itemField: el.attrs.item_field ?? 'value',
        };
      case 'variable_component':
        return { kind: 'variable', varRef: el.attrs.var_ref ?? '' };
      case 'concat':
        return { kind: 'concat', parts: el.children.map((c) => this.component(c)) };
      default:
        return { kind: 'unsupported', name: el.name };
    }
  }

  private fail(message: string, line?: number, defId?: string): never {
    throw new PatchhiveError('E_INPUT_MALFORMED', message, {
      file: this.file,
      ...(line ? { line } : {}),
      ...(defId ? { path: `<definition id="${defId}">` } : {}),
    });
  }
}

function extendsOf(c: Criterion, out: string[] = []): string[] {
  if (c.kind === 'extend') out.push(c.definition);
  if (c.kind === 'criteria') for (const ch of c.children) extendsOf(ch, out);
  return out;
}

/** Every extend_definition must name a definition of the document, and none may loop back. */
function checkExtends(catalog: Catalog, file: string): void {
  const refs = new Map([...catalog.definitions].map(([id, d]) => [id, extendsOf(d.criteria)] as const));
  for (const [id, targets] of refs) {
    const missing = targets.find((t) => !refs.has(t));
    if (missing) {
      throw new PatchhiveError(
        'E_INPUT_MALFORMED',
        `extend_definition refers to ${missing}, which the document does not contain`,
        {
          file,
          path: `<definition id="${id}">`,
        },
      );
    }
  }
  const done = new Set<string>();
  for (const start of refs.keys()) {
    if (done.has(start)) continue;
    // iterative depth-first search; "onPath" holds the definitions of the current chain
    const onPath = new Set<string>([start]);
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const targets = refs.get(top.id)!;
      if (top.next >= targets.length) {
        stack.pop();
        onPath.delete(top.id);
        done.add(top.id);
        continue;
      }
      const t = targets[top.next++]!;
      if (onPath.has(t)) {
        throw new PatchhiveError(
          'E_INPUT_MALFORMED',
          `extend_definition cycle: ${top.id} extends ${t}, which leads back to it`,
          {
            file,
            path: `<definition id="${top.id}">`,
          },
        );
      }
      if (!done.has(t)) {
        onPath.add(t);
        stack.push({ id: t, next: 0 });
      }
    }
  }
}

function negate(c: Criterion): Criterion {
  if (c.kind === 'const') return { ...c, value: !c.value };
  return { ...c, negate: !c.negate };
}

/** The package manager a definition's tests use, if any (names the finding's package). */
function packageManagerOf(c: Criterion): 'dpkg' | 'rpm' | undefined {
  if (c.kind === 'test') {
    if (c.test.object.type === 'dpkginfo') return 'dpkg';
    if (c.test.object.type === 'rpminfo') return 'rpm';
    return undefined;
  }
  if (c.kind !== 'criteria') return undefined;
  for (const ch of c.children) {
    const m = packageManagerOf(ch);
    if (m) return m;
  }
  return undefined;
}

function lastModified(dates: RawElement | undefined): string | undefined {
  const mods = childrenNamed(dates, 'modified')
    .map((m) => m.attrs.date)
    .filter((d): d is string => !!d);
  return mods.sort().at(-1);
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
