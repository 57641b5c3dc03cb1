/**
 * Signed jobs, the rollout work the server hands an agent (docs/JOBS.md). Both sides import this
 * file: the server builds and signs a job body, the agent verifies the envelope before it runs
 * anything as root — so every field is bounded and nothing may be read as an option or a glob.
 *
 * The signature is Ed25519 over the canonical JSON bytes of `job` (keys sorted, no whitespace),
 * so a re-serialised envelope still verifies and a changed byte of meaning does not.
 */
import { z } from 'zod';
import { canonicalBytes, canonicalJson } from './canonical-json.js';

export { canonicalJson };

export const JOB_FORMAT = 'patchhive.job/1';
export const MAX_STEPS = 100;
export const MAX_ARTIFACTS = 100;
export const MAX_ARGV_ITEMS = 64;
export const MAX_ARG_CHARS = 4096;
export const MAX_PACKAGES_PER_STEP = 500;
/** The largest canonical job body either side accepts; schema bounds alone would allow megabytes. */
export const MAX_JOB_BYTES = 1024 * 1024;
/** Longest a job may be valid: a stale job must not stay runnable for months. */
export const MAX_JOB_LIFETIME_MS = 30 * 24 * 3600 * 1000;
export const MAX_ARTIFACT_BYTES = 16 * 1024 ** 3;

/** An identifier: UUIDs and slugs, never an option (no leading '-'), never a path. */
export const jobIdentifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
  message: 'expected an identifier: letters, digits, ".", "_", ":", "-" (not first), at most 128',
});

/** An ISO 8601 UTC timestamp ("…Z"); offsets are refused so comparisons stay unambiguous. */
const utcTimestamp = z.iso.datetime({ message: 'expected an ISO 8601 UTC timestamp ending in "Z"' });

// No NUL (C strings end there) and no other control characters (argv shown in logs stays one line).
const noControls = /^[^\x00-\x1f\x7f]*$/;
const argItem = z
  .string()
  .min(1)
  .max(MAX_ARG_CHARS)
  .regex(noControls, { message: 'control characters are not allowed' });
const absoluteProgram = z
  .string()
  .regex(/^(\/|[A-Za-z]:\\)/, { message: 'the program must be an absolute path (no PATH lookup)' });

/** argv: the program (absolute path) then its arguments; run without a shell. */
export const argvSchema = z
  .array(argItem)
  .min(1)
  .max(MAX_ARGV_ITEMS)
  .superRefine((argv, ctx) => {
    const r = absoluteProgram.safeParse(argv[0]);
    if (!r.success) ctx.addIssue({ code: 'custom', path: [0], message: r.error.issues[0]!.message });
  });

const timeoutSeconds = z.number().int().min(1).max(86_400);

/** An action's name in the action catalog: what the agent's local policy file allows or refuses. */
export const actionNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
  message: 'expected an action name: lowercase letters, digits, ".", "_", "-" (not first), at most 64',
});

// `action` names the catalog entry `command` came from; both are signed, and the agent checks both.
const hookStep = <K extends 'pre-hook' | 'post-hook'>(kind: K) =>
  z.strictObject({ kind: z.literal(kind), action: actionNameSchema, command: argvSchema, timeoutSeconds });

/** dpkg package names (Debian policy), optionally ":arch"; they start with a letter or digit. */
const debName = /^[a-z0-9][a-z0-9+.-]{1,127}(:[a-z0-9][a-z0-9-]{0,31})?$/;
/** dpkg versions: [epoch:]upstream[-revision]; upstream starts with a digit. */
const debVersion = /^([0-9]{1,9}:)?[0-9][A-Za-z0-9.+~:-]{0,126}$/;
/** rpm names: no glob characters, no leading '-' or '.'. */
const rpmName = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/;
/** rpm [epoch:]version-release; no globs, no leading '-'. */
const rpmVersion = /^([0-9]{1,9}:)?[A-Za-z0-9][A-Za-z0-9._+~^-]{0,126}$/;

const packageList = (name: RegExp, version: RegExp, what: string, min = 1) =>
  z
    .array(
      z.strictObject({
        name: z.string().regex(name, { message: `not a valid ${what} package name` }),
        version: z.string().regex(version, { message: `not a valid ${what} version` }),
      }),
    )
    .min(min)
    .max(MAX_PACKAGES_PER_STEP)
    .superRefine((pkgs, ctx) => {
      const seen = new Set<string>();
      pkgs.forEach((p, i) => {
        if (seen.has(p.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `package ${p.name} is listed twice` });
        seen.add(p.name);
      });
    });

