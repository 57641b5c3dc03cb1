/** Helpers shared by the collectors. */
import path from 'node:path';
import { PatchhiveError } from '../errors.js';
import { inventorySchema, type Inventory } from './model.js';

/** OS facts a user can state when the collector cannot know them (e.g. a status file from elsewhere). */
export interface OsOverrides {
  platform?: string;
  release?: string;
  codename?: string;
  arch?: string;
}

/** "web01.status" → "web01": a saved file is named after the machine far more often than after us. */
export function nameFromFile(file: string): string {
  const base = path.basename(file);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Checks a finished inventory against the schema: a collector must never emit what readers reject. */
export function checkCollected(inv: Inventory): Inventory {
  const result = inventorySchema.safeParse(inv);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PatchhiveError(
      'E_COLLECT_FAILED',
      `collected inventory is invalid: ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return result.data;
}
