import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryJsonSchema, inventoryJsonSchemaText } from './json-schema.js';
import { REPO } from './test-support.js';

describe('schemas/inventory.schema.json', () => {
  it('is exactly what scripts/gen-schemas.ts generates (run it after changing model.ts)', () => {
    expect(readFileSync(path.join(REPO, 'schemas/inventory.schema.json'), 'utf8')).toBe(inventoryJsonSchemaText());
  });

  it('is a draft 2020-12 schema pinning the schema id and leaving objects open for additive fields', () => {
    const s = inventoryJsonSchema() as { $schema: string; properties: { schema: unknown }; required: string[] };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.properties.schema).toEqual({ type: 'string', const: 'patchhive.inventory/1' });
    expect(s.required).toEqual(['schema', 'machine', 'collectedAt', 'os']);
    expect(inventoryJsonSchemaText()).not.toContain('"additionalProperties": false');
  });
});
