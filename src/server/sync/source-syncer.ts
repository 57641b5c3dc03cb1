/**
 * Syncs one catalog source: conditional fetch → signature and format checks → import → swap in
 * the good copy → replace the source's bulletins → diff. A failed or refused sync changes
 * nothing, so the server keeps using the last good copy.
 *
 * The syncer does NOT write the SyncRecord: it returns it (without `diff`) so that the server can
 * add the affected-machine counts to the changed bulletins and then call `sources.recordSync`.
 * It does write the sync state (validators, good copy) and the source's bulletins.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import type { Catalog } from '../../catalog/model.js';
import { PatchhiveError } from '../../errors.js';
import type {
  BulletinRecord,
  BulletinStore,
  SourceRecord,
  SourceStore,
  SourceSyncState,
  SyncRecord,
} from '../../store/ports.js';
import { diffBulletins, type BulletinChanges } from './catalog-diff.js';
import { FeedUnreachableError } from './feed-errors.js';
import { feedLabel, signatureUrlOf } from './feed-url.js';
import { fetchFeed, type FetchFeedResult } from './fetch-feed.js';
import {
  discardCopy,
  promoteCopy,
  pruneLeftovers,
  resolveGoodPath,
  retireCopies,
  stageCopy,
  type StagedCopy,
} from './good-copies.js';
import { importCopyInWorker } from './import-in-worker.js';

/** Limits of feed requests (from the server configuration); sleep/random are for tests. */
export interface FeedFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  retries: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** What a SourceSyncer works with: the two store ports, the data directory, HTTP and the clock. */
export interface SourceSyncerOptions {
  sources: SourceStore;
  bulletins: BulletinStore;
  /** Absolute data directory; copies go to `<dataDir>/sources/<sourceId>/`. */
  dataDir: string;
  dispatcher: Dispatcher;
  now: () => Date;
  newId: () => string;
  fetchOptions?: Partial<FeedFetchOptions>;
}

/** What one sync did. `catalog` and `changed` are set only when result is 'updated'. */
export interface SyncOutcome {
  record: Omit<SyncRecord, 'diff'>;
  catalog?: Catalog;
  changed?: BulletinChanges;
}

const DEFAULT_FETCH: FeedFetchOptions = { maxBytes: 1024 * 1024 * 1024, timeoutMs: 60_000, retries: 3 };
const MAX_SIGNATURE_BYTES = 64 * 1024;

/** Syncs catalog sources into the data directory and the bulletin store; one sync per source at a time. */
export class SourceSyncer {
  private readonly fetchOptions: FeedFetchOptions;
  private readonly running = new Map<string, Promise<SyncOutcome>>();

  constructor(private readonly deps: SourceSyncerOptions) {
    this.fetchOptions = { ...DEFAULT_FETCH, ...deps.fetchOptions };
  }

  /**
   * Syncs one source and returns the record to store (the caller records it). Feed problems are
   * results ('failed', 'refused'), not exceptions; a store failure is thrown.
   */
  sync(source: SourceRecord): Promise<SyncOutcome> {
    const before = this.running.get(source.id) ?? Promise.resolve(undefined);
    const run = before.catch(() => undefined).then(() => this.syncNow(source));
    this.running.set(source.id, run);
    const forget = () => {
      if (this.running.get(source.id) === run) this.running.delete(source.id);
    };
    run.then(forget, forget);
    return run;
  }

