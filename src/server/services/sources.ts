/**
 * Catalog sources: configuration, syncing (one at a time per source), and what a sync changes —
 * the catalog in use is swapped, only the affected machines are re-assessed, and the sync record
 * says which bulletins are new, revised or withdrawn and how many machines each affects.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PatchhiveError } from '../../errors.js';
import { loadPublicKey } from '../../catalog/native/signing.js';
import type { SourceCreate, SourceWire, SyncDiff, SyncRecordWire } from '../../protocol/api.js';
import type { SourceRecord, Store, SyncRecord } from '../../store/ports.js';
import type { AssessmentService } from '../assessment/assessment-service.js';
import type { CatalogState } from '../assessment/catalog-state.js';
import { syncErrorCode, type SourceSyncer } from '../sync/source-syncer.js';
import { maskFeedUrl } from '../sync/feed-url.js';
import { checkCron } from './groups.js';
import { WHOLE_FLEET, type Scope } from '../auth/scope.js';

export interface SourceHooks {
  /** After every sync, with the record (diff included) as stored; awaited, and a failure is the hook's to log. */
  onSync?(source: SourceRecord, record: SyncRecord): Promise<void> | void;
  onScheduleChange?(): void;
}

/** How much of a source the caller may see: feed URLs whole (admins) or masked; sync diffs only for the whole fleet. */
export interface SourceView {
  fullUrls: boolean;
  scope?: Scope;
}

const ADMIN_VIEW: SourceView = { fullUrls: true };
const MASKED_VIEW: SourceView = { fullUrls: false };

export class SourceService {
  private readonly inFlight = new Map<string, Promise<SyncRecordWire>>();

  constructor(
    private readonly store: Store,
    private readonly syncer: SourceSyncer,
    private readonly catalogs: CatalogState,
    private readonly assessment: AssessmentService,
    private readonly now: () => Date,
    private readonly hooks: SourceHooks = {},
    /** The server host's Debian release (hostDebianRelease): the default release of tracker sources. */
    private readonly serverRelease?: string,
  ) {}

  async resolve(idOrName: string): Promise<SourceRecord> {
    const s = (await this.store.sources.get(idOrName)) ?? (await this.store.sources.getByName(idOrName));
    if (!s) throw new PatchhiveError('E_SOURCE_NOT_FOUND', `no source ${JSON.stringify(idOrName)}`);
    return s;
  }

