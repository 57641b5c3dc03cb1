/**
 * Server configuration, declared once: one zod schema with defaults and descriptions, loaded once
 * at the entry point from a JSON file, the environment and flags (in that order of precedence,
 * flags last), and passed down as a typed object. docs/CONFIG.md is generated from it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PatchhiveError } from '../errors.js';
import { jsonPath } from '../common/json-input.js';
import { deadlinePolicySchema, groupRebootPolicySchema } from '../protocol/api.js';
import { oidcConfigSchema, OIDC_SECRET_ENV, withOidcSecretFromEnv } from './oidc/oidc-config.js';

export const serverConfigSchema = z
  .object({
    dataDir: z
      .string()
      .default('./patchhive-data')
      .describe('Directory for the SQLite database, catalog copies and keys.'),
    database: z
      .string()
      .optional()
      .describe('Database URL: postgres://user@host/db for PostgreSQL; default: SQLite file <dataDir>/patchhive.db.'),
    host: z.string().default('127.0.0.1').describe('Address to listen on.'),
    port: z.coerce.number().int().min(0).max(65535).default(8060).describe('TCP port to listen on (0: any free port).'),
    tls: z
      .object({
        certFile: z.string().min(1).describe('PEM certificate chain (the server certificate first).'),
        keyFile: z.string().min(1).describe('PEM private key of that certificate (keep it mode 0600).'),
      })
      .strict()
      .optional()
      .describe(
        'Serve HTTPS: {"certFile": ..., "keyFile": ...} (flags --tls-cert, --tls-key). Both files are read again on SIGHUP; a reload that fails is logged and the old certificate stays. Absent: plain HTTP (put a TLS-terminating reverse proxy in front, docs/AGENT.md).',
      ),
    publicUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'The URL people reach this server at through their browsers (e.g. https://patchhive.example.com), when it differs from host:port (a reverse proxy). The OIDC redirect URI is derived from it.',
      ),
    oidc: oidcConfigSchema
      .optional()
      .describe(
        `Single sign-on through OpenID Connect (docs/OIDC.md); absent: off. The client secret comes from \`clientSecretFile\` or the environment variable ${OIDC_SECRET_ENV}, never from this file.`,
      ),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino log level.'),
    bodyLimitBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .default(32 * 1024 * 1024)
      .describe('Largest accepted request body (inventories can be large).'),
    checkinIntervalSeconds: z.coerce
      .number()
      .int()
      .min(5)
      .max(86_400)
      .default(900)
      .describe('How often agents check in.'),
    proxy: z
      .string()
      .optional()
      .describe('HTTP(S) proxy for catalog feeds; default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment.'),
    feedTimeoutSeconds: z.coerce.number().int().min(1).default(60).describe('Timeout of one feed request.'),
    feedRetries: z.coerce
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe('Retries of a failed feed request, with exponential backoff.'),
    feedMaxBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024 * 1024)
      .describe('Largest accepted feed body.'),
    sources: z
      .array(
        z.object({
          name: z.string(),
          url: z.string(),
          format: z.enum(['oval', 'debian-tracker', 'msrc-csv', 'msrc-json', 'native']).optional(),
          release: z.string().optional(),
          schedule: z.string().optional(),
          signingKeyFile: z.string().optional(),
          allowUnsigned: z.boolean().optional().describe('Load native catalogs without a signature (not recommended).'),
        }),
      )
      .default([])
      .describe('Catalog sources created at start-up when no source of that name exists.'),
    bootstrapTokenFile: z
      .string()
      .optional()
      .describe(
        'Where the first start writes the initial admin API token (mode 0600); default <dataDir>/initial-admin-token.',
      ),
    initialAdminTokenHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(720)
      .default(24)
      .describe(
        'Lifetime of the initial admin API token (first start, or `patchhive serve --reset-admin-token`): create named tokens with it, then let it expire or revoke it.',
      ),
    rateLimit: z
      .object({
        windowSeconds: z.coerce
          .number()
          .int()
          .min(1)
          .max(86_400)
          .default(60)
          .describe('Length of the window every budget below is counted over.'),
        authFailuresPerAddress: z.coerce
          .number()
          .int()
          .min(1)
          .default(20)
          .describe(
            'Failed authentications (401) one source address may make per window; further failures get 429 with Retry-After. A valid credential is never refused for it.',
          ),
        authFailuresPerToken: z.coerce
          .number()
          .int()
          .min(1)
          .default(10)
          .describe(
            'Failed authentications per token id (the `<kind>_<id>` part of a bearer secret), from any address, per window.',
          ),
        enrollmentsPerToken: z.coerce
          .number()
          .int()
          .min(1)
          .default(30)
          .describe('Enrollment attempts (successful or not) per enrollment token per window.'),
        enrollmentsPerAddress: z.coerce
          .number()
          .int()
          .min(1)
          .default(60)
          .describe('Enrollment attempts (successful or not) per source address per window.'),
        signInFailuresPerUser: z.coerce
          .number()
          .int()
          .min(1)
          .default(5)
          .describe(
            'Failed console sign-ins (POST /api/v1/session) per user name, from any address, per window; over it, every sign-in of that name is refused 429 before its password is checked.',
          ),
        signInFailuresPerAddress: z.coerce
          .number()
          .int()
          .min(1)
          .default(20)
          .describe(
            'Failed console sign-ins per source address per window; over it, every sign-in from that address is refused 429 before its password is checked.',
          ),
      })
      .strict()
      .prefault({})
      .describe(
        'Abuse limits. Counted in memory on each server node (not shared between nodes); the source address is the TCP peer.',
      ),
    console: z
      .object({
        enabled: z.boolean().default(true).describe('Serve the web console at `/` (the API stays under /api/v1).'),
        dir: z
          .string()
          .optional()
          .describe("Directory of the built console (default: the package's dist/web, made by `npm run build`)."),
        staleAfterHours: z.coerce
          .number()
          .int()
          .min(1)
          .max(24 * 365)
          .default(48)
          .describe(
            'A machine whose last contact (check-in, or inventory import) is older than this is stale: listed on Today and matched by the machine filter status=stale.',
          ),
      })
      .strict()
      .prefault({})
      .describe(
        'The web console (served on the same origin as the API) and what its read APIs (Today, machine search) consider.',
      ),
    metricsPublic: z
      .boolean()
      .default(true)
      .describe('Serve /metrics without a token (it holds counts only, no names).'),
    deadlines: deadlinePolicySchema
      .prefault({})
      .describe(
        'Default deadline policy (a group can override it): time zone, durations per severity for the tested and emergency tracks, due-soon window. Absent fields keep the built-in defaults (critical 14 days / 24 hours, important 60 / 30 days, moderate 180 / 120 days, low none; due soon 7 days; UTC).',
      ),
    triageSweepSchedule: z
      .string()
      .default('*/15 * * * *')
      .describe(
        'Cron schedule of the triage sweep: expired ignores return to the queue, new (bulletin, group) pairs are queued, approval rules run (empty: never).',
      ),
    chromiumPath: z.string().default('/usr/bin/chromium').describe('Headless Chromium used to render PDF reports.'),
    notify: z
      .object({
        smtp: z
          .object({
            host: z.string().default('localhost').describe('SMTP server for e-mail channels.'),
            port: z.coerce.number().int().min(1).max(65535).default(25).describe('SMTP port.'),
            secure: z
              .boolean()
              .default(false)
              .describe('Connect with TLS from the start (port 465); else STARTTLS when offered.'),
            requireTls: z.boolean().default(false).describe('Refuse to send unless STARTTLS succeeds.'),
            user: z.string().optional().describe('SMTP user name (no authentication when absent).'),
            passwordFile: z
              .string()
              .optional()
              .describe(
                'File holding the SMTP password (read once at start; the password is never taken from config or environment text).',
              ),
            from: z.string().default('patchhive@localhost').describe('Sender address of notification e-mails.'),
          })
          .strict()
          .prefault({})
          .describe('SMTP transport of e-mail channels.'),
        retry: z
          .object({
            maxAttempts: z.coerce
              .number()
              .int()
              .min(1)
              .max(100)
              .default(8)
              .describe('Attempts per delivery before it is marked failed.'),
            baseSeconds: z.coerce
              .number()
              .int()
              .min(1)
              .default(30)
              .describe('Delay before the first retry; doubles with each attempt (±20 % jitter).'),
            maxSeconds: z.coerce.number().int().min(1).default(21_600).describe('Longest delay between two attempts.'),
          })
          .strict()
          .prefault({})
          .describe('Retries of failed deliveries.'),
        timeoutSeconds: z.coerce
          .number()
          .int()
          .min(1)
          .max(600)
          .default(15)
          .describe('Timeout of one delivery attempt (HTTP request or SMTP session).'),
        dueSoonSchedule: z
          .string()
          .default('0 7 * * *')
          .describe('Cron schedule of the findings.due-soon / findings.overdue notifications (empty: never).'),
        digestSchedule: z
          .string()
          .default('0 7 * * 1')
          .describe('Cron schedule of the per-owner digest (empty: never).'),
      })
      .strict()
      .prefault({})
      .describe('Notifications: SMTP transport, delivery retries and timeouts, schedules of reminders and digests.'),
    rollout: z
      .object({
        tickSeconds: z.coerce
          .number()
          .int()
          .min(0)
          .max(3600)
          .default(30)
          .describe(
            'How often running deployments are advanced: rings started, gates checked, deadlines applied (0: never by itself).',
          ),
        jobLifetimeHours: z.coerce
          .number()
          .int()
          .min(1)
          .max(720)
          .default(24)
          .describe('How long a job stays valid after it is issued (a deployment deadline shortens it).'),
        defaultRebootPolicy: groupRebootPolicySchema
          .default({ mode: 'if-required', onlyInWindow: true, maxDeferrals: 2 })
          .describe('Reboot policy of machines whose groups set none, when the deployment sets none.'),
      })
      .strict()
      .prefault({})
      .describe('Deployments: the engine tick, job lifetime, default reboot policy.'),
    audit: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Record the audit trail: every mutating API request, refused credential and enrollment, allowed or refused (see docs/AUDIT.md). Turn off only to measure its cost.',
          ),
        hashOnlyCheckins: z
          .boolean()
          .default(false)
          .describe(
            'Also record accepted agent check-ins that carry only the inventory hash (their only effect is last-seen; about 100 entries per machine per day at the default interval). Refused check-ins and check-ins with an inventory or job reports are always recorded.',
          ),
      })
      .strict()
      .prefault({})
      .describe('The audit trail: append-only and hash-chained, in the database.'),
    keys: z
      .object({
        retireAfterHours: z.coerce
          .number()
          .min(0.001)
          .max(24 * 365)
          .default(24 * 14)
          .describe(
            'After a rotation, retire the old job-signing key this long after it stopped being active even if some agents have not re-pinned (they must re-enroll); it is retired sooner once every agent has moved.',
          ),
        checkSeconds: z.coerce
          .number()
          .int()
          .min(0)
          .max(3600)
          .default(60)
          .describe(
            'How often the server checks whether the retiring job-signing key can be retired (0: never by itself).',
          ),
      })
      .strict()
      .prefault({})
      .describe('Job-signing key rotation (docs/KEYS.md).'),
    sessions: z
      .object({
        idleMinutes: z.coerce
          .number()
          .min(1)
          .max(24 * 60)
          .default(30)
          .describe('A console session ends after this long without a request.'),
        absoluteHours: z.coerce
          .number()
          .min(0.1)
          .max(24 * 30)
          .default(12)
          .describe('A console session ends this long after sign-in, however active (sign in again).'),
        scryptLog2N: z.coerce
          .number()
          .int()
          .min(10)
          .max(20)
          .default(15)
          .describe(
            "Password hashing cost: log2 of scrypt's N (with r=8, p=3; 15 = 32 MiB per hash, an OWASP-recommended setting). A stored hash made with another cost is replaced at the next sign-in.",
          ),
      })
      .strict()
      .prefault({})
      .describe('Console sign-in sessions (docs/SESSIONS.md).'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.oidc && !cfg.oidc.redirectUri && !cfg.publicUrl)
      ctx.addIssue({
        code: 'custom',
        path: ['oidc', 'redirectUri'],
        message: 'set oidc.redirectUri, or publicUrl to derive it from',
      });
  });

