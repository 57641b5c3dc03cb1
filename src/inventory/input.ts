/** Inventory documents: the schema marker and validation with located errors. */
import { PatchhiveError } from '../errors.js';
import { INVENTORY_SCHEMA_ID, inventorySchema, type Inventory } from './model.js';
import { zodToPatchhiveError } from '../common/json-input.js';

/** Checks the `schema` marker: anything but patchhive.inventory/1 → E_INPUT_UNKNOWN_FORMAT. */
export function checkInventorySchemaId(raw: unknown, file?: string): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', 'not a Patchhive inventory (top level is not an object)', { file, path: '$' });
  }
  const id = (raw as Record<string, unknown>).schema;
  if (id === INVENTORY_SCHEMA_ID) return;
  const loc = { file, path: '$.schema' };
  if (id === undefined) throw new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', 'not a Patchhive inventory (no "schema" field)', loc);
  const shown = JSON.stringify(id)?.slice(0, 80);
  if (typeof id === 'string' && id.startsWith('patchhive.inventory/')) {
    throw new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', `inventory schema ${shown} is not supported (this version reads ${INVENTORY_SCHEMA_ID})`, loc);
  }
  throw new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', `unknown schema ${shown}; expected "${INVENTORY_SCHEMA_ID}"`, loc);
}

/** Validates a parsed object against the inventory schema, with located errors. */
export function validateInventory(raw: unknown, file?: string): Inventory {
  checkInventorySchemaId(raw, file);
  const result = inventorySchema.safeParse(raw);
  if (!result.success) throw zodToPatchhiveError(result.error, file, 'invalid inventory');
  return result.data;
}
