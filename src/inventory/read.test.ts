import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectDpkgInventory } from './collect-dpkg.js';
import { findJsonErrorOffset } from '../common/json-locate.js';
import type { Inventory } from './model.js';
import { formatInventory, parseInventory, readInventoryFile, writeInventoryFile } from './read.js';
import { DEBIAN_12_OS_RELEASE, fakeMachine, fixture, makeRoot, removeRoots } from './test-support.js';

afterAll(removeRoots);

const now = new Date('2026-11-21T12:00:00Z');
const minbase = async (): Promise<Inventory> =>
  collectDpkgInventory({
    statusFile: fixture('debian', 'status-minbase-12-point-release.txt'),
    now,
    local: fakeMachine(await makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE })),
  });

describe('read/write round trip', () => {
  it('a dpkg inventory written and read back is identical', async () => {
    const inv = await minbase();
    const dir = await makeRoot({});
    const file = path.join(dir, 'minbase.json');
    await writeInventoryFile(file, inv);
    expect(await readInventoryFile(file)).toEqual(inv);
    expect(await readFile(file, 'utf8')).toBe(formatInventory(inv));
    expect(await readdir(dir)).toEqual(['minbase.json']); // no temporary file left behind
  });

  it('reads Windows collector output as an inventory', async () => {
    const inv = await readInventoryFile(fixture('windows', 'collector-output-win10-22h2-x64.json'));
    expect(inv.os.version).toBe('10.0.19045.6216');
  });

  it.each([
    ['UTF-8 with BOM', (s: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)])],
    [
      'UTF-16LE with BOM (PowerShell 5.1 ">")',
      (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]),
    ],
  ])('reads %s', async (_what, encode) => {
    const text = await readFile(fixture('windows', 'collector-output-xp-sp2-x86-netapi32-patched.json'), 'utf8');
    const dir = await makeRoot({ 'inv.json': encode(text) });
    expect((await readInventoryFile(path.join(dir, 'inv.json'))).machine.name).toBe('XPSP2-LAB01');
  });

  it('a missing file is E_INPUT_NOT_FOUND', async () => {
    await expect(readInventoryFile('/nonexistent/inv.json')).rejects.toMatchObject({
      code: 'E_INPUT_NOT_FOUND',
      location: { file: '/nonexistent/inv.json' },
    });
  });
});

describe('atomic write', () => {
  it('replaces an existing file whole', async () => {
    const dir = await makeRoot({ 'inv.json': 'old content that is longer than nothing' });
    const inv = await minbase();
    await writeInventoryFile(path.join(dir, 'inv.json'), inv);
    expect(JSON.parse(await readFile(path.join(dir, 'inv.json'), 'utf8'))).toEqual(inv);
  });

  it('a failed rename leaves the target untouched and no temporary file', async () => {
    const dir = await makeRoot({ 'target/keep.txt': 'keep' });
    await expect(writeInventoryFile(path.join(dir, 'target'), await minbase())).rejects.toMatchObject({
      code: 'E_OUTPUT_FAILED',
    });
    expect(await readdir(dir)).toEqual(['target']);
    expect(await readFile(path.join(dir, 'target/keep.txt'), 'utf8')).toBe('keep');
  });

  it('refuses to write an invalid inventory, leaving the old file', async () => {
    const dir = await makeRoot({ 'inv.json': 'old' });
    const bad = { ...(await minbase()), machine: { name: '' } };
    await expect(writeInventoryFile(path.join(dir, 'inv.json'), bad)).rejects.toMatchObject({ code: 'E_INTERNAL' });
    expect(await readFile(path.join(dir, 'inv.json'), 'utf8')).toBe('old');
  });

  it('a missing directory is an error, not a half-written file', async () => {
    const dir = await makeRoot({});
    await mkdir(path.join(dir, 'sub'));
    await expect(writeInventoryFile(path.join(dir, 'nope', 'inv.json'), await minbase())).rejects.toMatchObject({
      code: 'E_OUTPUT_FAILED',
    });
  });
});

