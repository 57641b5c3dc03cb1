/**
 * Which exact package versions install a fix. A catalog fix may name its package and version
 * (native catalogs, the Debian tracker); an OVAL definition names them only in its criteria, as
 * "package NAME, version less than V" tests. Pure.
 */
import type { Criterion, Fix } from '../catalog/model.js';

export interface FixPackage {
  name: string;
  /** As the package manager spells it: dpkg "[epoch:]version", rpm "[epoch:]version-release"; a 0 epoch is dropped. */
  version: string;
}

/** The packages and versions that fix `fix` for `scheme`, from `fix.package` or else from its criteria. */
export function fixPackages(fix: Fix, scheme: 'dpkg' | 'rpm'): FixPackage[] {
  if (fix.package && fix.package.manager !== scheme) return [];
  if (fix.package?.version) return [{ name: fix.package.name, version: fix.package.version }];
  const found = new Map<string, string>();
  for (const root of [fix.installed, fix.applicability]) collect(root, scheme, found);
  // Every tested package counts: an OVAL product may be a source package whose binaries are tested.
  return [...found].map(([name, version]) => ({ name, version }));
}

function collect(c: Criterion, scheme: 'dpkg' | 'rpm', out: Map<string, string>): void {
  if (c.kind === 'criteria') {
    for (const child of c.children) collect(child, scheme, out);
    return;
  }
  if (c.kind !== 'test') return;
  const { object, states } = c.test;
  if (object.type !== (scheme === 'dpkg' ? 'dpkginfo' : 'rpminfo') || object.unsupported) return;
  const name = object.fields.name;
  if (!name?.value || name.varRef || (name.operation !== 'equals' && name.operation !== 'case insensitive equals'))
    return;
  for (const s of states) {
    const evr = s.fields.evr;
    if (!evr?.value || evr.varRef || evr.operation !== 'less than') continue;
    const version = evr.value.replace(/^0:/, '');
    const known = out.get(name.value);
    // one definition testing the same package twice: keep the first (they agree in practice)
    if (known === undefined) out.set(name.value, version);
  }
}
