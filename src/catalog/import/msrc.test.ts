import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Catalog, Criterion, Entity, Fix, Test } from '../model.js';
import { importMsrcCsv, importMsrcJson, looksLikeMsrcCsv, looksLikeMsrcJson } from './msrc.js';
import { thrownError } from '../../../test/support/errors.js';

const DIR = 'test/fixtures/windows/msrc';
const CSV_FILE = `${DIR}/kb_cve_data.csv`;
const csvText = readFileSync(CSV_FILE, 'utf8');
const csv = importMsrcCsv(csvText, { file: CSV_FILE });
const jsonText = (month: string) => readFileSync(`${DIR}/CVE_KB_Mapping_2026-${month}.json`, 'utf8');
const aug = importMsrcJson(jsonText('Aug'), { file: 'CVE_KB_Mapping_2026-Aug.json' });

const allFixes = (c: Catalog) => c.bulletins.flatMap((b) => b.fixes);
function fix(c: Catalog, id: string): Fix {
  const f = allFixes(c).find((x) => x.id === id);
  if (!f) throw new Error(`no fix ${id}`);
  return f;
}
/** The tests of a criterion tree, depth first. */
function tests(c: Criterion): Test[] {
  if (c.kind === 'test') return [c.test];
  if (c.kind === 'criteria') return c.children.flatMap(tests);
  return [];
}
/** All state fields of a test, flattened. */
function stateFields(t: Test): Record<string, Entity> {
  return Object.assign({}, ...t.states.map((s) => s.fields));
}

