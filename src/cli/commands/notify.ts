/**
 * `patchhive channels ...`: notification channels (webhook, Slack-compatible, e-mail), a test
 * message, and the delivery log. Secrets and keyed URLs are read from files, never from arguments,
 * which other local users can see in the process list.
 */
import { readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import {
  NOTIFICATION_EVENTS,
  channelCreateSchema,
  channelSchema,
  channelUpdateSchema,
  deliverySchema,
  type ChannelWire,
  type DeliveryWire,
} from '../../protocol/policy-api.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  checkBody,
  commaList,
  defined,
  emitDone,
  intArg,
  requireSomething,
  withApi,
  type ApiOptions,
} from '../client/command-kit.js';
import { renderCsv, renderJson, renderOne, type ColumnSet } from '../client/format.js';
import { renderUnpaged } from '../client/command-kit.js';

/** Columns of channels (there is no secret to show: the server never returns it). */
export const CHANNEL_COLUMNS: ColumnSet<ChannelWire> = {
  table: [
    { header: 'NAME', value: (c) => c.name, max: 40 },
    { header: 'KIND', value: (c) => c.kind },
    { header: 'TARGET', value: (c) => c.target, max: 60 },
    { header: 'SIGNED', value: (c) => c.signed },
    { header: 'EVENTS', value: (c) => c.events, max: 60 },
    { header: 'MIN MACHINES', value: (c) => c.minMachines },
    { header: 'GROUPS', value: (c) => (c.groupIds.length === 0 ? 'all' : c.groupIds.length) },
    { header: 'ENABLED', value: (c) => c.enabled },
    { header: 'ID', value: (c) => c.id },
  ],
  full: [
    { header: 'id', value: (c) => c.id },
    { header: 'name', value: (c) => c.name },
    { header: 'kind', value: (c) => c.kind },
    { header: 'target', value: (c) => c.target },
    { header: 'signed', value: (c) => c.signed },
    { header: 'events', value: (c) => c.events },
    { header: 'min_machines', value: (c) => c.minMachines },
    { header: 'group_ids', value: (c) => c.groupIds },
    { header: 'enabled', value: (c) => c.enabled },
    { header: 'created_at', value: (c) => c.createdAt },
  ],
};

/** Columns of the delivery log. */
export const DELIVERY_COLUMNS: ColumnSet<DeliveryWire> = {
  table: [
    { header: 'CREATED', value: (d) => d.createdAt },
    { header: 'CHANNEL', value: (d) => d.channelId },
    { header: 'EVENT', value: (d) => d.event },
    { header: 'STATUS', value: (d) => d.status },
    { header: 'ATTEMPTS', value: (d) => d.attempts },
    { header: 'NEXT ATTEMPT', value: (d) => d.nextAttemptAt },
    { header: 'DELIVERED', value: (d) => d.deliveredAt },
    { header: 'LAST ERROR', value: (d) => d.lastError, max: 80 },
  ],
  full: [
    { header: 'id', value: (d) => d.id },
    { header: 'channel_id', value: (d) => d.channelId },
    { header: 'event', value: (d) => d.event },
    { header: 'event_key', value: (d) => d.eventKey },
    { header: 'status', value: (d) => d.status },
    { header: 'attempts', value: (d) => d.attempts },
    { header: 'next_attempt_at', value: (d) => d.nextAttemptAt },
    { header: 'last_error', value: (d) => d.lastError },
    { header: 'created_at', value: (d) => d.createdAt },
    { header: 'delivered_at', value: (d) => d.deliveredAt },
  ],
};

const channelsSchema = z.object({ items: z.array(channelSchema) });
const deliveriesSchema = z.object({ items: z.array(deliverySchema) });
const testSchema = z.object({ queued: z.number().int() });

/**
 * Reads one secret value from a file: the whole content less a final line break. A file that others
 * can read draws a warning (as token files do); the value is never printed.
 */
