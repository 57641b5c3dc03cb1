/**
 * The readable criterion language of `patchhive.catalog/1`: one-key objects such as
 * `{ "dpkg": { "source": "openssl", "version": { "lt": "3.0.22-1~deb12u2" } } }` that compile
 * (compile-criterion.ts) into the OVAL-shaped `Criterion` trees of the catalog model.
 *
 * Structural rules live here so the JSON Schema carries them too; rules that need other parts of
 * the document (ids, supersedence) are in validate.ts, version syntax is checked while compiling.
 */
import { z } from 'zod';

/** Comparison operators and the OVAL operation each stands for. */
export const OPERATIONS = {
  lt: 'less than',
  le: 'less than or equal',
  eq: 'equals',
  ne: 'not equal',
  ge: 'greater than or equal',
  gt: 'greater than',
  match: 'pattern match',
} as const;
export type Op = keyof typeof OPERATIONS;

const ORDER_OPS = ['lt', 'le', 'eq', 'ne', 'ge', 'gt'] as const;
const TEXT_OPS = ['eq', 'ne', 'match'] as const;
const REGISTRY_OPS = [...ORDER_OPS, 'match'] as const;

/** `{ "<op>": value, ... }`: one or more conditions on one field, all of which must hold. They
 * compile in the fixed order lt, le, eq, ne, ge, gt, match (the order of the shape). */