describe('importMsrcCsv on kb_cve_data.csv', () => {
  const rows = parse<Record<string, string>>(csvText, { columns: true, bom: true });

  it('has one bulletin per CVE and one fix per (CVE, product, KB) row', () => {
    expect(rows).toHaveLength(3683);
    expect(new Set(rows.map((r) => r['CVE'])).size).toBe(221);
    expect(csv.bulletins).toHaveLength(221);
    expect(allFixes(csv)).toHaveLength(3683);
    expect(new Set(allFixes(csv).map((f) => f.id)).size).toBe(3683);
    expect(csv.format).toBe('msrc-csv');
  });

  it('fills the bulletin fields', () => {
    const b = csv.bulletins.find((x) => x.id === 'CVE-2026-42976')!;
    expect(b).toMatchObject({
      source: 'msrc',
      class: 'vulnerability',
      cves: ['CVE-2026-42976'],
      supersedes: [],
      severity: 'important',
    });
    expect(b.published).toBe('2026-08-11T07:00:00');
    const want = [...new Set(rows.filter((r) => r['CVE'] === b.id).map((r) => `KB${r['KB']}`))].sort();
    expect(b.kbs).toEqual(want);
    expect(b.fixes).toHaveLength(rows.filter((r) => r['CVE'] === b.id).length);
  });

  it('notes CVEs exploited in the wild', () => {
    const exploited = new Set(rows.filter((r) => r['ExploitStatus']!.includes('Exploited:Yes')).map((r) => r['CVE']));
    expect(exploited.size).toBeGreaterThan(0);
    const noted = csv.bulletins.filter((b) => b.notes?.includes('exploited in the wild')).map((b) => b.id);
    expect(new Set(noted)).toEqual(exploited);
  });

  it('tells Windows 10 22H2 x64 from 32-bit only by arch, with the fixed build as version', () => {
    const x64 = fix(csv, 'CVE-2026-42976/Windows 10 Version 22H2 for x64-based Systems/KB5120249');
    const x86 = fix(csv, 'CVE-2026-42976/Windows 10 Version 22H2 for 32-bit Systems/KB5120249');
    const [a64] = tests(x64.applicability);
    const [a86] = tests(x86.applicability);
    expect(a64!.object).toMatchObject({ type: 'os', fields: {} });
    expect(stateFields(a64!)).toEqual({
      family: { value: 'windows', operation: 'equals', datatype: 'string' },
      build: { value: '19045', operation: 'equals', datatype: 'int' },
      arch: { value: 'amd64', operation: 'case insensitive equals', datatype: 'string' },
      installation_type: { value: 'Client', operation: 'case insensitive equals', datatype: 'string' },
    });
    expect(stateFields(a86!)['arch']?.value).toBe('x86');
    expect(a64!.id).not.toBe(a86!.id);
    expect(x64.installed).toMatchObject({ kind: 'criteria', operator: 'OR' });
    const [ver, kb] = tests(x64.installed);
    expect(stateFields(ver!)['version']).toEqual({
      value: '10.0.19045.7663',
      operation: 'greater than or equal',
      datatype: 'version',
    });
    expect(kb!.object).toMatchObject({ type: 'kb', fields: { kb: { value: 'KB5120249', operation: 'equals' } } });
    expect(x64).toMatchObject({
      kb: 'KB5120249',
      available: true,
      package: { manager: 'windows', name: 'KB5120249', version: '10.0.19045.7663' },
    });
  });

  it('separates Server from Server Core and counts alternative KBs (hotpatch) as installed', () => {
    const full = fix(csv, 'CVE-2026-62727/Windows Server 2022/KB5120242');
    const core = fix(csv, 'CVE-2026-62727/Windows Server 2022 (Server Core installation)/KB5120242');
    expect(stateFields(tests(full.applicability)[0]!)['installation_type']?.value).toBe('Server');
    expect(stateFields(tests(core.applicability)[0]!)['installation_type']?.value).toBe('Server Core');
    expect(stateFields(tests(full.applicability)[0]!)['arch']).toBeUndefined();
    expect(tests(full.installed).map((t) => t.id)).toEqual([
      'msrc:tst:os-version:10.0.20348.5499',
      'msrc:tst:kb:KB5120242',
      'msrc:tst:kb:KB5120229',
    ]);
    const hot = fix(csv, 'CVE-2026-62727/Windows Server 2022/KB5120229');
    expect(tests(hot.installed).map((t) => t.id)).toEqual([
      'msrc:tst:os-version:10.0.20348.5440',
      'msrc:tst:kb:KB5120229',
      'msrc:tst:kb:KB5120242',
    ]);
  });

  it('uses the build the product name implies when MSRC gives a sibling build', () => {
    const f = fix(csv, 'CVE-2026-62727/Windows 11 Version 23H2 for x64-based Systems/KB5122880');
    expect(stateFields(tests(f.applicability)[0]!)['build']?.value).toBe('22631');
    expect(stateFields(tests(f.installed)[0]!)['version']?.value).toBe('10.0.22631.7567');
    expect(csv.bulletins.find((b) => b.id === 'CVE-2026-62727')!.notes).toContain(
      'Windows 11 Version 23H2 for x64-based Systems: FixedBuild 10.0.22621.7567 names sibling build 22621; used 10.0.22631.7567',
    );
  });

  it('checks .NET products by name on their Windows platform, installed by KB only', () => {
    const f = allFixes(csv).find(
      (x) => x.product === 'Microsoft .NET Framework 3.5 on Windows Server 2012 R2 (Server Core installation)',
    )!;
    const [product, os] = tests(f.applicability);
    expect(f.applicability).toMatchObject({ kind: 'criteria', operator: 'AND' });
    expect(product!.object).toMatchObject({ type: 'product', fields: { name: { operation: 'pattern match' } } });
    expect(new RegExp(product!.object.fields['name']!.value!).test('Microsoft .NET Framework 3.5')).toBe(true);
    expect(stateFields(os!)).toMatchObject({ build: { value: '9600' }, installation_type: { value: 'Server Core' } });
    expect(tests(f.installed).map((t) => t.object.type)).toEqual(['kb']);
    const b = csv.bulletins.find((x) => x.fixes.includes(f))!;
    expect(b.notes).toContain(
      'Microsoft .NET Framework 3.5: FixedBuild "2.0.50727.8984 & 3.0.30729.8980" is not a single version; the KB alone decides',
    );
  });

  it('gives the same id the same content', () => {
    const seen = new Map<string, string>();
    for (const f of allFixes(csv)) {
      for (const t of [...tests(f.applicability), ...tests(f.installed)]) {
        const named: [string, unknown][] = [
          [t.id, t],
          [t.object.id, t.object],
          ...t.states.map((s): [string, unknown] => [s.id, s]),
        ];
        for (const [id, v] of named) {
          const s = JSON.stringify(v);
          expect(seen.get(id) ?? s, id).toBe(s);
          seen.set(id, s);
        }
      }
    }
  });
});

