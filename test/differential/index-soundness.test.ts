/**
 * The catalog index must never hide a finding: evaluating every bulletin (no index) gives the
 * same verdicts, and whatever the index skipped is `not-applicable`.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOval } from '../../src/catalog/import/oval.js';
import { importDebianTracker } from '../../src/catalog/import/debian-tracker.js';
import { importMsrcCsv } from '../../src/catalog/import/msrc.js';
import { mergeCatalogs } from '../../src/catalog/model.js';
import { evaluate, prepareCatalog } from '../../src/detect/index.js';
import type { Inventory } from '../../src/inventory/model.js';
import { collectDpkgInventory } from '../../src/inventory/collect-dpkg.js';
import { parseWindowsCollectorOutput } from '../../src/inventory/windows.js';

const FIX = path.resolve(import.meta.dirname, '../fixtures');

async function allCatalogs() {
  const oval = async (f: string) => importOval(createReadStream(f), { file: f });
  const tracker = path.join(FIX, 'debian/tracker-bookworm.json');
  const msrc = path.join(FIX, 'windows/msrc/kb_cve_data.csv');
  return prepareCatalog(
    mergeCatalogs([
      await oval(path.join(FIX, 'debian/oval-bookworm-sample.xml')),
      await oval(path.join(FIX, 'windows/oval-cis-sample.xml')),
      importDebianTracker(readFileSync(tracker, 'utf8'), { file: tracker, release: 'bookworm' }),
      importMsrcCsv(readFileSync(msrc, 'utf8'), { file: msrc }),
    ]),
  );
}

async function machines(): Promise<Inventory[]> {
  const deb = await Promise.all(
    ['status-minbase-12-point-release.txt', 'status-host-node-image.txt'].map((s) =>
      collectDpkgInventory({ statusFile: path.join(FIX, 'debian', s), now: new Date() }),
    ),
  );
  const win = ['xp-sp2-x86-netapi32-unpatched', 'win7-sp1-x64-ie11-kb4015549-missing', 'win10-22h2-x64'].map((n) => {
    const f = path.join(FIX, `windows/collector-output-${n}.json`);
    return parseWindowsCollectorOutput(readFileSync(f, 'utf8'), f);
  });
  return [...deb, ...win];
}

describe('catalog index soundness', () => {
  it('indexed evaluation equals exhaustive evaluation on every machine', async () => {
    const catalog = await allCatalogs();
    for (const inv of await machines()) {
      const indexed = new Map(evaluate(catalog, inv).map((f) => [f.bulletin, f.status]));
      const full = evaluate(catalog, inv, { exhaustive: true });
      expect(full).toHaveLength(catalog.catalog.bulletins.length);
      const wrong = full
        .filter((f) => (indexed.get(f.bulletin) ?? 'not-applicable') !== f.status)
        .map((f) => `${inv.machine.name} ${f.bulletin}: exhaustive ${f.status}, indexed ${indexed.get(f.bulletin)}`);
      expect(wrong).toEqual([]);
      // the index does its job: far fewer bulletins evaluated than exist
      expect(indexed.size).toBeLessThan(catalog.catalog.bulletins.length / 2);
    }
  });
});
