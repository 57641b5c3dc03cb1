import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogFile } from '../../catalog/load.js';
import { emptyCatalog, type Bulletin, type Catalog } from '../../catalog/model.js';
import type { BulletinRecord } from '../../store/ports.js';
import { bulletinRecordsOf, diffBulletins } from './catalog-diff.js';
import { nativeCatalogBytes } from './sync-test-support.js';

const CATALOGS = join(import.meta.dirname, '../../../catalogs');
const SAMPLE_KEY = readFileSync(join(CATALOGS, 'inhouse-sample.pub'), 'utf8');

function record(id: string, contentHash: string, withdrawnAt: string | null = null): BulletinRecord {
  return {
    id,
    sourceId: 's1',
    title: id,
    severity: 'low',
    published: null,
    revised: null,
    cves: [],
    kbs: [],
    contentHash,
    withdrawnAt,
  };
}

async function load(file: string): Promise<Catalog> {
  return loadCatalogFile(file, { release: 'bookworm', trustedKeys: [SAMPLE_KEY], allowUnsigned: false });
}

describe('bulletinRecordsOf', () => {
  it.each([
    'debian-oval-bookworm-sample.xml',
    'debian-tracker-bookworm-sample.json',
    'msrc-2026-aug.csv',
    'inhouse-sample.json',
  ])('gives the same content hashes when %s is imported twice', async (name) => {
    const first = bulletinRecordsOf(await load(join(CATALOGS, name)), 'src');
    const second = bulletinRecordsOf(await load(join(CATALOGS, name)), 'src');
    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
    expect(
      first.every((r) => /^[0-9a-f]{64}$/.test(r.contentHash) && r.sourceId === 'src' && r.withdrawnAt === null),
    ).toBe(true);
    expect(new Set(first.map((r) => r.id)).size).toBe(first.length);
  });

  it('changes the hash of exactly the bulletin whose fix changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-diff-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(
      a,
      nativeCatalogBytes([
        { id: 'PH-1', version: '1.0-1' },
        { id: 'PH-2', version: '2.0-1' },
      ]),
    );
    writeFileSync(
      b,
      nativeCatalogBytes([
        { id: 'PH-1', version: '1.0-1' },
        { id: 'PH-2', version: '2.0-2' },
      ]),
    );
    const opts = { release: '', trustedKeys: [], allowUnsigned: true };
    const before = bulletinRecordsOf(await loadCatalogFile(a, opts), 's1');
    const after = bulletinRecordsOf(await loadCatalogFile(b, opts), 's1');
    expect(after[0]!.contentHash).toBe(before[0]!.contentHash);
    expect(after[1]!.contentHash).not.toBe(before[1]!.contentHash);
    expect(after[0]).toMatchObject({
      id: 'PH-1',
      title: 'Update for PH-1',
      severity: 'important',
      published: '2026-03-04',
    });
  });

  it('folds in the definitions a bulletin extends', () => {
    const catalog = emptyCatalog('hand-made', 'oval');
    const bulletin: Bulletin = {
      id: 'oval:x:def:1',
      source: 'oval',
      title: 'T',
      severity: 'low',
      cves: [],
      kbs: [],
      references: [],
      supersedes: [],
      class: 'patch',
      fixes: [
        {
          id: 'f',
          available: true,
          applicability: { kind: 'extend', definition: 'oval:x:def:9' },
          installed: { kind: 'const', value: false },
        },
      ],
    };
    catalog.bulletins.push(bulletin);
    catalog.definitions.set('oval:x:def:9', {
      id: 'oval:x:def:9',
      title: 'Debian 12 is installed',
      criteria: { kind: 'const', value: true },
    });
    const [before] = bulletinRecordsOf(catalog, 's');
    catalog.definitions.set('oval:x:def:9', {
      id: 'oval:x:def:9',
      title: 'Debian 12 is installed',
      criteria: { kind: 'const', value: false },
    });
    const [after] = bulletinRecordsOf(catalog, 's');
    expect(after!.contentHash).not.toBe(before!.contentHash);
    catalog.definitions.set('oval:x:def:unrelated', {
      id: 'oval:x:def:unrelated',
      title: 'other',
      criteria: { kind: 'const', value: true },
    });
    expect(bulletinRecordsOf(catalog, 's')[0]!.contentHash).toBe(after!.contentHash);
  });
});

describe('diffBulletins', () => {
  it.each([
    [
      'nothing before: all added',
      [],
      [record('A', 'h1'), record('B', 'h2')],
      { added: ['A', 'B'], revised: [], withdrawn: [] },
    ],
    ['unchanged', [record('A', 'h1')], [record('A', 'h1')], { added: [], revised: [], withdrawn: [] }],
    [
      'content changed: revised',
      [record('A', 'h1')],
      [record('A', 'h9')],
      { added: [], revised: ['A'], withdrawn: [] },
    ],
    [
      'gone: withdrawn',
      [record('A', 'h1'), record('B', 'h2')],
      [record('B', 'h2')],
      { added: [], revised: [], withdrawn: ['A'] },
    ],
    [
      'already withdrawn and still gone: nothing',
      [record('A', 'h1', '2026-01-01T00:00:00Z')],
      [],
      { added: [], revised: [], withdrawn: [] },
    ],
    [
      'withdrawn and back (same content): added',
      [record('A', 'h1', '2026-01-01T00:00:00Z')],
      [record('A', 'h1')],
      { added: ['A'], revised: [], withdrawn: [] },
    ],
    [
      'mixed, sorted',
      [record('C', 'h3'), record('A', 'h1'), record('B', 'h2')],
      [record('E', 'h5'), record('B', 'h2x'), record('D', 'h4')],
      { added: ['D', 'E'], revised: ['B'], withdrawn: ['A', 'C'] },
    ],
  ] as const)('%s', (_label, previous, next, expected) => {
    expect(diffBulletins([...previous], [...next])).toEqual(expected);
  });
});
