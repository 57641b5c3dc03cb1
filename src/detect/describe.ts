/** Plain-language evidence: what a test looked at and how the machine compared. */
import type { Entity, ObjectSpec } from '../catalog/model.js';
import type { Item } from './inventory-view.js';
import type { Result } from './tri.js';

function lit(e: Entity | undefined): string {
  if (!e) return '?';
  return e.value ?? (e.varRef ? `<${e.varRef}>` : '?');
}

/** Names what an object refers to, e.g. "dpkg package apt" or "file C:\\...\\netapi32.dll". */
export function describeObject(o: ObjectSpec): string {
  const f = o.fields;
  switch (o.type) {
    case 'dpkginfo':
      return f.source ? `dpkg packages built from source ${lit(f.source)}` : `dpkg package ${lit(f.name)}`;
    case 'rpminfo':
      return `rpm package ${lit(f.name)}`;
    case 'file':
    case 'filehash58':
      return f.filepath ? `file ${lit(f.filepath)}` : `file ${lit(f.filename)} in ${lit(f.path)}`;
    case 'registry':
      return `registry ${lit(f.hive)}\\${lit(f.key)}${f.name?.value !== undefined || f.name?.varRef ? '\\' + lit(f.name) : ''}`;
    case 'textfilecontent54':
      return `${f.filepath ? lit(f.filepath) : lit(f.path) + '/' + lit(f.filename)} matching ${lit(f.pattern)}`;
    case 'family':
      return 'OS family';
    case 'os':
      return 'operating system';
    case 'uname':
      return 'uname';
    case 'kb':
      return `update ${lit(f.kb)}`;
    case 'product':
      return `product ${lit(f.name)}`;
    default:
      return `${o.type} ${o.id}`;
  }
}

/** Says that nothing was found, in the object's own words. */
export function describeAbsence(o: ObjectSpec, subject: string): string {
  switch (o.type) {
    case 'dpkginfo':
      return o.fields.source
        ? `no package built from source ${lit(o.fields.source)} is installed`
        : `${lit(o.fields.name)} is not installed`;
    case 'rpminfo':
    case 'product':
      return `${lit(o.fields.name)} is not installed`;
    case 'kb':
      return `${subject} is not installed`;
    case 'file':
    case 'filehash58':
    case 'registry':
      return `${subject} does not exist`;
    default:
      return `${subject}: nothing found`;
  }
}

/** Says what was found, e.g. "dpkg packages built from source openssl: libssl3 3.0.15-1, openssl 3.0.15-1". */
export function describePresence(subject: string, items: Item[]): string {
  const label = (i: Item) => {
    const name = i.name ?? i.filepath ?? i.kb ?? i.value ?? i.family;
    const version = i.display_version ?? i.version;
    return [name, version].filter((x) => x !== undefined).join(' ');
  };
  const shown = items.slice(0, 5).map(label).filter(Boolean);
  const more = items.length > shown.length ? ` and ${items.length - shown.length} more` : '';
  return shown.length > 0 ? `${subject}: ${shown.join(', ')}${more}` : `${subject}: ${items.length} found`;
}

const VERSION_TYPES = new Set(['debian_evr_string', 'evr_string']);

function phrase(op: Entity['operation'], datatype: Entity['datatype'], holds: boolean): string {
  const evr = VERSION_TYPES.has(datatype);
  const table: Partial<Record<Entity['operation'], [string, string]>> = {
    'less than': evr
      ? ['is earlier than the fixed', 'is not earlier than the fixed']
      : ['is less than', 'is not less than'],
    'less than or equal': evr ? ['is not later than', 'is later than'] : ['is at most', 'is greater than'],
    'greater than': evr ? ['is later than', 'is not later than'] : ['is greater than', 'is not greater than'],
    'greater than or equal': ['is at least', 'is less than'],
    equals: ['equals', 'does not equal'],
    'not equal': ['differs from', 'equals'],
    'case insensitive equals': ['equals', 'does not equal'],
    'case insensitive not equal': ['differs from', 'equals'],
    'pattern match': ['matches', 'does not match'],
  };
  const pair = table[op] ?? [op, `not ${op}`];
  return holds ? pair[0] : pair[1];
}

function shortEvr(v: string): string {
  return v.startsWith('0:') ? v.slice(2) : v;
}

/** One comparison as a sentence, e.g. "libssl3 3.0.20-1 (source openssl) is earlier than the fixed 3.0.22-1". */
export function describeComparison(
  o: ObjectSpec,
  item: Item,
  field: string,
  e: Entity,
  actuals: string[],
  expected: string,
  result: Result,
): string {
  const verb =
    result === 'unknown' ? `cannot be compared (${e.operation})` : phrase(e.operation, e.datatype, result === 'true');
  const exp = VERSION_TYPES.has(e.datatype) ? expected.split(' | ').map(shortEvr).join(' | ') : expected;
  if (o.type === 'dpkginfo' || o.type === 'rpminfo') {
    const isSource = field === 'source_evr';
    const shown = isSource
      ? String(item.display_source_version ?? shortEvr(actuals[0] ?? ''))
      : field === 'evr'
        ? String(item.display_version ?? shortEvr(actuals[0] ?? ''))
        : actuals.join(',');
    const src = isSource && item.source !== item.name ? ` (source ${String(item.source)})` : '';
    const what = field === 'evr' || isSource ? '' : ` ${field}`;
    return `${String(item.name)}${what} ${shown}${src} ${verb} ${exp}`;
  }
  if (o.type === 'file' || o.type === 'filehash58') {
    return `${String(item.filename ?? item.filepath)} ${field} ${actuals.join(',')} ${verb} ${exp}`;
  }
  if (o.type === 'registry') {
    return `${String(item.key)}\\${String(item.name ?? '')} = "${actuals.join(',')}" ${verb} "${exp}"`;
  }
  return `${describeObject(o)} ${field} "${actuals.join(',')}" ${verb} "${exp}"`;
}
