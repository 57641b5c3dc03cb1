/**
 * `patchhive users ...`: console users (admins only): list, create, set role / scope / disabled,
 * reset a password. Passwords are read from a file (never from the command line, where other
 * users of the machine could see them); a generated one is printed once.
 */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { ROLES, type Role } from '../../protocol/api.js';
import {
  passwordResetAnswerSchema,
  userCreateSchema,
  userSchema,
  userUpdateSchema,
  type UserWire,
} from '../../protocol/session-api.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  checkBody,
  defined,
  note,
  repeatable,
  requireSomething,
  withApi,
  type ApiOptions,
} from '../client/command-kit.js';
import { renderList, renderOne, type ColumnSet } from '../client/format.js';

/** Columns of users. */
export const USER_COLUMNS: ColumnSet<UserWire> = {
  table: [
    { header: 'NAME', value: (u) => u.name, max: 30 },
    { header: 'ROLE', value: (u) => u.role },
    { header: 'GROUPS', value: (u) => (u.groups ? u.groups.join(',') : 'all'), max: 40 },
    { header: 'PASSWORD', value: (u) => (u.hasPassword ? 'yes' : 'no') },
    { header: 'DISABLED', value: (u) => u.disabledAt },
    { header: 'ID', value: (u) => u.id },
  ],
  full: [
    { header: 'id', value: (u) => u.id },
    { header: 'name', value: (u) => u.name },
    { header: 'role', value: (u) => u.role },
    { header: 'groups', value: (u) => (u.groups ? u.groups.join(',') : 'all') },
    { header: 'has_password', value: (u) => u.hasPassword },
    { header: 'disabled_at', value: (u) => u.disabledAt },
    { header: 'password_changed_at', value: (u) => u.passwordChangedAt },
    { header: 'created_at', value: (u) => u.createdAt },
  ],
};

const userListSchema = z.object({ items: z.array(userSchema) });

/** The password in a file: its first line (a trailing newline is not part of it). */
async function passwordFrom(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot read the password file ${file}`, { file }, { cause: err });
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new PatchhiveError('E_USAGE', `the password file ${file} is empty`);
  return password;
}

/** Registers `patchhive users list|create|set|reset-password`. */
export function registerUsersCommand(program: Command): void {
  const users = program
    .command('users')
    .description('Console users (admins only): list, create, set role / scope / disabled, reset passwords.');

  addApiOptions(users.command('list'))
    .description('List users: role, group scope, whether they have a password, disabled.')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/users'), userListSchema);
        await emit(renderList(format, USER_COLUMNS, { items, total: items.length }, { noun: 'users', offset: 0 }));
      }),
    );

  addApiOptions(users.command('create'))
    .description('Create a user; with --password-file it can sign in to the console with that password.')
    .argument('<name>', 'user name (no spaces)')
    .addOption(new Option('--role <role>', "the user's role (required)").choices([...ROLES]).makeOptionMandatory())
    .option(
      '--group <group>',
      "scope: the user's sessions see this group's machines only (repeatable; viewer and operator only; default: the whole fleet)",
      repeatable,
    )
    .option('--password-file <file>', 'read the initial password from the first line of FILE (12 to 1024 characters)')
    .action((name: string, o: ApiOptions & { role: Role; group?: string[]; passwordFile?: string }) =>
      withApi(o, async (ctx) => {
        const password = o.passwordFile ? await passwordFrom(o.passwordFile) : undefined;
        const body = checkBody(userCreateSchema, defined({ name, role: o.role, groups: o.group, password }));
        const created = await ctx.client.post(api('/users'), userSchema, body);
        await ctx.emit(renderOne(ctx.format, USER_COLUMNS, created));
      }),
    );

  addApiOptions(users.command('set'))
    .description("Change a user's role, group scope or disabled flag; the user's sessions end (sign in again).")
    .argument('<user>', 'user name or id')
    .addOption(new Option('--role <role>', 'the new role').choices([...ROLES]))
    .option('--group <group>', 'scope to this group (repeatable; replaces the scope)', repeatable)
    .option('--all-groups', 'remove the scope: the whole fleet')
    .option('--disable', "disable: the user's sessions and API tokens stop working")
    .option('--enable', 'enable a disabled user')
    .action(
      (
        user: string,
        o: ApiOptions & { role?: Role; group?: string[]; allGroups?: boolean; disable?: boolean; enable?: boolean },
      ) =>
        withApi(o, async (ctx) => {
          if (o.group && o.allGroups) throw new PatchhiveError('E_USAGE', 'give --group or --all-groups, not both');
          if (o.disable && o.enable) throw new PatchhiveError('E_USAGE', 'give --disable or --enable, not both');
          const body = defined({
            role: o.role,
            groups: o.allGroups ? null : o.group,
            disabled: o.disable ? true : o.enable ? false : undefined,
          });
          requireSomething(body, '--role, --group, --all-groups, --disable or --enable');
          const updated = await ctx.client.patch(
            api('/users/{id}', user),
            userSchema,
            checkBody(userUpdateSchema, body),
          );
          await ctx.emit(renderOne(ctx.format, USER_COLUMNS, updated));
        }),
    );

  addApiOptions(users.command('reset-password'))
    .description(
      "Set a user's password (from --password-file) or have one generated and printed once; the user's sessions end.",
    )
    .argument('<user>', 'user name or id')
    .option('--password-file <file>', 'read the new password from the first line of FILE (default: generate one)')
    .action((user: string, o: ApiOptions & { passwordFile?: string }) =>
      withApi(o, async (ctx) => {
        const password = o.passwordFile ? await passwordFrom(o.passwordFile) : undefined;
        const answer = await ctx.client.post(
          api('/users/{id}/password', user),
          passwordResetAnswerSchema,
          defined({ password }),
        );
        if (answer.password !== undefined) {
          await ctx.emit(`${answer.password}\n`, { secret: true });
          note(`the new password of ${user} is shown this once; ${answer.sessionsRevoked} session(s) ended.`);
        } else note(`password of ${user} set; ${answer.sessionsRevoked} session(s) ended.`);
      }),
    );
}
