/**
 * Compiles a validated `patchhive.catalog/1` document into the catalog model the detection
 * engine reads. Ids are deterministic: "<catalog>:<bulletin>:<fix>:<path-in-tree>".
 */
import type { Bulletin, Catalog, Fix } from '../model.js';
import { emptyCatalog } from '../model.js';
import { PatchhiveError } from '../../errors.js';
import { parseDpkgVersion, parseEvr } from '../../versions/index.js';
import { compileCriterion } from './compile-criterion.js';
import { jsonPath as formatJsonPath } from '../../common/json-input.js';

type PathSegment = string | number;
import { NATIVE_FORMAT, type NativeBulletinDoc, type NativeCatalogDoc, type NativeFixDoc } from './schema.js';
import { supersededId, validateNativeCatalog } from './validate.js';

/** Checks the cross-reference rules, then builds the `Catalog` (throws PatchhiveError with a JSON path). */
export function compileNativeCatalog(doc: NativeCatalogDoc): Catalog {
  validateNativeCatalog(doc);
  const catalog = emptyCatalog(doc.name, NATIVE_FORMAT);
  catalog.bulletins = doc.bulletins.map((b, i) => compileBulletin(doc.name, b, ['bulletins', i]));
  return catalog;
}

function compileBulletin(catalogName: string, b: NativeBulletinDoc, path: PathSegment[]): Bulletin {
  const fixes = b.fixes.map((f, j) => compileFix(f, `${catalogName}:${b.id}:${f.id}`, [...path, 'fixes', j]));
  // A fix's KB is also the bulletin's: findings list the bulletin's KBs.
  const kbs = unique([...b.kbs, ...b.fixes.flatMap((f) => (f.kb ? [f.kb] : []))]);
  return {
    id: b.id,
    source: 'native',
    title: b.title,
    ...(b.description !== undefined ? { description: b.description } : {}),
    severity: b.severity,
    ...(b.published !== undefined ? { published: b.published } : {}),
    ...(b.revised !== undefined ? { revised: b.revised } : {}),
    cves: unique(b.cves),
    kbs,
    references: b.references.map((r) => ({
      source: r.source,
      id: r.id,
      ...(r.url !== undefined ? { url: r.url } : {}),
    })),
    supersedes: unique(b.supersedes.map(supersededId)),
    class: b.class,
    fixes,
    ...(b.manualRemediation !== undefined ? { manualRemediation: b.manualRemediation } : {}),
    ...(b.notes !== undefined ? { notes: b.notes } : {}),
  };
}

/** The fix keeps its id as written (unique within its bulletin; findings name the bulletin too). */
function compileFix(f: NativeFixDoc, idPrefix: string, fixPath: PathSegment[]): Fix {
  if (f.package?.version !== undefined)
    checkPackageVersion(f.package.manager, f.package.version, [...fixPath, 'package', 'version']);
  const site = (rel: string) => ({ idPrefix, fixPath, rel: [rel] });
  return {
    id: f.id,
    ...(f.product !== undefined ? { product: f.product } : {}),
    ...(f.package !== undefined ? { package: { ...f.package } } : {}),
    ...(f.kb !== undefined ? { kb: f.kb } : {}),
    available: f.available,
    applicability: compileCriterion(f.applicability, site('applicability')),
    installed: compileCriterion(f.installed, site('installed')),
    ...(f.installedMarker !== undefined
      ? { installedMarker: compileCriterion(f.installedMarker, site('installedMarker')) }
      : {}),
    ...(f.knownFileHashes !== undefined
      ? {
          knownFileHashes: f.knownFileHashes.map((h) => ({
            path: h.path,
            sha256: h.sha256.map((d) => d.toLowerCase()),
          })),
        }
      : {}),
  };
}

/** The fixed version is shown to people and later used to install: it must parse for its manager. */
function checkPackageVersion(manager: string, version: string, at: PathSegment[]): void {
  try {
    if (manager === 'dpkg') parseDpkgVersion(version, { strict: true });
    else if (manager === 'rpm') parseEvr(version, { strict: true });
  } catch (err) {
    if (err instanceof PatchhiveError) throw new PatchhiveError(err.code, err.message, { path: formatJsonPath(at) });
    throw err;
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
