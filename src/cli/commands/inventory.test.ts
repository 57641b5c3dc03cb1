import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { inventoryJsonSchemaText } from '../../inventory/json-schema.js';
import { DEBIAN_12_OS_RELEASE, fixture, makeRoot, removeRoots } from '../../inventory/test-support.js';
import { collectForCli, registerInventoryCommand } from './inventory.js';

afterAll(removeRoots);
afterEach(() => vi.restoreAllMocks());

/** Runs `patchhive inventory ...` in-process and returns what it printed on stdout. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('patchhive').exitOverride();
  registerInventoryCommand(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  await program.parseAsync(['node', 'patchhive', 'inventory', ...args]);
  return out;
}

const STATUS = fixture('debian', 'status-minbase-12-point-release.txt');
const now = new Date('2026-11-21T12:00:00Z');

describe('patchhive inventory collect', () => {
  it('--dpkg-status with --root for the facts, to stdout', async () => {
    const root = await makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE, 'etc/debian_version': '12.15\n' });
    const inv = JSON.parse(await run('collect', '--dpkg-status', STATUS, '--root', root, '--name', 'web01'));
    expect(inv).toMatchObject({
      machine: { name: 'web01' },
      collector: 'dpkg',
      os: { platform: 'debian', release: '12', version: '12.15', arch: 'amd64' },
    });
    expect(inv.packages.items).toHaveLength(88);
  });

  it('--release accepts a codename, --arch overrides; -o writes the file', async () => {
    const root = await makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE });
    const out = path.join(root, 'inv.json');
    expect(
      await run(
        'collect',
        '--dpkg-status',
        STATUS,
        '--root',
        root,
        '--release',
        'bullseye',
        '--arch',
        'i386',
        '-o',
        out,
      ),
    ).toBe('');
    const inv = JSON.parse(await readFile(out, 'utf8'));
    expect(inv.os).toMatchObject({ release: '11', codename: 'bullseye', arch: 'i386' });
  });

  it('--rpm-qa', async () => {
    const inv = JSON.parse(await run('collect', '--rpm-qa', fixture('rpm', 'rhel9-rpm-qa.txt')));
    expect(inv).toMatchObject({ collector: 'rpm', os: { platform: 'rhel', release: '9' } });
  });

  it('--windows-output normalises and can rename', async () => {
    const inv = JSON.parse(
      await run(
        'collect',
        '--windows-output',
        fixture('windows', 'collector-output-win10-22h2-x64.json'),
        '--name',
        'pc1',
      ),
    );
    expect(inv).toMatchObject({ machine: { name: 'pc1' }, os: { version: '10.0.19045.6216' } });
  });

  it.each([
    [{ dpkgStatus: 'a', rpmQa: 'b' }, 'E_USAGE', /only one of/],
    [{ windowsOutput: 'a', release: '12' }, 'E_USAGE', /do not apply/],
  ])('%j → %s', async (opts, code, message) => {
    await expect(collectForCli(opts, now)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('a root with neither dpkg nor rpm is E_COLLECT_FAILED', async () => {
    const root = await makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE });
    await expect(collectForCli({ root }, now)).rejects.toMatchObject({ code: 'E_COLLECT_FAILED' });
  });

  it('a root with a dpkg status is collected with dpkg', async () => {
    const root = await makeRoot({ 'var/lib/dpkg/status': await readFile(STATUS, 'utf8'), 'etc/hostname': 'img\n' });
    const inv = await collectForCli({ root }, now);
    expect(inv).toMatchObject({ machine: { name: 'img' }, packages: { manager: 'dpkg' } });
  });

  it('help lists every option', async () => {
    const program = new Command('patchhive');
    registerInventoryCommand(program);
    const collect = program.commands
      .find((c) => c.name() === 'inventory')!
      .commands.find((c) => c.name() === 'collect')!;
    const help = collect.helpInformation();
    for (const flag of [
      '--root <dir>',
      '--dpkg-status <file>',
      '--rpm-qa <file>',
      '--windows-output <file>',
      '--name <name>',
      '--release <release>',
      '--arch <arch>',
      '-o, --output <file>',
    ]) {
      expect(help).toContain(flag);
    }
  });
});

describe('patchhive inventory schema', () => {
  it('prints the committed JSON Schema', async () => {
    expect(await run('schema')).toBe(inventoryJsonSchemaText());
  });
});
