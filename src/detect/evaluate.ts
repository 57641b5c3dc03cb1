/**
 * The detection engine: catalog + inventory → findings. Pure: no I/O, no clock, no globals.
 */
import type { Bulletin, Catalog, Fix } from '../catalog/model.js';
import type { Inventory } from '../inventory/model.js';
import type { Evidence, Finding, FindingStatus } from './model.js';
import { buildCatalogIndex, candidateBulletins, type CatalogIndex } from './catalog-index.js';
import { evaluateCriterion, type MachineContext } from './evaluate-criteria.js';
import { buildInventoryView } from './inventory-view.js';
import { applySupersedence } from './supersedence.js';
import { fixWarnings } from './warnings.js';

export interface PreparedCatalog {
  catalog: Catalog;
  index: CatalogIndex;
  /** Bulletin id → ids it supersedes, for the bulletins that supersede any. */
  supersedes: Map<string, string[]>;
}

/** Indexes a catalog once so that many machines can be evaluated against it. */
export function prepareCatalog(catalog: Catalog): PreparedCatalog {
  const supersedes = new Map(
    catalog.bulletins.filter((b) => b.supersedes.length > 0).map((b) => [b.id, b.supersedes] as const),
  );
  return { catalog, index: buildCatalogIndex(catalog), supersedes };
}

export interface EvaluateOptions {
  /** Evaluate every bulletin, bypassing the index (for checking the index and measuring it). */
  exhaustive?: boolean;
}

const RANK: Record<FindingStatus, number> = {
  missing: 6,
  affected: 5,
  unknown: 4,
  superseded: 3,
  installed: 2,
  'not-applicable': 1,
};

interface FixVerdict {
  fix: Fix;
  status: FindingStatus;
  evidence: Evidence[];
  warnings: string[];
}

/**
 * One finding per bulletin that could apply to the machine (its product is present, or facts
 * are missing to tell). Bulletins whose product is absent are not listed.
 */
export function evaluate(
  prepared: PreparedCatalog | Catalog,
  inventory: Inventory,
  opts: EvaluateOptions = {},
): Finding[] {
  const p = 'index' in prepared ? prepared : prepareCatalog(prepared);
  const view = buildInventoryView(inventory);
  const ctx: MachineContext = {
    view,
    catalog: p.catalog,
    objectMemo: new Map(),
    testMemo: new Map(),
    definitionMemo: new Map(),
    inProgress: new Set(),
  };
  const findings: Finding[] = [];
  const positions = opts.exhaustive ? p.catalog.bulletins.map((_, i) => i) : candidateBulletins(p.index, view.keys);
  for (const i of positions) {
    const b = p.catalog.bulletins[i]!;
    const verdict = decideBulletin(b, ctx);
    if (verdict) findings.push(toFinding(b, verdict, inventory.machine.name));
  }
  return applySupersedence(findings, p.supersedes);
}

function decideBulletin(b: Bulletin, ctx: MachineContext): FixVerdict | undefined {
  let best: FixVerdict | undefined;
  for (const fix of b.fixes) {
    const v = decideFix(fix, ctx);
    if (!best || RANK[v.status] > RANK[best.status]) best = v;
  }
  return best;
}

function decideFix(fix: Fix, ctx: MachineContext): FixVerdict {
  const a = evaluateCriterion(fix.applicability, ctx);
  if (a.result === 'false') return { fix, status: 'not-applicable', evidence: a.evidence, warnings: [] };
  if (!fix.available) {
    const status = a.result === 'true' ? 'affected' : 'unknown';
    const what = fix.package?.name ?? fix.product ?? fix.id;
    const noFix: Evidence = {
      ref: fix.id,
      subject: what,
      result: 'true',
      message: `no fix is available yet for ${what}`,
    };
    return { fix, status, evidence: [...a.evidence, noFix], warnings: [] };
  }
  const i = evaluateCriterion(fix.installed, ctx);
  let status: FindingStatus;
  if (i.result === 'false') status = 'missing';
  else if (i.result === 'true' && a.result === 'true') status = 'installed';
  else status = 'unknown';
  const evidence = status === 'unknown' && a.result === 'unknown' ? [...a.evidence, ...i.evidence] : i.evidence;
  return { fix, status, evidence, warnings: fixWarnings(fix, status, ctx) };
}

function dedupe(evidence: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}

function toFinding(b: Bulletin, v: FixVerdict, machine: string): Finding {
  const f: Finding = {
    machine,
    bulletin: b.id,
    status: v.status,
    severity: b.severity,
    title: b.title,
    cves: b.cves,
    kbs: b.kbs,
    fix: v.fix.id,
    evidence: dedupe(v.evidence),
    warnings: [...v.warnings, ...(b.notes ?? []).map((n) => `note: ${n}`)],
  };
  const pkg = v.fix.package;
  if (pkg) {
    f.package = pkg.name;
    if (pkg.version) f.fixedVersion = pkg.version;
  }
  if (v.status === 'missing' && b.manualRemediation) f.warnings.push(`remediation: ${b.manualRemediation}`);
  return f;
}
