/** Reading and writing inventory files (JSON, schema patchhive.inventory/1). */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PatchhiveError } from '../errors.js';
import { checkInventorySchemaId, parseJsonLocated, readInputText, validateInventory } from './input.js';
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
 * Writes an inventory atomically: validated first, then a temporary file in the same directory,
 * fsync, rename over the target, fsync of the directory. A crash leaves the old file or the new
 * one, never half of either.
 */
export async function writeInventoryFile(file: string, inv: Inventory): Promise<void> {
  const checked = inventorySchema.safeParse(inv);
  if (!checked.success) {
    throw new PatchhiveError('E_INTERNAL', `refusing to write an invalid inventory: ${checked.error.issues[0]?.message}`, { file });
  }
  await writeFileAtomic(file, formatInventory(checked.data));
}

/** Writes `data` to `file` atomically (same-directory temp file + fsync + rename). */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    // Same code as src/cli/output.ts uses for an unwritable output: the closed set has no output code.
    throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot write output (${code})`, { file }, { cause: err });
  }
  // Make the rename itself durable. Some file systems refuse fsync on a directory; the data is safe anyway.
  const dh = await open(dir, 'r').catch(() => undefined);
  if (dh) await dh.sync().catch(() => undefined).finally(() => dh.close());
}
