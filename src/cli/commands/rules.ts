/**
 * `patchhive rules ...`: approval rules, automatic triage decisions for matching bulletins (by
 * severity, source, product, package) in one group or every group, tried in priority order.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { SEVERITIES } from '../../catalog/model.js';
import { PatchhiveError } from '../../errors.js';
import {
  approvalRuleCreateSchema,
  approvalRuleSchema,
  approvalRuleUpdateSchema,
  type ApprovalRuleWire,
} from '../../protocol/policy-api.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  checkBody,
  commaList,
  defined,
  intArg,
  requireSomething,
  withApi,
  type ApiOptions,
} from '../client/command-kit.js';
import { renderOne, type ColumnSet } from '../client/format.js';
import { renderUnpaged } from '../client/command-kit.js';
import { changeRequestSchema } from '../../protocol/controls-api.js';
import { emitGuarded, emitPending, guardedSchema } from './changes.js';

type Match = ApprovalRuleWire['match'];

/** The match of a rule on one line: "severity=critical,important package=openssl"; "any" when empty. */
export function matchText(m: Match): string {
  const parts = [
    ['severity', m.severities],
    ['source', m.sources],
    ['product', m.products],
    ['package', m.packages],
  ]
    .filter((p): p is [string, string[]] => Array.isArray(p[1]) && p[1].length > 0)
    .map(([k, v]) => `${k}=${v.join(',')}`);
  return parts.length > 0 ? parts.join(' ') : 'any';
}

/** Columns of approval rules. */
export const RULE_COLUMNS: ColumnSet<ApprovalRuleWire> = {
  table: [
    { header: 'PRIORITY', value: (r) => r.priority },
    { header: 'NAME', value: (r) => r.name, max: 40 },
    { header: 'DECISION', value: (r) => r.decision + (r.emergency ? ' (emergency)' : '') },
    { header: 'GROUP', value: (r) => r.groupId ?? 'every group', max: 40 },
    { header: 'MATCH', value: (r) => matchText(r.match), max: 80 },
    { header: 'AFTER', value: (r) => (r.after ? `${r.after.groupId}:${r.after.days}d` : null), max: 50 },
    { header: 'ENABLED', value: (r) => r.enabled },
    { header: 'ID', value: (r) => r.id },
  ],
  full: [
    { header: 'id', value: (r) => r.id },
    { header: 'name', value: (r) => r.name },
    { header: 'priority', value: (r) => r.priority },
    { header: 'enabled', value: (r) => r.enabled },
    { header: 'group_id', value: (r) => r.groupId },
    { header: 'severities', value: (r) => r.match.severities ?? [] },
    { header: 'sources', value: (r) => r.match.sources ?? [] },
    { header: 'products', value: (r) => r.match.products ?? [] },
    { header: 'packages', value: (r) => r.match.packages ?? [] },
    { header: 'decision', value: (r) => r.decision },
    { header: 'reason', value: (r) => r.reason },
    { header: 'emergency', value: (r) => r.emergency },
    { header: 'after_group_id', value: (r) => r.after?.groupId },
    { header: 'after_days', value: (r) => r.after?.days },
    { header: 'created_at', value: (r) => r.createdAt },
    { header: 'created_by', value: (r) => r.createdBy },
  ],
};

const rulesSchema = z.object({ items: z.array(approvalRuleSchema) });

/** Parses --after GROUP:DAYS (the group may itself contain colons; the days come after the last). */
export function parseAfter(v: string): { group: string; days: number } {
  const at = v.lastIndexOf(':');
  const group = v.slice(0, at).trim();
  const days = v.slice(at + 1).trim();
  if (at <= 0 || group === '' || !/^\d{1,3}$/.test(days) || Number(days) > 365) {
    throw new InvalidArgumentError('expected GROUP:DAYS, e.g. pilot:7 (days 0..365)');
  }
  return { group, days: Number(days) };
}

