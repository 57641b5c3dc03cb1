/**
 * `patchhive machines ...`: the machines the server knows: list, show, import a saved inventory,
 * set attributes, delete, re-assess now, and the daily compliance history.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { SEVERITIES } from '../../catalog/model.js';
import { FINDING_STATUSES } from '../../detect/model.js';
import {
  CRITICALITIES,
  machineAttributesSchema,
  machineImportSchema,
  machineSchema,
  type MachineAttributes,
  type MachineWire,
} from '../../protocol/api.js';
import { parseJsonLocated, readInputText } from '../../common/json-input.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  emitDone,
  addPageOptions,
  checkBody,
  defined,
  fetchList,
  requireSomething,
  repeatable,
  withApi,
  type ApiOptions,
  type PageOptions,
} from '../client/command-kit.js';
import {
  renderCsv,
  renderJson,
  renderList,
  renderOne,
  renderTable,
  type Column,
  type ColumnSet,
} from '../client/format.js';

/** One day of a machine's history: finding counts per status, open findings per severity. */
export const machineHistoryDaySchema = z.object({
  day: z.string(),
  counts: z.record(z.string(), z.number()),
  openBySeverity: z.record(z.string(), z.number()),
});
const historySchema = z.object({ items: z.array(machineHistoryDaySchema) });
type HistoryDay = z.infer<typeof machineHistoryDaySchema>;

const osText = (m: MachineWire) =>
  m.os ? [m.os.platform, m.os.release ?? m.os.version].filter(Boolean).join(' ') : null;

/** Columns of machines. */
export const MACHINE_COLUMNS: ColumnSet<MachineWire> = {
  table: [
    { header: 'NAME', value: (m) => m.name, max: 40 },
    { header: 'OS', value: osText, max: 24 },
    { header: 'ROLE', value: (m) => m.role, max: 20 },
    { header: 'CRITICALITY', value: (m) => m.criticality },
    { header: 'OWNER', value: (m) => m.owner, max: 30 },
    { header: 'INTERNET', value: (m) => m.internetFacing },
    { header: 'OPEN', value: (m) => m.openFindings },
    { header: 'LAST SEEN', value: (m) => m.lastSeenAt },
    { header: 'TAGS', value: (m) => m.tags, max: 40 },
  ],
  full: [
    { header: 'id', value: (m) => m.id },
    { header: 'name', value: (m) => m.name },
    { header: 'os', value: osText },
    { header: 'arch', value: (m) => m.os?.arch },
    { header: 'role', value: (m) => m.role },
    { header: 'criticality', value: (m) => m.criticality },
    { header: 'owner', value: (m) => m.owner },
    { header: 'location', value: (m) => m.location },
    { header: 'tags', value: (m) => m.tags },
    { header: 'internet_facing', value: (m) => m.internetFacing },
    { header: 'source', value: (m) => m.source },
    { header: 'agent_id', value: (m) => m.agentId },
    { header: 'open_findings', value: (m) => m.openFindings },
    { header: 'created_at', value: (m) => m.createdAt },
    { header: 'last_seen_at', value: (m) => m.lastSeenAt },
    { header: 'inventory_at', value: (m) => m.inventoryAt },
    { header: 'assessed_at', value: (m) => m.assessedAt },
    { header: 'assessment_pending', value: (m) => m.assessmentPending },
  ],
};

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
// The table keeps to what people scan for; the CSV has every severity and status.
const HISTORY_COLUMNS: Column<HistoryDay>[] = [
  { header: 'DAY', value: (d) => d.day },
  { header: 'OPEN', value: (d) => sum(d.openBySeverity) },
  ...(['critical', 'important', 'moderate', 'low'] as const).map((s): Column<HistoryDay> => ({
    header: s.toUpperCase(),
    value: (d) => d.openBySeverity[s] ?? 0,
  })),
  ...(['missing', 'affected', 'unknown'] as const).map((s): Column<HistoryDay> => ({
    header: `${s.toUpperCase()}*`,
    value: (d) => d.counts[s] ?? 0,
  })),
];
const HISTORY_CSV: Column<HistoryDay>[] = [
  { header: 'day', value: (d) => d.day },
  ...SEVERITIES.map((s): Column<HistoryDay> => ({ header: `open_${s}`, value: (d) => d.openBySeverity[s] ?? 0 })),
  ...FINDING_STATUSES.map((s): Column<HistoryDay> => ({ header: s.replace('-', '_'), value: (d) => d.counts[s] ?? 0 })),
];

interface AttributeFlags {
  role?: string;
  criticality?: MachineAttributes['criticality'];
  owner?: string;
  location?: string;
  tag?: string[] | false;
  internetFacing?: boolean;
}

function addAttributeOptions(cmd: Command): Command {
  return cmd
    .option('--role <role>', 'role or function, e.g. web ("" clears it)')
    .addOption(new Option('--criticality <level>', 'business criticality').choices([...CRITICALITIES]))
    .option('--owner <contact>', 'owner: e-mail or team ("" clears it)')
    .option('--location <place>', 'where the machine is ("" clears it)')
    .option('--tag <tag>', 'a tag (letters, digits, _ . : -); repeat for several; replaces all tags', repeatable)
    .option('--no-tag', 'remove all tags')
    .option('--internet-facing', 'the machine is reachable from the internet')
    .option('--no-internet-facing', 'the machine is not reachable from the internet');
}