const installStep = z.discriminatedUnion('manager', [
  z.strictObject({
    kind: z.literal('install'),
    manager: z.literal('apt'),
    packages: packageList(debName, debVersion, 'Debian'),
    timeoutSeconds,
  }),
  z.strictObject({
    kind: z.literal('install'),
    manager: z.literal('dnf'),
    packages: packageList(rpmName, rpmVersion, 'RPM'),
    timeoutSeconds,
  }),
  /** A vendor script or tool run as an installer (argv, no shell), for fixes that are not packages. */
  z.strictObject({
    kind: z.literal('install'),
    manager: z.literal('script'),
    action: actionNameSchema,
    command: argvSchema,
    timeoutSeconds,
  }),
  ...(['wusa', 'msiexec', 'exe'] as const).map((manager) =>
    z.strictObject({
      kind: z.literal('install'),
      manager: z.literal(manager),
      artifactId: jobIdentifier,
      /** Silent-install arguments passed after the artifact's path, e.g. ["/quiet", "/norestart"]. */
      args: z.array(argItem).max(MAX_ARGV_ITEMS),
      timeoutSeconds,
    }),
  ),
]);

/** An absolute path without "." or ".." segments, POSIX or Windows (drive letter). */
const absolutePath = z
  .string()
  .max(4096)
  .regex(noControls, { message: 'control characters are not allowed' })
  .regex(/^(\/|[A-Za-z]:\\)/, { message: 'expected an absolute path' })
  .refine((p) => !p.split(/[\\/]/).some((seg) => seg === '.' || seg === '..'), {
    message: '"." and ".." segments are not allowed',
  });

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { message: 'expected 64 lowercase hex digits' });

const configChange = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file-edit'),
    path: absolutePath,
    /** The whole new content; the agent writes it atomically. */
    content: z.string().max(64 * 1024),
    /** SHA-256 the file must have before the edit (null: it must not exist), so a drifted file is not overwritten. */
    expectedSha256: sha256Hex.nullable(),
  }),
  z
    .strictObject({
      type: z.literal('registry'),
      hive: z.literal('HKLM'),
      key: z
        .string()
        .min(1)
        .max(1024)
        .regex(/^[^\\\x00-\x1f\x7f][^\x00-\x1f\x7f]*$/, {
          message: 'expected a key below the hive, without a leading "\\"',
        }),
      valueName: z.string().max(255).regex(noControls),
      valueType: z.enum(['REG_SZ', 'REG_EXPAND_SZ', 'REG_DWORD', 'REG_QWORD']),
      /** The data as text; DWORD/QWORD as unsigned decimal (a QWORD does not fit a JSON number). */
      data: z.string().max(4096).regex(noControls),
    })
    .superRefine((v, ctx) => {
      if (v.valueType !== 'REG_DWORD' && v.valueType !== 'REG_QWORD') return;
      const max = v.valueType === 'REG_DWORD' ? 2n ** 32n - 1n : 2n ** 64n - 1n;
      if (!/^[0-9]{1,20}$/.test(v.data) || BigInt(v.data) > max) {
        ctx.addIssue({
          code: 'custom',
          path: ['data'],
          message: `expected an unsigned decimal that fits ${v.valueType}`,
        });
      }
    }),
]);

/**
 * Returns packages to the exact versions they had before job `fromJobId`, from the copies the agent
 * kept when that job replaced them (apt/dnf), or uninstalls a Windows update by KB (wusa).
 * `remove` lists packages that job newly installed (absent before it).
 */
const rollbackStep = z.discriminatedUnion('manager', [
  z.strictObject({
    kind: z.literal('rollback'),
    manager: z.literal('apt'),
    fromJobId: jobIdentifier,
    packages: packageList(debName, debVersion, 'Debian', 0),
    remove: z
      .array(z.string().regex(debName, { message: 'not a valid Debian package name' }))
      .max(MAX_PACKAGES_PER_STEP),
    timeoutSeconds,
  }),
  z.strictObject({
    kind: z.literal('rollback'),
    manager: z.literal('dnf'),
    fromJobId: jobIdentifier,
    packages: packageList(rpmName, rpmVersion, 'RPM', 0),
    remove: z.array(z.string().regex(rpmName, { message: 'not a valid RPM package name' })).max(MAX_PACKAGES_PER_STEP),
    timeoutSeconds,
  }),
  z.strictObject({
    kind: z.literal('rollback'),
    manager: z.literal('wusa'),
    fromJobId: jobIdentifier,
    kb: z.string().regex(/^KB[0-9]{4,10}$/, { message: 'expected a KB number such as KB5034441' }),
    timeoutSeconds,
  }),
]);

/** One step of a job; the agent runs them in order and journals each (job-ledger). */
export const jobStepSchema = z.discriminatedUnion('kind', [
  hookStep('pre-hook'),
  installStep,
  z.strictObject({ kind: z.literal('config'), change: configChange }),
  hookStep('post-hook'),
  z.strictObject({
    kind: z.literal('reboot'),
    graceSeconds: z.number().int().min(0).max(3600),
    /** if-required: only when the machine says it needs one (/var/run/reboot-required, pending Windows reboot). */
    when: z.enum(['if-required', 'always']),
    /** Postpone while a user is logged in, this many times at most (0: reboot regardless). */
    maxDeferrals: z.number().int().min(0).max(100),
    /** Deferrals already used by earlier jobs of this deployment (the server counts them). */
    deferralsUsed: z.number().int().min(0).max(100),
  }),
  rollbackStep,
  z.strictObject({
    kind: z.literal('verify'),
    bulletinIds: z.array(z.string().min(1).max(256).regex(noControls)).min(1).max(1000),
  }),
]);

