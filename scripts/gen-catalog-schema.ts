/**
 * Regenerates schemas/catalog.schema.json from the zod schema of patchhive.catalog/1.
 * Run: npx tsx scripts/gen-catalog-schema.ts   (a test fails when the committed file is stale)
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG_SCHEMA_PATH, catalogJsonSchemaText } from '../src/catalog/native/json-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, CATALOG_SCHEMA_PATH);
writeFileSync(target, catalogJsonSchemaText());
process.stdout.write(`wrote ${CATALOG_SCHEMA_PATH}\n`);
