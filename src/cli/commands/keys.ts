/**
 * `patchhive keys ...`: the server's job-signing keys. List them with how many agents pin each,
 * rotate (agents re-pin the new key at their next check-in, announced by the old one), and retire
 * the old key at once (a stolen key: docs/KEYS.md).
 */
import { api } from '../client/api-routes.js';
import type { Command } from 'commander';
import { keyListSchema, keyRotateSchema, type KeyList, type SigningKeyWire } from '../../protocol/keys-api.js';
import { addApiOptions, checkBody, note, withApi, type ApiContext, type ApiOptions } from '../client/command-kit.js';
import { renderList, type ColumnSet } from '../client/format.js';

/** Columns of job-signing keys. */
export const KEY_COLUMNS: ColumnSet<SigningKeyWire> = {
  table: [
    { header: 'FINGERPRINT', value: (k) => k.fingerprint },
    { header: 'STATE', value: (k) => k.state },
    { header: 'AGENTS', value: (k) => k.agents },
    { header: 'CREATED', value: (k) => k.createdAt },
    { header: 'RETIRING SINCE', value: (k) => k.retiringSince },
    { header: 'RETIRED', value: (k) => k.retiredAt },
  ],
  full: [
    { header: 'fingerprint', value: (k) => k.fingerprint },
    { header: 'state', value: (k) => k.state },
    { header: 'agents', value: (k) => k.agents },
    { header: 'created_at', value: (k) => k.createdAt },
    { header: 'retiring_since', value: (k) => k.retiringSince },
    { header: 'retired_at', value: (k) => k.retiredAt },
    { header: 'public_key', value: (k) => k.publicKey },
  ],
};

async function emitKeys(ctx: ApiContext, list: KeyList): Promise<void> {
  await ctx.emit(
    renderList(
      ctx.format,
      KEY_COLUMNS,
      { items: list.items, total: list.items.length },
      { noun: 'job-signing keys', offset: 0 },
    ),
  );
  if (list.agentsUnknown > 0)
    note(
      `${list.agentsUnknown} agent(s) have not yet said which key they pin (they have not checked in with this version)`,
    );
}

/** Registers `patchhive keys list|rotate|retire`. */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description("The server's job-signing keys: list, rotate, retire (admins).");

  addApiOptions(keys.command('list'))
    .description('List the job-signing keys (active, retiring, retired) and how many agents pin each.')
    .action((o: ApiOptions) =>
      withApi(o, async (ctx) => emitKeys(ctx, await ctx.client.get(api('/keys'), keyListSchema))),
    );

  addApiOptions(keys.command('rotate'))
    .description(
      'Make a new job-signing key. Agents re-pin it at their next check-in (announced, signed by the old key); the old key is retired\n' +
        'once every agent has moved, or after keys.retireAfterHours. With --retire-old-now (the old key was stolen) it is retired at once\n' +
        'and agents that have not moved must be enrolled again.',
    )
    .option('--retire-old-now', 'retire the old key at once (compromise)')
    .action((o: ApiOptions & { retireOldNow?: boolean }) =>
      withApi(o, async (ctx) => {
        const body = checkBody(keyRotateSchema, o.retireOldNow ? { retireOldNow: true } : {});
        const list = await ctx.client.post(api('/keys/rotate'), keyListSchema, body);
        await emitKeys(ctx, list);
        note(
          `new active key ${list.items.find((k) => k.state === 'active')?.fingerprint ?? '?'}; give this fingerprint to whoever enrolls agents`,
        );
      }),
    );

  addApiOptions(keys.command('retire'))
    .description(
      'Retire the retiring job-signing key now: it never signs again, and agents that still pin it must be enrolled again.',
    )
    .action((o: ApiOptions) =>
      withApi(o, async (ctx) => emitKeys(ctx, await ctx.client.post(api('/keys/retire'), keyListSchema))),
    );
}
