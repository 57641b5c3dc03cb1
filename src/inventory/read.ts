/** Reading and writing inventory files (JSON, schema patchhive.inventory/1). */
import { writeOutputFile } from '../common/atomic-write.js';
import { PatchhiveError } from '../errors.js';
import { checkInventorySchemaId, validateInventory } from './input.js';
import { parseJsonLocated, readInputText } from '../common/json-input.js';
import { inventorySchema, type Inventory } from './model.js';
import { normaliseWindowsInventory } from './windows.js';

/**
 * Parses an inventory document. Bad JSON → E_INPUT_MALFORMED at line:column; schema violations →
 * E_INPUT_MALFORMED with the JSON path; another `schema` → E_INPUT_UNKNOWN_FORMAT. Windows
 * collector output (same schema) is normalised as parseWindowsCollectorOutput does.
 */
export function parseInventory(text: string, file?: string): Inventory {
  const raw = parseJsonLocated(text, file);
  checkInventorySchemaId(raw, file);
  const family = (raw as { os?: { family?: unknown } }).os?.family;
  return family === 'windows' ? normaliseWindowsInventory(raw, file) : validateInventory(raw, file);
}

/** Reads and parses an inventory file (UTF-8, or UTF-16 with BOM as PowerShell's `>` writes). */
export async function readInventoryFile(file: string): Promise<Inventory> {
  return parseInventory(await readInputText(file), file);
}

/** Serialises an inventory the way every writer here does: 2-space JSON and a final newline. */
export function formatInventory(inv: Inventory): string {
  return JSON.stringify(inv, null, 2) + '\n';
}

/**
 * Writes an inventory, validated first. A regular file is replaced atomically (a temporary file in
 * the same directory, fsync, rename, fsync of the directory: a crash leaves the old file or the new
 * one, never half of either); a FIFO or a device is written into and never replaced.
 */
export async function writeInventoryFile(file: string, inv: Inventory): Promise<void> {
  const checked = inventorySchema.safeParse(inv);
  if (!checked.success) {
    throw new PatchhiveError(
      'E_INTERNAL',
      `refusing to write an invalid inventory: ${checked.error.issues[0]?.message}`,
      { file },
    );
  }
  await writeOutputFile(file, formatInventory(checked.data));
}
