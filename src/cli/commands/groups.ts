/**
 * `patchhive groups ...`: sets of machines, static (a member list) or by rule on attributes
 * ("role = web and internet_facing"), with an optional re-assessment schedule, a maintenance
 * window and a reboot policy for deployments.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { groupCreateSchema, groupSchema, groupUpdateSchema, listOf, type GroupWire } from '../../protocol/api.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  emitDone,
  checkBody,
  commaList,
  defined,
  intArg,
  requireSomething,
  withApi,
  type ApiOptions,
} from '../client/command-kit.js';
import { renderCsv, renderJson, renderList, renderOne, type ColumnSet } from '../client/format.js';
import { windowProblems } from '../../rollout/windows.js';
import type { MaintenanceWindow, RebootPolicy } from '../../rollout/model.js';
import { rebootText } from './deploy-render.js';
import { emitGuarded, guardedSchema } from './changes.js';

/** A maintenance window on one line: "0 22 * * 0 for 360 min (Europe/Berlin)". */
export function windowText(w: MaintenanceWindow | null): string | null {
  return w ? `${w.cron} for ${w.durationMinutes} min (${w.timeZone})` : null;
}

/** Columns of groups. */
export const GROUP_COLUMNS: ColumnSet<GroupWire> = {
  table: [
    { header: 'NAME', value: (g) => g.name, max: 40 },
    { header: 'KIND', value: (g) => g.kind },
    { header: 'MEMBERS', value: (g) => g.members.length },
    { header: 'RULE', value: (g) => g.rule, max: 50 },
    { header: 'RESCAN', value: (g) => g.rescanSchedule },
    { header: 'WINDOW', value: (g) => windowText(g.maintenanceWindow), max: 50 },
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
    { header: 'maintenance_window', value: (g) => windowText(g.maintenanceWindow) },
    { header: 'reboot_policy', value: (g) => (g.rebootPolicy ? rebootText(g.rebootPolicy) : null) },
    { header: 'created_at', value: (g) => g.createdAt },
  ],
};

/** The answer to a rescan: how many members were queued. */
const rescanSchema = z.object({ queued: z.number().int() });

interface WindowFlags {
  windowCron?: string;
  windowMinutes?: number;
  windowTz?: string;
  /** false with --no-window (set only). */
  window?: boolean;
  reboot?: RebootPolicy['mode'];
  rebootOnlyInWindow?: boolean;
  rebootMaxDeferrals?: number;
  defaultReboot?: boolean;
}

interface GroupFlags extends ApiOptions, WindowFlags {
  members?: string[];
  rule?: string;
  rescan?: string;
  description?: string;
  name?: string;
}

/** Adds the maintenance-window and reboot-policy options (`set` also gets the ones that clear them). */
function addWindowOptions(cmd: Command, update: boolean): Command {
  cmd
    .option(
      '--window-cron <cron>',
      'maintenance window start, cron in the window time zone, e.g. "0 22 * * 0" (Sundays 22:00)',
    )
    .option('--window-minutes <n>', 'maintenance window length in minutes, 1..10080', intArg(1, 7 * 24 * 60))
    .option('--window-tz <zone>', `IANA time zone of the window, e.g. Europe/Berlin${update ? '' : ' (default: UTC)'}`)
    .addOption(
      new Option('--reboot <mode>', 'reboot policy of the members after installing').choices([
        'never',
        'if-required',
        'always',
      ]),
    )
    .option('--reboot-only-in-window', 'reboot only inside the maintenance window')
    .option(
      '--reboot-max-deferrals <n>',
      'how often a logged-in user may postpone the reboot, 0..100 (default: 0)',
      intArg(0, 100),
    );
  if (update) {
    cmd
      .option('--no-reboot-only-in-window', 'reboot outside the maintenance window too')
      .option('--no-window', 'remove the maintenance window: installs may happen any time')
      .option('--default-reboot', 'remove the reboot policy: the server default applies');
  }
  return cmd;
}

