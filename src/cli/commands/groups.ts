/**
 * `patchhive groups ...`: sets of machines, static (a member list) or by rule on attributes
 * ("role = web and internet_facing"), with an optional re-assessment schedule.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { groupCreateSchema, groupSchema, groupUpdateSchema, listOf, type GroupWire } from '../../protocol/api.js';
import { apiPath } from '../client/api-client.js';
import { addApiOptions, emitDone, checkBody, commaList, defined, requireSomething, withApi, type ApiOptions } from '../client/command-kit.js';
import { renderCsv, renderJson, renderList, renderOne, type ColumnSet } from '../client/format.js';

/** Columns of groups. */
export const GROUP_COLUMNS: ColumnSet<GroupWire> = {
  table: [
    { header: 'NAME', value: (g) => g.name, max: 40 },
    { header: 'KIND', value: (g) => g.kind },
    { header: 'MEMBERS', value: (g) => g.members.length },
    { header: 'RULE', value: (g) => g.rule, max: 50 },
    { header: 'RESCAN', value: (g) => g.rescanSchedule },
    { header: 'DESCRIPTION', value: (g) => g.description, max: 60 },
  ],
  full: [
    { header: 'id', value: (g) => g.id },
    { header: 'name', value: (g) => g.name },
    { header: 'kind', value: (g) => g.kind },
    { header: 'rule', value: (g) => g.rule },
    { header: 'members', value: (g) => g.members },
    { header: 'rescan_schedule', value: (g) => g.rescanSchedule },
    { header: 'description', value: (g) => g.description },
    { header: 'created_at', value: (g) => g.createdAt },
  ],
};

/** The answer to a rescan: how many members were queued. */
const rescanSchema = z.object({ queued: z.number().int() });

interface GroupFlags extends ApiOptions {
  members?: string[];
  rule?: string;
  rescan?: string;
  description?: string;
  name?: string;
}

/** Registers `patchhive groups list|show|create|set|delete|rescan`. */
export function registerGroupsCommand(program: Command): void {
  const groups = program.command('groups').description('Machine groups (static member lists or rules on attributes): list, create, change, delete, rescan.');

  addApiOptions(groups.command('list'))
    .description('List groups (name, kind, member count, rule, rescan schedule).')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const page = await client.get('/groups', listOf(groupSchema));
        await emit(renderList(format, GROUP_COLUMNS, page, { noun: 'groups', offset: 0 }));
      }),
    );

  addApiOptions(groups.command('show'))
    .description('Show one group with its members (machine ids; for rule groups as evaluated now).')
    .argument('<group>', 'group id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        await emit(renderOne(format, GROUP_COLUMNS, await client.get(apiPath('groups', ref), groupSchema)));
      }),
    );

  addApiOptions(groups.command('create'))
    .description('Create a group: give either --members (a static group) or --rule (a rule group).')
    .argument('<name>', 'group name')
    .option('--members <list>', 'machine ids or names, comma-separated; repeatable (static group)', commaList)
    .option('--rule <rule>', 'rule on machine attributes, e.g. "role = web and internet_facing" (rule group)')
    .option('--rescan <cron>', 'cron expression for re-assessing the members, e.g. "0 3 * * *"')
    .option('--description <text>', 'what the group is for')
    .action((name: string, o: GroupFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        if ((o.members === undefined) === (o.rule === undefined)) {
          throw new PatchhiveError('E_USAGE', 'give exactly one of --members (a static group) and --rule (a rule group)');
        }
        const body = checkBody(
          groupCreateSchema,
          defined({ name, kind: o.rule !== undefined ? 'rule' : 'static', members: o.members, rule: o.rule, rescanSchedule: o.rescan, description: o.description }),
        );
        await emit(renderOne(format, GROUP_COLUMNS, await client.post('/groups', groupSchema, body)));
      }),
    );

  addApiOptions(groups.command('set'))
    .description('Change a group; only what is given changes (--members replaces the member list).')
    .argument('<group>', 'group id or name')
    .option('--name <name>', 'new name')
    .option('--members <list>', 'new member list: machine ids or names, comma-separated; repeatable (static groups)', commaList)
    .option('--rule <rule>', 'new rule (rule groups)')
    .option('--rescan <cron>', 'new cron expression for re-assessing the members')
    .option('--description <text>', 'new description')
    .action((ref: string, o: GroupFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        const body = checkBody(
          groupUpdateSchema,
          defined({ name: o.name, members: o.members, rule: o.rule, rescanSchedule: o.rescan, description: o.description }),
        );
        requireSomething(body, '--name, --members, --rule, --rescan, --description');
        await emit(renderOne(format, GROUP_COLUMNS, await client.patch(apiPath('groups', ref), groupSchema, body)));
      }),
    );

  addApiOptions(groups.command('delete'))
    .description('Delete a group (its machines stay).')
    .argument('<group>', 'group id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async (ctx) => emitDone(ctx, await ctx.client.delete(apiPath('groups', ref)), `Deleted group ${ref}.`)),
    );

  addApiOptions(groups.command('rescan'))
    .description('Queue every member of a group for re-assessment against the current catalogs.')
    .argument('<group>', 'group id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const body = await client.post(apiPath('groups', ref, 'rescan'), rescanSchema);
        if (format === 'json') await emit(renderJson(body));
        else if (format === 'csv') await emit(renderCsv([{ header: 'queued', value: (b: typeof body) => b.queued }], [body]));
        else await emit(`Rescan of group ${ref}: ${body.queued} machine${body.queued === 1 ? '' : 's'} queued for assessment.\n`);
      }),
    );
}