describe('importMsrcJson', () => {
  it.each([
    ['Aug', 221, 1286],
    ['Jul', 404, 2094],
    ['Jun', 112, 669],
  ])('imports CVE_KB_Mapping_2026-%s.json: %i CVEs, %i fixes', (month, cves, patches) => {
    const raw = JSON.parse(jsonText(month)) as { patches: unknown[] }[];
    expect(raw).toHaveLength(cves);
    expect(raw.reduce((n, e) => n + e.patches.length, 0)).toBe(patches);
    const c = importMsrcJson(jsonText(month), { file: month });
    expect(c.bulletins).toHaveLength(cves);
    expect(allFixes(c)).toHaveLength(patches);
    expect(c.format).toBe('msrc-json');
  });

  it('reads merged names: any arch, Server or Server Core', () => {
    const w10 = fix(aug, 'CVE-2026-42976/Windows 10 Version 22H2/KB5120249');
    const f = stateFields(tests(w10.applicability)[0]!);
    expect(f['build']?.value).toBe('19045');
    expect(f['arch']).toBeUndefined();
    expect(stateFields(tests(w10.installed)[0]!)['version']?.value).toBe('10.0.19045.7663');
    const srv = fix(aug, 'CVE-2026-42976/Windows Server 2022/KB5120242');
    const inst = stateFields(tests(srv.applicability)[0]!)['installation_type']!;
    expect(inst).toEqual({ value: '^Server(?: Core)?$', operation: 'pattern match', datatype: 'string' });
    expect(['Server', 'Server Core'].every((v) => new RegExp(inst.value!).test(v))).toBe(true);
    expect(new RegExp(inst.value!).test('Client')).toBe(false);
  });

  it('accepts a lone entry and a lone patch (PowerShell writes one-element lists that way)', () => {
    const one = {
      cve: 'CVE-2026-0001',
      patches: {
        os: 'Windows Server 2019',
        version: '2019',
        kb: 'KB1234567',
        fixedBuild: '17763.1',
        severity: '9.8',
        exploitStatus: null,
      },
    };
    const c = importMsrcJson(JSON.stringify(one), { file: 'one.json' });
    expect(c.bulletins.map((b) => [b.id, b.severity, b.fixes.length])).toEqual([['CVE-2026-0001', 'critical', 1]]);
  });

  it('reports wrong types with the file and JSON path', () => {
    const raw = JSON.parse(jsonText('Aug'));
    raw[3].patches[1].kb = 5120249;
    const e = thrownError(() => importMsrcJson(JSON.stringify(raw), { file: 'bad.json' }));
    expect(e.code).toBe('E_INPUT_MALFORMED');
    expect(e.location).toMatchObject({ file: 'bad.json', path: '$[3].patches[1].kb' });
  });

  it.each([['{"a": 1}'], ['[{"id": 1}]'], ['"x"']])('rejects %s as E_INPUT_UNKNOWN_FORMAT', (input) => {
    expect(thrownError(() => importMsrcJson(input, { file: 'f.json' })).code).toBe('E_INPUT_UNKNOWN_FORMAT');
  });

  it('reports truncated JSON with line and column', () => {
    const e = thrownError(() => importMsrcJson(jsonText('Aug').slice(0, 3000), { file: 'cut.json' }));
    expect(e.code).toBe('E_INPUT_MALFORMED');
    expect(e.location).toMatchObject({ file: 'cut.json', line: expect.any(Number), column: expect.any(Number) });
  });
});