/** A partial window or reboot change, laid over what the group has now: it must be fetched first. */
function needsCurrent(f: WindowFlags): boolean {
  const window = [f.windowCron, f.windowMinutes, f.windowTz];
  const reboot = [f.reboot, f.rebootOnlyInWindow, f.rebootMaxDeferrals];
  const partial = (parts: unknown[]) => parts.some((v) => v !== undefined) && parts.some((v) => v === undefined);
  return partial(window) || partial(reboot);
}

/**
 * The window and reboot policy from the flags, laid over the group's current ones (`current`, on
 * update): undefined = unchanged, null = removed. A window needs a cron and a length.
 */
export function windowAndRebootOf(
  f: WindowFlags,
  current: { maintenanceWindow: MaintenanceWindow | null; rebootPolicy: RebootPolicy | null } = {
    maintenanceWindow: null,
    rebootPolicy: null,
  },
): { maintenanceWindow?: MaintenanceWindow | null; rebootPolicy?: RebootPolicy | null } {
  const windowGiven = f.windowCron !== undefined || f.windowMinutes !== undefined || f.windowTz !== undefined;
  const rebootGiven =
    f.reboot !== undefined || f.rebootOnlyInWindow !== undefined || f.rebootMaxDeferrals !== undefined;
  if (f.window === false && windowGiven)
    throw new PatchhiveError('E_USAGE', 'give either --no-window or --window-* options');
  if (f.defaultReboot && rebootGiven)
    throw new PatchhiveError('E_USAGE', 'give either --default-reboot or --reboot* options');
  const out: { maintenanceWindow?: MaintenanceWindow | null; rebootPolicy?: RebootPolicy | null } = {};
  if (f.window === false) out.maintenanceWindow = null;
  else if (windowGiven) {
    const base = current.maintenanceWindow;
    const cron = f.windowCron ?? base?.cron;
    const durationMinutes = f.windowMinutes ?? base?.durationMinutes;
    if (cron === undefined || durationMinutes === undefined) {
      throw new PatchhiveError('E_USAGE', 'a maintenance window needs --window-cron and --window-minutes');
    }
    const window = { cron, durationMinutes, timeZone: f.windowTz ?? base?.timeZone ?? 'UTC' };
    const problems = windowProblems(window);
    if (problems.length > 0) {
      const flag: Record<string, string> = {
        cron: '--window-cron',
        timeZone: '--window-tz',
        durationMinutes: '--window-minutes',
      };
      throw new PatchhiveError(
        'E_USAGE',
        problems.map((p) => p.replace(/^\$\.(\w+)/, (_, k: string) => flag[k] ?? k)).join('; '),
      );
    }
    out.maintenanceWindow = window;
  }
  if (f.defaultReboot) out.rebootPolicy = null;
  else if (rebootGiven) {
    const base = current.rebootPolicy;
    const mode = f.reboot ?? base?.mode;
    if (mode === undefined)
      throw new PatchhiveError('E_USAGE', 'a reboot policy needs --reboot never|if-required|always');
    out.rebootPolicy = {
      mode,
      onlyInWindow: f.rebootOnlyInWindow ?? base?.onlyInWindow ?? false,
      maxDeferrals: f.rebootMaxDeferrals ?? base?.maxDeferrals ?? 0,
    };
  }
  return out;
}

