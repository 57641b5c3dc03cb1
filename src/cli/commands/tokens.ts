/**
 * `patchhive tokens ...`: administrators' API tokens and agents' enrollment tokens: list, create
 * (the secret is shown once, in that answer only) and revoke.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import {
  apiTokenCreateSchema,
  apiTokenSchema,
  createdSecretSchema,
  enrollmentTokenCreateSchema,
  enrollmentTokenSchema,
  ROLES,
  type ApiTokenWire,
  type EnrollmentTokenWire,
  type Role,
} from '../../protocol/api.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  checkBody,
  defined,
  emitDone,
  intArg,
  note,
  positiveArg,
  repeatable,
  withApi,
  type ApiContext,
  type ApiOptions,
} from '../client/command-kit.js';
import { renderList, renderOne, type Column, type ColumnSet } from '../client/format.js';

/** Columns of API tokens. */
export const API_TOKEN_COLUMNS: ColumnSet<ApiTokenWire> = {
  table: [
    { header: 'ID', value: (t) => t.id },
    { header: 'NAME', value: (t) => t.name, max: 30 },
    { header: 'USER', value: (t) => t.user, max: 30 },
    { header: 'ROLE', value: (t) => t.role },
    { header: 'GROUPS', value: (t) => (t.groups ? t.groups.join(',') : 'all'), max: 40 },
    { header: 'EXPIRES', value: (t) => t.expiresAt ?? 'never' },
    { header: 'LAST USED', value: (t) => t.lastUsedAt },
    { header: 'REVOKED', value: (t) => t.revokedAt },
  ],
  full: [
    { header: 'id', value: (t) => t.id },
    { header: 'name', value: (t) => t.name },
    { header: 'user', value: (t) => t.user },
    { header: 'role', value: (t) => t.role },
    { header: 'groups', value: (t) => (t.groups ? t.groups.join(',') : 'all') },
    { header: 'expires_at', value: (t) => t.expiresAt },
    { header: 'last_used_at', value: (t) => t.lastUsedAt },
    { header: 'revoked_at', value: (t) => t.revokedAt },
    { header: 'created_at', value: (t) => t.createdAt },
  ],
};

/** Columns of enrollment tokens. */
export const ENROLLMENT_TOKEN_COLUMNS: ColumnSet<EnrollmentTokenWire> = {
  table: [
    { header: 'ID', value: (t) => t.id },
    { header: 'USES', value: (t) => `${t.uses}/${t.maxUses}` },
    { header: 'EXPIRES', value: (t) => t.expiresAt },
    { header: 'REVOKED', value: (t) => t.revokedAt },
    { header: 'CREATED BY', value: (t) => t.createdBy, max: 30 },
    { header: 'NOTE', value: (t) => t.note, max: 60 },
  ],
  full: [
    { header: 'id', value: (t) => t.id },
    { header: 'note', value: (t) => t.note },
    { header: 'uses', value: (t) => t.uses },
    { header: 'max_uses', value: (t) => t.maxUses },
    { header: 'expires_at', value: (t) => t.expiresAt },
    { header: 'revoked_at', value: (t) => t.revokedAt },
    { header: 'created_at', value: (t) => t.createdAt },
    { header: 'created_by', value: (t) => t.createdBy },
  ],
};

const createdApiTokenSchema = createdSecretSchema.extend({ token: apiTokenSchema });
const createdEnrollmentTokenSchema = createdSecretSchema.extend({ token: enrollmentTokenSchema });
const apiTokenListSchema = z.object({ items: z.array(apiTokenSchema) });
const enrollmentTokenListSchema = z.object({ items: z.array(enrollmentTokenSchema) });

/** The columns of a created token: the token's own, then the secret. */
function withSecret<T>(columns: ColumnSet<T>): ColumnSet<{ id: string; secret: string; token: T }> {
  const lift = (c: Column<T>): Column<{ token: T }> => ({ ...c, value: (r) => c.value(r.token) });
  return {
    table: columns.table.map(lift),
    full: [...columns.full.map(lift), { header: 'secret', value: (r) => r.secret }],
  };
}

/** Prints a created token with its secret (mode 0600 with -o) and says, once, that it is not shown again. */
async function emitCreated<T>(
  ctx: ApiContext,
  columns: ColumnSet<T>,
  created: { id: string; secret: string; token: T },
): Promise<void> {
  await ctx.emit(renderOne(ctx.format, withSecret(columns), created), { secret: true });
  note(
    'this is the only time the secret is shown: it cannot be shown again. Store it now (e.g. in a file of mode 0600).',
  );
}