  /**
   * The last good catalog of a source (for server start-up), re-checked against its SHA-256 and
   * the source's signing key; undefined when there is none yet. A copy that is missing, altered
   * or no longer verifies is a PatchhiveError, for the caller to log before the next sync.
   */
  async loadLastGood(source: SourceRecord): Promise<Catalog | undefined> {
    const state = await this.deps.sources.getSyncState(source.id);
    if (!state?.goodPath) return undefined;
    const file = resolveGoodPath(this.deps.dataDir, source.id, state.goodPath);
    const sha256 = await sha256OfFile(file).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new PatchhiveError(
        'E_INPUT_NOT_FOUND',
        `the last good copy of source ${source.name} cannot be read (${code})`,
        { file },
      );
    });
    if (state.goodSha256 && sha256 !== state.goodSha256) {
      throw new PatchhiveError(
        'E_INPUT_MALFORMED',
        `the last good copy of source ${source.name} was altered on disk (SHA-256 differs)`,
        { file },
      );
    }
    return (await importCopyInWorker(file, source, file, { withRecords: false })).catalog;
  }

  private async syncNow(source: SourceRecord): Promise<SyncOutcome> {
    const { dataDir, sources } = this.deps;
    const startedAt = this.deps.now().toISOString();
    const id = this.deps.newId();
    const label = feedLabel(source.url);
    const finish = (result: SyncRecord['result'], message: string | null, bytes: number): SyncOutcome => ({
      record: { id, sourceId: source.id, startedAt, finishedAt: this.deps.now().toISOString(), result, message, bytes },
    });

    const state = await sources.getSyncState(source.id);
    await pruneLeftovers(dataDir, source.id, state?.goodPath ?? null);
    const hasGoodCopy = await this.goodCopyExists(source.id, state);
    const staged = await stageCopy(dataDir, source.id, id);
    try {
      let fetched: FetchFeedResult;
      try {
        // Without the good copy on disk the validators mean nothing: fetch the whole feed again.
        fetched = await this.fetch(
          source.url,
          staged.catalogPath,
          this.fetchOptions.maxBytes,
          hasGoodCopy ? state : undefined,
        );
      } catch (err) {
        if (!isFeedError(err)) throw err;
        return finish('failed', unreachableMessage(err, hasGoodCopy ? state : undefined), 0);
      }
      if (fetched.status === 'not-modified') return finish('not-modified', null, 0);
      let bytes = fetched.bytes;

      if (!source.signingKey && hasGoodCopy && state && fetched.sha256 === state.goodSha256) {
        // A server without validators sent the same bytes again: nothing to import.
        await sources.putSyncState({ ...state, etag: fetched.etag, lastModified: fetched.lastModified });
        return finish('not-modified', 'the feed sent the same content again (SHA-256 unchanged)', bytes);
      }
      if (source.signingKey) {
        const sig = await this.fetchSignature(source, staged);
        if (sig.outcome === 'failed')
          return finish('failed', unreachableMessage(sig.error, hasGoodCopy ? state : undefined), bytes);
        if (sig.outcome === 'missing') return finish('refused', sig.error.toOneLine(), bytes);
        bytes += sig.bytes;
      }

      let imported: { catalog: Catalog; records: BulletinRecord[] };
      try {
        // Parsing and converting a large feed takes seconds of CPU: a worker thread does it.
        imported = await importCopyInWorker(staged.catalogPath, source, label, { withRecords: true });
      } catch (err) {
        if (!(err instanceof PatchhiveError)) throw err;
        return finish('refused', err.toOneLine(), bytes);
      }
      const { catalog, records } = imported;
      const changed = await this.commit(source, staged, id, fetched, records, state);
      return { ...finish('updated', null, bytes), catalog, changed };
    } finally {
      await discardCopy(staged).catch(() => undefined);
    }
  }

  /** Swaps the copy in, replaces the bulletins, then writes the state: the state is the commit point. */
  private async commit(
    source: SourceRecord,
    staged: StagedCopy,
    syncId: string,
    fetched: Extract<FetchFeedResult, { status: 'fetched' }>,
    records: BulletinRecord[],
    prior: SourceSyncState | undefined,
  ): Promise<BulletinChanges> {
    const { dataDir, bulletins, sources } = this.deps;
    const goodPath = await promoteCopy(dataDir, source.id, staged, syncId);
    const changed = diffBulletins(await bulletins.listForSource(source.id), records);
    const at = this.deps.now().toISOString();
    await bulletins.replaceForSource(source.id, records, at);
    await sources.putSyncState({
      sourceId: source.id,
      etag: fetched.etag,
      lastModified: fetched.lastModified,
      goodPath,
      goodSha256: fetched.sha256,
      goodAt: at,
    });
    // Housekeeping only: a failure here leaves extra files that the next sync prunes.
    await retireCopies(dataDir, source.id, goodPath, prior?.goodPath ?? null).catch(() => undefined);
    return changed;
  }

  private fetch(
    url: string,
    destPath: string,
    maxBytes: number,
    validators?: SourceSyncState,
  ): Promise<FetchFeedResult> {
    const { sleep, random, timeoutMs, retries } = this.fetchOptions;
    return fetchFeed({
      url,
      etag: validators?.etag ?? null,
      lastModified: validators?.lastModified ?? null,
      destPath,
      maxBytes,
      timeoutMs,
      retries,
      dispatcher: this.deps.dispatcher,
      ...(sleep ? { sleep } : {}),
      ...(random ? { random } : {}),
    });
  }

  /** Fetches "<url>.sig" beside the staged catalog: absent is a refusal, unreachable a failure. */
  private async fetchSignature(
    source: SourceRecord,
    staged: StagedCopy,
  ): Promise<
    | { outcome: 'ok'; bytes: number }
    | { outcome: 'missing'; error: PatchhiveError }
    | { outcome: 'failed'; error: PatchhiveError }
  > {
    try {
      const r = await this.fetch(signatureUrlOf(source.url), staged.signaturePath, MAX_SIGNATURE_BYTES);
      return { outcome: 'ok', bytes: r.status === 'fetched' ? r.bytes : 0 };
    } catch (err) {
      if (!isFeedError(err)) throw err;
      if (!isMissing(err)) return { outcome: 'failed', error: err };
      const message = `the source requires a signature, but ${feedLabel(signatureUrlOf(source.url))} is not there (${err.message})`;
      return { outcome: 'missing', error: new PatchhiveError('E_SIGNATURE_MISSING', message) };
    }
  }

  private async goodCopyExists(sourceId: string, state: SourceSyncState | undefined): Promise<boolean> {
    if (!state?.goodPath) return false;
    try {
      return (await stat(resolveGoodPath(this.deps.dataDir, sourceId, state.goodPath))).isFile();
    } catch {
      return false;
    }
  }
}

function isFeedError(err: unknown): err is PatchhiveError {
  return err instanceof PatchhiveError && err.code === 'E_FEED_UNREACHABLE';
}

function isMissing(err: PatchhiveError): boolean {
  if (!(err instanceof FeedUnreachableError)) return false;
  return (
    err.httpStatus === 404 ||
    err.httpStatus === 410 ||
    (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
  );
}

/**
 * The stable error code of a sync that did not update, read back from its stored record: a failed
 * sync could not reach its feed; a refused one ends its message with the refusal's code ("… [E_X]").
 */
export function syncErrorCode(record: Pick<SyncRecord, 'result' | 'message'>): string | undefined {
  if (record.result === 'failed') return 'E_FEED_UNREACHABLE';
  if (record.result === 'refused') return /\[(E_[A-Z_]+)\]$/.exec(record.message ?? '')?.[1];
  return undefined;
}

/** "feed unreachable (why); still using the last good copy from <goodAt>" (or "no good copy yet"). */
function unreachableMessage(err: PatchhiveError, state: SourceSyncState | undefined): string {
  const fallback = state?.goodAt ? `still using the last good copy from ${state.goodAt}` : 'no good copy yet';
  return `feed unreachable (${err.message}); ${fallback}`;
}

function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
