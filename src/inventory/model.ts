/**
 * The inventory: the facts one machine reports. Declared once as a zod schema (validation, the
 * TypeScript type and the published JSON Schema all come from it). Never contains secrets.
 */
import { z } from 'zod';

export const INVENTORY_SCHEMA_ID = 'patchhive.inventory/1';

const packageSchema = z
  .object({
    name: z.string().min(1).describe('Binary package name (dpkg Package / rpm NAME).'),
    version: z.string().min(1).describe('dpkg: the full version "[epoch:]upstream[-revision]". rpm: VERSION only.'),
    release: z.string().optional().describe('rpm RELEASE.'),
    epoch: z.string().optional().describe('rpm EPOCH when set (dpkg keeps the epoch inside version).'),
    arch: z.string().optional().describe('dpkg Architecture / rpm ARCH.'),
    source: z.string().optional().describe('Source package name (dpkg Source:, else the package name).'),
    sourceVersion: z
      .string()
      .optional()
      .describe(
        'Source version when it differs from the binary version (binNMU); else the same. ' +
          "rpm: the source rpm's VERSION-RELEASE.",
      ),
  })
  .describe('One installed package.');

const fileProbeSchema = z
  .object({
    path: z.string().min(1).describe('Full path as probed (Windows paths compare case-insensitively).'),
    requested: z
      .string()
      .optional()
      .describe('The path as the probe request wrote it, when it differs (e.g. before %SystemRoot% was expanded).'),
    exists: z.boolean(),
    version: z.string().optional().describe('PE file version (FileVersionRaw, dotted quad).'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    size: z.number().int().nonnegative().optional(),
  })
  .describe('A file the catalog asked about.');

const registryProbeSchema = z
  .object({
    hive: z.string().describe('HKEY_LOCAL_MACHINE, HKEY_USERS, ...'),
    key: z.string().describe('Key path below the hive, backslash-separated.'),
    name: z.string().nullable().describe('Value name; null for the key itself ("" is the default value).'),
    view: z
      .enum(['32_bit', '64_bit'])
      .optional()
      .describe('Registry view asked for (OVAL behaviors windows_view); absent = the native view.'),
    exists: z.boolean(),
    type: z.string().optional().describe('reg_sz, reg_dword, ...'),
    value: z.string().optional().describe('The value as a string (numbers in decimal).'),
  })
  .describe('A registry value the catalog asked about.');

const textFileSchema = z
  .object({
    path: z.string().min(1),
    requested: z.string().optional().describe('The path as the probe request wrote it, when it differs.'),
    exists: z.boolean(),
    content: z.string().optional().describe('Content, at most 64 KiB.'),
  })
  .describe('A small text file the catalog reads (e.g. /etc/debian_version).');

export const inventorySchema = z
  .object({
    schema: z.literal(INVENTORY_SCHEMA_ID),
    machine: z.object({
      name: z.string().min(1).describe('Host name or a label chosen by the collector.'),
      id: z.string().optional(),
    }),
    collectedAt: z.string().describe('ISO 8601 time of collection.'),
    collector: z.string().optional().describe('Which collector produced this: "dpkg", "rpm", "windows-powershell".'),
    os: z.object({
      family: z.enum(['unix', 'windows', 'macos']).describe('OVAL family.'),
      platform: z.string().describe('debian, ubuntu, rhel, fedora, windows, ...'),
      name: z.string().optional().describe('Pretty name, e.g. "Debian GNU/Linux 12 (bookworm)".'),
      release: z.string().optional().describe('Major release ("12"; Windows "10.0").'),
      codename: z.string().optional().describe('bookworm, jammy, ...'),
      version: z.string().optional().describe('Full version ("12.15"; Windows "10.0.19045.7663").'),
      arch: z.string().optional().describe('dpkg or uname architecture: amd64, x86_64, arm64, x86.'),
      kernel: z
        .object({ name: z.string(), release: z.string(), version: z.string().optional(), machine: z.string() })
        .optional()
        .describe('uname facts.'),
      windows: z
        .object({
          productName: z.string().optional(),
          editionId: z.string().optional(),
          installationType: z.string().optional().describe('Client, Server, Server Core.'),
          displayVersion: z.string().optional().describe('22H2, 21H2, ...'),
          currentVersion: z.string().optional().describe('CurrentVersion registry value, e.g. 6.1.'),
          majorVersion: z.number().int().optional().describe('CurrentMajorVersionNumber (Windows 10 and later).'),
          minorVersion: z.number().int().optional().describe('CurrentMinorVersionNumber (Windows 10 and later).'),
          build: z.number().int().describe('CurrentBuildNumber.'),
          ubr: z.number().int().optional().describe('Update build revision.'),
          csdVersion: z.string().optional().describe('Service pack, e.g. "Service Pack 3".'),
        })
        .optional(),
    }),
    packages: z
      .object({ manager: z.enum(['dpkg', 'rpm']), items: z.array(packageSchema) })
      .optional()
      .describe('Installed packages; the list is complete (absence means not installed).'),
    kbs: z
      .array(z.string().regex(/^KB\d+$/))
      .optional()
      .describe('Installed Windows updates.'),
    products: z
      .array(z.object({ name: z.string(), version: z.string().optional(), publisher: z.string().optional() }))
      .optional(),
    files: z.array(fileProbeSchema).optional().describe('Probed files; a path absent here was not collected.'),
    registry: z.array(registryProbeSchema).optional().describe('Probed registry values; absent = not collected.'),
    textFiles: z.array(textFileSchema).optional(),
  })
  .describe('Patchhive inventory: what one machine has.');

export type Inventory = z.infer<typeof inventorySchema>;
export type InstalledPackage = z.infer<typeof packageSchema>;
export type FileProbe = z.infer<typeof fileProbeSchema>;
export type RegistryProbe = z.infer<typeof registryProbeSchema>;
export type TextFileProbe = z.infer<typeof textFileSchema>;

/** The probes a catalog needs from a machine (files, registry values, text files). */
export const probeRequestSchema = z
  .object({
    files: z.array(z.string().min(1).max(4096)).max(10_000),
    registry: z
      .array(
        z.object({
          hive: z.string(),
          key: z.string(),
          name: z.string().nullable(),
          view: z
            .enum(['32_bit', '64_bit'])
            .optional()
            .describe("OVAL's windows_view behavior: which registry view to read on 64-bit Windows."),
        }),
      )
      .max(10_000),
    textFiles: z.array(z.string().min(1).max(4096)).max(10_000),
  })
  .describe('Probes the server needs for the bulletins that may apply to this machine.');

export type ProbeRequest = z.infer<typeof probeRequestSchema>;
