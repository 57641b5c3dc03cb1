/** Files around signing: key pairs on disk (private key 0600) and reading keys and catalogs. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PatchhiveError } from '../../errors.js';
import type { KeyPair } from './signing.js';

/** Writes NAME.key (mode 0600) and NAME.pub into outDir; refuses to overwrite either file. */
export function writeKeyPair(outDir: string, name: string, pair: KeyPair): { privatePath: string; publicPath: string } {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new PatchhiveError('E_USAGE', `key name "${name}" must be letters, digits, ".", "_" or "-"`);
  }
  const privatePath = join(outDir, `${name}.key`);
  const publicPath = join(outDir, `${name}.pub`);
  for (const p of [privatePath, publicPath]) {
    if (existsSync(p)) throw new PatchhiveError('E_USAGE', `${p} already exists; refusing to overwrite a key`);
  }
  try {
    mkdirSync(outDir, { recursive: true });
    // 'wx' fails if the file appeared meanwhile; the mode applies at creation, so the private key
    // is never readable by others, not even briefly.
    writeFileSync(privatePath, pair.privateKeyPem, { flag: 'wx', mode: 0o600 });
    chmodSync(privatePath, 0o600); // in case the file system ignored the creation mode
    writeFileSync(publicPath, pair.publicKeyPem, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw writeError(err, outDir);
  }
  return { privatePath, publicPath };
}

/** Reads a key or signature file as text; a missing file is E_INPUT_NOT_FOUND. */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot read ${what} (${code})`, { file: path }, { cause: err });
  }
}

/** Reads a file's bytes; a missing file is E_INPUT_NOT_FOUND. */
export function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot read ${what} (${code})`, { file: path }, { cause: err });
  }
}

function writeError(err: unknown, path: string): PatchhiveError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new PatchhiveError('E_OUTPUT_FAILED', `cannot write key files (${code})`, { file: path }, { cause: err });
}
