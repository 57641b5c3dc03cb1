/**
 * `patchhive.catalog/1`: Patchhive's native JSON catalog format for in-house bulletins. This zod
 * schema is the single source of truth: validation, the TypeScript types and the published JSON
 * Schema (schemas/catalog.schema.json) all come from it.
 */
import { z } from 'zod';
import { SEVERITIES } from '../model.js';
import { criterionField, kbSchema } from './criterion-schema.js';

export const NATIVE_FORMAT = 'patchhive.catalog/1';

// Names end up inside criterion ids ("<catalog>:<bulletin>:<fix>:<path>"), so they may not
// contain ':' or spaces; this keeps the ids unambiguous.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const idString = (what: string) =>
  z.string().regex(ID_PATTERN, { message: `${what} must be letters, digits, ".", "_" or "-" (e.g. "PH-2026-001")` });

const isoDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'expected an ISO date ("2026-03-01") or date-time ("2026-03-01T12:00:00Z")',
});

const referenceSchema = z.strictObject({
  source: z.string().min(1).describe('Who publishes the reference: "CVE", "DSA", "vendor", ...'),
  id: z.string().min(1),
  url: z.url().optional(),
});

const supersededSchema = z
  .union(
    [
      idString('a superseded bulletin id'),
      z.strictObject({
        id: idString('a superseded bulletin id'),
        external: z.literal(true).describe('The bulletin lives in another catalog; it is not looked up here.'),
      }),
    ],
    { error: 'expected a bulletin id of this catalog, or { "id": "...", "external": true }' },
  )
  .describe('A bulletin this one replaces: an id in this catalog, or an object marking an id of another catalog.');

const packageSchema = z.strictObject({
  manager: z.enum(['dpkg', 'rpm', 'windows']),
  name: z.string().min(1),
  version: z.string().min(1).optional().describe('The fixed version, for display (dpkg/rpm syntax is checked).'),
});

const fileHashesSchema = z.strictObject({
  path: z.string().min(1),
  sha256: z
    .array(z.string().regex(/^[0-9a-fA-F]{64}$/, { message: 'expected a SHA-256 as 64 hex digits' }))
    .min(1)
    .describe('Known-good SHA-256 digests of the fixed file.'),
});

const fixSchema = z
  .strictObject({
    id: idString('a fix id'),
    product: z.string().min(1).optional().describe('Human name of the product this fix is for.'),
    package: packageSchema.optional(),
    kb: kbSchema.optional(),
    available: z.boolean().default(true).describe('false: no fix exists yet; applicable machines are "affected".'),
    applicability: criterionField('True when the product this fix is for is on the machine.'),
    installed: criterionField('True when the fix is in place.'),
    installedMarker: criterionField(
      'Evidence the fix was registered (e.g. a KB); true while "installed" is false warns "reinstall needed".',
    ).optional(),
    knownFileHashes: z.array(fileHashesSchema).optional(),
  })
  .meta({ id: 'Fix', description: 'What resolves the bulletin on one product.' });

export const BULLETIN_CLASSES = ['vulnerability', 'patch', 'compliance', 'miscellaneous'] as const;

const bulletinSchema = z
  .strictObject({
    id: idString('a bulletin id'),
    title: z.string().min(1),
    description: z.string().optional(),
    severity: z.enum(SEVERITIES),
    class: z.enum(BULLETIN_CLASSES).default('patch'),
    published: isoDate.optional(),
    revised: isoDate.optional(),
    cves: z
      .array(z.string().regex(/^CVE-\d{4}-\d{4,}$/, { message: 'expected a CVE id like "CVE-2024-1234"' }))
      .default([]),
    kbs: z.array(kbSchema).default([]),
    references: z.array(referenceSchema).default([]),
    supersedes: z.array(supersededSchema).default([]),
    manualRemediation: z
      .string()
      .min(1)
      .optional()
      .describe('The configuration change that remediates the bulletin when no package exists.'),
    notes: z.array(z.string()).optional(),
    fixes: z
      .array(fixSchema)
      .describe('May be empty only with manualRemediation; better: a fix whose "installed" checks the configuration.'),
  })
  .meta({ id: 'Bulletin', description: 'One advisory: what is wrong and what fixes it.' });

export const nativeCatalogSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Editors may point this at catalog.schema.json; ignored.'),
    format: z.literal(NATIVE_FORMAT, {
      error: (iss) =>
        typeof iss.input === 'string' && iss.input.startsWith('patchhive.catalog/')
          ? `format "${iss.input}" is not supported; this Patchhive reads ${NATIVE_FORMAT}`
          : `expected "format": "${NATIVE_FORMAT}"`,
    }),
    name: idString('the catalog name').describe('Short name; prefixes every criterion id.'),
    publisher: z.string().min(1).optional(),
    generated: isoDate.optional(),
    bulletins: z.array(bulletinSchema),
  })
  .meta({ title: 'Patchhive native catalog (patchhive.catalog/1)' });

/** The document as written (defaults not applied). */
export type NativeCatalogInput = z.input<typeof nativeCatalogSchema>;
/** The document after validation (defaults applied). */
export type NativeCatalogDoc = z.output<typeof nativeCatalogSchema>;
export type NativeBulletinDoc = NativeCatalogDoc['bulletins'][number];
export type NativeFixDoc = NativeBulletinDoc['fixes'][number];
