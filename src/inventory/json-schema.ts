/** The published JSON Schema of the inventory, generated from the zod schema (the one source of truth). */
import { z } from 'zod';
import { INVENTORY_SCHEMA_ID, inventorySchema } from './model.js';

/**
 * Returns the JSON Schema (draft 2020-12) for patchhive.inventory/1, as committed in
 * schemas/inventory.schema.json. Generated in zod's "input" mode, which leaves objects open
 * (no additionalProperties: false): readers ignore unknown fields, which is what lets additive
 * changes keep the /1 version.
 */
export function inventoryJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(inventorySchema, { io: 'input' }) as Record<string, unknown>;
  return { $schema, title: `Patchhive inventory (${INVENTORY_SCHEMA_ID})`, ...rest };
}

/** The schema file's exact text: 2-space JSON and a final newline. */
export function inventoryJsonSchemaText(): string {
  return JSON.stringify(inventoryJsonSchema(), null, 2) + '\n';
}
