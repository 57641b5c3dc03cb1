/**
 * `patchhive scan`: assess one machine (this one, a chroot, a saved status file or inventory)
 * against catalogs, offline, like the classic hotfix checkers.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { PatchhiveError } from '../../errors.js';
import { SEVERITIES, mergeCatalogs, type Catalog, type Severity } from '../../catalog/model.js';
import { loadCatalogFile } from '../../catalog/load.js';
import { evaluate, prepareCatalog } from '../../detect/index.js';
import { FINDING_STATUSES, type Finding, type FindingStatus } from '../../detect/model.js';
import type { Inventory } from '../../inventory/model.js';
import { collectDpkgInventory } from '../../inventory/collect-dpkg.js';
import { collectRpmInventory } from '../../inventory/rpm.js';
import { readInventoryFile } from '../../inventory/read.js';
import { atLeast, formatFindings, OUTPUT_FORMATS, summarise, type OutputFormat } from '../../report/findings-format.js';
import { createProgress, type Progress } from '../progress.js';
import { bundledCatalogs, bundledTrustedKeys, readTrustedKeys } from '../bundled.js';
import { writeOutput } from '../output.js';
import { releaseOverrides } from '../release.js';

interface ScanOptions {
  catalog?: string[];
  inventory?: string[];
  dpkgStatus?: string;
  rpmQa?: string;
  root?: string;
  release?: string;
  arch?: string;
  name?: string;
  status: string;
  minSeverity?: Severity;
  format: OutputFormat;
  verbose?: boolean;
  trustedKey?: string[];
  allowUnsigned?: boolean;
  output?: string;
  quiet?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Adds `patchhive scan` to the program. */
export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description(
      'Assess a machine against catalogs and list missing fixes with the evidence.\n' +
        'Exit code: 0 nothing missing, 1 something missing (in what is reported), 2 error.',
    )
    .option(
      '--catalog <file>',
      'catalog file (OVAL XML, Debian tracker JSON, MSRC CSV/JSON, patchhive.catalog/1); repeatable; default: the bundled sample catalogs',
      collect,
    )
    .option(
      '--inventory <file>',
      'assess a saved inventory (from `patchhive inventory collect` or the Windows collector); repeatable',
      collect,
    )
    .option(
      '--dpkg-status <file>',
      'assess a saved dpkg status file; OS facts it lacks come from this machine unless given by flags',
    )
    .option('--rpm-qa <file>', 'assess saved `rpm -qa` output in the documented query format (docs/INVENTORY.md)')
    .option('--root <dir>', 'assess the Debian/Ubuntu system rooted at DIR (e.g. a chroot)')
    .option('--release <release>', "OS release, codename or number (bookworm, 12); default: the machine's own")
    .option('--arch <arch>', "architecture; default: the machine's own")
    .option('--name <name>', 'machine name to report')
    .option(
      '--status <list>',
      `statuses to report, comma-separated (${FINDING_STATUSES.join(', ')}) or "all"`,
      'missing,affected,unknown',
    )
    .addOption(new Option('--min-severity <severity>', 'report only this severity and above').choices([...SEVERITIES]))
    .addOption(new Option('--format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .option('-v, --verbose', 'table format: show every piece of evidence and warning')
    .option('--trusted-key <file>', 'public key (PEM) trusted to sign native catalogs; repeatable', collect)
    .option('--allow-unsigned', 'accept native catalogs without a valid signature (not recommended)')
    .option(
      '-o, --output <file>',
      'write the report to FILE instead of stdout (a regular file is replaced atomically; a FIFO or device is written into)',
    )
    .option('-q, --quiet', 'no progress or summary on stderr')
    .action(async (opts: ScanOptions) => {
      process.exitCode = await runScan(opts);
    });
}

function parseStatuses(s: string): Set<FindingStatus> {
  if (s === 'all') return new Set(FINDING_STATUSES);
  const out = new Set<FindingStatus>();
  for (const part of s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!(FINDING_STATUSES as readonly string[]).includes(part)) {
      throw new PatchhiveError(
        'E_USAGE',
        `--status: unknown status "${part}" (expected ${FINDING_STATUSES.join(', ')} or all)`,
      );
    }
    out.add(part as FindingStatus);
  }
  return out;
}

