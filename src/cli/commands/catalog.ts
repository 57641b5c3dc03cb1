/**
 * `patchhive catalog ...`: signing keys, detached signatures and the JSON Schema of the native
 * catalog format. Errors are thrown as PatchhiveError; main.ts prints them and exits 2.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { PatchhiveError } from '../../errors.js';
import { importNativeCatalog, signaturePathFor } from '../../catalog/native/import.js';
import { catalogJsonSchemaText } from '../../catalog/native/json-schema.js';
import { readBytes, readTextFile, writeKeyPair } from '../../catalog/native/key-files.js';
import { writeFileAtomic } from '../../common/atomic-write.js';
import {
  generateKeyPair,
  loadPublicKey,
  parseSignatureFile,
  signCatalog,
  verifyCatalog,
} from '../../catalog/native/signing.js';

const DEFAULT_KEY_NAME = 'patchhive-catalog';

function out(line: string): void {
  process.stdout.write(line + '\n');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Registers `catalog keygen | sign | verify | schema` on the program. */
export function registerCatalogCommand(program: Command): void {
  const catalog = program
    .command('catalog')
    .description('Native catalogs (patchhive.catalog/1): signing keys, signatures, JSON Schema.');

  catalog
    .command('keygen')
    .description('Create an Ed25519 key pair for signing catalogs: NAME.key (private, mode 0600) and NAME.pub.')
    .requiredOption('--out-dir <dir>', 'directory for the key files, created if missing (required)')
    .option('--name <name>', 'base name of the key files', DEFAULT_KEY_NAME)
    .action((opts: { outDir: string; name: string }) => keygen(opts.outDir, opts.name));

  catalog
    .command('sign')
    .description('Validate a native catalog, then write its detached signature beside it as <catalog>.sig.')
    .requiredOption('--key <file>', 'Ed25519 private key (.key) to sign with (required)')
    .argument('<catalog>', 'native catalog file (patchhive.catalog/1)')
    .action(async (file: string, opts: { key: string }) => sign(file, opts.key));

  catalog
    .command('verify')
    .description('Check <catalog>.sig against trusted public keys and validate the catalog; prints the signing key id.')
    .requiredOption(
      '--trusted-key <file>',
      'trusted public key (.pub); repeat the option for several keys (required)',
      collect,
    )
    .argument('<catalog>', 'native catalog file; its signature is read from <catalog>.sig')
    .action((file: string, opts: { trustedKey: string[] }) => verify(file, opts.trustedKey));

  catalog
    .command('schema')
    .description('Print the JSON Schema of the native catalog format.')
    .action(() => {
      process.stdout.write(catalogJsonSchemaText());
    });
}

function keygen(outDir: string, name: string): void {
  const pair = generateKeyPair();
  const { privatePath, publicPath } = writeKeyPair(outDir, name, pair);
  out(`key id: ${pair.keyId}`);
  out(`private key: ${privatePath} (mode 0600; keep it secret and out of version control)`);
  out(`public key: ${publicPath} (distribute it to the machines that verify catalogs)`);
}

async function sign(file: string, keyFile: string): Promise<void> {
  const pem = readTextFile(keyFile, 'private key');
  const bytes = readBytes(file, 'catalog');
  // Never put a signature on a catalog that would not load.
  importNativeCatalog(bytes, { file, trustedKeys: [], allowUnsigned: true });
  let signature: string;
  try {
    signature = signCatalog(bytes, pem);
  } catch (err) {
    throw withKeyFile(err, keyFile);
  }
  const sigPath = signaturePathFor(file);
  await writeFileAtomic(sigPath, signature);
  out(`signed ${file} with key ${parseSignatureFile(signature).keyId}: wrote ${sigPath}`);
}

function verify(file: string, keyFiles: string[]): void {
  const trusted = keyFiles.map((k) => {
    const pem = readTextFile(k, 'trusted key');
    loadPublicKey(pem, `trusted key ${k}`); // fail here, naming the file, rather than by position later
    return pem;
  });
  const bytes = readBytes(file, 'catalog');
  const sigPath = signaturePathFor(file);
  if (!existsSync(sigPath)) {
    throw new PatchhiveError('E_SIGNATURE_MISSING', `catalog ${file} is not signed: ${sigPath} does not exist`);
  }
  const { keyId } = verifyCatalog(bytes, readTextFile(sigPath, 'signature file'), trusted, file);
  importNativeCatalog(bytes, { file, trustedKeys: [], allowUnsigned: true }); // signature done; now the content
  out(`ok: signed by ${keyId}`);
}

/** Key errors name no file (they must not echo key material); add the file name here. */
function withKeyFile(err: unknown, keyFile: string): unknown {
  if (err instanceof PatchhiveError && err.code === 'E_KEY_INVALID') {
    return new PatchhiveError(err.code, err.message, { file: keyFile }, { cause: err.cause });
  }
  return err;
}
