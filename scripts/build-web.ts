/**
 * Builds the web console into dist/web with Vite, unless the build there was made from the same
 * inputs (the console's sources, the generated API types and the lockfile): `npm install` and the
 * browser tests then cost nothing when nothing changed. `--force` builds anyway.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'web');
const STAMP = path.join(OUT, '.inputs-sha256');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** SHA-256 over the names and contents of everything the build reads. */
export function consoleInputsHash(): string {
  const files = [
    ...filesUnder(path.join(ROOT, 'web')),
    path.join(ROOT, 'src', 'protocol', 'openapi.gen.ts'),
    path.join(ROOT, 'package-lock.json'),
  ].sort();
  const h = createHash('sha256');
  for (const f of files) h.update(path.relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

function builtFrom(): string | undefined {
  try {
    return readFileSync(STAMP, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const inputs = consoleInputsHash();
if (!process.argv.includes('--force') && builtFrom() === inputs) {
  process.stderr.write('web console: dist/web is up to date\n');
} else {
  // Vite is loaded only when there is something to build.
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(STAMP, `${inputs}\n`);
  process.stderr.write('web console: built into dist/web\n');
}