export async function readSecretFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot read the ${what} file (${code})`, { file }, { cause: err });
  }
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) {
    process.stderr.write(
      `patchhive: warning: the ${what} file ${file} is readable by group or others; run chmod 600 ${file}\n`,
    );
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.trim() === '') throw new PatchhiveError('E_USAGE', `the ${what} file is empty`, { file });
  if (/[\r\n]/.test(value)) throw new PatchhiveError('E_USAGE', `the ${what} file must hold one line`, { file });
  return value;
}

/** Checks --events values ("all" for every event). */
function eventList(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === 'all') return [...NOTIFICATION_EVENTS];
  const list = commaList(value, previous);
  const bad = list.find((e) => !(NOTIFICATION_EVENTS as readonly string[]).includes(e));
  if (bad !== undefined)
    throw new InvalidArgumentError(
      `unknown event "${bad.slice(0, 40)}" (expected "all" or ${NOTIFICATION_EVENTS.join(', ')})`,
    );
  return list;
}

type Events = ChannelWire['events'];

interface ChannelFlags extends ApiOptions {
  kind?: ChannelWire['kind'];
  target?: string;
  targetFile?: string;
  secretFile?: string;
  events?: string[];
  minMachines?: number;
  groups?: string[];
  disabled?: boolean;
  enable?: boolean;
  disable?: boolean;
}

/** The target from --target or --target-file (a Slack URL is itself a secret). */
async function targetOf(o: ChannelFlags): Promise<string | undefined> {
  if (o.target !== undefined && o.targetFile !== undefined)
    throw new PatchhiveError('E_USAGE', 'give only one of --target and --target-file');
  return o.targetFile !== undefined ? readSecretFile(o.targetFile, 'target') : o.target;
}

function addTargetOptions(cmd: Command, verb: string): Command {
  return cmd
    .option('--target <target>', `${verb} URL (webhook, slack) or comma-separated e-mail addresses`)
    .option(
      '--target-file <file>',
      `read the ${verb.toLowerCase()} target from FILE (for URLs that hold a key, e.g. Slack webhooks)`,
    )
    .option(
      '--secret-file <file>',
      'read the HMAC-SHA256 key of a webhook from FILE (16..500 characters; required for webhooks; never shown again)',
    )
    .option(
      '--events <list>',
      `events, comma-separated, or "all" (${NOTIFICATION_EVENTS.join(', ')}); repeatable`,
      eventList,
    )
    .option('--min-machines <n>', 'notify only when at least N machines are hit (default: 1)', intArg(0, 1_000_000))
    .option(
      '--groups <list>',
      'only about these groups (ids or names), comma-separated; repeatable (default: every group)',
      commaList,
    );
}

/** Registers `patchhive channels list|create|set|delete|test|deliveries`. */
export function registerChannelsCommand(program: Command): void {
  const channels = program
    .command('channels')
    .description('Notification channels (webhook, Slack, e-mail) and their delivery log.');

  addApiOptions(channels.command('list'))
    .description('List notification channels (their secrets are never shown).')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/notification-channels'), channelsSchema);
        await emit(renderUnpaged(format, CHANNEL_COLUMNS, items, 'channels'));
      }),
    );

  addTargetOptions(addApiOptions(channels.command('create')), 'the')
    .description('Add a notification channel.')
    .argument('<name>', 'channel name (lower case letters, digits, _ . -)')
    .addOption(new Option('--kind <kind>', 'webhook, slack or email (required)').choices(['webhook', 'slack', 'email']))
    .option('--disabled', 'create the channel disabled')
    .action((name: string, o: ChannelFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        if (o.kind === undefined)
          throw new PatchhiveError('E_USAGE', 'channels create needs --kind webhook|slack|email');
        const target = await targetOf(o);
        if (target === undefined)
          throw new PatchhiveError('E_USAGE', 'channels create needs --target or --target-file');
        if (o.events === undefined)
          throw new PatchhiveError('E_USAGE', 'channels create needs --events (a list, or "all")');
        const secret = o.secretFile !== undefined ? await readSecretFile(o.secretFile, 'secret') : undefined;
        const body = checkBody(
          channelCreateSchema,
          defined({
            name,
            kind: o.kind,
            target,
            secret,
            events: o.events as Events,
            minMachines: o.minMachines,
            groups: o.groups,
            enabled: o.disabled ? false : undefined,
          }),
        );
        await emit(
          renderOne(format, CHANNEL_COLUMNS, await client.post(api('/notification-channels'), channelSchema, body)),
        );
      }),
    );

  addTargetOptions(addApiOptions(channels.command('set')), 'new')
    .description('Change a channel; only what is given changes (--events and --groups replace the lists).')
    .argument('<channel>', 'channel id or name')
    .option('--all-groups', 'notify about every group (clears --groups)')
    .option('--enable', 'enable the channel')
    .option('--disable', 'disable the channel')
    .action((ref: string, o: ChannelFlags & { allGroups?: boolean }) =>
      withApi(o, async ({ client, format, emit }) => {
        if (o.enable && o.disable) throw new PatchhiveError('E_USAGE', 'give only one of --enable and --disable');
        if (o.allGroups && o.groups !== undefined)
          throw new PatchhiveError('E_USAGE', 'give only one of --groups and --all-groups');
        // a webhook always keeps a key (the server refuses unsigned webhooks): --secret-file rotates it
        const secret = o.secretFile !== undefined ? await readSecretFile(o.secretFile, 'secret') : undefined;
        const body = checkBody(
          channelUpdateSchema,
          defined({
            target: await targetOf(o),
            secret,
            events: o.events as Events | undefined,
            minMachines: o.minMachines,
            groups: o.allGroups ? [] : o.groups,
            enabled: o.enable ? true : o.disable ? false : undefined,
          }),
        );
        requireSomething(
          body,
          '--target, --target-file, --secret-file, --events, --min-machines, --groups, --all-groups, --enable, --disable',
        );
        await emit(
          renderOne(
            format,
            CHANNEL_COLUMNS,
            await client.patch(api('/notification-channels/{id}', ref), channelSchema, body),
          ),
        );
      }),
    );

  addApiOptions(channels.command('delete'))
    .description('Delete a channel and its delivery log.')
    .argument('<channel>', 'channel id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitDone(ctx, await ctx.client.delete(api('/notification-channels/{id}', ref)), `Deleted channel ${ref}.`),
      ),
    );

  addApiOptions(channels.command('test'))
    .description('Queue a test message to a channel; see `channels deliveries` for the outcome.')
    .argument('<channel>', 'channel id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const r = await client.post(api('/notification-channels/{id}/test', ref), testSchema);
        if (format === 'json') await emit(renderJson(r));
        else if (format === 'csv') await emit(renderCsv([{ header: 'queued', value: (b: typeof r) => b.queued }], [r]));
        else
          await emit(
            `Test message to channel ${ref}: ${r.queued} queued (see patchhive channels deliveries --channel ${ref}).\n`,
          );
      }),
    );

  addApiOptions(channels.command('deliveries'))
    .description('The delivery log, newest first.')
    .option('--channel <channel>', 'only this channel (id or name)')
    .addOption(new Option('--status <status>', 'only this status').choices(['pending', 'delivered', 'failed']))
    .option('--limit <n>', 'how many, 1..1000 (default: 100)', intArg(1, 1000))
    .action((o: ApiOptions & { channel?: string; status?: 'pending' | 'delivered' | 'failed'; limit?: number }) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/notification-deliveries'), deliveriesSchema, {
          channel: o.channel,
          status: o.status,
          limit: o.limit,
        });
        await emit(renderUnpaged(format, DELIVERY_COLUMNS, items, 'deliveries'));
      }),
    );
}