async function collectInventories(opts: ScanOptions): Promise<Inventory[]> {
  const sources = [opts.inventory?.length, opts.dpkgStatus, opts.rpmQa, opts.root].filter(Boolean).length;
  if (sources > 1) throw new PatchhiveError('E_USAGE', 'give only one of --inventory, --dpkg-status, --rpm-qa, --root');
  const now = new Date();
  const overrides = { ...releaseOverrides(opts.release), ...(opts.arch ? { arch: opts.arch } : {}) };
  const named = <T extends Inventory>(inv: T): T =>
    opts.name ? { ...inv, machine: { ...inv.machine, name: opts.name } } : inv;
  if (opts.inventory?.length) return Promise.all(opts.inventory.map(async (f) => named(await readInventoryFile(f))));
  if (opts.rpmQa) return [named(await collectRpmInventory({ qaFile: opts.rpmQa, now }))];
  if (opts.dpkgStatus) return [named(await collectDpkgInventory({ statusFile: opts.dpkgStatus, overrides, now }))];
  if (opts.root) return [named(await collectDpkgInventory({ root: opts.root, overrides, now }))];
  if (existsSync('/var/lib/dpkg/status')) return [named(await collectDpkgInventory({ overrides, now }))];
  if (existsSync('/var/lib/rpm') || existsSync('/usr/lib/sysimage/rpm'))
    return [named(await collectRpmInventory({ now }))];
  throw new PatchhiveError(
    'E_USAGE',
    'cannot tell how to inventory this machine: give --inventory, --dpkg-status, --rpm-qa or --root',
  );
}

/** The merged catalog, and which catalog file each bulletin came from (for the findings' `catalog`). */
async function loadCatalogs(
  opts: ScanOptions,
  release: string,
  progress: Progress,
): Promise<{ catalog: Catalog; catalogOf: Map<string, string> }> {
  const bundled = !opts.catalog?.length;
  const files = bundled ? bundledCatalogs() : opts.catalog!;
  const catalogOf = new Map<string, string>();
  const trustedKeys = [
    ...(await readTrustedKeys(opts.trustedKey ?? [])),
    ...(opts.catalog?.length ? [] : await bundledTrustedKeys()),
  ];
  const catalogs: Catalog[] = [];
  for (const file of files) {
    const c = await loadCatalogFile(file, {
      release,
      trustedKeys,
      allowUnsigned: opts.allowUnsigned ?? false,
      onProgress: (done, total) => progress.update(`importing ${file}`, done, total),
    });
    progress.done(`catalog ${file}`, `${c.format}, ${c.bulletins.length} bulletins`);
    catalogs.push(c);
    // Bundled catalogs by file name (their folder is an installation detail); given ones as given.
    const label = bundled ? path.basename(file) : file;
    for (const b of c.bulletins) catalogOf.set(b.id, catalogOf.has(b.id) ? `${catalogOf.get(b.id)}, ${label}` : label);
  }
  return { catalog: mergeCatalogs(catalogs), catalogOf };
}

/** Runs a scan and returns the exit code (0 nothing missing, 1 something missing). */
export async function runScan(opts: ScanOptions): Promise<number> {
  const statuses = parseStatuses(opts.status);
  const progress = createProgress(process.stderr, opts.quiet ?? false);
  const inventories = await collectInventories(opts);
  const release = inventories[0]?.os.codename ?? inventories[0]?.os.release ?? '';
  const { catalog, catalogOf } = await loadCatalogs(opts, release, progress);
  const prepared = prepareCatalog(catalog);
  const all: Finding[] = inventories
    .flatMap((inv) => evaluate(prepared, inv))
    .map((f) => ({ ...f, catalog: catalogOf.get(f.bulletin) ?? '' }));
  const shown = all.filter(
    (f) => statuses.has(f.status) && (!opts.minSeverity || atLeast(f.severity, opts.minSeverity)),
  );
  await writeOutput(opts.output, formatFindings(shown, opts.format, { verbose: opts.verbose ?? false }));
  const machines = inventories.map((i) => i.machine.name).join(', ');
  progress.done(
    `scan of ${machines}`,
    `${summarise(all)} (${prepared.catalog.bulletins.length} bulletins, ${all.length} applicable)`,
  );
  const missing = shown.filter((f) => f.status === 'missing');
  if (missing.length > 0) progress.done('exit code 1', `missing ${missingByCatalog(missing)}`);
  return missing.length > 0 ? 1 : 0;
}

/** "PH-2026-004 (catalog inhouse-sample.json); …": what made the exit code 1, and from which catalog. */
function missingByCatalog(missing: Finding[]): string {
  const ids = new Map<string, string>();
  for (const f of missing) ids.set(f.bulletin, f.catalog ?? '');
  const list = [...ids].slice(0, 10).map(([id, from]) => (from ? `${id} (catalog ${from})` : id));
  return list.join('; ') + (ids.size > 10 ? `; and ${ids.size - 10} more` : '');
}
