/** Inventory documents: the schema marker and validation with located errors. */
import { PatchhiveError } from '../errors.js';
import { INVENTORY_SCHEMA_ID, inventorySchema, type Inventory } from './model.js';
import { zodToPatchhiveError } from '../common/json-input.js';
import { parseDpkgVersion, parseEvr } from '../versions/index.js';

/** Checks the `schema` marker: anything but patchhive.inventory/1 → E_INPUT_UNKNOWN_FORMAT. */
export function checkInventorySchemaId(raw: unknown, file?: string): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', 'not a Patchhive inventory (top level is not an object)', {
      file,
      path: '$',
    });
  }
  const id = (raw as Record<string, unknown>).schema;
  if (id === INVENTORY_SCHEMA_ID) return;
  const loc = { file, path: '$.schema' };
  if (id === undefined)
    throw new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', 'not a Patchhive inventory (no "schema" field)', loc);
  const shown = JSON.stringify(id)?.slice(0, 80);
  if (typeof id === 'string' && id.startsWith('patchhive.inventory/')) {
    throw new PatchhiveError(
      'E_INPUT_UNKNOWN_FORMAT',
      `inventory schema ${shown} is not supported (this version reads ${INVENTORY_SCHEMA_ID})`,
      loc,
    );
  }
  throw new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', `unknown schema ${shown}; expected "${INVENTORY_SCHEMA_ID}"`, loc);
}

/** Validates a parsed object against the inventory schema, with located errors. */
export function validateInventory(raw: unknown, file?: string): Inventory {
  checkInventorySchemaId(raw, file);
  const result = inventorySchema.safeParse(raw);
  if (!result.success) throw zodToPatchhiveError(result.error, file, 'invalid inventory');
  checkPackageVersions(result.data, file);
  return result.data;
}

/** Rejects package versions the machine's own package manager could not have written. */
function checkPackageVersions(inv: Inventory, file?: string): void {
  const pkgs = inv.packages;
  if (!pkgs) return;
  pkgs.items.forEach((p, i) => {
    const fields: [string, string | undefined][] =
      pkgs.manager === 'dpkg'
        ? [
            ['version', p.version],
            ['sourceVersion', p.sourceVersion],
          ]
        : [
            ['version', p.version],
            ['release', p.release],
          ];
    for (const [field, value] of fields) {
      if (value === undefined) continue;
      try {
        if (pkgs.manager === 'dpkg') parseDpkgVersion(value);
        else parseEvr(`${value}`, {});
        if (pkgs.manager === 'rpm' && /\s/.test(value)) throw new Error('contains white space');
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new PatchhiveError(
          'E_VERSION_INVALID',
          `invalid inventory: ${pkgs.manager} version ${JSON.stringify(value)}: ${why}`,
          {
            file,
            path: `$.packages.items[${i}].${field}`,
          },
        );
      }
    }
  });
}
