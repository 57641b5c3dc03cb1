/**
 * `patchhive sources ...`: the catalog feeds the server syncs (Debian tracker, OVAL, MSRC, signed
 * native catalogs): list, add, change, delete, sync now, and the sync history.
 */
import { api } from '../client/api-routes.js';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import {
  listOf,
  SOURCE_FORMATS,
  sourceCreateSchema,
  sourceSchema,
  sourceUpdateSchema,
  syncRecordSchema,
  type SourceWire,
  type SyncRecordWire,
} from '../../protocol/api.js';
import { readInputText } from '../../common/json-input.js';
import { oneLineText } from '../client/api-client.js';
import {
  addApiOptions,
  emitDone,
  checkBody,
  defined,
  intArg,
  note,
  requireSomething,
  withApi,
  type ApiOptions,
} from '../client/command-kit.js';
import { renderJson, renderList, renderOne, renderRecord, type ColumnSet } from '../client/format.js';

/** Columns of catalog sources. */
export const SOURCE_COLUMNS: ColumnSet<SourceWire> = {
  table: [
    { header: 'NAME', value: (s) => s.name, max: 30 },
    { header: 'FORMAT', value: (s) => s.format ?? 'auto' },
    { header: 'ENABLED', value: (s) => s.enabled },
    { header: 'SIGNED', value: (s) => s.signed },
    { header: 'SCHEDULE', value: (s) => s.schedule, max: 20 },
    { header: 'BULLETINS', value: (s) => s.bulletins },
    { header: 'LAST SYNC', value: (s) => s.lastSync?.finishedAt },
    { header: 'RESULT', value: (s) => s.lastSync?.result },
    { header: 'URL', value: (s) => s.url, max: 60 },
  ],
  full: [
    { header: 'id', value: (s) => s.id },
    { header: 'name', value: (s) => s.name },
    { header: 'url', value: (s) => s.url },
    { header: 'format', value: (s) => s.format },
    { header: 'release', value: (s) => s.release },
    { header: 'schedule', value: (s) => s.schedule },
    { header: 'signed', value: (s) => s.signed },
    { header: 'allow_unsigned', value: (s) => s.allowUnsigned },
    { header: 'enabled', value: (s) => s.enabled },
    { header: 'bulletins', value: (s) => s.bulletins },
    { header: 'last_sync_at', value: (s) => s.lastSync?.finishedAt },
    { header: 'last_sync_result', value: (s) => s.lastSync?.result },
    { header: 'last_sync_message', value: (s) => s.lastSync?.message },
    { header: 'last_good_at', value: (s) => s.lastGoodAt },
  ],
};

/** Columns of sync records. */
export const SYNC_COLUMNS: ColumnSet<SyncRecordWire> = {
  table: [
    { header: 'STARTED', value: (r) => r.startedAt },
    { header: 'RESULT', value: (r) => r.result },
    { header: 'BYTES', value: (r) => r.bytes },
    { header: 'ADDED', value: (r) => r.diff?.added.length },
    { header: 'REVISED', value: (r) => r.diff?.revised.length },
    { header: 'WITHDRAWN', value: (r) => r.diff?.withdrawn.length },
    { header: 'MESSAGE', value: (r) => r.message, max: 80 },
  ],
  full: [
    { header: 'id', value: (r) => r.id },
    { header: 'source_id', value: (r) => r.sourceId },
    { header: 'started_at', value: (r) => r.startedAt },
    { header: 'finished_at', value: (r) => r.finishedAt },
    { header: 'result', value: (r) => r.result },
    { header: 'bytes', value: (r) => r.bytes },
    { header: 'added', value: (r) => r.diff?.added.map((b) => b.id) },
    { header: 'revised', value: (r) => r.diff?.revised.map((b) => b.id) },
    { header: 'withdrawn', value: (r) => r.diff?.withdrawn.map((b) => b.id) },
    { header: 'message', value: (r) => r.message },
  ],
};

