import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Bulletin, Catalog, Criterion, Fix, Test } from '../model.js';
import { debianUrgencySeverity, importDebianTracker, looksLikeDebianTracker } from './debian-tracker.js';
import { thrownError } from '../../../test/support/errors.js';

const FILE = 'test/fixtures/debian/tracker-bookworm.json';
const text = readFileSync(FILE, 'utf8');
const catalog = importDebianTracker(text, { file: FILE, release: 'bookworm' });
const fixes = catalog.bulletins.flatMap((b) => b.fixes);

function bulletin(id: string, c: Catalog = catalog): Bulletin {
  const b = c.bulletins.find((x) => x.id === id);
  if (!b) throw new Error(`no bulletin ${id}`);
  return b;
}
function fix(id: string, c: Catalog = catalog): Fix {
  const f = c.bulletins.flatMap((b) => b.fixes).find((x) => x.id === id);
  if (!f) throw new Error(`no fix ${id}`);
  return f;
}
function asTest(c: Criterion): Test & { negate: boolean } {
  if (c.kind !== 'test') throw new Error(`expected a test node, got ${c.kind}`);
  return { ...c.test, negate: c.negate ?? false };
}
function mini(entries: Record<string, Record<string, unknown>>, release = 'bookworm'): Catalog {
  return importDebianTracker(JSON.stringify(entries), { file: 'mini.json', release });
}
const rel = (r: Record<string, unknown>) => ({ releases: { bookworm: { repositories: { bookworm: '1.0-1' }, ...r } } });

describe('importDebianTracker on the bookworm sample', () => {
  it('has one bulletin per CVE and one fix per (source, CVE) pair', () => {
    // Counted independently from the raw JSON.
    const raw = JSON.parse(text) as Record<string, Record<string, { releases: Record<string, unknown> }>>;
    const pairs = Object.entries(raw).flatMap(([s, cves]) =>
      Object.entries(cves)
        .filter(([, e]) => e.releases['bookworm'])
        .map(([c]) => `${s}/${c}`),
    );
    expect(pairs).toHaveLength(137);
    expect(new Set(pairs.map((p) => p.split('/')[1])).size).toBe(104);
    expect(catalog.bulletins).toHaveLength(104);
    expect(fixes).toHaveLength(137);
    expect(new Set(fixes.map((f) => f.id)).size).toBe(137);
    expect(catalog.format).toBe('debian-tracker');
  });

  it('maps statuses: 66 fixed, 4 not affected, 67 without a fix', () => {
    expect(fixes.filter((f) => f.available && f.installed.kind === 'test')).toHaveLength(66);
    expect(fixes.filter((f) => f.applicability.kind === 'const' && !f.applicability.value)).toHaveLength(4);
    expect(fixes.filter((f) => !f.available)).toHaveLength(67);
  });

  it('builds the resolved fix as a negated "some binary is older" test on the source', () => {
    const f = fix('apache2/CVE-2023-25690');
    expect(f.available).toBe(true);
    expect(f.package).toEqual({ manager: 'dpkg', name: 'apache2', version: '2.4.56-1' });
    const app = asTest(f.applicability);
    expect(app.negate).toBe(false);
    expect(app.object).toMatchObject({
      type: 'dpkginfo',
      fields: { source: { value: 'apache2', operation: 'equals' } },
    });
    expect(app.states).toEqual([]);
    expect(app.checkExistence).toBe('at_least_one_exists');
    expect(app.check).toBe('all');
    const inst = asTest(f.installed);
    expect(inst.negate).toBe(true);
    expect(inst.id).toBe('tracker:tst:bookworm:apache2:CVE-2023-25690:fixed');
    expect(inst.check).toBe('at least one');
    expect(inst.object.fields['source']?.value).toBe('apache2');
    expect(inst.states[0]?.fields['source_evr']).toEqual({
      value: '0:2.4.56-1',
      operation: 'less than',
      datatype: 'debian_evr_string',
    });
  });

  it('keeps an epoch in the fixed version', () => {
    const inst = asTest(fix('openssh/CVE-2002-0639').installed);
    expect(inst.states[0]?.fields['source_evr']?.value).toBe('1:3.4');
    expect(bulletin('CVE-2002-0639').severity).toBe('important');
  });

  it('open → no fix available, installed never true', () => {
    const f = fix('apt/CVE-2011-3374');
    expect(f.available).toBe(false);
    expect(f.installed).toMatchObject({ kind: 'const', value: false });
    expect(asTest(f.applicability).object.fields['source']?.value).toBe('apt');
    const b = bulletin('CVE-2011-3374');
    expect(b.severity).toBe('low');
    expect(b.notes).toContain('Debian: unimportant');
    expect(b.references).toContainEqual({ source: 'debian-bug', id: '642480', url: 'https://bugs.debian.org/642480' });
  });

  it('fixed version "0" → not applicable, with a note', () => {
    const f = fix('xz-utils/CVE-2024-3094');
    expect(f.applicability).toMatchObject({ kind: 'const', value: false });
    expect(bulletin('CVE-2024-3094').notes).toContain('Debian: xz-utils is not affected in bookworm (fixed version 0)');
  });

  it('keeps nodsa and nodsa_reason as notes, and titles stay short', () => {
    const b = bulletin('CVE-2016-2781');
    expect(b.notes).toContain('Debian: no DSA: Minor issue (ignored)');
    expect(b.severity).toBe('low');
    const many = bulletin('CVE-2023-48795');
    expect(many.fixes.length).toBeGreaterThan(3);
    expect(many.title).toMatch(/^dropbear, erlang, golang-go\.crypto \(\+\d+ more\): The SSH transport protocol/);
    expect(many.title.length).toBeLessThan(180);
    expect(many.notes).toContain('Debian: no DSA (erlang): Minor issue');
  });

  it('fills the bulletin fields', () => {
    const b = bulletin('CVE-2023-25690');
    expect(b).toMatchObject({
      source: 'debian-tracker',
      class: 'vulnerability',
      cves: ['CVE-2023-25690'],
      kbs: [],
      supersedes: [],
    });
    expect(b.title).toMatch(
      /^apache2: Some mod_proxy configurations on Apache HTTP Server versions 2\.4\.0 through 2\.4\.55/,
    );
    expect(b.description).toMatch(/^Some mod_proxy configurations/);
    expect(b.severity).toBe('unknown');
  });

  it('gives the same id the same content, and is deterministic', () => {
    const seen = new Map<string, string>();
    const visit = (c: Criterion) => {
      if (c.kind === 'criteria') c.children.forEach(visit);
      if (c.kind !== 'test') return;
      const named: [string, unknown][] = [
        [c.test.id, c.test],
        [c.test.object.id, c.test.object],
        ...c.test.states.map((s): [string, unknown] => [s.id, s]),
      ];
      for (const [id, v] of named) {
        const s = JSON.stringify(v);
        expect(seen.get(id) ?? s, id).toBe(s);
        seen.set(id, s);
      }
    };
    fixes.forEach((f) => [f.applicability, f.installed].forEach(visit));
    expect(importDebianTracker(text, { file: FILE, release: 'bookworm' })).toEqual(catalog);
  });

  it('imports nothing for a release the file does not mention', () => {
    expect(importDebianTracker(text, { file: FILE, release: 'trixie' }).bulletins).toEqual([]);
  });
});

