/** `patchhive bulletins list|show`: the bulletins in the server's catalogs and how many machines they hit. */
import { Option, type Command } from 'commander';
import { SEVERITIES, type Severity } from '../../catalog/model.js';
import { bulletinSchema, type BulletinWire } from '../../protocol/api.js';
import { api } from '../client/api-routes.js';
import {
  addApiOptions,
  addPageOptions,
  fetchList,
  withApi,
  type ApiOptions,
  type PageOptions,
} from '../client/command-kit.js';
import { renderList, renderOne, type ColumnSet } from '../client/format.js';

/** Columns of bulletins. */
export const BULLETIN_COLUMNS: ColumnSet<BulletinWire> = {
  table: [
    { header: 'ID', value: (b) => b.id },
    { header: 'SEVERITY', value: (b) => b.severity },
    { header: 'PUBLISHED', value: (b) => b.published },
    { header: 'AFFECTED', value: (b) => b.affectedMachines },
    { header: 'CVES', value: (b) => b.cves, max: 40 },
    { header: 'TITLE', value: (b) => (b.withdrawnAt ? `[withdrawn] ${b.title}` : b.title), max: 80 },
  ],
  full: [
    { header: 'id', value: (b) => b.id },
    { header: 'source_id', value: (b) => b.sourceId },
    { header: 'severity', value: (b) => b.severity },
    { header: 'title', value: (b) => b.title },
    { header: 'published', value: (b) => b.published },
    { header: 'revised', value: (b) => b.revised },
    { header: 'cves', value: (b) => b.cves },
    { header: 'kbs', value: (b) => b.kbs },
    { header: 'withdrawn_at', value: (b) => b.withdrawnAt },
    { header: 'affected_machines', value: (b) => b.affectedMachines },
  ],
};

interface BulletinFlags extends ApiOptions, PageOptions {
  severity?: Severity;
  source?: string;
  search?: string;
  affecting?: 'true' | 'false' | 'any';
}

/** Registers `patchhive bulletins list|show`. */
export function registerBulletinsCommand(program: Command): void {
  const bulletins = program.command('bulletins').description("Bulletins in the server's catalogs: list and inspect.");

  addPageOptions(addApiOptions(bulletins.command('list')))
    .description('List bulletins (id, severity, published, machines affected, CVEs, title).')
    .addOption(new Option('--severity <severity>', 'only this severity').choices([...SEVERITIES]))
    .option('--source <source>', 'only bulletins of this catalog source (id or name)')
    .option('--search <text>', 'only bulletins whose id, title or CVE contains TEXT')
    .addOption(
      new Option(
        '--affecting [which]',
        'only bulletins missing or affected on some machine; "false" for the others (default: all)',
      )
        .choices(['true', 'false', 'any'])
        .preset('true'),
    )
    .action((o: BulletinFlags) =>
      withApi(o, async ({ client, format, emit }) => {
        const query = { severity: o.severity, source: o.source, q: o.search, affecting: o.affecting };
        const page = await fetchList(client, api('/bulletins'), bulletinSchema, query, o);
        await emit(renderList(format, BULLETIN_COLUMNS, page, { noun: 'bulletins', offset: page.offset }));
      }),
    );

  addApiOptions(bulletins.command('show'))
    .description('Show one bulletin.')
    .argument('<id>', 'bulletin id, e.g. CVE-2024-2961')
    .action((id: string, o: ApiOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        await emit(renderOne(format, BULLETIN_COLUMNS, await client.get(api('/bulletins/{id}', id), bulletinSchema)));
      }),
    );
}
