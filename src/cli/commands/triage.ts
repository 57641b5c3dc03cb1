/**
 * `patchhive triage ...`: the decision per (bulletin, group) — the queue of new bulletins, one
 * bulletin's decisions and history, and approve/ignore/decline/reopen/assign/note on many pairs at
 * once (each pair applied or refused on its own).
 */
import { api } from '../client/api-routes.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { ERROR_CODES, PatchhiveError, type ErrorCode } from '../../errors.js';
import { TRIAGE_STATES } from '../../policy/model.js';
import {
  triageBulkResultSchema,
  triageBulkSchema,
  triageDecisionSchema,
  triageEventSchema,
  type TriageBulk,
  type TriageBulkResult,
  type TriageDecisionWire,
  type TriageEventWire,
} from '../../protocol/policy-api.js';
import { oneLineText } from '../client/api-client.js';
import {
  addApiOptions,
  addPageOptions,
  checkBody,
  fetchList,
  intArg,
  parseTimeArg,
  repeatable,
  withApi,
  type ApiOptions,
  type PageOptions,
} from '../client/command-kit.js';
import { renderCsv, renderJson, renderList, renderTable, tableCell, type ColumnSet } from '../client/format.js';

/** Columns of triage decisions. */
export const DECISION_COLUMNS: ColumnSet<TriageDecisionWire> = {
  table: [
    { header: 'BULLETIN', value: (d) => d.bulletinId },
    { header: 'GROUP', value: (d) => d.group, max: 30 },
    { header: 'STATE', value: (d) => d.state },
    { header: 'OWNER', value: (d) => d.owner, max: 30 },
    { header: 'EMERGENCY', value: (d) => d.emergency },
    { header: 'IGNORE UNTIL', value: (d) => d.ignoreUntil },
    { header: 'APPROVALS', value: (d) => d.approvals },
    { header: 'UPDATED', value: (d) => d.updatedAt },
    { header: 'BY', value: (d) => d.updatedBy, max: 30 },
    { header: 'VERSION', value: (d) => d.version },
  ],
  full: [
    { header: 'bulletin', value: (d) => d.bulletinId },
    { header: 'group_id', value: (d) => d.groupId },
    { header: 'group', value: (d) => d.group },
    { header: 'state', value: (d) => d.state },
    { header: 'owner', value: (d) => d.owner },
    { header: 'notes', value: (d) => d.notes },
    { header: 'reason', value: (d) => d.reason },
    { header: 'ignore_until', value: (d) => d.ignoreUntil },
    { header: 'emergency', value: (d) => d.emergency },
    { header: 'approvals', value: (d) => d.approvals },
    { header: 'created_at', value: (d) => d.createdAt },
    { header: 'updated_at', value: (d) => d.updatedAt },
    { header: 'updated_by', value: (d) => d.updatedBy },
    { header: 'version', value: (d) => d.version },
  ],
};

/** Columns of history events (CSV). */
const EVENT_COLUMNS = [
  { header: 'at', value: (e: TriageEventWire) => e.at },
  { header: 'bulletin', value: (e: TriageEventWire) => e.bulletinId },
  { header: 'group_id', value: (e: TriageEventWire) => e.groupId },
  { header: 'actor', value: (e: TriageEventWire) => e.actor },
  { header: 'action', value: (e: TriageEventWire) => e.action },
  { header: 'from_state', value: (e: TriageEventWire) => e.fromState },
  { header: 'to_state', value: (e: TriageEventWire) => e.toState },
  { header: 'detail', value: (e: TriageEventWire) => detailText(e.detail) },
] as const;

const showSchema = z.object({ decisions: z.array(triageDecisionSchema), history: z.array(triageEventSchema) });

/** Checks a comma-separated --state list against the triage states. */
function checkStates(list: string | undefined): string | undefined {
  if (list === undefined) return undefined;
  const parts = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of parts) {
    if (!(TRIAGE_STATES as readonly string[]).includes(p)) {
      throw new PatchhiveError(
        'E_USAGE',
        `--state: unknown state "${oneLineText(p, 40)}" (expected ${TRIAGE_STATES.join(', ')})`,
      );
    }
  }
  if (parts.length === 0) throw new PatchhiveError('E_USAGE', '--state: give at least one state');
  return parts.join(',');
}

/** An event's detail as "key=value" pairs on one line. */
function detailText(detail: TriageEventWire['detail']): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

