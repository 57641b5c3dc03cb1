/**
 * `patchhive changes ...`: change requests, changes to controls that wait for a second admin
 * (a new or changed action, a group's second approver turned off, an approval rule changed or
 * deleted): list, show, approve, reject.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { CHANGE_STATUSES, changeRequestSchema, type ChangeRequestWire } from '../../protocol/controls-api.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  intArg,
  note,
  renderUnpaged,
  withApi,
  type ApiContext,
  type ApiOptions,
} from '../client/command-kit.js';
import { renderOne, type ColumnSet } from '../client/format.js';

/** Columns of change requests. */
export const CHANGE_COLUMNS: ColumnSet<ChangeRequestWire> = {
  table: [
    { header: 'ID', value: (c) => c.id },
    { header: 'STATUS', value: (c) => c.status },
    { header: 'PROPOSED BY', value: (c) => c.proposedBy, max: 30 },
    { header: 'EXPIRES', value: (c) => c.expiresAt },
    { header: 'CHANGE', value: (c) => c.summary, max: 100 },
  ],
  full: [
    { header: 'id', value: (c) => c.id },
    { header: 'kind', value: (c) => c.kind },
    { header: 'target', value: (c) => c.target },
    { header: 'summary', value: (c) => c.summary },
    { header: 'status', value: (c) => c.status },
    { header: 'proposed_by', value: (c) => c.proposedBy },
    { header: 'proposed_at', value: (c) => c.proposedAt },
    { header: 'expires_at', value: (c) => c.expiresAt },
    { header: 'decided_by', value: (c) => c.decidedBy },
    { header: 'decided_at', value: (c) => c.decidedAt },
    { header: 'message', value: (c) => c.message },
  ],
};

/** What a guarded change answers: the changed object (200) or a change request (202). */
export function guardedSchema<T extends z.ZodTypeAny>(applied: T) {
  return z.union([changeRequestSchema, applied]);
}

/** True when the answer is a change request rather than the changed object. */
export function isChangeRequest(x: unknown): x is ChangeRequestWire {
  return changeRequestSchema.safeParse(x).success;
}

/** Prints a change request that waits, and says on stderr what happens next. */
export async function emitPending(ctx: ApiContext, change: ChangeRequestWire): Promise<void> {
  await ctx.emit(renderOne(ctx.format, CHANGE_COLUMNS, change));
  note(`this waits for a second admin: patchhive changes approve ${change.id} (expires ${change.expiresAt})`);
}

/** Prints the changed object, or the change request when the change waits for a second admin. */
export async function emitGuarded<T>(
  ctx: ApiContext,
  columns: ColumnSet<T>,
  answer: T | ChangeRequestWire,
): Promise<void> {
  if (isChangeRequest(answer)) await emitPending(ctx, answer);
  else await ctx.emit(renderOne(ctx.format, columns, answer));
}

/** Registers `patchhive changes list|show|approve|reject`. */
export function registerChangesCommand(program: Command): void {
  const changes = program
    .command('changes')
    .description(
      'Change requests: changes to controls that take effect when a second admin approves them (admins only).',
    );

  addApiOptions(changes.command('list'))
    .description('List change requests, newest first (default: pending ones).')
    .addOption(new Option('--status <status>', 'only these (default: pending)').choices([...CHANGE_STATUSES]))
    .option('--limit <n>', 'how many, 1..1000 (default: 100)', intArg(1, 1000))
    .action((o: ApiOptions & { status?: (typeof CHANGE_STATUSES)[number]; limit?: number }) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/changes'), z.object({ items: z.array(changeRequestSchema) }), {
          status: o.status,
          limit: o.limit,
        });
        await emit(renderUnpaged(format, CHANGE_COLUMNS, items, 'change requests'));
      }),
    );

  addApiOptions(changes.command('show'))
    .description('Show one change request.')
    .argument('<id>', 'change request id')
    .action((id: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) =>
        emit(renderOne(format, CHANGE_COLUMNS, await client.get(api('/changes/{id}', id), changeRequestSchema))),
      ),
    );

  for (const [verb, text] of [
    ['approve', "Approve another admin's change request; the change is applied at once."],
    ['reject', 'Reject a change request (or withdraw your own).'],
  ] as const) {
    addApiOptions(changes.command(verb))
      .description(text)
      .argument('<id>', 'change request id')
      .action((id: string, o: ApiOptions) =>
        withApi(o, async ({ client, format, emit }) => {
          const decided = await client.post(api(`/changes/{id}/${verb}`, id), changeRequestSchema);
          await emit(renderOne(format, CHANGE_COLUMNS, decided));
          if (decided.status === 'failed')
            note(`approved, but the change could not be applied: ${decided.message ?? 'unknown reason'}`);
        }),
      );
  }
}