/** The sync history answer: the latest records, newest first. */
const syncListSchema = z.object({ items: z.array(syncRecordSchema) });

interface SourceFlags extends ApiOptions {
  url?: string;
  format?: never; // --format is the output format; the feed format is --feed-format
  feedFormat?: (typeof SOURCE_FORMATS)[number];
  release?: string;
  schedule?: string;
  signingKey?: string;
  allowUnsigned?: boolean;
  refuseUnsigned?: boolean;
  disable?: boolean;
  enable?: boolean;
}

function addSourceOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--feed-format <format>', 'feed format (default: recognised by content)').choices([...SOURCE_FORMATS]),
    )
    .option(
      '--release <codename>',
      "Debian release codename, for Debian tracker feeds (e.g. bookworm); `add` defaults to the server host's own",
    )
    .option('--schedule <cron>', 'cron expression for automatic syncs, e.g. "15 * * * *" (default: none)')
    .option('--signing-key <file>', 'PEM Ed25519 public key file; a signed native catalog must verify with it')
    .option(
      '--allow-unsigned',
      'load native catalogs that carry no signature (not recommended; default: refused, as `patchhive scan` refuses them)',
    );
}

async function readSigningKey(file: string | undefined): Promise<string | undefined> {
  return file === undefined ? undefined : await readInputText(file);
}

/** Shows what a sync changed: per kind, the bulletins and how many machines each hits. */
function renderSync(r: SyncRecordWire): string {
  const counts = SYNC_COLUMNS.full.map((c) =>
    c.header === 'added' || c.header === 'revised' || c.header === 'withdrawn'
      ? { ...c, value: (x: SyncRecordWire) => x.diff?.[c.header as 'added'].length }
      : c,
  );
  let out = renderRecord(counts, r);
  for (const kind of ['added', 'revised', 'withdrawn'] as const) {
    const list = r.diff?.[kind] ?? [];
    if (list.length === 0) continue;
    const shown = list.slice(0, 20).map((b) => `${oneLineText(b.id, 60)} (${b.affectedMachines} machines)`);
    out += `${kind}: ${shown.join(', ')}${list.length > 20 ? `, … ${list.length - 20} more (--format json for all)` : ''}\n`;
  }
  return out;
}

