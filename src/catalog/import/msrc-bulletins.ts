/**
 * Builds catalog bulletins from MSRC (CVE, product, KB) rows, whichever file they came from.
 * See docs/IMPORTERS.md for the criteria each fix gets.
 */
import {
  severityRank,
  type Bulletin,
  type Criterion,
  type Entity,
  type Fix,
  type Reference,
  type Severity,
} from '../model.js';
import { combine, entity, kbTest, osTest, productTest, testNode } from './criteria-builders.js';
import {
  exploitNotes,
  isUsableVersion,
  msrcSeverity,
  parseOsBuild,
  parseOtherProduct,
  parseWindowsProduct,
  sharesUbr,
  withBuild,
  type WindowsProduct,
} from './msrc-products.js';

/** Fixed, locale-independent order: CVE-2024-9999 before CVE-2024-10000. */
const ID_ORDER = new Intl.Collator('en', { numeric: true });

/** One (CVE, product, KB) row, normalised from the CSV or the JSON feed. */
export interface MsrcRow {
  cve: string;
  /** "KB5120249"; absent when the row names no KB (e.g. "Release Notes"). */
  kb?: string;
  /** The KB column as found, for notes when it is not a KB number. */
  rawKb: string;
  productName: string;
  fixedBuild: string;
  severity: string;
  exploitStatus: string;
  published?: string;
}

/** Builds one bulletin per CVE (ordered by CVE id); `merged` = product names group Server/Server Core and architectures. */
export function buildMsrcBulletins(rows: MsrcRow[], opts: { merged: boolean }): Bulletin[] {
  const byCve = new Map<string, MsrcRow[]>();
  for (const r of rows) {
    const list = byCve.get(r.cve) ?? [];
    list.push(r);
    byCve.set(r.cve, list);
  }
  const ids = [...byCve.keys()].sort(ID_ORDER.compare);
  return ids.map((cve) => buildBulletin(cve, byCve.get(cve)!, opts.merged));
}

function buildBulletin(cve: string, rows: MsrcRow[], merged: boolean): Bulletin {
  const notes: string[] = [];
  const fixes: Fix[] = [];
  const seen = new Set<string>();
  const kbsByProduct = new Map<string, string[]>();
  for (const r of rows) {
    if (!r.kb) continue;
    const list = kbsByProduct.get(r.productName) ?? [];
    if (!list.includes(r.kb)) list.push(r.kb);
    kbsByProduct.set(r.productName, list);
  }
  let severity: Severity = 'unknown';
  let published: string | undefined;
  for (const r of rows) {
    const s = msrcSeverity(r.severity);
    if (severityRank(s) > severityRank(severity)) severity = s;
    if (r.published && (!published || r.published < published)) published = r.published;
    notes.push(...exploitNotes(r.exploitStatus));
    const key = `${r.productName}\u0000${r.kb ?? r.rawKb}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const alternatives = (kbsByProduct.get(r.productName) ?? []).filter((k) => k !== r.kb);
    const fix = buildFix(cve, r, alternatives, merged, notes);
    if (fix) fixes.push(fix);
  }
  const kbs = [...new Set(rows.flatMap((r) => (r.kb ? [r.kb] : [])))].sort();
  const shownKbs = kbs.length > 3 ? `${kbs.slice(0, 3).join(', ')} (+${kbs.length - 3} more)` : kbs.join(', ');
  const references: Reference[] = [
    { source: 'msrc', id: cve, url: `https://msrc.microsoft.com/update-guide/vulnerability/${cve}` },
    ...kbs.map((kb) => ({ source: 'kb', id: kb, url: `https://support.microsoft.com/help/${kb.slice(2)}` })),
  ];
  return {
    id: cve,
    source: 'msrc',
    title: kbs.length ? `${cve} fixed by ${shownKbs}` : cve,
    severity,
    ...(published ? { published } : {}),
    cves: [cve],
    kbs,
    references,
    supersedes: [],
    class: 'vulnerability',
    fixes,
    ...(notes.length ? { notes: [...new Set(notes)] } : {}),
  };
}

