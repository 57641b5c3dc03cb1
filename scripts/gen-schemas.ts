/**
 * Regenerates schemas/*.schema.json from the zod schemas. Run: `npx tsx scripts/gen-schemas.ts`
 * (`--check` exits 1 instead of writing when a committed file is out of date).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inventoryJsonSchemaText } from '../src/inventory/json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outputs: [string, string][] = [['schemas/inventory.schema.json', inventoryJsonSchemaText()]];

const check = process.argv.includes('--check');
let stale = 0;
for (const [rel, text] of outputs) {
  const file = path.join(root, rel);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === text) continue;
  if (check) {
    process.stderr.write(`${rel} is out of date: run npx tsx scripts/gen-schemas.ts\n`);
    stale++;
  } else {
    await writeFile(file, text);
    process.stdout.write(`wrote ${rel}\n`);
  }
}
process.exitCode = stale ? 1 : 0;