describe('status and urgency mapping', () => {
  it.each([
    ['unimportant', 'low'],
    ['low', 'low'],
    ['low*', 'low'],
    ['medium', 'moderate'],
    ['medium*', 'moderate'],
    ['high', 'important'],
    ['high*', 'important'],
    ['not yet assigned', 'unknown'],
    ['end-of-life', 'unknown'],
    ['something new', 'unknown'],
    [undefined, 'unknown'],
  ] as const)('urgency %s → %s', (urgency, severity) => {
    expect(debianUrgencySeverity(urgency)).toBe(severity);
  });

  it('maps each status, skips other releases and takes the worst urgency', () => {
    const c = mini({
      foo: {
        'CVE-2024-0001': rel({ status: 'resolved', fixed_version: '1.0-2', urgency: 'medium' }),
        'CVE-2024-0002': rel({ status: 'open', urgency: 'high*' }),
        'CVE-2024-0003': rel({ status: 'undetermined', urgency: 'not yet assigned' }),
        'CVE-2024-0004': { releases: { bullseye: { status: 'open', repositories: {}, urgency: 'high' } } },
        'TEMP-0000000-ABCDEF': rel({ status: 'open', urgency: 'low' }),
      },
      bar: { 'CVE-2024-0001': rel({ status: 'resolved', fixed_version: '0', urgency: 'high' }) },
      baz: { 'CVE-2024-0001': rel({ status: 'open', urgency: 'low' }) },
    });
    expect(c.bulletins.map((b) => b.id)).toEqual([
      'CVE-2024-0001',
      'CVE-2024-0002',
      'CVE-2024-0003',
      'TEMP-0000000-ABCDEF',
    ]);
    const b1 = bulletin('CVE-2024-0001', c);
    expect(b1.fixes.map((f) => [f.id, f.available])).toEqual([
      ['bar/CVE-2024-0001', true],
      ['baz/CVE-2024-0001', false],
      ['foo/CVE-2024-0001', true],
    ]);
    expect(b1.severity).toBe('moderate'); // bar is not affected: its "high" does not count
    expect(bulletin('CVE-2024-0002', c).severity).toBe('important');
    expect(bulletin('CVE-2024-0003', c).notes).toContain('Debian: status undetermined');
    expect(fix('foo/CVE-2024-0003', c).available).toBe(false);
    expect(bulletin('TEMP-0000000-ABCDEF', c).cves).toEqual([]);
  });

  it('accepts an empty feed', () => {
    expect(mini({}).bulletins).toEqual([]);
  });
});