/** One line per history event: when, who, what, the state change, the detail. */
export function renderHistory(history: readonly TriageEventWire[], groupNames: ReadonlyMap<string, string>): string {
  if (history.length === 0) return 'No history.\n';
  return renderTable(
    [
      { header: 'AT', value: (e: TriageEventWire) => e.at },
      { header: 'GROUP', value: (e: TriageEventWire) => groupNames.get(e.groupId) ?? e.groupId, max: 30 },
      { header: 'ACTOR', value: (e: TriageEventWire) => e.actor, max: 40 },
      { header: 'ACTION', value: (e: TriageEventWire) => e.action },
      { header: 'STATE', value: (e: TriageEventWire) => `${e.fromState ?? '-'} -> ${e.toState}` },
      { header: 'DETAIL', value: (e: TriageEventWire) => detailText(e.detail), max: 200 },
    ],
    history,
  );
}

/** One line per pair of a bulk action: "ok" with the new state, or the refusal code and message. */
export function renderBulkLines(result: TriageBulkResult): string {
  return result.items
    .map((i) =>
      i.ok
        ? `ok       ${i.bulletin}  ${i.group}  ${tableCell(i.decision?.state)}\n`
        : `refused  ${i.bulletin}  ${i.group}  ${oneLineText(i.error?.code ?? 'E_SERVER_ERROR', 60)}: ${oneLineText(i.error?.message ?? '')}\n`,
    )
    .join('');
}

const BULK_CSV = [
  { header: 'bulletin', value: (i: TriageBulkResult['items'][number]) => i.bulletin },
  { header: 'group', value: (i: TriageBulkResult['items'][number]) => i.group },
  { header: 'ok', value: (i: TriageBulkResult['items'][number]) => i.ok },
  { header: 'state', value: (i: TriageBulkResult['items'][number]) => i.decision?.state },
  { header: 'version', value: (i: TriageBulkResult['items'][number]) => i.decision?.version },
  { header: 'code', value: (i: TriageBulkResult['items'][number]) => i.error?.code },
  { header: 'message', value: (i: TriageBulkResult['items'][number]) => i.error?.message },
] as const;

/** The error a partly refused bulk action ends with: the first refusal's code (when known). */
function refusalError(result: TriageBulkResult): PatchhiveError {
  const first = result.items.find((i) => !i.ok);
  const raw = first?.error?.code ?? 'E_SERVER_ERROR';
  const code: ErrorCode = Object.hasOwn(ERROR_CODES, raw) ? (raw as ErrorCode) : 'E_SERVER_ERROR';
  const total = result.items.length;
  return new PatchhiveError(
    code,
    `${result.refused} of ${total} triage action${total === 1 ? ' was' : 's were'} refused`,
  );
}

interface ActionFlags extends ApiOptions {
  group?: string[];
  reason?: string;
  until?: string;
  emergency?: boolean;
  owner?: string;
  note?: string;
  expectVersion?: number;
}

type ActionKind = TriageBulk['action']['kind'];

/** The action body for one kind from the flags. */
function actionOf(kind: ActionKind, o: ActionFlags, now: Date): TriageBulk['action'] {
  const need = (v: string | undefined, flag: string): string => {
    if (v === undefined) throw new PatchhiveError('E_USAGE', `triage ${kind} needs ${flag}`);
    return v;
  };
  const note = o.note !== undefined ? { note: o.note } : {};
  switch (kind) {
    case 'approve':
      return { kind, ...(o.emergency ? { emergency: true } : {}), ...note };
    case 'ignore':
      return {
        kind,
        reason: need(o.reason, '--reason'),
        ...(o.until !== undefined ? { until: parseTimeArg('--until', o.until, now) } : {}),
        ...note,
      };
    case 'decline':
      return { kind, reason: need(o.reason, '--reason'), ...note };
    case 'reopen':
      return { kind, ...note };
    case 'assign':
      // an empty --owner clears the owner
      return { kind, owner: need(o.owner, '--owner (an empty value clears it)').trim() === '' ? null : o.owner! };
    case 'note':
      return { kind, text: need(o.note, '--note TEXT') };
  }
}