describe('parseInventory errors', () => {
  const valid = (): Record<string, any> => ({
    schema: 'patchhive.inventory/1',
    machine: { name: 'm' },
    collectedAt: 'x',
    os: { family: 'unix', platform: 'debian' },
    packages: { manager: 'dpkg', items: [0, 1, 2, 3].map((i) => ({ name: `p${i}`, version: '1' })) },
  });

  it.each([
    ['trailing comma', '{\n  "a": 1,\n}', 3, 1],
    ['missing value', '{"a":}', 1, 6],
    ['truncated', '{\n "schema": "patchhive.inventory/1",\n "machine": {', 3, 14],
    ['empty', '', 1, 1],
    ['bad literal', '[\n  tru ]', 2, 3],
    ['control character in string', '{"a": "x\u0001"}', 1, 9],
    ['garbage after the document', '{} x', 1, 4],
  ])('JSON %s → E_INPUT_MALFORMED at line:column', (_what, text, line, column) => {
    expect(() => parseInventory(text, 'inv.json')).toThrow(
      expect.objectContaining({ code: 'E_INPUT_MALFORMED', location: { file: 'inv.json', line, column } }),
    );
  });

  it('names the JSON path and what was expected', () => {
    const r = valid();
    r.packages.items[3].version = 5;
    expect(() => parseInventory(JSON.stringify(r), 'inv.json')).toThrow(
      expect.objectContaining({
        code: 'E_INPUT_MALFORMED',
        location: { file: 'inv.json', path: '$.packages.items[3].version' },
        message: expect.stringMatching(/expected string, received number/),
      }),
    );
  });

  it('counts further problems', () => {
    const r = valid();
    delete r.machine;
    r.os.family = 'plan9';
    expect(() => parseInventory(JSON.stringify(r))).toThrow(/and 1 more problem\b/);
  });

  it.each([
    ['another version', { ...valid(), schema: 'patchhive.inventory/2' }, /not supported/],
    ['another format', { ...valid(), schema: 'patchhive.catalog/1' }, /unknown schema/],
    ['no schema', { machine: {} }, /no "schema" field/],
    ['an array', [1], /not an object/],
  ])('%s → E_INPUT_UNKNOWN_FORMAT', (_what, doc, message) => {
    expect(() => parseInventory(JSON.stringify(doc), 'f.json')).toThrow(
      expect.objectContaining({ code: 'E_INPUT_UNKNOWN_FORMAT', message: expect.stringMatching(message) }),
    );
  });

  it('ignores unknown fields (additive changes keep /1)', () => {
    const inv = parseInventory(JSON.stringify({ ...valid(), futureField: { x: 1 } }));
    expect('futureField' in inv).toBe(false);
  });
});

describe('findJsonErrorOffset', () => {
  it.each(['{}', '[]', ' {"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n"]} ', '"x"', '0'])('accepts %s', (text) => {
    expect(findJsonErrorOffset(text)).toBe(-1);
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it.each([
    ['{"a":1,}', 7],
    ['[01]', 2],
    ['[1.]', 3],
    ['{"a" 1}', 5],
    ['{1:2}', 1],
    ['["\\x"]', 3],
    ['[1 2]', 3],
    ['}', 0],
  ])('%s fails at %i', (text, offset) => {
    expect(findJsonErrorOffset(text)).toBe(offset);
  });

  it('does not overflow the stack on a million open brackets', async () => {
    const text = '['.repeat(1_000_000);
    expect(findJsonErrorOffset(text)).toBe(text.length);
    expect(() => parseInventory(text)).toThrow(expect.objectContaining({ code: 'E_INPUT_MALFORMED' }));
  });
});

describe('formatInventory', () => {
  it('writes 2-space JSON with a final newline', async () => {
    const text = formatInventory(await minbase());
    expect(text.startsWith('{\n  "schema": "patchhive.inventory/1",\n')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });
});
