import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import { catalogJsonSchemaText } from '../../catalog/native/json-schema.js';
import { registerCatalogCommand } from './catalog.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SAMPLE = join(ROOT, 'catalogs/inhouse-sample.json');

let stdout = '';
let help = '';

beforeEach(() => {
  stdout = '';
  help = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

/** Runs `patchhive <args>` in-process, as main.ts wires it (exitOverride, errors thrown). */
async function run(...args: string[]): Promise<void> {
  const program = new Command('patchhive')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
  registerCatalogCommand(program);
  await program.parseAsync(args, { from: 'user' });
}

async function failure(...args: string[]): Promise<PatchhiveError> {
  const err = await run(...args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PatchhiveError);
  return err as PatchhiveError;
}

function workspace(): { dir: string; catalog: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ph-cli-'));
  const catalog = join(dir, 'inhouse.json');
  copyFileSync(SAMPLE, catalog);
  return { dir, catalog };
}

describe('patchhive catalog', () => {
  it('keygen → sign → verify', async () => {
    const { dir, catalog } = workspace();
    await run('catalog', 'keygen', '--out-dir', join(dir, 'keys'), '--name', 'team');
    const keyId = /^key id: ([0-9a-f]{16})$/m.exec(stdout)?.[1];
    expect(keyId).toBeDefined();
    expect(statSync(join(dir, 'keys/team.key')).mode & 0o777).toBe(0o600);
    expect(stdout).not.toContain('PRIVATE KEY');

    await run('catalog', 'sign', '--key', join(dir, 'keys/team.key'), catalog);
    expect(JSON.parse(readFileSync(`${catalog}.sig`, 'utf8'))).toMatchObject({ alg: 'ed25519', keyId });

    stdout = '';
    await run('catalog', 'verify', '--trusted-key', join(dir, 'keys/team.pub'), catalog);
    expect(stdout).toBe(`ok: signed by ${keyId}\n`);
  });

  it('keygen refuses to overwrite and uses the default name', async () => {
    const { dir } = workspace();
    await run('catalog', 'keygen', '--out-dir', dir);
    expect(existsSync(join(dir, 'patchhive-catalog.key'))).toBe(true);
    const err = await failure('catalog', 'keygen', '--out-dir', dir);
    expect(err.code).toBe('E_USAGE');
    expect(err.message).toMatch(/refusing to overwrite/);
  });

  it('sign validates the catalog first and writes no signature for a bad one', async () => {
    const { dir, catalog } = workspace();
    await run('catalog', 'keygen', '--out-dir', dir);
    writeFileSync(catalog, readFileSync(catalog, 'utf8').replace('"severity": "critical"', '"severity": "urgent"'));
    const err = await failure('catalog', 'sign', '--key', join(dir, 'patchhive-catalog.key'), catalog);
    expect(err.code).toBe('E_INPUT_MALFORMED');
    expect(err.location).toMatchObject({ file: catalog, path: '$.bulletins[4].severity' });
    expect(existsSync(`${catalog}.sig`)).toBe(false);
  });

  it('sign with a public key instead of the private key names the key file', async () => {
    const { dir, catalog } = workspace();
    await run('catalog', 'keygen', '--out-dir', dir);
    const err = await failure('catalog', 'sign', '--key', join(dir, 'patchhive-catalog.pub'), catalog);
    expect(err.code).toBe('E_KEY_INVALID');
    expect(err.location?.file).toBe(join(dir, 'patchhive-catalog.pub'));
  });

  it('verify refuses tampered, unsigned and untrusted catalogs, and malformed keys', async () => {
    const { dir, catalog } = workspace();
    await run('catalog', 'keygen', '--out-dir', dir, '--name', 'a');
    await run('catalog', 'keygen', '--out-dir', dir, '--name', 'b');
    const pubA = join(dir, 'a.pub');

    expect((await failure('catalog', 'verify', '--trusted-key', pubA, catalog)).code).toBe('E_SIGNATURE_MISSING');

    await run('catalog', 'sign', '--key', join(dir, 'b.key'), catalog);
    const untrusted = await failure('catalog', 'verify', '--trusted-key', pubA, catalog);
    expect(untrusted.code).toBe('E_SIGNATURE_INVALID');
    expect(untrusted.message).toMatch(/which is not trusted/);
    // several trusted keys: repeat the option
    await run('catalog', 'verify', '--trusted-key', pubA, '--trusted-key', join(dir, 'b.pub'), catalog);

    writeFileSync(catalog, readFileSync(catalog, 'utf8').replace('PH-2026-003', 'PH-2026-005'));
    const tampered = await failure('catalog', 'verify', '--trusted-key', join(dir, 'b.pub'), catalog);
    expect(tampered.code).toBe('E_SIGNATURE_INVALID');
    expect(tampered.message).toMatch(/signature does not match \(tampered, or signed by another key\)/);

    writeFileSync(join(dir, 'broken.pub'), '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n');
    const broken = await failure('catalog', 'verify', '--trusted-key', join(dir, 'broken.pub'), catalog);
    expect(broken.code).toBe('E_KEY_INVALID');
    expect(broken.message).toContain(join(dir, 'broken.pub'));
  });

  it('verify requires --trusted-key', async () => {
    await expect(run('catalog', 'verify', SAMPLE)).rejects.toMatchObject({
      code: 'commander.missingMandatoryOptionValue',
    });
  });

  it('schema prints the committed JSON Schema', async () => {
    await run('catalog', 'schema');
    expect(stdout).toBe(catalogJsonSchemaText());
    expect(stdout).toBe(readFileSync(join(ROOT, 'schemas/catalog.schema.json'), 'utf8'));
  });

  it.each([
    ['keygen', ['--out-dir <dir>', '--name <name>', '(default: "patchhive-catalog")']],
    ['sign', ['--key <file>', '<catalog>']],
    ['verify', ['--trusted-key <file>', 'repeat the option', '<catalog>']],
    ['schema', ['JSON Schema']],
  ])('catalog %s --help lists its options', async (sub, expected) => {
    await expect(run('catalog', sub, '--help')).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    for (const text of expected) expect(help).toContain(text);
  });
});

describe('through main.ts', () => {
  it('an error is one line on stderr and exit code 2', () => {
    const { dir, catalog } = workspace();
    writeFileSync(join(dir, 'x.pub'), 'garbage');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli/main.ts'),
        'catalog',
        'verify',
        '--trusted-key',
        join(dir, 'x.pub'),
        catalog,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^patchhive: error: trusted key .*x\.pub is not a PEM public key.*\[E_KEY_INVALID\]$/m);
  });
});