/** What each action kind says and which options it takes. */
const ACTIONS: { kind: ActionKind; description: string; options: (cmd: Command) => Command }[] = [
  {
    kind: 'approve',
    description: 'Approve bulletins in groups (a group that requires a second approver needs two different users).',
    options: (c) =>
      c
        .option('--emergency', 'approve as an emergency: deadlines follow the emergency (untested) column')
        .option('--note <text>', 'a note for the history'),
  },
  {
    kind: 'ignore',
    description: 'Ignore bulletins in groups, for good or until a time (then they return to the queue).',
    options: (c) =>
      c
        .option('--reason <text>', 'why (required)')
        .option('--until <time>', 'until this ISO 8601 time, or for a span such as 30d, 12h, 2w')
        .option('--note <text>', 'a note for the history'),
  },
  {
    kind: 'decline',
    description: 'Decline bulletins in groups (they will not be deployed there).',
    options: (c) => c.option('--reason <text>', 'why (required)').option('--note <text>', 'a note for the history'),
  },
  {
    kind: 'reopen',
    description: 'Return decisions to the triage queue (state new).',
    options: (c) => c.option('--note <text>', 'a note for the history'),
  },
  {
    kind: 'assign',
    description: 'Set who engineers the bulletins in the groups.',
    options: (c) => c.option('--owner <owner>', 'a user or team (required; "" clears it)'),
  },
  {
    kind: 'note',
    description: 'Add a note to decisions (their state does not change).',
    options: (c) => c.option('--note <text>', 'the note (required)'),
  },
];

/** Registers `patchhive triage list|show|approve|ignore|decline|reopen|assign|note`. */
export function registerTriageCommand(program: Command): void {
  const triage = program
    .command('triage')
    .description('Triage of bulletins per group: the queue, decisions and their history, approve/ignore/decline.');

  addPageOptions(addApiOptions(triage.command('list')))
    .description('List triage decisions; --state new is the triage queue.')
    .option('--group <group>', 'only this group (id or name)')
    .option('--state <list>', `states, comma-separated (${TRIAGE_STATES.join(', ')})`)
    .option('--bulletin <id>', 'only this bulletin')
    .action((o: ApiOptions & PageOptions & { group?: string; state?: string; bulletin?: string }) =>
      withApi(o, async ({ client, format, emit }) => {
        const query = { group: o.group, state: checkStates(o.state), bulletin: o.bulletin };
        const page = await fetchList(client, api('/triage'), triageDecisionSchema, query, o);
        await emit(renderList(format, DECISION_COLUMNS, page, { noun: 'decisions', offset: page.offset }));
      }),
    );

  addApiOptions(triage.command('show'))
    .description("Show a bulletin's decisions in every group (or one) and their full history.")
    .argument('<bulletin>', 'bulletin id')
    .option('--group <group>', 'only this group (id or name)')
    .action((bulletin: string, o: ApiOptions & { group?: string }) =>
      withApi(o, async ({ client, format, emit }) => {
        const shown = await client.get(api('/bulletins/{id}/triage', bulletin), showSchema, { group: o.group });
        if (format === 'json') return emit(renderJson(shown));
        if (format === 'csv') return emit(renderCsv(EVENT_COLUMNS, shown.history));
        const names = new Map(shown.decisions.map((d) => [d.groupId, d.group]));
        const decisions =
          shown.decisions.length === 0 ? 'No decisions.\n' : renderTable(DECISION_COLUMNS.table, shown.decisions);
        await emit(`${decisions}\nHistory:\n${renderHistory(shown.history, names)}`);
      }),
    );

  for (const a of ACTIONS) {
    a.options(addApiOptions(triage.command(a.kind)))
      .description(`${a.description} Every bulletin in every --group; exit code 2 when any pair was refused.`)
      .argument('<bulletin...>', 'bulletin ids')
      .option('--group <group>', 'group id or name (required; repeat for several)', repeatable)
      .option(
        '--expect-version <n>',
        'refuse (E_CONFLICT) if the decision changed since this version (one bulletin, one group)',
        intArg(0, Number.MAX_SAFE_INTEGER),
      )
      .action((bulletins: string[], o: ActionFlags) =>
        withApi(o, async ({ client, format, emit }) => {
          const groups = o.group ?? [];
          if (groups.length === 0)
            throw new PatchhiveError('E_USAGE', `triage ${a.kind} needs --group (repeat it for several groups)`);
          if (o.expectVersion !== undefined && bulletins.length * groups.length !== 1) {
            throw new PatchhiveError('E_USAGE', '--expect-version applies to a single bulletin in a single group');
          }
          const items = bulletins.flatMap((bulletin) =>
            groups.map((group) => ({
              bulletin,
              group,
              ...(o.expectVersion !== undefined ? { expectedVersion: o.expectVersion } : {}),
            })),
          );
          const body = checkBody(triageBulkSchema, { items, action: actionOf(a.kind, o, new Date()) });
          const result = await client.post(api('/triage/actions'), triageBulkResultSchema, body);
          if (format === 'json') await emit(renderJson(result));
          else if (format === 'csv') await emit(renderCsv(BULK_CSV, result.items));
          else await emit(renderBulkLines(result));
          if (result.refused > 0 || result.items.some((i) => !i.ok)) throw refusalError(result);
        }),
      );
  }
}
