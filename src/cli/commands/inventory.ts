/** `patchhive inventory collect|schema`: make an inventory file, print its JSON Schema. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PatchhiveError } from '../../errors.js';
import { collectDpkgInventory, type OsOverrides } from '../../inventory/collect-dpkg.js';
import { inventoryJsonSchemaText } from '../../inventory/json-schema.js';
import type { Inventory } from '../../inventory/model.js';
import { formatInventory, readInventoryFile, writeInventoryFile } from '../../inventory/read.js';
import { writeOutputFile } from '../../common/atomic-write.js';
import { collectRpmInventory } from '../../inventory/rpm.js';
import { releaseOverrides } from '../release.js';

export interface InventoryCollectOptions {
  root?: string;
  dpkgStatus?: string;
  rpmQa?: string;
  windowsOutput?: string;
  name?: string;
  release?: string;
  arch?: string;
  output?: string;
}

const RPM_DBS = ['var/lib/rpm', 'usr/lib/sysimage/rpm'];

/** Which package database a root has: dpkg first (Debian's rpm package can coexist with an empty rpm db). */
function detectManager(root: string, exists: (p: string) => boolean): 'dpkg' | 'rpm' | undefined {
  if (exists(path.join(root, 'var/lib/dpkg/status'))) return 'dpkg';
  if (RPM_DBS.some((db) => exists(path.join(root, db)))) return 'rpm';
  return undefined;
}

/** Collects the inventory the options describe; the testable core of `inventory collect`. */
export async function collectForCli(
  opts: InventoryCollectOptions,
  now: Date,
  exists: (p: string) => boolean = existsSync,
): Promise<Inventory> {
  const files = [opts.dpkgStatus, opts.rpmQa, opts.windowsOutput].filter(Boolean).length;
  if (files > 1) throw new PatchhiveError('E_USAGE', 'give only one of --dpkg-status, --rpm-qa, --windows-output');
  const overrides: OsOverrides = { ...releaseOverrides(opts.release), ...(opts.arch ? { arch: opts.arch } : {}) };
  const machineName = opts.name;

  if (opts.windowsOutput) {
    if (opts.root || opts.release || opts.arch) {
      throw new PatchhiveError(
        'E_USAGE',
        '--root, --release and --arch do not apply to --windows-output (the collector recorded them)',
      );
    }
    const inv = await readInventoryFile(opts.windowsOutput);
    return machineName ? { ...inv, machine: { ...inv.machine, name: machineName } } : inv;
  }
  if (opts.dpkgStatus)
    return collectDpkgInventory({ statusFile: opts.dpkgStatus, root: opts.root, machineName, overrides, now });
  if (opts.rpmQa)
    return collectRpmInventory({ qaFile: opts.rpmQa, osReleaseRoot: opts.root, machineName, overrides, now });

  if (!opts.root && process.platform === 'win32') {
    throw new PatchhiveError(
      'E_USAGE',
      'on Windows, run collectors/windows/Collect-PatchhiveInventory.ps1 and pass its output with --windows-output',
    );
  }
  const root = opts.root ?? '/';
  const manager = detectManager(root, exists);
  if (manager === 'dpkg') return collectDpkgInventory({ root: opts.root, machineName, overrides, now });
  if (manager === 'rpm') return collectRpmInventory({ root, machineName, overrides, now });
  throw new PatchhiveError(
    'E_COLLECT_FAILED',
    `no dpkg status (var/lib/dpkg/status) or rpm database (${RPM_DBS.join(', ')}) under ${root}; ` +
      'use --dpkg-status, --rpm-qa or --windows-output for saved data',
  );
}

/** Adds `patchhive inventory collect` and `patchhive inventory schema` to the program. */
export function registerInventoryCommand(program: Command): void {
  const inventory = program.command('inventory').description('Collect machine inventories (what each machine has).');

  inventory
    .command('collect')
    .description(
      'Write an inventory (JSON, schema patchhive.inventory/1) of this machine, of a system root, or of saved ' +
        'package data.\nWithout a source option, inventories this machine with dpkg or rpm, whichever it uses.',
    )
    .option(
      '--root <dir>',
      'inventory the system rooted at DIR (chroot or mounted image; dpkg or rpm); with --dpkg-status or --rpm-qa: read the OS facts from DIR',
    )
    .option(
      '--dpkg-status <file>',
      'packages from a saved /var/lib/dpkg/status; OS facts it lacks come from this machine (or --root) unless given by flags',
    )
    .option('--rpm-qa <file>', 'packages from saved `rpm -qa --qf ...` output in the format of docs/INVENTORY.md')
    .option(
      '--windows-output <file>',
      'validate and normalise the output of collectors/windows/Collect-PatchhiveInventory.ps1',
    )
    .option(
      '--name <name>',
      "machine name (default: host name; for --root the root's etc/hostname or directory name; for a saved file its name)",
    )
    .option('--release <release>', 'OS release, codename or number (bookworm, 12), instead of the collected one')
    .option('--arch <arch>', 'architecture (amd64, x86_64, ...) instead of the collected one')
    .option(
      '-o, --output <file>',
      'write the inventory to FILE instead of stdout (a regular file is replaced atomically; a FIFO or device is written into)',
    )
    .action(async (opts: InventoryCollectOptions) => {
      const inv = await collectForCli(opts, new Date());
      if (opts.output) await writeInventoryFile(opts.output, inv);
      else process.stdout.write(formatInventory(inv));
    });

  inventory
    .command('schema')
    .description('Print the JSON Schema of inventory files (the contract collectors on other machines write to).')
    .option(
      '-o, --output <file>',
      'write the schema to FILE instead of stdout (a regular file is replaced atomically; a FIFO or device is written into)',
    )
    .action(async (opts: { output?: string }) => {
      if (opts.output) await writeOutputFile(opts.output, inventoryJsonSchemaText());
      else process.stdout.write(inventoryJsonSchemaText());
    });
}
