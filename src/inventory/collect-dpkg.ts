/** The dpkg collector: a Debian-family machine (or a saved status file) → an inventory. */
import path from 'node:path';
import { checkCollected, nameFromFile, type OsOverrides } from './collect-common.js';
import { parseDpkgStatus } from './dpkg-status.js';
import { readInputText } from '../common/json-input.js';
import { INVENTORY_SCHEMA_ID, type Inventory } from './model.js';
import { archFromPackages, isLocal, readOsFacts, thisMachine, type LocalMachine } from './os-facts.js';

export type { OsOverrides } from './collect-common.js';

export interface DpkgCollectOptions {
  /** System root to inventory (default `/`). With `statusFile`, where the OS facts come from. */
  root?: string;
  /** A saved /var/lib/dpkg/status; OS facts then come from `root` (default: this machine, as oscap does). */
  statusFile?: string;
  machineName?: string;
  overrides?: OsOverrides;
  now: Date;
  /** The running machine; tests pass a fake. */
  local?: LocalMachine;
}

/**
 * Collects the installed dpkg packages and OS facts. Reads `<root>/var/lib/dpkg/status`, or
 * `statusFile` when given; overrides win over every collected fact.
 */
export async function collectDpkgInventory(opts: DpkgCollectOptions): Promise<Inventory> {
  const local = opts.local ?? thisMachine;
  const factsRoot = path.resolve(opts.root ?? local.root);
  const statusPath = opts.statusFile ?? path.join(factsRoot, 'var/lib/dpkg/status');
  const packages = parseDpkgStatus(await readInputText(statusPath), statusPath);
  // A separate status file comes from another machine: only its own dpkg entry tells its architecture.
  const ownStatus = opts.statusFile === undefined;
  const facts = await readOsFacts(factsRoot, { packages: ownStatus ? packages : undefined, local });
  const o = opts.overrides ?? {};

  const machineName =
    opts.machineName ??
    (!ownStatus && opts.root === undefined
      ? nameFromFile(statusPath)
      : isLocal(factsRoot, local)
        ? local.hostname()
        : (facts.hostname ?? path.basename(factsRoot)));

  // An override naming another OS makes the collected identity facts wrong, not just stale: drop
  // them (and the text probes OVAL would read them from) rather than report a mixture.
  const sameOs =
    (o.platform === undefined || o.platform === facts.platform) &&
    (o.release === undefined || o.release === facts.release) &&
    (o.codename === undefined || o.codename === facts.codename);
  const os: Inventory['os'] = { family: 'unix', platform: o.platform ?? facts.platform ?? 'unknown' };
  if (sameOs && facts.name) os.name = facts.name;
  const release = o.release ?? (sameOs ? facts.release : undefined);
  if (release) os.release = release;
  const codename = o.codename ?? (sameOs ? facts.codename : undefined);
  if (codename) os.codename = codename;
  if (sameOs && facts.version) os.version = facts.version;
  const arch = o.arch ?? (ownStatus ? facts.arch : (archFromPackages(packages) ?? facts.arch));
  if (arch) os.arch = arch;
  if (facts.kernel) os.kernel = facts.kernel;

  return checkCollected({
    schema: INVENTORY_SCHEMA_ID,
    machine: { name: machineName },
    collectedAt: opts.now.toISOString(),
    collector: 'dpkg',
    os,
    packages: { manager: 'dpkg', items: packages },
    textFiles: sameOs ? facts.textFiles : [],
  });
}
