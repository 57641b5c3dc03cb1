/** The published JSON Schema of `patchhive.catalog/1`, generated from the zod schema (never hand-edited). */
import { z } from 'zod';
import { nativeCatalogSchema } from './schema.js';

/** Where the generated schema is committed, relative to the package root. */
export const CATALOG_SCHEMA_PATH = 'schemas/catalog.schema.json';

/** The JSON Schema (draft 2020-12) of the catalog as written: defaulted fields are optional. */
export function catalogJsonSchema(): Record<string, unknown> {
  // io 'input': the schema describes files people write, where defaults may be left out.
  return z.toJSONSchema(nativeCatalogSchema, { io: 'input', target: 'draft-2020-12' });
}

/** The schema file's exact text (2-space indent, trailing newline), as committed and printed. */
export function catalogJsonSchemaText(): string {
  return JSON.stringify(catalogJsonSchema(), null, 2) + '\n';
}