/** A file the agent downloads; it is used only when its size and SHA-256 match. */
export const artifactSchema = z.strictObject({
  id: jobIdentifier,
  url: z.string().max(2048).refine(isFetchableUrl, { message: 'expected an http(s) URL without credentials' }),
  size: z.number().int().min(1).max(MAX_ARTIFACT_BYTES),
  sha256: sha256Hex,
});

function isFetchableUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const u = new URL(text);
  // credentials in a URL end up in logs and proxies; artifacts are public or fetched with the agent's own credential
  return (
    (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '' && u.hostname !== ''
  );
}

const jobBodyShape = z.strictObject({
  format: z.literal(JOB_FORMAT),
  agentId: jobIdentifier,
  jobId: jobIdentifier,
  sequence: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .describe('Strictly increasing per agent; the agent refuses one it has seen.'),
  issuedAt: utcTimestamp,
  expiresAt: utcTimestamp,
  deploymentId: jobIdentifier.nullable(),
  steps: z.array(jobStepSchema).min(1).max(MAX_STEPS),
  artifacts: z.array(artifactSchema).max(MAX_ARTIFACTS),
  reboot: z.enum(['never', 'if-required', 'always']),
});

/** The signed part of a job. */
export const jobBodySchema = jobBodyShape.superRefine(checkJobConsistency);

/** Rules across fields: a positive, bounded lifetime; artifact ids unique and referenced ones present. */
function checkJobConsistency(job: z.infer<typeof jobBodyShape>, ctx: z.RefinementCtx): void {
  const lifetime = Date.parse(job.expiresAt) - Date.parse(job.issuedAt);
  if (!(lifetime > 0))
    ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'expiresAt must be after issuedAt' });
  if (lifetime > MAX_JOB_LIFETIME_MS)
    ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'a job may be valid for at most 30 days' });
  const ids = new Set<string>();
  job.artifacts.forEach((a, i) => {
    if (ids.has(a.id))
      ctx.addIssue({ code: 'custom', path: ['artifacts', i, 'id'], message: `artifact ${a.id} is listed twice` });
    ids.add(a.id);
  });
  job.steps.forEach((s, i) => {
    if (s.kind === 'install' && 'artifactId' in s && !ids.has(s.artifactId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps', i, 'artifactId'],
        message: `no artifact ${s.artifactId} in this job`,
      });
    }
    if (s.kind === 'reboot' && job.reboot === 'never') {
      ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'a reboot step contradicts reboot: "never"' });
    }
  });
}

/** What travels: the job body and a base64 Ed25519 signature over its canonical JSON. */
export const jobEnvelopeSchema = z.strictObject({
  job: jobBodySchema,
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, { message: 'expected 64 bytes of base64' }),
});

export type JobBody = z.infer<typeof jobBodySchema>;
export type JobStep = z.infer<typeof jobStepSchema>;
export type Artifact = z.infer<typeof artifactSchema>;
export type JobEnvelope = z.infer<typeof jobEnvelopeSchema>;

/** The exact bytes a job signature covers: UTF-8 of the canonical JSON of the (validated) body. */
export function jobSigningBytes(job: JobBody): Buffer {
  return canonicalBytes(job);
}

/** A small valid job (one apt install, one MSI with its artifact, a verify step), for docs and tests. */
export function exampleJobBody(): JobBody {
  return {
    format: JOB_FORMAT,
    agentId: '0b5f2c1e-7a4d-4c39-9d1e-2f6a8b3c4d5e',
    jobId: 'job-2025-0001',
    sequence: 7,
    issuedAt: '2025-06-01T10:00:00Z',
    expiresAt: '2025-06-02T10:00:00Z',
    deploymentId: 'dep-42',
    steps: [
      {
        kind: 'pre-hook',
        action: 'drain-node',
        command: ['/usr/local/sbin/drain-node', '--timeout', '300'],
        timeoutSeconds: 600,
      },
      {
        kind: 'install',
        manager: 'apt',
        packages: [{ name: 'openssl', version: '3.0.13-0ubuntu3.5' }],
        timeoutSeconds: 1800,
      },
      {
        kind: 'install',
        manager: 'msiexec',
        artifactId: 'agent-msi',
        args: ['/qn', '/norestart'],
        timeoutSeconds: 1800,
      },
      { kind: 'verify', bulletinIds: ['USN-7000-1'] },
    ],
    artifacts: [
      {
        id: 'agent-msi',
        url: 'https://downloads.example.com/x.msi',
        size: 3,
        sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      },
    ],
    reboot: 'if-required',
  };
}
