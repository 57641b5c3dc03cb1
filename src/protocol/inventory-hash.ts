/** The inventory hash both sides agree on: SHA-256 over the inventory without its collection time. */
import { createHash } from 'node:crypto';
import type { Inventory } from '../inventory/model.js';

/** JSON with object keys sorted, so equal inventories hash equal whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hex SHA-256 of the inventory's content; `collectedAt` is left out so an unchanged machine hashes the same. */
export function inventoryHash(inventory: Inventory): string {
  const { collectedAt: _ignored, ...content } = inventory;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
