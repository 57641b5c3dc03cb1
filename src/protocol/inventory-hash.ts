/** The inventory hash both sides agree on: SHA-256 over the inventory without its collection time. */
import { createHash } from 'node:crypto';
import type { Inventory } from '../inventory/model.js';
import { canonicalJson } from './canonical-json.js';

/** Hex SHA-256 of the inventory's content; `collectedAt` is left out so an unchanged machine hashes the same. */
export function inventoryHash(inventory: Inventory): string {
  const { collectedAt: _ignored, ...content } = inventory;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