/** Checks --severity values. */
function severityList(value: string, previous: string[] | undefined): string[] {
  const list = commaList(value, previous);
  const bad = list.find((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (bad !== undefined)
    throw new InvalidArgumentError(`unknown severity "${bad.slice(0, 40)}" (expected ${SEVERITIES.join(', ')})`);
  return list;
}

interface MatchFlags {
  severity?: string[];
  source?: string[];
  product?: string[];
  package?: string[];
}

interface RuleFlags extends ApiOptions, MatchFlags {
  decision?: 'approve' | 'ignore' | 'decline';
  group?: string;
  reason?: string;
  emergency?: boolean;
  after?: { group: string; days: number };
  priority?: number;
  disabled?: boolean;
  enable?: boolean;
  disable?: boolean;
}

/** The match from the flags; undefined when none was given. */
function matchOf(o: MatchFlags): Match | undefined {
  const m = defined({
    severities: o.severity as Match['severities'],
    sources: o.source,
    products: o.product,
    packages: o.package,
  });
  return Object.keys(m).length > 0 ? m : undefined;
}

function addMatchOptions(cmd: Command, verb: string): Command {
  return cmd
    .option(
      '--severity <list>',
      `${verb} severities, comma-separated (${SEVERITIES.join(', ')}); repeatable`,
      severityList,
    )
    .option('--source <list>', `${verb} catalog sources (names or ids), comma-separated; repeatable`, commaList)
    .option('--product <list>', `${verb} product names, comma-separated; repeatable`, commaList)
    .option('--package <list>', `${verb} package names, comma-separated; repeatable`, commaList);
}

/** Registers `patchhive rules list|create|set|delete`. */
export function registerRulesCommand(program: Command): void {
  const rules = program
    .command('rules')
    .description('Approval rules: automatic triage decisions for matching bulletins, tried by priority.');

  addApiOptions(rules.command('list'))
    .description('List approval rules in the order they are tried (lowest priority number first).')
    .action((o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/approval-rules'), rulesSchema);
        await emit(renderUnpaged(format, RULE_COLUMNS, items, 'approval rules'));
      }),
    );

  addMatchOptions(addApiOptions(rules.command('create')), 'only these')
    .description('Add an approval rule: the first enabled rule that matches a new bulletin decides it.')
    .argument('<name>', 'rule name')
    .addOption(
      new Option('--decision <decision>', 'what the rule decides (required)').choices(['approve', 'ignore', 'decline']),
    )
    .option('--group <group>', 'only in this group (id or name; default: every group)')
    .option('--reason <text>', 'reason recorded with the decision')
    .option('--emergency', 'approve as an emergency (emergency deadlines)')
    .option(
      '--after <group:days>',
      'test then approve: decide only DAYS days after the fix succeeded in GROUP',
      parseAfter,
    )
    .option('--priority <n>', 'lower runs first, 0..1000000 (default: 100)', intArg(0, 1_000_000))
    .option('--disabled', 'create the rule disabled')
    .action((name: string, o: RuleFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        if (o.decision === undefined)
          throw new PatchhiveError('E_USAGE', 'rules create needs --decision approve|ignore|decline');
        const body = checkBody(
          approvalRuleCreateSchema,
          defined({
            name,
            decision: o.decision,
            group: o.group,
            match: matchOf(o),
            reason: o.reason,
            emergency: o.emergency,
            after: o.after,
            priority: o.priority,
            enabled: o.disabled ? false : undefined,
          }),
        );
        await emit(
          renderOne(format, RULE_COLUMNS, await client.post(api('/approval-rules'), approvalRuleSchema, body)),
        );
      }),
    );

  addMatchOptions(addApiOptions(rules.command('set')), 'new list of')
    .description('Change an approval rule; only what is given changes (any match option replaces the whole match).')
    .argument('<rule>', 'rule id or name')
    .option('--priority <n>', 'new priority, 0..1000000', intArg(0, 1_000_000))
    .option('--reason <text>', 'new reason ("" clears it)')
    .option('--emergency', 'approve as an emergency')
    .option('--no-emergency', 'approve on the normal track')
    .option('--enable', 'enable the rule')
    .option('--disable', 'disable the rule')
    .option('--match-any', 'clear the match: the rule matches every bulletin')
    .action((ref: string, o: RuleFlags & { matchAny?: boolean }) =>
      withApi(o, async ({ client, format, emit }) => {
        if (o.enable && o.disable) throw new PatchhiveError('E_USAGE', 'give only one of --enable and --disable');
        const match = matchOf(o);
        if (match && o.matchAny) throw new PatchhiveError('E_USAGE', 'give either match options or --match-any');
        const body = checkBody(
          approvalRuleUpdateSchema,
          defined({
            priority: o.priority,
            enabled: o.enable ? true : o.disable ? false : undefined,
            match: o.matchAny ? {} : match,
            reason: o.reason === undefined ? undefined : o.reason.trim() === '' ? null : o.reason,
            emergency: o.emergency,
          }),
        );
        requireSomething(
          body,
          '--priority, --enable, --disable, --reason, --[no-]emergency, a match option, --match-any',
        );
        await emitGuarded(
          { client, format, emit },
          RULE_COLUMNS,
          await client.patch(api('/approval-rules/{id}', ref), guardedSchema(approvalRuleSchema), body),
        );
      }),
    );

  addApiOptions(rules.command('delete'))
    .description('Delete an approval rule (the decisions it made stay) once a second admin approves.')
    .argument('<rule>', 'rule id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitPending(ctx, changeRequestSchema.parse(await ctx.client.delete(api('/approval-rules/{id}', ref)))),
      ),
    );
}