  /** Loads every source's last good copy into the catalog in use (server start-up). */
  async loadAll(warn: (msg: string) => void): Promise<void> {
    for (const s of await this.store.sources.list()) {
      if (!s.enabled) continue;
      try {
        const catalog = await this.syncer.loadLastGood(s);
        if (catalog) this.catalogs.setSource(s.id, catalog);
      } catch (err) {
        warn(`source ${s.name}: last good copy unusable: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Every source as the caller may see it: `fullUrls` false masks credentials and query values in
   * the URLs (non-admins); a scoped caller sees syncs without diffs (they count the whole fleet).
   */
  async list(view: SourceView = MASKED_VIEW): Promise<SourceWire[]> {
    return Promise.all((await this.store.sources.list()).map((s) => this.toWire(s, view)));
  }

  async get(idOrName: string, view: SourceView = MASKED_VIEW): Promise<SourceWire> {
    return this.toWire(await this.resolve(idOrName), view);
  }

  /**
   * Adds a source. A source that may be a Debian Security Tracker feed (format debian-tracker or
   * not given) and names no release gets the server host's own Debian release, and the answer's
   * notes say so: the tracker feed lists every release, and a source reads one.
   */
  async create(req: SourceCreate): Promise<SourceWire> {
    validateSource(req);
    if (await this.store.sources.getByName(req.name))
      throw new PatchhiveError('E_CONFLICT', `a source named ${JSON.stringify(req.name)} exists`);
    const { release, notes } = this.defaultRelease(req);
    const s: SourceRecord = {
      id: randomUUID(),
      name: req.name,
      url: req.url,
      format: req.format ?? null,
      release,
      schedule: req.schedule ?? null,
      signingKey: req.signingKey ?? null,
      allowUnsigned: req.allowUnsigned ?? false,
      enabled: req.enabled,
      createdAt: this.now().toISOString(),
    };
    await this.store.sources.create(s);
    if (s.schedule) this.hooks.onScheduleChange?.();
    const wire = await this.toWire(s, ADMIN_VIEW);
    return notes.length > 0 ? { ...wire, notes } : wire;
  }

  private defaultRelease(req: SourceCreate): { release: string | null; notes: string[] } {
    if (req.release) return { release: req.release, notes: [] };
    if (req.format !== undefined && req.format !== 'debian-tracker') return { release: null, notes: [] };
    const set = `patchhive sources set ${req.name} --release CODENAME`;
    const ifTracker = req.format === 'debian-tracker' ? '' : ' if the feed is Debian Security Tracker JSON';
    if (!this.serverRelease) {
      return {
        release: null,
        notes: [
          `no release given and the server host is not Debian: a tracker feed is refused until one is set (${set})${ifTracker}`,
        ],
      };
    }
    return {
      release: this.serverRelease,
      notes: [
        `release ${this.serverRelease}: the server host's own Debian release, read${ifTracker}; machines on another release need a source of their own (${set})`,
      ],
    };
  }

  /** Creates the sources named in the config file when missing (signing keys read from files). */
  async ensureConfigured(
    sources: {
      name: string;
      url: string;
      format?: SourceCreate['format'];
      release?: string;
      schedule?: string;
      signingKeyFile?: string;
      allowUnsigned?: boolean;
    }[],
  ): Promise<void> {
    for (const c of sources) {
      if (await this.store.sources.getByName(c.name)) continue;
      const signingKey = c.signingKeyFile ? await readFile(c.signingKeyFile, 'utf8') : undefined;
      await this.create({
        name: c.name,
        url: c.url,
        enabled: true,
        ...(c.format ? { format: c.format } : {}),
        ...(c.release ? { release: c.release } : {}),
        ...(c.schedule ? { schedule: c.schedule } : {}),
        ...(signingKey ? { signingKey } : {}),
        ...(c.allowUnsigned ? { allowUnsigned: true } : {}),
      });
    }
  }

  async update(idOrName: string, patch: Partial<SourceCreate>): Promise<SourceWire> {
    const s = await this.resolve(idOrName);
    validateSource({ ...s, ...patch } as SourceCreate);
    const change: Partial<SourceRecord> = {};
    if (patch.url !== undefined) change.url = patch.url;
    if (patch.format !== undefined) change.format = patch.format;
    if (patch.release !== undefined) change.release = patch.release;
    if (patch.schedule !== undefined) change.schedule = patch.schedule || null;
    if (patch.signingKey !== undefined) change.signingKey = patch.signingKey || null;
    if (patch.allowUnsigned !== undefined) change.allowUnsigned = patch.allowUnsigned;
    if (patch.enabled !== undefined) change.enabled = patch.enabled;
    await this.store.sources.update(s.id, change);
    const reimport = ['url', 'format', 'release', 'signingKey', 'allowUnsigned'].some(
      (k) => k in change && change[k as keyof SourceRecord] !== s[k as keyof SourceRecord],
    );
    if (reimport) {
      // A 304, or the same bytes again (SHA-256 unchanged), would otherwise keep the catalog that
      // was imported under the old settings: the next sync imports the feed whole.
      const state = await this.store.sources.getSyncState(s.id);
      if (state) await this.store.sources.putSyncState({ ...state, etag: null, lastModified: null, goodSha256: null });
    }
    if (patch.enabled === false && s.enabled) await this.dropCatalog(s.id);
    if (patch.enabled === true && !s.enabled) await this.restoreCatalog(s.id);
    if (patch.schedule !== undefined || patch.enabled !== undefined) this.hooks.onScheduleChange?.();
    const wire = await this.get(s.id, ADMIN_VIEW);
    return reimport
      ? {
          ...wire,
          notes: [
            'the settings that decide the import changed: the next sync imports the feed again, even if its content is unchanged',
          ],
        }
      : wire;
  }

  async delete(idOrName: string): Promise<void> {
    const s = await this.resolve(idOrName);
    await this.store.bulletins.replaceForSource(s.id, [], this.now().toISOString());
    await this.store.sources.delete(s.id);
    await this.dropCatalog(s.id);
    this.hooks.onScheduleChange?.();
  }

  async history(idOrName: string, limit: number, scope: Scope = WHOLE_FLEET): Promise<SyncRecordWire[]> {
    return (await this.store.sources.listSyncs((await this.resolve(idOrName)).id, limit)).map((r) =>
      syncForScope(r, scope),
    );
  }

  /** Syncs a source now (joining a sync already running for it) and returns the record. */
  async sync(idOrName: string): Promise<SyncRecordWire> {
    const s = await this.resolve(idOrName);
    if (!s.enabled) throw new PatchhiveError('E_CONFLICT', `source ${s.name} is disabled; enable it first`);
    const running = this.inFlight.get(s.id);
    if (running) return running;
    const p = this.syncOnce(s).finally(() => this.inFlight.delete(s.id));
    this.inFlight.set(s.id, p);
    return p;
  }

  private async syncOnce(s: SourceRecord): Promise<SyncRecordWire> {
    const outcome = await this.syncer.sync(s);
    let diff: SyncDiff | null = null;
    if (outcome.record.result === 'updated' && outcome.catalog && outcome.changed) {
      const { added, revised, withdrawn } = outcome.changed;
      // Machines a withdrawn bulletin affected must be counted before re-assessment resolves them.
      const before = await this.store.findings.countOpenByBulletin(withdrawn);
      this.catalogs.setSource(s.id, outcome.catalog);
      await this.assessment.reassessForChange([...added, ...revised, ...withdrawn]);
      const after = await this.store.findings.countOpenByBulletin([...added, ...revised]);
      const counted = (ids: string[], m: Map<string, number>) =>
        ids.map((id) => ({ id, affectedMachines: m.get(id) ?? 0 }));
      diff = { added: counted(added, after), revised: counted(revised, after), withdrawn: counted(withdrawn, before) };
    }
    const record: SyncRecord = { ...outcome.record, diff };
    await this.store.sources.recordSync(record);
    await this.hooks.onSync?.(s, record);
    return syncForScope(record, WHOLE_FLEET);
  }

  /** Waits for the syncs running now (server shutdown). */
  async whenIdle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** A re-enabled source's last good copy comes back into use without waiting for the feed to change. */
  private async restoreCatalog(sourceId: string): Promise<void> {
    const s = await this.resolve(sourceId);
    const catalog = await this.syncer.loadLastGood(s);
    if (!catalog) return;
    this.catalogs.setSource(s.id, catalog);
    await this.assessment.reassessForChange(catalog.bulletins.map((b) => b.id));
  }

  private async dropCatalog(sourceId: string): Promise<void> {
    const ids = this.catalogs.prepared.catalog.bulletins.map((b) => b.id);
    this.catalogs.setSource(sourceId, undefined);
    const remaining = new Set(this.catalogs.prepared.catalog.bulletins.map((b) => b.id));
    await this.assessment.reassessForChange(ids.filter((id) => !remaining.has(id)));
  }

  private async toWire(s: SourceRecord, view: SourceView): Promise<SourceWire> {
    const [last] = await this.store.sources.listSyncs(s.id, 1);
    const state = await this.store.sources.getSyncState(s.id);
    const count = (await this.store.bulletins.list({ sourceId: s.id, limit: 1 })).total;
    return {
      id: s.id,
      name: s.name,
      url: view.fullUrls ? s.url : maskFeedUrl(s.url),
      format: (s.format as SourceWire['format']) ?? null,
      release: s.release,
      schedule: s.schedule,
      signed: s.signingKey !== null,
      allowUnsigned: s.allowUnsigned,
      enabled: s.enabled,
      bulletins: count,
      lastSync: last ? syncForScope(last, view.scope ?? WHOLE_FLEET) : null,
      lastGoodAt: state?.goodAt ?? null,
    };
  }
}

/**
 * A sync record as a caller sees it: with the error code of a failed or refused sync; a scoped
 * caller without the diff, whose counts cover the whole fleet.
 */
function syncForScope(r: SyncRecord, scope: Scope): SyncRecordWire {
  const errorCode = syncErrorCode(r);
  return { ...r, ...(errorCode ? { errorCode } : {}), ...(scope.kind === 'fleet' ? {} : { diff: null }) };
}

/** Checks the URL, schedule and key of a source before it is stored. */
function validateSource(req: Pick<SourceCreate, 'url' | 'schedule' | 'signingKey'>): void {
  const url = req.url;
  const isPath = url.startsWith('/');
  if (!isPath) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PatchhiveError('E_BAD_REQUEST', 'url must be an http(s):// or file:// URL or an absolute path', {
        path: '$.url',
      });
    }
    if (!['http:', 'https:', 'file:'].includes(parsed.protocol)) {
      throw new PatchhiveError('E_BAD_REQUEST', `url scheme ${parsed.protocol} is not supported`, { path: '$.url' });
    }
    if (parsed.username || parsed.password) {
      throw new PatchhiveError('E_BAD_REQUEST', 'url must not contain credentials (use a proxy or a signed feed)', {
        path: '$.url',
      });
    }
  }
  if (req.schedule) checkCron(req.schedule, '$.schedule');
  if (req.signingKey) {
    try {
      loadPublicKey(req.signingKey, 'signingKey');
    } catch (err) {
      throw new PatchhiveError('E_BAD_REQUEST', (err as Error).message, { path: '$.signingKey' });
    }
  }
}
