/**
 * Differential test: Patchhive's OVAL verdicts against OpenSCAP's on the same documents and the
 * same dpkg status files (definition true ⇔ finding `missing`).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOval } from '../../src/catalog/import/oval.js';
import type { Catalog } from '../../src/catalog/model.js';
import { evaluate, prepareCatalog } from '../../src/detect/index.js';
import { collectDpkgInventory } from '../../src/inventory/collect-dpkg.js';
import { runOscapEval } from '../support/oscap.js';
import { buildIndexOval, readXz } from '../support/index-oval.js';

const FIX = path.resolve(import.meta.dirname, '../fixtures/debian');
const STATUS_FILES = [
  'status-minbase-12-point-release.txt',
  'status-minbase-12-security-upgraded.txt',
  'status-host-node-image.txt',
];

async function missingSet(catalog: Catalog, statusFile: string): Promise<Map<string, boolean>> {
  const inv = await collectDpkgInventory({ statusFile, now: new Date() });
  const findings = evaluate(prepareCatalog(catalog), inv);
  const missing = new Set(findings.filter((f) => f.status === 'missing').map((f) => f.bulletin));
  return new Map(catalog.bulletins.map((b) => [b.id, missing.has(b.id)]));
}

async function expectSameAsOscap(
  ovalPath: string,
  catalog: Catalog,
  statusFile: string,
): Promise<Map<string, boolean>> {
  const ours = await missingSet(catalog, statusFile);
  const theirs = await runOscapEval(ovalPath, { statusFile });
  expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
  const differing = [...theirs]
    .filter(([id, v]) => ours.get(id) !== v)
    .map(([id, v]) => `${id}: oscap ${v}, patchhive ${ours.get(id)}`);
  expect(differing).toEqual([]);
  return ours;
}

describe('Debian OVAL sample vs oscap', () => {
  let catalog: Catalog;
  const oval = path.join(FIX, 'oval-bookworm-sample.xml');
  beforeAll(async () => {
    catalog = await importOval(createReadStream(oval), { file: oval });
  });
  it('imports all 12 definitions', () => {
    expect(catalog.bulletins).toHaveLength(12);
  });
  it.each(STATUS_FILES)('same verdict as oscap for every definition on %s', async (status) => {
    await expectSameAsOscap(oval, catalog, path.join(FIX, status));
  });
});

describe('OVAL built from the bookworm-security package index vs oscap', () => {
  let catalog: Catalog;
  let ovalPath: string;
  let byDefinition: Map<string, string>;
  beforeAll(async () => {
    const packages = readXz(path.join(FIX, 'bookworm-security-main-amd64-Packages.xz'));
    const xml = buildIndexOval(packages, { release: '12' });
    ovalPath = path.join(mkdtempSync(path.join(tmpdir(), 'ph-index-oval-')), 'index.xml');
    writeFileSync(ovalPath, xml);
    catalog = await importOval(createReadStream(ovalPath), { file: ovalPath });
    byDefinition = new Map(catalog.bulletins.map((b) => [b.id, b.title.split(' ')[0]!]));
  });

  const upgradable = readFileSync(path.join(FIX, 'apt-upgradable-minbase.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('[upgradable from:'))
    .map((l) => l.split('/')[0]!)
    .sort();

  it('has a definition per package of the index', () => {
    expect(catalog.bulletins.length).toBeGreaterThan(100);
    expect(upgradable).toHaveLength(6);
  });

  it('point release: same as oscap, and missing = exactly the six upgradable packages', async () => {
    const ours = await expectSameAsOscap(ovalPath, catalog, path.join(FIX, STATUS_FILES[0]!));
    const missing = [...ours]
      .filter(([, v]) => v)
      .map(([id]) => byDefinition.get(id)!)
      .sort();
    expect(missing).toEqual(upgradable);
  });

  it('after the security upgrade: same as oscap, and nothing missing', async () => {
    const ours = await expectSameAsOscap(ovalPath, catalog, path.join(FIX, STATUS_FILES[1]!));
    expect([...ours].filter(([, v]) => v)).toEqual([]);
  });

  it('host image: same as oscap', async () => {
    const ours = await expectSameAsOscap(ovalPath, catalog, path.join(FIX, STATUS_FILES[2]!));
    expect([...ours].filter(([, v]) => v).length).toBeGreaterThan(0);
  });
});
