/**
 * An inventory indexed for lookups: packages by name and by source, probes by normalised path or
 * key. Built once per machine; every test then costs a hash lookup, not a scan.
 */
import type { FileProbe, Inventory, InstalledPackage, RegistryProbe, TextFileProbe } from '../inventory/model.js';

/** One collected item: OVAL item fields as strings (multi-valued fields as arrays). */
export type Item = Record<string, string | string[] | undefined>;

export interface InventoryView {
  inventory: Inventory;
  packageItems: Item[];
  byName: Map<string, Item[]>;
  bySource: Map<string, Item[]>;
  files: Map<string, FileProbe>;
  registry: Map<string, RegistryProbe>;
  textFiles: Map<string, TextFileProbe>;
  kbs: Set<string> | undefined;
  osItem: Item;
  /** Keys used by the catalog index to find candidate bulletins. */
  keys: string[];
}

/** Normalises a Windows or Unix path for lookups (case and separators for Windows). */
export function normalisePath(p: string): string {
  if (/^[A-Za-z]:[\\/]|^\\\\/.test(p))
    return p
      .replace(/\//g, '\\')
      .replace(/\\{2,}/g, '\\')
      .toLowerCase();
  return p.replace(/\/{2,}/g, '/');
}

/** The lookup key of a registry value; `view` is OVAL's windows_view ("32_bit"), absent = native. */
export function registryKey(hive: string, key: string, name: string | null, view?: string): string {
  const base = `${hive}\\${key.replace(/\\{2,}/g, '\\')}\\${name ?? '<key>'}`.toLowerCase();
  return view === '32_bit' ? `${base}|32_bit` : base;
}

function dpkgItem(p: InstalledPackage): Item {
  const { epoch, upstream, revision } = splitDpkg(p.version);
  const src = splitDpkg(p.sourceVersion ?? p.version);
  return {
    name: p.name,
    arch: p.arch,
    epoch,
    version: upstream,
    release: revision,
    evr: `${epoch}:${upstream}${revision ? '-' + revision : ''}`,
    source: p.source ?? p.name,
    source_evr: `${src.epoch}:${src.upstream}${src.revision ? '-' + src.revision : ''}`,
    display_version: p.version,
    display_source_version: p.sourceVersion ?? p.version,
  };
}

function splitDpkg(v: string): { epoch: string; upstream: string; revision: string } {
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? v.slice(0, colon) : '0';
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: '' };
}

function rpmItem(p: InstalledPackage): Item {
  const epoch = p.epoch ?? '0';
  const release = p.release ?? '';
  return {
    name: p.name,
    arch: p.arch,
    epoch,
    version: p.version,
    release,
    evr: `${epoch}:${p.version}${release ? '-' + release : ''}`,
    display_version: `${p.epoch ? p.epoch + ':' : ''}${p.version}${release ? '-' + release : ''}`,
  };
}

function pushTo(map: Map<string, Item[]>, key: string, item: Item): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

function osItemOf(inv: Inventory): Item {
  const os = inv.os;
  const w = os.windows;
  return {
    family: os.family,
    platform: os.platform,
    release: os.release,
    codename: os.codename,
    arch: os.arch,
    version: os.version,
    name: os.name,
    build: w ? String(w.build) : undefined,
    ubr: w?.ubr !== undefined ? String(w.ubr) : undefined,
    product_name: w?.productName,
    installation_type: w?.installationType,
    display_version: w?.displayVersion,
    csd_version: w?.csdVersion,
  };
}

/** Indexes an inventory for evaluation. */
export function buildInventoryView(inv: Inventory): InventoryView {
  const byName = new Map<string, Item[]>();
  const bySource = new Map<string, Item[]>();
  const packageItems: Item[] = [];
  const manager = inv.packages?.manager;
  const keys = new Set<string>([`family:${inv.os.family}`]);
  if (inv.os.windows) keys.add(`os:build:${inv.os.windows.build}`);
  for (const p of inv.packages?.items ?? []) {
    const item = manager === 'rpm' ? rpmItem(p) : dpkgItem(p);
    packageItems.push(item);
    pushTo(byName, p.name, item);
    keys.add(`${manager}:name:${p.name}`);
    if (manager === 'dpkg') {
      pushTo(bySource, item.source as string, item);
      keys.add(`dpkg:source:${item.source as string}`);
    }
  }
  const files = new Map((inv.files ?? []).map((f) => [normalisePath(f.path), f] as const));
  const registry = new Map((inv.registry ?? []).map((r) => [registryKey(r.hive, r.key, r.name, r.view), r] as const));
  const textFiles = new Map((inv.textFiles ?? []).map((t) => [normalisePath(t.path), t] as const));
  return {
    inventory: inv,
    packageItems,
    byName,
    bySource,
    files,
    registry,
    textFiles,
    kbs: inv.kbs ? new Set(inv.kbs.map((k) => k.toUpperCase())) : undefined,
    osItem: osItemOf(inv),
    keys: [...keys],
  };
}
