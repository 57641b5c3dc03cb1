/**
 * What a catalog sync changed: the catalog's bulletins as stored records with a content hash, and
 * the added / revised / withdrawn bulletins between two such lists. Pure.
 */
import { createHash } from 'node:crypto';
import type { Bulletin, Catalog } from '../../catalog/model.js';
import { canonicalJson } from '../../protocol/canonical-json.js';
import type { BulletinRecord } from '../../store/ports.js';

/** Bulletin ids a sync added, revised (content changed) and withdrawn, each sorted. */
export interface BulletinChanges {
  added: string[];
  revised: string[];
  withdrawn: string[];
}

/**
 * The catalog's bulletins as records of `sourceId` (a duplicate id: the later one wins, as in
 * mergeCatalogs). contentHash is the SHA-256 of a canonical JSON of the bulletin together with
 * the definitions and variables it refers to, so it is stable across re-imports of the same bytes
 * and changes when anything that decides a finding changes.
 */
export function bulletinRecordsOf(catalog: Catalog, sourceId: string): BulletinRecord[] {
  const byId = new Map<string, BulletinRecord>();
  for (const b of catalog.bulletins) {
    byId.set(b.id, {
      id: b.id,
      sourceId,
      title: b.title,
      severity: b.severity,
      published: b.published ?? null,
      revised: b.revised ?? null,
      cves: [...b.cves],
      kbs: [...b.kbs],
      contentHash: bulletinContentHash(b, catalog),
      withdrawnAt: null,
    });
  }
  return [...byId.values()];
}

/**
 * Compares the stored records of a source with the new ones. A bulletin that is new, or was
 * withdrawn and is back, is added; one whose content hash differs is revised; one that was live
 * and is gone is withdrawn.
 */
export function diffBulletins(previous: BulletinRecord[], next: BulletinRecord[]): BulletinChanges {
  const before = new Map(previous.map((r) => [r.id, r]));
  const nextIds = new Set(next.map((r) => r.id));
  const added: string[] = [];
  const revised: string[] = [];
  for (const r of next) {
    const old = before.get(r.id);
    if (!old || old.withdrawnAt !== null) added.push(r.id);
    else if (old.contentHash !== r.contentHash) revised.push(r.id);
  }
  const withdrawn = previous.filter((r) => r.withdrawnAt === null && !nextIds.has(r.id)).map((r) => r.id);
  return { added: sorted(added), revised: sorted(revised), withdrawn: sorted(withdrawn) };
}

/** SHA-256 (hex) of the canonical JSON (the one signatures use) of a bulletin and everything it refers to. */
export function bulletinContentHash(bulletin: Bulletin, catalog: Catalog): string {
  const refs = collectReferences(bulletin, catalog);
  const content = { bulletin, definitions: refs.definitions, variables: refs.variables };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** Definitions (extend) and variables (varRef) reachable from the bulletin, by id, sorted. */
function collectReferences(
  bulletin: Bulletin,
  catalog: Catalog,
): { definitions: [string, unknown][]; variables: [string, unknown][] } {
  const definitions = new Map<string, unknown>();
  const variables = new Map<string, unknown>();
  const pending: unknown[] = [bulletin.fixes];
  const seen = new WeakSet<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const n of node) pending.push(n);
      return;
    }
    const o = node as Record<string, unknown>;
    if (o.kind === 'extend' && typeof o.definition === 'string' && !definitions.has(o.definition)) {
      const def = catalog.definitions.get(o.definition);
      definitions.set(o.definition, def ?? null);
      if (def) pending.push(def);
    }
    if (typeof o.varRef === 'string' && !variables.has(o.varRef)) {
      const v = catalog.variables.get(o.varRef);
      variables.set(o.varRef, v ?? null);
      if (v) pending.push(v);
    }
    for (const v of Object.values(o)) if (v !== null && typeof v === 'object') pending.push(v);
  };
  while (pending.length) visit(pending.pop());
  const byKey = (m: Map<string, unknown>) => [...m.entries()].sort(([a], [b]) => compareText(a, b));
  return { definitions: byKey(definitions), variables: byKey(variables) };
}

function sorted(ids: string[]): string[] {
  return ids.sort(compareText);
}

// Code-unit order, not locale order: the hash must not depend on the server's locale.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
