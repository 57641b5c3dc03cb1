/**
 * `patchhive exceptions ...`: risk exceptions — a bulletin's risk accepted on one machine or one
 * group, by an owner, for a reason, until a date (then its findings count again).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { exceptionCreateSchema, exceptionSchema, type ExceptionWire } from '../../protocol/policy-api.js';
import { api } from '../client/api-routes.js';
import { addApiOptions, checkBody, defined, emitDone, withApi, type ApiOptions } from '../client/command-kit.js';
import { renderOne, type ColumnSet } from '../client/format.js';
import { parseTimeArg, renderUnpaged } from '../client/command-kit.js';

/** Columns of risk exceptions. */
export const EXCEPTION_COLUMNS: ColumnSet<ExceptionWire> = {
  table: [
    { header: 'ID', value: (e) => e.id },
    { header: 'BULLETIN', value: (e) => e.bulletinId },
    { header: 'SCOPE', value: (e) => (e.machineId ? `machine ${e.machineId}` : `group ${e.groupId ?? '-'}`), max: 50 },
    { header: 'OWNER', value: (e) => e.owner, max: 30 },
    { header: 'UNTIL', value: (e) => e.until },
    { header: 'ACTIVE', value: (e) => e.active },
    { header: 'REASON', value: (e) => e.reason, max: 60 },
  ],
  full: [
    { header: 'id', value: (e) => e.id },
    { header: 'bulletin', value: (e) => e.bulletinId },
    { header: 'machine_id', value: (e) => e.machineId },
    { header: 'group_id', value: (e) => e.groupId },
    { header: 'owner', value: (e) => e.owner },
    { header: 'reason', value: (e) => e.reason },
    { header: 'until', value: (e) => e.until },
    { header: 'active', value: (e) => e.active },
    { header: 'created_at', value: (e) => e.createdAt },
    { header: 'created_by', value: (e) => e.createdBy },
    { header: 'revoked_at', value: (e) => e.revokedAt },
  ],
};

const exceptionsSchema = z.object({ items: z.array(exceptionSchema) });

interface ExceptionFlags extends ApiOptions {
  all?: boolean;
  bulletin?: string;
  machine?: string;
  group?: string;
  owner?: string;
  reason?: string;
  until?: string;
}

/** Registers `patchhive exceptions list|create|revoke`. */
export function registerExceptionsCommand(program: Command): void {
  const exceptions = program
    .command('exceptions')
    .description('Risk exceptions: accept a bulletin on a machine or group until a date.');

  addApiOptions(exceptions.command('list'))
    .description('List risk exceptions (default: the active ones).')
    .option('--all', 'also expired and revoked ones')
    .option('--bulletin <id>', 'only this bulletin')
    .option('--machine <machine>', 'only this machine (id or name)')
    .option('--group <group>', 'only this group (id or name)')
    .action((o: ExceptionFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        const query = {
          bulletin: o.bulletin,
          machine: o.machine,
          group: o.group,
          active: o.all ? ('any' as const) : ('true' as const),
        };
        const { items } = await client.get(api('/exceptions'), exceptionsSchema, query);
        await emit(renderUnpaged(format, EXCEPTION_COLUMNS, items, 'exceptions'));
      }),
    );

  addApiOptions(exceptions.command('create'))
    .description("Accept a bulletin's risk on one machine (--machine) or one group (--group) until a time.")
    .argument('<bulletin>', 'bulletin id')
    .option('--machine <machine>', 'the machine (id or name)')
    .option('--group <group>', 'the group (id or name)')
    .option('--owner <owner>', 'who answers for the risk (required)')
    .option('--reason <text>', 'why the risk is accepted (required)')
    .option('--until <time>', 'until this ISO 8601 time, or for a span such as 90d (required)')
    .action((bulletin: string, o: ExceptionFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        if ((o.machine === undefined) === (o.group === undefined))
          throw new PatchhiveError('E_USAGE', 'give exactly one of --machine and --group');
        for (const [flag, v] of [
          ['--owner', o.owner],
          ['--reason', o.reason],
          ['--until', o.until],
        ] as const) {
          if (v === undefined) throw new PatchhiveError('E_USAGE', `exceptions create needs ${flag}`);
        }
        const body = checkBody(
          exceptionCreateSchema,
          defined({
            bulletin,
            machine: o.machine,
            group: o.group,
            owner: o.owner!,
            reason: o.reason!,
            until: parseTimeArg('--until', o.until!, new Date()),
          }),
        );
        await emit(renderOne(format, EXCEPTION_COLUMNS, await client.post(api('/exceptions'), exceptionSchema, body)));
      }),
    );

  addApiOptions(exceptions.command('revoke'))
    .description('Revoke a risk exception: its findings count again at once.')
    .argument('<id>', 'exception id')
    .action((id: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitDone(ctx, await ctx.client.delete(api('/exceptions/{id}', id)), `Revoked exception ${id}.`),
      ),
    );
}