describe('malformed and foreign input', () => {
  it('reports a wrong type with the file and the JSON path', () => {
    const raw = JSON.parse(text);
    raw.apache2['CVE-2023-25690'].releases.bookworm.status = 42;
    const e = thrownError(() => importDebianTracker(JSON.stringify(raw), { file: 'bad.json', release: 'bookworm' }));
    expect(e.code).toBe('E_INPUT_MALFORMED');
    expect(e.location).toMatchObject({
      file: 'bad.json',
      path: '$.apache2["CVE-2023-25690"].releases.bookworm.status',
    });
  });

  it.each([
    [{ debianbug: 'x' }, '$["python3.11"]["CVE-2024-1"].debianbug'],
    [{ releases: [] }, '$["python3.11"]["CVE-2024-1"].releases'],
  ])('reports %j at %s', (entry, path) => {
    const bad = JSON.stringify({
      'python3.11': { 'CVE-2024-1': { ...rel({ status: 'open', urgency: 'low' }), ...entry } },
    });
    const e = thrownError(() => importDebianTracker(bad, { file: 'x.json', release: 'bookworm' }));
    expect(e.code).toBe('E_INPUT_MALFORMED');
    expect(e.location?.path).toBe(path);
  });

  it('reports a fixed_version of the wrong type in the chosen release only', () => {
    const bad = {
      foo: { 'CVE-2024-1': { releases: { bookworm: { status: 'resolved', repositories: {}, fixed_version: 1 } } } },
    };
    expect(thrownError(() => mini(bad)).location?.path).toBe('$.foo["CVE-2024-1"].releases.bookworm.fixed_version');
    expect(mini(bad, 'trixie').bulletins).toEqual([]);
  });

  it.each([
    ['an array', '[1, 2]'],
    ['a native catalog', '{"schema": "patchhive.catalog/1", "bulletins": []}'],
    ['an object of objects without releases', '{"a": {"b": {"c": 1}}}'],
    ['a string', '"hello"'],
  ])('rejects %s as E_INPUT_UNKNOWN_FORMAT', (_what, input) => {
    expect(thrownError(() => importDebianTracker(input, { file: 'f.json', release: 'bookworm' })).code).toBe(
      'E_INPUT_UNKNOWN_FORMAT',
    );
  });

  it('reports truncated JSON with line and column', () => {
    const cut = text.slice(0, 5000);
    const e = thrownError(() => importDebianTracker(cut, { file: 'cut.json', release: 'bookworm' }));
    expect(e.code).toBe('E_INPUT_MALFORMED');
    expect(e.message).toMatch(/end of input/);
    expect(e.location?.file).toBe('cut.json');
    expect(e.location?.line).toBe(cut.trimEnd().split('\n').length);
    expect(e.location?.column).toBeGreaterThan(0);
  });

  it('reports a syntax error at its line and column', () => {
    const e = thrownError(() =>
      importDebianTracker('{\n  "a": {\n    "b": 1,\n  }\n}', { file: 's.json', release: 'bookworm' }),
    );
    expect(e.code).toBe('E_INPUT_MALFORMED');
    expect(e.location).toMatchObject({ file: 's.json', line: 4, column: 3 });
  });
});

describe('looksLikeDebianTracker', () => {
  it('recognises the feed from its first bytes', () => {
    expect(looksLikeDebianTracker(text.slice(0, 4096))).toBe(true);
    expect(looksLikeDebianTracker('\uFEFF{"0ad":{"CVE-2020-24614":{"description":"x"')).toBe(true);
    expect(looksLikeDebianTracker('{"0ad": {"TEMP-0000000-1F2E3D": {')).toBe(true);
  });

  it.each([
    ['MSRC JSON', readFileSync('test/fixtures/windows/msrc/CVE_KB_Mapping_2026-Aug.json', 'utf8').slice(0, 4096)],
    ['MSRC CSV', readFileSync('test/fixtures/windows/msrc/kb_cve_data.csv', 'utf8').slice(0, 4096)],
    ['OVAL', readFileSync('test/fixtures/debian/oval-bookworm-sample.xml', 'utf8').slice(0, 4096)],
    ['native', '{"schema": "patchhive.catalog/1", "bulletins": []}'],
  ])('does not claim %s', (_what, head) => {
    expect(looksLikeDebianTracker(head)).toBe(false);
  });
});
