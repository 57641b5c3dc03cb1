/**
 * `patchhive actions ...`: the action catalog, the only commands deployments can run on machines
 * (hooks name actions; the job carries the action's exact argv). Admins add and change actions;
 * each new action or version takes effect when a second admin approves it (`patchhive changes`).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { actionPutSchema, actionSchema, changeRequestSchema, type ActionWire } from '../../protocol/controls-api.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  checkBody,
  defined,
  emitDone,
  intArg,
  renderUnpaged,
  withApi,
  type ApiOptions,
} from '../client/command-kit.js';
import type { ColumnSet } from '../client/format.js';
import { emitPending } from './changes.js';

/** argv as one readable line: words with blanks or quotes are JSON-quoted. */
export function argvText(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=,+@%-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** Columns of actions. */
export const ACTION_COLUMNS: ColumnSet<ActionWire> = {
  table: [
    { header: 'NAME', value: (a) => a.name, max: 64 },
    { header: 'VERSION', value: (a) => a.version },
    { header: 'STATUS', value: (a) => a.status },
    { header: 'TIMEOUT', value: (a) => `${a.timeoutSeconds}s` },
    { header: 'COMMAND', value: (a) => argvText(a.argv), max: 100 },
    { header: 'APPROVED BY', value: (a) => a.approvedBy, max: 30 },
  ],
  full: [
    { header: 'name', value: (a) => a.name },
    { header: 'version', value: (a) => a.version },
    { header: 'status', value: (a) => a.status },
    { header: 'argv', value: (a) => a.argv },
    { header: 'description', value: (a) => a.description },
    { header: 'timeout_seconds', value: (a) => a.timeoutSeconds },
    { header: 'proposed_by', value: (a) => a.proposedBy },
    { header: 'proposed_at', value: (a) => a.proposedAt },
    { header: 'approved_by', value: (a) => a.approvedBy },
    { header: 'approved_at', value: (a) => a.approvedAt },
  ],
};

/** Registers `patchhive actions list|add|remove`. */
export function registerActionsCommand(program: Command): void {
  const actions = program
    .command('actions')
    .description(
      'The action catalog: named commands that deployment hooks may run; admins add them, a second admin approves.',
    );

  addApiOptions(actions.command('list'))
    .description('List active and pending actions (with --history, every version).')
    .option('--history', 'also superseded, rejected and removed versions')
    .action((o: ApiOptions & { history?: boolean }) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/actions'), z.object({ items: z.array(actionSchema) }), {
          history: o.history ? 'true' : undefined,
        });
        await emit(renderUnpaged(format, ACTION_COLUMNS, items, 'actions'));
      }),
    );

  addApiOptions(actions.command('add'))
    .description(
      'Propose an action, or a new version of one: NAME runs ARGV exactly (no shell). It takes effect when a second admin approves it.',
    )
    .usage('[options] <name> -- <program> [args...]')
    .argument('<name>', 'action name: lowercase letters, digits, ".", "_", "-"')
    .argument('<argv...>', 'after "--": the program (absolute path) and its arguments')
    .option('--description <text>', 'what the action does, for the people who pick it')
    .option(
      '--step-timeout <seconds>',
      'how long a step running the action may take, 1..86400 (default: 600)',
      intArg(1, 86_400),
    )
    .action((name: string, argv: string[], o: ApiOptions & { description?: string; stepTimeout?: number }) =>
      withApi(o, async (ctx) => {
        const body = checkBody(
          actionPutSchema,
          defined({ name, argv, description: o.description, timeoutSeconds: o.stepTimeout }),
        );
        await emitPending(ctx, await ctx.client.post(api('/actions'), changeRequestSchema, body));
      }),
    );

  addApiOptions(actions.command('remove'))
    .description('Remove an action at once (and withdraw its pending versions); new deployments can no longer use it.')
    .argument('<name>', 'action name')
    .action((name: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitDone(ctx, await ctx.client.delete(api('/actions/{name}', name)), `Removed action ${name}.`),
      ),
    );
}
