import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CATALOG_SCHEMA_PATH, catalogJsonSchema, catalogJsonSchemaText } from './json-schema.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('schemas/catalog.schema.json', () => {
  it('is up to date with the zod schema (regenerate: npx tsx scripts/gen-catalog-schema.ts)', () => {
    expect(readFileSync(join(ROOT, CATALOG_SCHEMA_PATH), 'utf8')).toBe(catalogJsonSchemaText());
  });

  it('describes the file as written: defaulted fields are optional, criteria are exactly one key', () => {
    const schema = catalogJsonSchema() as {
      $defs: Record<string, { required?: string[]; minProperties?: number; maxProperties?: number }>;
    };
    expect(schema.$defs.Bulletin?.required).toEqual(['id', 'title', 'severity', 'fixes']);
    expect(schema.$defs.Fix?.required).toEqual(['id', 'applicability', 'installed']);
    expect(schema.$defs.Criterion).toMatchObject({ minProperties: 1, maxProperties: 1 });
    expect(JSON.stringify(schema)).not.toMatch(/__schema\d/); // every shared definition has a name
  });
});
