/**
 * The administrator commands that talk to a Patchhive server's REST API: machines, findings,
 * bulletins, groups, sources, tokens, triage, approval rules, risk exceptions, notification
 * channels, the compliance report, deployments, the action catalog, change requests, the audit trail,
 * job-signing keys, whoami. Errors are thrown as PatchhiveError;
 * main.ts prints them as one line and exits 2.
 */
import { api } from '../client/api-routes.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { ROLES } from '../../protocol/api.js';
import { addApiOptions, withApi, type ApiOptions } from '../client/command-kit.js';
import { renderOne, type ColumnSet } from '../client/format.js';
import { registerBulletinsCommand } from './bulletins.js';
import { registerFindingsCommand } from './findings.js';
import { registerGroupsCommand } from './groups.js';
import { registerMachinesCommand } from './machines.js';
import { registerSourcesCommand } from './sources.js';
import { registerTokensCommand } from './tokens.js';
import { registerUsersCommand } from './users.js';
import { registerTriageCommand } from './triage.js';
import { registerRulesCommand } from './rules.js';
import { registerExceptionsCommand } from './exceptions.js';
import { registerChannelsCommand } from './notify.js';
import { registerReportCommand } from './report.js';
import { registerDeployCommand } from './deploy.js';
import { registerAuditCommand } from './audit.js';
import { registerKeysCommand } from './keys.js';
import { registerActionsCommand } from './actions.js';
import { registerChangesCommand } from './changes.js';

/** GET /me: who the token belongs to. */
const meSchema = z.object({ user: z.string(), role: z.enum(ROLES) });
const ME_COLUMNS: ColumnSet<z.infer<typeof meSchema>> = {
  table: [],
  full: [
    { header: 'user', value: (m) => m.user },
    { header: 'role', value: (m) => m.role },
  ],
};

/** Registers every command that talks to the server's API. */
export function registerApiCommands(program: Command): void {
  registerMachinesCommand(program);
  registerFindingsCommand(program);
  registerBulletinsCommand(program);
  registerGroupsCommand(program);
  registerSourcesCommand(program);
  registerTokensCommand(program);
  registerUsersCommand(program);
  registerTriageCommand(program);
  registerRulesCommand(program);
  registerExceptionsCommand(program);
  registerChannelsCommand(program);
  registerReportCommand(program);
  registerDeployCommand(program);
  registerAuditCommand(program);
  registerKeysCommand(program);
  registerActionsCommand(program);
  registerChangesCommand(program);
  addApiOptions(program.command('whoami'))
    .description('Show the user and role of the API token in use (checks the server URL and token).')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        await emit(renderOne(format, ME_COLUMNS, await client.get(api('/me'), meSchema)));
      }),
    );
}