export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** Environment variables that map onto config keys. */
const ENV_KEYS: Record<string, keyof ServerConfig> = {
  PATCHHIVE_DATA_DIR: 'dataDir',
  PATCHHIVE_DATABASE: 'database',
  PATCHHIVE_HOST: 'host',
  PATCHHIVE_PORT: 'port',
  PATCHHIVE_LOG_LEVEL: 'logLevel',
  PATCHHIVE_PROXY: 'proxy',
};

/** Merges file, environment and flags (later wins) and validates the result. */
export function loadServerConfig(input: {
  file?: string;
  env: Record<string, string | undefined>;
  flags: Partial<Record<keyof ServerConfig, unknown>>;
}): ServerConfig {
  let fromFile: Record<string, unknown> = {};
  if (input.file) {
    try {
      fromFile = JSON.parse(readFileSync(input.file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new PatchhiveError('E_CONFIG_INVALID', `cannot read config: ${(err as Error).message}`, {
        file: input.file,
      });
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [k, key] of Object.entries(ENV_KEYS))
    if (input.env[k] !== undefined && input.env[k] !== '') fromEnv[key] = input.env[k];
  const flags = Object.fromEntries(Object.entries(input.flags).filter(([, v]) => v !== undefined));
  const merged = withOidcSecretFromEnv(mergeOneLevel(mergeOneLevel(fromFile, fromEnv), flags), input.env);
  const parsed = serverConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `${jsonPath(issue.path)}: ${issue.message}`,
      input.file ? { file: input.file } : undefined,
    );
  }
  const cfg = parsed.data;
  cfg.dataDir = path.resolve(cfg.dataDir);
  return cfg;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` on top of `base`; an object given in both (e.g. `tls` from the file and one flag) is merged key by key. */
function mergeOneLevel(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? { ...out[k], ...v } : v;
  return out;
}

/** The database URL the config selects (SQLite in the data directory by default). */
export function databaseUrl(cfg: ServerConfig): string {
  return cfg.database ?? `sqlite:${path.join(cfg.dataDir, 'patchhive.db')}`;
}
