/**
 * The catalogs the server assesses against: the last good copy of each source, merged and indexed
 * once per change. Swapped as a whole, so an assessment always sees one consistent catalog.
 */
import { emptyCatalog, mergeCatalogs, type Catalog } from '../../catalog/model.js';
import { prepareCatalog, type PreparedCatalog } from '../../detect/index.js';

export class CatalogState {
  private bySource = new Map<string, Catalog>();
  private preparedAll: PreparedCatalog = prepareCatalog(emptyCatalog('none', 'merged'));
  private version = 0;

  /** The merged, indexed catalog of every source. */
  get prepared(): PreparedCatalog {
    return this.preparedAll;
  }

  /** Increases on every change; lets callers notice a swap. */
  get generation(): number {
    return this.version;
  }

  /** Sets (or with undefined, removes) one source's catalog and re-indexes. */
  setSource(sourceId: string, catalog: Catalog | undefined): void {
    if (catalog) this.bySource.set(sourceId, catalog);
    else this.bySource.delete(sourceId);
    const all = [...this.bySource.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
    this.preparedAll = prepareCatalog(all.length > 0 ? mergeCatalogs(all) : emptyCatalog('none', 'merged'));
    this.version++;
  }

  /**
   * The merged catalog restricted to some bulletins (definitions and variables kept whole, so
   * references still resolve), for re-assessing only what a change can affect.
   */
  restrictedTo(bulletinIds: Set<string>): PreparedCatalog {
    const all = this.preparedAll.catalog;
    return prepareCatalog({ ...all, bulletins: all.bulletins.filter((b) => bulletinIds.has(b.id)) });
  }

  /** Bulletin ids related to these through supersedence (either direction), these included. */
  withSupersedence(ids: Iterable<string>): Set<string> {
    const out = new Set(ids);
    for (const b of this.preparedAll.catalog.bulletins) {
      if (out.has(b.id)) for (const s of b.supersedes) out.add(s);
      else if (b.supersedes.some((s) => out.has(s))) out.add(b.id);
    }
    return out;
  }
}