/** Registers `patchhive tokens list|create|revoke` and `patchhive tokens enrollment list|create|revoke`. */
export function registerTokensCommand(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('API tokens of administrators, and enrollment tokens of agents (`tokens enrollment`).');

  addApiOptions(tokens.command('list'))
    .description('List API tokens (never their secrets).')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/tokens'), apiTokenListSchema);
        await emit(
          renderList(format, API_TOKEN_COLUMNS, { items, total: items.length }, { noun: 'API tokens', offset: 0 }),
        );
      }),
    );

  addApiOptions(tokens.command('create'))
    .description('Create an API token for a user (the user is created with the role when new); prints its secret once.')
    .requiredOption('--name <name>', 'what the token is for, e.g. ci-reports (required)')
    .requiredOption('--user <user>', 'user name (required)')
    .addOption(new Option('--role <role>', "the user's role (required)").choices([...ROLES]).makeOptionMandatory())
    .option(
      '--group <group>',
      "scope: the token sees and acts on this group's machines only (repeatable; viewer and operator only; default: the whole fleet)",
      repeatable,
    )
    .option('--expires-in-days <days>', 'expire after DAYS days (default: never)', positiveArg(3650))
    .action((o: ApiOptions & { name: string; user: string; role: Role; group?: string[]; expiresInDays?: number }) =>
      withApi(o, async (ctx) => {
        const body = checkBody(
          apiTokenCreateSchema,
          defined({ name: o.name, user: o.user, role: o.role, groups: o.group, expiresInDays: o.expiresInDays }),
        );
        await emitCreated(ctx, API_TOKEN_COLUMNS, await ctx.client.post(api('/tokens'), createdApiTokenSchema, body));
      }),
    );

  addApiOptions(tokens.command('revoke'))
    .description('Revoke an API token; requests with it fail from now on.')
    .argument('<id>', 'token id (from `patchhive tokens list`)')
    .action((id: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitDone(ctx, await ctx.client.delete(api('/tokens/{id}', id)), `Revoked API token ${id}.`),
      ),
    );

  const enrollment = tokens
    .command('enrollment')
    .description('Enrollment tokens, which agents present once to enroll: list, create, revoke.');

  addApiOptions(enrollment.command('list'))
    .description('List enrollment tokens (never their secrets).')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/enrollment-tokens'), enrollmentTokenListSchema);
        await emit(
          renderList(
            format,
            ENROLLMENT_TOKEN_COLUMNS,
            { items, total: items.length },
            { noun: 'enrollment tokens', offset: 0 },
          ),
        );
      }),
    );

  addApiOptions(enrollment.command('create'))
    .description('Create an enrollment token for agents; prints its secret once.')
    .option('--uses <n>', 'how many agents may enroll with it (default: 1)', intArg(1, 1_000_000))
    .option('--expires-in-hours <hours>', 'expire after HOURS hours (default: 24)', positiveArg(24 * 365))
    .option('--note <text>', 'what it is for, e.g. "web servers, rack 4"')
    .option(
      '--secret-only',
      'print only the secret and a newline, for `agent enroll --token-file` (with -o FILE: mode 0600)',
    )
    .action((o: ApiOptions & { uses?: number; expiresInHours?: number; note?: string; secretOnly?: boolean }) =>
      withApi(o, async (ctx) => {
        const body = checkBody(
          enrollmentTokenCreateSchema,
          defined({ maxUses: o.uses, expiresInHours: o.expiresInHours, note: o.note }),
        );
        const created = await ctx.client.post(api('/enrollment-tokens'), createdEnrollmentTokenSchema, body);
        if (!o.secretOnly) return emitCreated(ctx, ENROLLMENT_TOKEN_COLUMNS, created);
        await ctx.emit(`${created.secret}\n`, { secret: true });
        note(`enrollment token ${created.id}: this is the only time its secret is shown.`);
      }),
    );

  addApiOptions(enrollment.command('revoke'))
    .description('Revoke an enrollment token; agents can no longer enroll with it (enrolled agents stay).')
    .argument('<id>', 'enrollment token id (from `patchhive tokens enrollment list`)')
    .action((id: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitDone(ctx, await ctx.client.delete(api('/enrollment-tokens/{id}', id)), `Revoked enrollment token ${id}.`),
      ),
    );
}