function comparison<V extends z.ZodType>(ops: readonly Op[], value: V, id: string, what: string) {
  const shape = Object.fromEntries(ops.map((op) => [op, value.optional()])) as Record<Op, z.ZodOptional<V>>;
  return z
    .strictObject(shape, {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown operator ${iss.keys.map((k) => `"${k}"`).join(', ')}; expected ${ops.join(', ')}`
          : undefined,
    })
    .refine((v) => Object.keys(v).length > 0, { message: `a comparison needs an operator: ${ops.join(', ')}` })
    .meta({ id, description: what, minProperties: 1 });
}

const nonEmpty = z.string().min(1);

export const versionComparisonSchema = comparison(
  ORDER_OPS,
  nonEmpty,
  'VersionComparison',
  'Compares a version (dpkg: [epoch:]upstream[-revision]; rpm: [epoch:]version-release; file/product/os: dotted numbers). Several operators must all hold (a range).',
);
const intComparisonSchema = comparison(
  ORDER_OPS,
  z.number().int().nonnegative(),
  'IntegerComparison',
  'Compares a whole number (Windows build or update build revision).',
);
const registryComparisonSchema = comparison(
  REGISTRY_OPS,
  z.string(),
  'RegistryValueComparison',
  'Compares a registry value as text (eq, ne), by regular expression (match), or as a whole number (lt, le, ge, gt).',
);
const textComparisonSchema = comparison(
  TEXT_OPS,
  z.string(),
  'TextComparison',
  'Compares text: exactly (eq, ne) or by regular expression (match).',
);

export const REGISTRY_HIVES = [
  'HKEY_LOCAL_MACHINE',
  'HKEY_USERS',
  'HKEY_CURRENT_USER',
  'HKEY_CLASSES_ROOT',
  'HKEY_CURRENT_CONFIG',
] as const;

const dpkgSchema = z
  .strictObject({
    name: nonEmpty.optional().describe('Binary package name (e.g. libssl3).'),
    source: nonEmpty.optional().describe('Source package name: every installed binary package built from it.'),
    version: versionComparisonSchema
      .optional()
      .describe('Compared with the binary version (name) or the source version (source). Omit: installed at all.'),
  })
  .refine((v) => (v.name === undefined) !== (v.source === undefined), {
    message: 'dpkg needs exactly one of "name" (binary package) or "source" (source package)',
  })
  .meta({ oneOf: [{ required: ['name'] }, { required: ['source'] }] });

const rpmSchema = z.strictObject({
  name: nonEmpty.describe('Package NAME.'),
  evr: versionComparisonSchema.optional().describe('Compared with [epoch:]version-release. Omit: installed at all.'),
});

const fileSchema = z
  .strictObject({
    path: nonEmpty.describe('Full path; Windows paths compare case-insensitively.'),
    version: versionComparisonSchema.optional().describe('Compared with the file version (dotted numbers).'),
    exists: z.boolean().optional().describe('false: true when the file is absent. Default: the file must exist.'),
  })
  .refine((v) => !(v.exists === false && v.version !== undefined), {
    message: 'file: "version" cannot be combined with "exists": false',
  });

const registrySchema = z
  .strictObject({
    hive: z.enum(REGISTRY_HIVES),
    key: nonEmpty.describe('Key path below the hive, backslash-separated.'),
    name: z.string().optional().describe('Value name ("" for the default value). Omit to test the key itself.'),
    value: registryComparisonSchema.optional().describe('Omit: the value exists.'),
    exists: z.boolean().optional().describe('false: true when the value is absent.'),
  })
  .refine((v) => !(v.exists === false && v.value !== undefined), {
    message: 'registry: "value" cannot be combined with "exists": false',
  });

const osSchema = z
  .strictObject({
    family: z.enum(['unix', 'windows', 'macos']).optional(),
    platform: nonEmpty.optional().describe('debian, ubuntu, rhel, windows, ...'),
    release: nonEmpty.optional().describe('Major release ("12"; Windows "10.0").'),
    codename: nonEmpty.optional().describe('bookworm, jammy, ...'),
    arch: nonEmpty.optional().describe('amd64, x86_64, arm64, x86, ...'),
    display_version: nonEmpty.optional().describe('Windows feature update, e.g. 22H2.'),
    installation_type: nonEmpty.optional().describe('Windows: Client, Server, Server Core.'),
    build: intComparisonSchema.optional().describe('Windows CurrentBuildNumber.'),
    ubr: intComparisonSchema.optional().describe('Windows update build revision.'),
    version: versionComparisonSchema.optional().describe('Full version, e.g. 10.0.19045.6216.'),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'os needs at least one fact to compare' })
  .meta({ minProperties: 1 });

const productSchema = z.strictObject({
  name: nonEmpty.describe('Installed product name, exactly as the inventory reports it.'),
  version: versionComparisonSchema.optional().describe('Omit: installed at all.'),
});

const textfileSchema = z
  .strictObject({
    path: nonEmpty.describe('Full path of a small text file.'),
    pattern: nonEmpty.describe('Regular expression applied per line; "value" compares its first capture group.'),
    instance: z.number().int().positive().optional().describe('Only the n-th match (1-based). Default: every match.'),
    value: textComparisonSchema.optional().describe('Omit: the pattern matches at least one line.'),
    exists: z.boolean().optional().describe('false: true when no line matches (or the file is absent).'),
  })
  .refine((v) => !(v.exists === false && v.value !== undefined), {
    message: 'textfile: "value" cannot be combined with "exists": false',
  });

export type DpkgCriterion = z.infer<typeof dpkgSchema>;
export type RpmCriterion = z.infer<typeof rpmSchema>;
export type FileCriterion = z.infer<typeof fileSchema>;
export type RegistryCriterion = z.infer<typeof registrySchema>;
export type OsCriterion = z.infer<typeof osSchema>;
export type ProductCriterion = z.infer<typeof productSchema>;
export type TextfileCriterion = z.infer<typeof textfileSchema>;
export type VersionComparison = z.infer<typeof versionComparisonSchema>;

/** A criterion as written in the document: exactly one of the keys below. */
export interface CriterionDoc {
  all?: CriterionDoc[];
  any?: CriterionDoc[];
  not?: CriterionDoc;
  dpkg?: DpkgCriterion;
  rpm?: RpmCriterion;
  file?: FileCriterion;
  registry?: RegistryCriterion;
  os?: OsCriterion;
  kb?: string;
  product?: ProductCriterion;
  textfile?: TextfileCriterion;
  always?: boolean;
}

export const CRITERION_KEYS = [
  'all',
  'any',
  'not',
  'dpkg',
  'rpm',
  'file',
  'registry',
  'os',
  'kb',
  'product',
  'textfile',
  'always',
] as const;

export const kbSchema = z.string().regex(/^KB\d+$/, { message: 'expected a KB number like "KB4015549"' });

/** Builds a value once, on first use: the recursive parts below need criterionSchema to exist. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
// Shared instances, so the getters return the same schema every time and the JSON Schema gets one
// named definition for the list instead of anonymous copies.
const criterionList = once(() =>
  z.array(criterionSchema).min(1).meta({ id: 'CriterionList', description: 'One or more criteria.' }),
);
const allField = once(() => criterionList().optional().describe('True when every child is true.'));
const anyField = once(() => criterionList().optional().describe('True when at least one child is true.'));
const notField = once(() => criterionSchema.optional().describe('True when the child is false.'));

// Getters make the schema recursive; the explicit type stops TypeScript inferring it circularly.
export const criterionSchema: z.ZodType<CriterionDoc> = z
  .strictObject(
    {
      get all() {
        return allField();
      },
      get any() {
        return anyField();
      },
      get not() {
        return notField();
      },
      dpkg: dpkgSchema.optional().describe('A Debian package (dpkginfo).'),
      rpm: rpmSchema.optional().describe('An RPM package (rpminfo).'),
      file: fileSchema.optional().describe('A file and its version (Windows PE version).'),
      registry: registrySchema.optional().describe('A Windows registry value.'),
      os: osSchema.optional().describe("The machine's operating system facts."),
      kb: kbSchema.optional().describe('A Windows update is installed.'),
      product: productSchema.optional().describe('An installed product.'),
      textfile: textfileSchema.optional().describe('Lines of a text file matching a pattern (textfilecontent54).'),
      always: z.boolean().optional().describe('A fixed truth value.'),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown criterion ${iss.keys.map((k) => `"${k}"`).join(', ')}; expected one of ${CRITERION_KEYS.join(', ')}`
          : undefined,
    },
  )
  .check((ctx) => {
    const keys = Object.keys(ctx.value);
    // With an unknown key present, the unrecognized-key issue already says what is wrong.
    if (keys.length === 0 && ctx.issues.some((i) => i.code === 'unrecognized_keys')) return;
    if (keys.length !== 1) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message:
          keys.length === 0
            ? `a criterion needs exactly one of ${CRITERION_KEYS.join(', ')}`
            : `a criterion has exactly one key; combine ${keys.join(' and ')} with "all" or "any"`,
      });
    }
  })
  .meta({
    id: 'Criterion',
    description: 'A condition on the machine: exactly one of the properties below.',
    minProperties: 1,
    maxProperties: 1,
  });

/** A criterion-valued property with its own description. (Describing criterionSchema directly
 * clones it, and the clone makes z.toJSONSchema emit an anonymous duplicate definition.) */
export function criterionField(description: string) {
  return z.lazy(() => criterionSchema).describe(description);
}