function buildFix(cve: string, r: MsrcRow, alternatives: string[], merged: boolean, notes: string[]): Fix | undefined {
  const win = parseWindowsProduct(r.productName, { merged });
  const build = parseOsBuild(r.fixedBuild);
  const isOs = win !== undefined && (build !== undefined || win.knownBuild !== undefined);
  if (!r.kb && !(isOs && build)) {
    notes.push(`${r.productName}: KB "${r.rawKb}" is not a KB number and there is no fixed build; no fix recorded`);
    return undefined;
  }
  if (!r.kb) notes.push(`${r.productName}: KB "${r.rawKb}" is not a KB number; the fixed build alone decides`);
  const kbNodes = [...(r.kb ? [r.kb] : []), ...alternatives].map((kb) =>
    testNode(kbTest({ id: `msrc:tst:kb:${kb}`, objectId: `msrc:obj:kb:${kb}`, kb })),
  );
  const base: Fix = {
    id: `${cve}/${r.productName}/${r.kb ?? r.rawKb}`,
    product: r.productName,
    package: { manager: 'windows', name: r.kb ?? r.productName, ...(r.fixedBuild ? { version: r.fixedBuild } : {}) },
    ...(r.kb ? { kb: r.kb } : {}),
    available: true,
    applicability: { kind: 'const', value: false },
    installed: { kind: 'const', value: false },
  };

  if (isOs) {
    // The product name decides the build when the FixedBuild names a sibling build serviced by the
    // same update (MSRC lists e.g. 23H2 with a 22621.x build); otherwise the FixedBuild decides.
    let fixed = build;
    let osBuild = build?.build ?? win.knownBuild!;
    if (build && win.knownBuild !== undefined && build.build !== win.knownBuild) {
      if (sharesUbr(build.build, win.knownBuild)) {
        fixed = withBuild(build, win.knownBuild);
        osBuild = win.knownBuild;
        notes.push(
          `${r.productName}: FixedBuild ${r.fixedBuild} names sibling build ${build.build}; used ${fixed.version}`,
        );
      } else {
        notes.push(
          `${r.productName}: FixedBuild ${r.fixedBuild} does not match the product (build ${win.knownBuild}); used the FixedBuild`,
        );
      }
    }
    if (!build) notes.push(`${r.productName}: FixedBuild "${r.fixedBuild}" is not an OS build; the KB alone decides`);
    const installed: Criterion[] = [];
    if (fixed) installed.push(testNode(osVersionTest(fixed.version)));
    installed.push(...kbNodes);
    const applicability = testNode(windowsTest(osBuild, win));
    return {
      ...base,
      applicability,
      installed: combine('OR', installed, installedComment(fixed?.version, r.kb, alternatives)),
    };
  }

  const other = parseOtherProduct(r.productName, { merged });
  if (!isUsableVersion(r.fixedBuild)) {
    notes.push(`${other.base}: FixedBuild "${r.fixedBuild}" is not a single version; the KB alone decides`);
  }
  if (other.unknownPlatform)
    notes.push(
      `${r.productName}: platform "${other.unknownPlatform}" not recognised; only the product name is checked`,
    );
  const product = testNode(
    productTest({
      id: `msrc:tst:product:${other.base}`,
      objectId: `msrc:obj:product:${other.base}`,
      namePattern: other.namePattern,
      comment: `a product named like "${other.base}" is installed`,
    }),
  );
  const applicability = other.platform
    ? combine('AND', [product, testNode(windowsTest(other.platform.knownBuild!, other.platform))])
    : product;
  return { ...base, applicability, installed: combine('OR', kbNodes, installedComment(undefined, r.kb, alternatives)) };
}

/** The applicability test for a Windows release: family, build, and arch / installation type when named. */
function windowsTest(build: number, w: WindowsProduct) {
  const fields: Record<string, Entity> = {
    family: entity('windows'),
    build: entity(String(build), 'equals', 'int'),
  };
  if (w.arch) fields.arch = entity(w.arch, 'case insensitive equals');
  fields.installation_type =
    w.installationType === 'Server*'
      ? entity('^Server(?: Core)?$', 'pattern match')
      : entity(w.installationType, 'case insensitive equals');
  const inst = w.installationType === 'Server*' ? 'server-any' : w.installationType.toLowerCase().replace(' ', '-');
  const id = `msrc:tst:os:${build}:${w.arch ?? 'any'}:${inst}`;
  return osTest({
    id,
    objectId: 'msrc:obj:os',
    fields,
    comment: `${w.base} (build ${build}, ${w.arch ?? 'any arch'}, ${w.installationType})`,
  });
}

/** Says what makes the fix count as installed; other KBs for the same product (e.g. hotpatch) count too. */
function installedComment(version: string | undefined, kb: string | undefined, alternatives: string[]): string {
  const parts = [version ? `Windows ${version} or later` : '', kb ? `${kb} installed` : ''].filter(Boolean);
  if (alternatives.length)
    parts.push(`an alternative update for the same product installed (${alternatives.join(', ')})`);
  return parts.join(', or ');
}

/** True when the OS version is at least the fixed one ("10.0.19045.7663"). */
function osVersionTest(version: string) {
  return osTest({
    id: `msrc:tst:os-version:${version}`,
    objectId: 'msrc:obj:os',
    fields: { version: entity(version, 'greater than or equal', 'version') },
    comment: `Windows version is ${version} or later`,
  });
}