describe('CSV errors', () => {
  const header = '"CVE","KB","ProductID","ProductName","FixedBuild","Severity","ExploitStatus","PublishedDate"';

  it('reports an unclosed quote as E_INPUT_MALFORMED with its line', () => {
    const bad = `${header}\n"CVE-2026-0001","5120249","1","Windows Server 2019","10.0.17763.1","7.8","x","2026-08-11"\n"CVE-2026-0002","5120249,"1"\n`;
    const e = thrownError(() => importMsrcCsv(bad, { file: 'bad.csv' }));
    expect(e.code).toBe('E_INPUT_MALFORMED');
    expect(e.location?.file).toBe('bad.csv');
    expect(e.location?.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a bad CVE id at its line', () => {
    const bad = `${header}\n"CVE-2026-0001","5120249","1","Windows Server 2019","10.0.17763.1","7.8","x","2026-08-11"\n"nope","5120249","1","Windows Server 2019","10.0.17763.1","7.8","x","2026-08-11"\n`;
    const e = thrownError(() => importMsrcCsv(bad, { file: 'bad.csv' }));
    expect(e).toMatchObject({ code: 'E_INPUT_MALFORMED', location: { file: 'bad.csv', line: 3, path: 'CVE' } });
  });

  it('rejects a CSV without the MSRC columns as E_INPUT_UNKNOWN_FORMAT', () => {
    expect(thrownError(() => importMsrcCsv('a,b\n1,2\n', { file: 'x.csv' })).code).toBe('E_INPUT_UNKNOWN_FORMAT');
    expect(thrownError(() => importMsrcCsv('', { file: 'x.csv' })).code).toBe('E_INPUT_UNKNOWN_FORMAT');
  });

  it('records a row without a KB number by its build, and notes it', () => {
    const c = importMsrcCsv(
      `${header}\n"CVE-2026-0001","Release Notes","1","Windows Server 2019","10.0.17763.100","7.8","x",""\n`,
      { file: 'r.csv' },
    );
    const [b] = c.bulletins;
    expect(b!.kbs).toEqual([]);
    expect(b!.fixes).toHaveLength(1);
    expect(tests(b!.fixes[0]!.installed).map((t) => t.id)).toEqual(['msrc:tst:os-version:10.0.17763.100']);
    expect(b!.notes?.[0]).toMatch(/Release Notes/);
  });
});

describe('sniffers', () => {
  const csvHead = csvText.slice(0, 4096);
  const jsonHead = jsonText('Aug').slice(0, 4096);
  const trackerHead = readFileSync('test/fixtures/debian/tracker-bookworm.json', 'utf8').slice(0, 4096);

  it('recognise their own format', () => {
    expect(looksLikeMsrcCsv(csvHead)).toBe(true);
    expect(looksLikeMsrcCsv('\uFEFFCVE,KB,ProductID,ProductName,FixedBuild,Severity\n')).toBe(true);
    expect(looksLikeMsrcJson(jsonHead)).toBe(true);
    expect(looksLikeMsrcJson('\uFEFF[{"patches": [], "cve": "CVE-2026-0001"}]')).toBe(true);
  });

  it('do not claim the other formats', () => {
    for (const head of [
      jsonHead,
      trackerHead,
      '<?xml version="1.0"?><oval_definitions>',
      '{"schema":"patchhive.catalog/1"}',
    ]) {
      expect(looksLikeMsrcCsv(head)).toBe(false);
    }
    for (const head of [csvHead, trackerHead, '[1, 2, 3]', '[{"name": "x"}]']) {
      expect(looksLikeMsrcJson(head)).toBe(false);
    }
  });
});