/** Registers `patchhive sources list|show|add|set|delete|sync|history`. */
export function registerSourcesCommand(program: Command): void {
  const sources = program
    .command('sources')
    .description('Catalog sources (feeds) the server syncs: list, add, change, delete, sync, history.');

  addApiOptions(sources.command('list'))
    .description('List catalog sources (name, format, schedule, bulletins, last sync).')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const page = await client.get(api('/sources'), listOf(sourceSchema));
        await emit(renderList(format, SOURCE_COLUMNS, page, { noun: 'sources', offset: 0 }));
      }),
    );

  addApiOptions(sources.command('show'))
    .description('Show one catalog source with its last sync.')
    .argument('<source>', 'source id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        await emit(renderOne(format, SOURCE_COLUMNS, await client.get(api('/sources/{id}', ref), sourceSchema)));
      }),
    );

  addSourceOptions(addApiOptions(sources.command('add')))
    .description('Add a catalog source; the server fetches it from its own network.')
    .argument('<name>', 'source name: lower-case letters, digits, _ . - (e.g. debian-bookworm)')
    .argument('<url>', 'http(s):// URL, or a file:// URL or absolute path on the server')
    .option('--disabled', 'add it disabled (no syncs until enabled)')
    .action((name: string, url: string, o: SourceFlags & { disabled?: boolean }) =>
      withApi(o, async ({ client, format, emit }) => {
        const body = checkBody(
          sourceCreateSchema,
          defined({
            name,
            url,
            format: o.feedFormat,
            release: o.release,
            schedule: o.schedule,
            signingKey: await readSigningKey(o.signingKey),
            allowUnsigned: o.allowUnsigned,
            enabled: !o.disabled,
          }),
        );
        const created = await client.post(api('/sources'), sourceSchema, body);
        await emit(renderOne(format, SOURCE_COLUMNS, created));
        for (const n of created.notes ?? []) note(n);
      }),
    );

  addSourceOptions(addApiOptions(sources.command('set')))
    .description('Change a catalog source; only what is given changes.')
    .argument('<source>', 'source id or name')
    .option('--url <url>', 'new feed URL')
    .option('--enable', 'enable automatic and manual syncs')
    .option('--disable', 'disable syncs; its bulletins stop applying until it is enabled and synced again')
    .option('--refuse-unsigned', 'refuse native catalogs without a signature again (the default)')
    .action((ref: string, o: SourceFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        if (o.enable && o.disable) throw new PatchhiveError('E_USAGE', 'give only one of --enable and --disable');
        if (o.allowUnsigned && o.refuseUnsigned)
          throw new PatchhiveError('E_USAGE', 'give only one of --allow-unsigned and --refuse-unsigned');
        const enabled = o.enable ? true : o.disable ? false : undefined;
        const allowUnsigned = o.allowUnsigned ? true : o.refuseUnsigned ? false : undefined;
        const body = checkBody(
          sourceUpdateSchema,
          defined({
            url: o.url,
            format: o.feedFormat,
            release: o.release,
            schedule: o.schedule,
            signingKey: await readSigningKey(o.signingKey),
            allowUnsigned,
            enabled,
          }),
        );
        requireSomething(
          body,
          '--url, --feed-format, --release, --schedule, --signing-key, --allow-unsigned, --refuse-unsigned, --enable, --disable',
        );
        // sourceUpdateSchema is a .partial() of a schema where enabled defaults to true, and zod 4
        // keeps that default: a PATCH without "enabled" would re-enable a disabled source. Send the
        // current value instead.
        if (enabled === undefined) body.enabled = (await client.get(api('/sources/{id}', ref), sourceSchema)).enabled;
        const changed = await client.patch(api('/sources/{id}', ref), sourceSchema, body);
        await emit(renderOne(format, SOURCE_COLUMNS, changed));
        for (const n of changed.notes ?? []) note(n);
      }),
    );

  addApiOptions(sources.command('delete'))
    .description('Delete a catalog source; its bulletins stop applying.')
    .argument('<source>', 'source id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitDone(ctx, await ctx.client.delete(api('/sources/{id}', ref)), `Deleted source ${ref}.`),
      ),
    );

  addApiOptions(sources.command('sync'))
    .description('Sync a catalog source now and show what changed. Exit code 2 when the sync failed or was refused.')
    .argument('<source>', 'source id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const record = await client.post(api('/sources/{id}/sync', ref), syncRecordSchema);
        await emit(format === 'table' ? renderSync(record) : renderOne(format, SYNC_COLUMNS, record));
        if (record.result === 'failed' || record.result === 'refused') {
          const why = record.message ? `: ${oneLineText(record.message)}` : '';
          throw new PatchhiveError(
            record.result === 'failed' ? 'E_FEED_UNREACHABLE' : 'E_SERVER_ERROR',
            `sync of ${ref} ${record.result}${why}`,
          );
        }
      }),
    );

  addApiOptions(sources.command('history'))
    .description('List the latest syncs of a catalog source, newest first.')
    .argument('<source>', 'source id or name')
    .option('--limit <n>', 'how many syncs, 1..1000 (default: 50)', intArg(1, 1000))
    .action((ref: string, o: ApiOptions & { limit?: number }) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/sources/{id}/syncs', ref), syncListSchema, { limit: o.limit });
        if (format === 'json') await emit(renderJson({ items }));
        else await emit(renderList(format, SYNC_COLUMNS, { items, total: items.length }, { noun: 'syncs', offset: 0 }));
      }),
    );
}