/** Registers `patchhive groups list|show|create|set|delete|rescan`. */
export function registerGroupsCommand(program: Command): void {
  const groups = program
    .command('groups')
    .description('Machine groups (static member lists or rules on attributes): list, create, change, delete, rescan.');

  addApiOptions(groups.command('list'))
    .description('List groups (name, kind, member count, rule, rescan schedule).')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const page = await client.get(api('/groups'), listOf(groupSchema));
        await emit(renderList(format, GROUP_COLUMNS, page, { noun: 'groups', offset: 0 }));
      }),
    );

  addApiOptions(groups.command('show'))
    .description('Show one group with its members (machine ids; for rule groups as evaluated now).')
    .argument('<group>', 'group id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        await emit(renderOne(format, GROUP_COLUMNS, await client.get(api('/groups/{id}', ref), groupSchema)));
      }),
    );

  const create = addApiOptions(groups.command('create'))
    .description(
      'Create a group: give either --members (a static group) or --rule (a rule group); optionally a maintenance window and a reboot policy.',
    )
    .argument('<name>', 'group name')
    .option('--members <list>', 'machine ids or names, comma-separated; repeatable (static group)', commaList)
    .option('--rule <rule>', 'rule on machine attributes, e.g. "role = web and internet_facing" (rule group)')
    .option('--rescan <cron>', 'cron expression for re-assessing the members, e.g. "0 3 * * *"')
    .option('--description <text>', 'what the group is for');
  addWindowOptions(create, false).action((name: string, o: GroupFlags) =>
    withApi(o, async ({ client, format, emit }) => {
      if ((o.members === undefined) === (o.rule === undefined)) {
        throw new PatchhiveError('E_USAGE', 'give exactly one of --members (a static group) and --rule (a rule group)');
      }
      const body = checkBody(
        groupCreateSchema,
        defined({
          name,
          kind: o.rule !== undefined ? 'rule' : 'static',
          members: o.members,
          rule: o.rule,
          rescanSchedule: o.rescan,
          description: o.description,
          // create has no option that removes them, so neither is null here
          maintenanceWindow: windowAndRebootOf(o).maintenanceWindow ?? undefined,
          rebootPolicy: windowAndRebootOf(o).rebootPolicy ?? undefined,
        }),
      );
      await emit(renderOne(format, GROUP_COLUMNS, await client.post(api('/groups'), groupSchema, body)));
    }),
  );

  const set = addApiOptions(groups.command('set'))
    .description(
      'Change a group; only what is given changes (--members replaces the member list; --window-* and --reboot* change only the parts given).',
    )
    .argument('<group>', 'group id or name')
    .option('--name <name>', 'new name')
    .option(
      '--members <list>',
      'new member list: machine ids or names, comma-separated; repeatable (static groups)',
      commaList,
    )
    .option('--rule <rule>', 'new rule (rule groups)')
    .option('--rescan <cron>', 'new cron expression for re-assessing the members')
    .option('--description <text>', 'new description');
  addWindowOptions(set, true).action((ref: string, o: GroupFlags) =>
    withApi(o, async ({ client, format, emit }) => {
      const current = needsCurrent(o) ? await client.get(api('/groups/{id}', ref), groupSchema) : undefined;
      const body = checkBody(
        groupUpdateSchema,
        defined({
          name: o.name,
          members: o.members,
          rule: o.rule,
          rescanSchedule: o.rescan,
          description: o.description,
          ...windowAndRebootOf(o, current),
        }),
      );
      requireSomething(
        body,
        '--name, --members, --rule, --rescan, --description, --window-*, --no-window, --reboot*, --default-reboot',
      );
      await emitGuarded(
        { client, format, emit },
        GROUP_COLUMNS,
        await client.patch(api('/groups/{id}', ref), guardedSchema(groupSchema), body),
      );
    }),
  );

  addApiOptions(groups.command('delete'))
    .description('Delete a group (its machines stay).')
    .argument('<group>', 'group id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitDone(ctx, await ctx.client.delete(api('/groups/{id}', ref)), `Deleted group ${ref}.`),
      ),
    );

  addApiOptions(groups.command('rescan'))
    .description('Queue every member of a group for re-assessment against the current catalogs.')
    .argument('<group>', 'group id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const body = await client.post(api('/groups/{id}/rescan', ref), rescanSchema);
        if (format === 'json') await emit(renderJson(body));
        else if (format === 'csv')
          await emit(renderCsv([{ header: 'queued', value: (b: typeof body) => b.queued }], [body]));
        else
          await emit(
            `Rescan of group ${ref}: ${body.queued} machine${body.queued === 1 ? '' : 's'} queued for assessment.\n`,
          );
      }),
    );
}