/** The attributes the flags set; "" clears a text attribute. */
function attributesFrom(f: AttributeFlags): MachineAttributes {
  const text = (v: string | undefined) => (v === undefined ? undefined : v.trim() === '' ? null : v);
  return checkBody(
    machineAttributesSchema,
    defined({
      role: text(f.role),
      criticality: f.criticality,
      owner: text(f.owner),
      location: text(f.location),
      tags: f.tag === false ? [] : f.tag,
      internetFacing: f.internetFacing,
    }),
  );
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
function dayArg(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (
    !DAY.test(v) ||
    Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ||
    new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v
  ) {
    throw new PatchhiveError('E_USAGE', `${flag}: expected a date YYYY-MM-DD, got "${v.slice(0, 40)}"`);
  }
  return v;
}

/** Registers `patchhive machines list|show|import|set|delete|assess|history`. */
export function registerMachinesCommand(program: Command): void {
  const machines = program
    .command('machines')
    .description('Machines the server knows: list, inspect, import, set attributes, delete, assess, history.');

  addPageOptions(addApiOptions(machines.command('list')))
    .description('List machines (name, OS, role, criticality, owner, open findings, last seen).')
    .option('--group <group>', 'only members of this group (id or name)')
    .option('--search <text>', 'only machines whose name contains TEXT')
    .action((o: ApiOptions & PageOptions & { group?: string; search?: string }) =>
      withApi(o, async ({ client, format, emit }) => {
        const page = await fetchList(client, api('/machines'), machineSchema, { group: o.group, q: o.search }, o);
        await emit(renderList(format, MACHINE_COLUMNS, page, { noun: 'machines', offset: page.offset }));
      }),
    );

  addApiOptions(machines.command('show'))
    .description('Show one machine with all its attributes.')
    .argument('<machine>', 'machine id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        await emit(renderOne(format, MACHINE_COLUMNS, await client.get(api('/machines/{id}', ref), machineSchema)));
      }),
    );

  addAttributeOptions(addApiOptions(machines.command('import')))
    .description(
      'Import a saved inventory (from `patchhive inventory collect` or the Windows collector): creates or updates the machine, which the server assesses at once.',
    )
    .argument('<inventory.json>', 'inventory file (patchhive.inventory/1)')
    .action((file: string, o: ApiOptions & AttributeFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        const inventory = parseJsonLocated(await readInputText(file), file);
        const attributes = attributesFrom(o);
        const body = checkBody(machineImportSchema, {
          inventory,
          ...(Object.keys(attributes).length ? { attributes } : {}),
        });
        await emit(renderOne(format, MACHINE_COLUMNS, await client.post(api('/machines/import'), machineSchema, body)));
      }),
    );

  addAttributeOptions(addApiOptions(machines.command('set')))
    .description('Change attributes of a machine; only the attributes given change.')
    .argument('<machine>', 'machine id or name')
    .action((ref: string, o: ApiOptions & AttributeFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        const attributes = attributesFrom(o);
        requireSomething(
          attributes,
          '--role, --criticality, --owner, --location, --tag, --no-tag, --[no-]internet-facing',
        );
        await emit(
          renderOne(format, MACHINE_COLUMNS, await client.patch(api('/machines/{id}', ref), machineSchema, attributes)),
        );
      }),
    );

  addApiOptions(machines.command('delete'))
    .description('Delete a machine and its findings; its agent, if it has one, is revoked.')
    .argument('<machine>', 'machine id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async (ctx) =>
        emitDone(ctx, await ctx.client.delete(api('/machines/{id}', ref)), `Deleted machine ${ref}.`),
      ),
    );

  addApiOptions(machines.command('assess'))
    .description(
      'Re-assess a machine now against the current catalogs, from its stored inventory; shows the machine after.',
    )
    .argument('<machine>', 'machine id or name')
    .action((ref: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        await emit(
          renderOne(format, MACHINE_COLUMNS, await client.post(api('/machines/{id}/assess', ref), machineSchema)),
        );
      }),
    );

  addApiOptions(machines.command('history'))
    .description('Daily compliance history of a machine: open findings per severity and findings per status.')
    .argument('<machine>', 'machine id or name')
    .option('--from <YYYY-MM-DD>', 'first day, UTC (default: 29 days before --to)')
    .option('--to <YYYY-MM-DD>', 'last day, UTC (default: today)')
    .action((ref: string, o: ApiOptions & { from?: string; to?: string }) =>
      withApi(o, async ({ client, format, emit }) => {
        const to = dayArg('--to', o.to) ?? new Date().toISOString().slice(0, 10);
        const from =
          dayArg('--from', o.from) ??
          new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
        if (from > to) throw new PatchhiveError('E_USAGE', `--from ${from} is after --to ${to}`);
        const query = { from, to };
        const history = await client.get(api('/machines/{id}/history', ref), historySchema, query);
        if (format === 'json') await emit(renderJson(history));
        else if (format === 'csv') await emit(renderCsv(HISTORY_CSV, history.items));
        else
          await emit(
            history.items.length
              ? renderTable(HISTORY_COLUMNS, history.items) +
                  '(OPEN and severities: open findings; *: findings with that status)\n'
              : `No history from ${from} to ${to}.\n`,
          );
      }),
    );
}
