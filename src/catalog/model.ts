/**
 * The catalog model: bulletins, fixes and criteria. Every importer (OVAL, Debian tracker, MSRC,
 * native JSON) produces this shape, and the detection engine reads only this shape.
 *
 * Criteria follow the OVAL model (tests over objects and states), so an OVAL definition maps onto
 * it without loss; the other formats use the same building blocks.
 */

export const SEVERITIES = ['critical', 'important', 'moderate', 'low', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Ranks severities so that a higher number is more urgent. */
export function severityRank(s: Severity): number {
  return { critical: 4, important: 3, moderate: 2, low: 1, unknown: 0 }[s];
}

/** Maps advisory severity words (RHEL, Ubuntu, MSRC: critical, important/high, moderate/medium,
 * low/negligible) onto Patchhive's scale; anything else is unknown. */
export function severityFromWord(word: string | undefined): Severity {
  switch ((word ?? '').trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'important':
    case 'high':
      return 'important';
    case 'moderate':
    case 'medium':
      return 'moderate';
    case 'low':
    case 'negligible':
      return 'low';
    default:
      return 'unknown';
  }
}

export interface Reference {
  source: string;
  id: string;
  url?: string;
}

export interface Bulletin {
  /** CVE id for tracker input, OVAL definition id for OVAL input, MS08-067 style for native. */
  id: string;
  /** Where it came from: "oval", "debian-tracker", "msrc", "native". */
  source: string;
  title: string;
  description?: string;
  severity: Severity;
  /** ISO dates (YYYY-MM-DD or full ISO timestamps). */
  published?: string;
  revised?: string;
  cves: string[];
  kbs: string[];
  references: Reference[];
  /** Ids of bulletins this one replaces; only the newest applicable one is reported missing. */
  supersedes: string[];
  /** OVAL class or native kind: vulnerability, patch, compliance, inventory, miscellaneous. */
  class: string;
  fixes: Fix[];
  /** Text of a configuration change that remediates the bulletin when no package exists. */
  manualRemediation?: string;
  /** Free-form notes the importer wants the finding to carry (e.g. "Debian: unimportant"). */
  notes?: string[];
}

/**
 * What resolves a bulletin on one product. `applicability` says whether the product is present,
 * `installed` whether the fix is in place. A fix with `available: false` has no fix yet: an
 * applicable machine is reported `affected`.
 */
export interface Fix {
  id: string;
  product?: string;
  /** The package and version that fix it, for display and later for installing. */
  package?: { manager: PackageManager; name: string; version?: string };
  kb?: string;
  available: boolean;
  applicability: Criterion;
  installed: Criterion;
  /** Optional evidence that the fix was registered (a KB or registry marker): used to warn when
   * the marker says installed but `installed` evaluates false (reinstall needed). */
  installedMarker?: Criterion;
  /** Known-good SHA-256 per file path (lower-case hex): warns when the version is fine but the
   * checksum is none of these. */
  knownFileHashes?: { path: string; sha256: string[] }[];
}

export type PackageManager = 'dpkg' | 'rpm' | 'windows';

/** A tree of AND/OR/ONE/XOR over tests and other definitions, each node optionally negated. */
export type Criterion = CriteriaNode | TestNode | ExtendNode | ConstNode;

export type Operator = 'AND' | 'OR' | 'ONE' | 'XOR';

export interface CriteriaNode {
  kind: 'criteria';
  operator: Operator;
  negate?: boolean;
  comment?: string;
  children: Criterion[];
}

export interface TestNode {
  kind: 'test';
  negate?: boolean;
  comment?: string;
  test: Test;
}

/** Refers to another definition in the catalog's definition library (OVAL extend_definition). */
export interface ExtendNode {
  kind: 'extend';
  negate?: boolean;
  comment?: string;
  definition: string;
}

/** A fixed truth value, used by importers for "always"/"never" (e.g. not affected). */
export interface ConstNode {
  kind: 'const';
  value: boolean;
  comment?: string;
}

export type Check = 'all' | 'at least one' | 'none satisfy' | 'only one';
export type CheckExistence = 'all_exist' | 'any_exist' | 'at_least_one_exists' | 'none_exist' | 'only_one_exists';

export interface Test {
  id: string;
  comment?: string;
  check: Check;
  checkExistence: CheckExistence;
  stateOperator: Operator;
  object: ObjectSpec;
  states: StateSpec[];
}

/**
 * Object types the engine can collect items for. Anything else is kept with its OVAL name and
 * evaluates to `unknown`.
 * - dpkginfo: fields name | source (Patchhive extension: binary packages of a source package)
 * - rpminfo: name
 * - file: path + filename, or filepath (Windows file probes)
 * - registry: hive, key, name
 * - family: none
 * - textfilecontent54: path + filename or filepath, pattern, instance
 * - uname: none
 * - os: none (Patchhive: the inventory's OS facts: family, platform, release, arch, build, ubr, version)
 * - kb: kb (Patchhive: installed KB list)
 * - product: name (Patchhive: installed products)
 */
export type ObjectType =
  'dpkginfo' | 'rpminfo' | 'file' | 'registry' | 'family' | 'textfilecontent54' | 'uname' | 'os' | 'kb' | 'product';

export interface ObjectSpec {
  id: string;
  /** One of ObjectType, or the unsupported OVAL element name (e.g. "win-def:wmi57_object"). */
  type: string;
  fields: Record<string, Entity>;
  /** OVAL behaviors that change what is collected (e.g. windows_view="32_bit"). */
  behaviors?: Record<string, string>;
  /** OVAL <set>/<filter>/behaviors we do not implement make an object unsupported. */
  unsupported?: string;
}

export interface StateSpec {
  id: string;
  type: string;
  fields: Record<string, Entity>;
  operator?: Operator;
  unsupported?: string;
}

export type Operation =
  | 'equals'
  | 'not equal'
  | 'case insensitive equals'
  | 'case insensitive not equal'
  | 'greater than'
  | 'less than'
  | 'greater than or equal'
  | 'less than or equal'
  | 'bitwise and'
  | 'bitwise or'
  | 'pattern match'
  | 'subset of'
  | 'superset of';

export type Datatype =
  | 'string'
  | 'int'
  | 'float'
  | 'boolean'
  | 'version'
  | 'evr_string'
  | 'debian_evr_string'
  | 'binary'
  | 'ios_version'
  | 'fileset_revision';

export interface Entity {
  /** Literal value; absent when `varRef` is set or the entity is nil. */
  value?: string;
  operation: Operation;
  datatype: Datatype;
  varRef?: string;
  varCheck?: 'all' | 'at least one' | 'none satisfy' | 'only one';
  /** entity_check for multi-valued item fields. */
  entityCheck?: 'all' | 'at least one' | 'none satisfy' | 'only one';
}

/** OVAL variables: constant values, or local computations from literals and object items. */
export type Variable =
  | { kind: 'constant'; id: string; datatype: Datatype; values: string[] }
  | { kind: 'local'; id: string; datatype: Datatype; component: Component }
  | { kind: 'external'; id: string; datatype: Datatype };

export type Component =
  | { kind: 'literal'; value: string }
  | { kind: 'object'; object: ObjectSpec; itemField: string }
  | { kind: 'variable'; varRef: string }
  | { kind: 'concat'; parts: Component[] }
  | { kind: 'unsupported'; name: string };

/** A named criterion that bulletins refer to through `extend` (OVAL inventory definitions). */
export interface DefinitionEntry {
  id: string;
  title: string;
  criteria: Criterion;
}

export interface Catalog {
  /** Human label, e.g. the file name. */
  name: string;
  format: string;
  bulletins: Bulletin[];
  /** Every definition by id, bulletins' own criteria included, for extend_definition. */
  definitions: Map<string, DefinitionEntry>;
  variables: Map<string, Variable>;
}

/** An empty catalog, for importers to fill. */
export function emptyCatalog(name: string, format: string): Catalog {
  return { name, format, bulletins: [], definitions: new Map(), variables: new Map() };
}

/** Merges catalogs into one; later bulletins with the same id replace earlier ones. */
export function mergeCatalogs(catalogs: Catalog[]): Catalog {
  if (catalogs.length === 1) return catalogs[0]!;
  const merged = emptyCatalog(catalogs.map((c) => c.name).join('+'), 'merged');
  const byId = new Map<string, Bulletin>();
  for (const c of catalogs) {
    for (const b of c.bulletins) byId.set(b.id, b);
    for (const [k, v] of c.definitions) merged.definitions.set(k, v);
    for (const [k, v] of c.variables) merged.variables.set(k, v);
  }
  merged.bulletins = [...byId.values()];
  return merged;
}
