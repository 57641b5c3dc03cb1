/**
 * `patchhive findings`: the server's findings across the fleet, filtered by machine, bulletin,
 * group, status, minimum severity and whether they are resolved.
 */
import { api } from '../client/api-routes.js';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { SEVERITIES, type Severity } from '../../catalog/model.js';
import { FINDING_STATUSES } from '../../detect/model.js';
import { findingSchema, type FindingWire } from '../../protocol/api.js';
import {
  addApiOptions,
  addPageOptions,
  fetchList,
  withApi,
  type ApiOptions,
  type PageOptions,
} from '../client/command-kit.js';
import { renderList, type ColumnSet } from '../client/format.js';

/** Columns of findings. */
export const FINDING_COLUMNS: ColumnSet<FindingWire> = {
  table: [
    { header: 'MACHINE', value: (f) => f.machineName, max: 30 },
    { header: 'BULLETIN', value: (f) => f.bulletinId },
    { header: 'STATUS', value: (f) => f.status },
    { header: 'SEVERITY', value: (f) => f.severity },
    { header: 'PACKAGE', value: (f) => f.package, max: 30 },
    { header: 'FIXED IN', value: (f) => f.fixedVersion, max: 30 },
    { header: 'TRIAGE', value: (f) => f.triage },
    { header: 'DUE', value: (f) => f.dueAt?.slice(0, 16).replace('T', ' ') ?? null },
    { header: 'SLA', value: (f) => f.sla },
    { header: 'REASON', value: (f) => f.reason, max: 100 },
  ],
  full: [
    { header: 'machine_id', value: (f) => f.machineId },
    { header: 'machine', value: (f) => f.machineName },
    { header: 'bulletin', value: (f) => f.bulletinId },
    { header: 'status', value: (f) => f.status },
    { header: 'severity', value: (f) => f.severity },
    { header: 'title', value: (f) => f.title },
    { header: 'package', value: (f) => f.package },
    { header: 'fixed_version', value: (f) => f.fixedVersion },
    { header: 'reason', value: (f) => f.reason },
    { header: 'first_seen_at', value: (f) => f.firstSeenAt },
    { header: 'last_seen_at', value: (f) => f.lastSeenAt },
    { header: 'resolved_at', value: (f) => f.resolvedAt },
    { header: 'triage', value: (f) => f.triage },
    { header: 'due_at', value: (f) => f.dueAt },
    { header: 'sla', value: (f) => f.sla },
  ],
};

const findingCountSchema = z.object({ total: z.number() });

/** The count line under the default listing: the same open count as `machines list`, and the unknown ones left out. */
export function openCountLine(open: number, unknown: number): string {
  const unknownPart = unknown > 0 ? `; ${unknown} unknown (a fact was not collected) not listed: --status unknown` : '';
  return `${open} open finding${open === 1 ? '' : 's'} (missing or affected, as OPEN in \`machines list\`)${unknownPart}\n`;
}

interface FindingFlags extends ApiOptions, PageOptions {
  machine?: string;
  bulletin?: string;
  group?: string;
  status?: string;
  severity?: Severity;
  resolved?: 'true' | 'false' | 'any';
}

function checkStatuses(list: string | undefined): string | undefined {
  if (list === undefined) return undefined;
  if (list.trim() === 'all') return FINDING_STATUSES.join(',');
  const parts = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of parts) {
    if (!(FINDING_STATUSES as readonly string[]).includes(p)) {
      throw new PatchhiveError(
        'E_USAGE',
        `--status: unknown status "${p.slice(0, 40)}" (expected ${FINDING_STATUSES.join(', ')})`,
      );
    }
  }
  if (parts.length === 0) throw new PatchhiveError('E_USAGE', '--status: give at least one status');
  return parts.join(',');
}

/** Registers `patchhive findings`. */
export function registerFindingsCommand(program: Command): void {
  addPageOptions(addApiOptions(program.command('findings')))
    .description(
      'List findings on the server: which bulletins are missing (or in another status) on which machines, and why.',
    )
    .option('--machine <machine>', 'only this machine (id or name)')
    .option('--bulletin <id>', 'only this bulletin')
    .option('--group <group>', 'only machines of this group (id or name)')
    .option(
      '--status <list>',
      `statuses, comma-separated (${FINDING_STATUSES.join(', ')}) or "all"; default: missing,affected (the open findings, as counted by \`machines list\`)`,
    )
    .addOption(new Option('--severity <severity>', 'this severity and above').choices([...SEVERITIES]))
    .addOption(
      new Option('--resolved [which]', 'resolved findings instead of open ones; "any" for both (default: open only)')
        .choices(['true', 'false', 'any'])
        .preset('true'),
    )
    .action((o: FindingFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        const query = {
          machine: o.machine,
          bulletin: o.bulletin,
          group: o.group,
          status: checkStatuses(o.status),
          severity: o.severity,
          resolved: o.resolved,
        };
        const page = await fetchList(client, api('/findings'), findingSchema, query, o);
        await emit(renderList(format, FINDING_COLUMNS, page, { noun: 'findings', offset: page.offset }));
        if (format === 'table' && query.status === undefined && query.resolved === undefined) {
          const unknown = await client.get(api('/findings'), findingCountSchema, {
            ...query,
            status: 'unknown',
            limit: 1,
          });
          await emit(openCountLine(page.total, unknown.total));
        }
      }),
    );
}
