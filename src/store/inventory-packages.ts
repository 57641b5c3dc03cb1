/**
 * What a stored inventory says is installed, as rows of `machine_packages`: dpkg/rpm packages,
 * Windows products and installed KBs. Pure; reads the inventory JSON defensively (the inventory was
 * validated when it arrived, and an old stored one may lack fields), so it never throws on shape.
 */
import type { InstalledPackageRecord } from './ports.js';

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The installed packages, products and KBs of an inventory document (already parsed), each (kind, name, version, arch) once. */
export function installedPackagesOf(inventory: unknown): InstalledPackageRecord[] {
  if (inventory === null || typeof inventory !== 'object') return [];
  const inv = inventory as Record<string, unknown>;
  const out = new Map<string, InstalledPackageRecord>();
  const add = (p: InstalledPackageRecord) => out.set(JSON.stringify([p.kind, p.name, p.version, p.arch]), p);
  const packages = inv.packages as { manager?: unknown; items?: unknown } | undefined;
  if (packages && Array.isArray(packages.items) && (packages.manager === 'dpkg' || packages.manager === 'rpm')) {
    for (const item of packages.items as Record<string, unknown>[]) {
      const name = str(item?.name);
      if (!name) continue;
      add({
        kind: packages.manager,
        name,
        version: str(item.version),
        release: str(item.release),
        arch: str(item.arch),
        source: str(item.source),
      });
    }
  }
  if (Array.isArray(inv.products)) {
    for (const p of inv.products as Record<string, unknown>[]) {
      const name = str(p?.name);
      if (name)
        add({ kind: 'product', name, version: str(p.version), release: null, arch: null, source: str(p.publisher) });
    }
  }
  if (Array.isArray(inv.kbs)) {
    for (const kb of inv.kbs) {
      const name = str(kb);
      if (name) add({ kind: 'kb', name, version: null, release: null, arch: null, source: null });
    }
  }
  return [...out.values()];
}
