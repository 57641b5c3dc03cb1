/**
 * The API client's configuration, declared once: where the server is, the token, the default output
 * format. Resolved once at the CLI edge from flags, then the environment, then a JSON config file
 * (flags win), and passed down typed. Nothing here reads process.env: the edge hands it in.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { jsonPath, parseJsonLocated } from '../../common/json-input.js';
import { readCaFile } from '../../common/http-dispatcher.js';

/** Output formats of the API commands. */
export const CLIENT_FORMATS = ['table', 'json', 'csv'] as const;
export type ClientFormat = (typeof CLIENT_FORMATS)[number];

/** Everything the client needs; also the shape of the config file (less `proxy`, plus `tokenFile`). */
export const clientConfigSchema = z.object({
  server: z
    .string()
    .min(1)
    .max(2000)
    .describe('Base URL of the Patchhive server, e.g. https://patchhive.example.org (the /api/v1 prefix is added).'),
  token: z.string().min(1).max(4096).describe('API token, sent as "Authorization: Bearer <token>".'),
  format: z.enum(CLIENT_FORMATS).default('table').describe('Default output format of the API commands.'),
  timeout: z.number().int().min(1).max(3600).default(30).describe('Seconds to wait for the server before giving up.'),
  proxy: z
    .object({ httpProxy: z.string(), httpsProxy: z.string(), noProxy: z.string() })
    .describe('HTTP_PROXY / HTTPS_PROXY / NO_PROXY from the environment ("" when unset).'),
  ca: z
    .string()
    .optional()
    .describe(
      "PEM bundle of the CAs that may issue the server's certificate, instead of the built-in ones (read from caFile).",
    ),
});

export type ClientConfig = z.infer<typeof clientConfigSchema>;

/** The config file: the same keys, all optional, plus `tokenFile` and `caFile` (relative to the config file). */
export const clientConfigFileSchema = clientConfigSchema
  .pick({ server: true, token: true, format: true, timeout: true })
  .partial()
  .extend({
    tokenFile: z.string().min(1).max(4096).optional().describe('File holding the API token (mode 0600).'),
    caFile: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe("PEM CA bundle that verifies the server's certificate (instead of the built-in CAs)."),
  })
  .strict();

/** The connection flags, as commander hands them over. */
export interface ClientFlags {
  server?: string;
  token?: string;
  tokenFile?: string;
  config?: string;
  format?: string;
  timeout?: string;
  caFile?: string;
}

/** What the config is resolved from: flags, an environment and a home directory, all injected. */
export interface ClientConfigSources {
  flags: ClientFlags;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** Skip the file-permission checks (they mean nothing on Windows). */
  skipModeChecks?: boolean;
}

/** A resolved config and the warnings the edge should print (never containing the token). */
export interface ResolvedClientConfig {
  config: ClientConfig;
  warnings: string[];
}

/** The config file used when --config is not given: $XDG_CONFIG_HOME or ~/.config, then patchhive/config.json. */
export function defaultConfigPath(env: ClientConfigSources['env'], home: string): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  return path.join(base, 'patchhive', 'config.json');
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** Resolves the client config: flags > environment > config file > defaults. */
export function resolveClientConfig(src: ClientConfigSources): ResolvedClientConfig {
  const warnings: string[] = [];
  const { flags, env } = src;
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    throw new PatchhiveError('E_USAGE', 'give only one of --token and --token-file');
  }
  const file = readConfigFile(flags.config, defaultConfigPath(env, src.home), src, warnings);

  const server = nonEmpty(flags.server) ?? nonEmpty(env.PATCHHIVE_SERVER) ?? file.server;
  if (!server) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      'no server: give --server URL, set PATCHHIVE_SERVER, or put "server" in the config file',
    );
  }
  const token =
    flags.token !== undefined
      ? flags.token
      : flags.tokenFile !== undefined
        ? readTokenFile(flags.tokenFile, src, warnings)
        : (nonEmpty(env.PATCHHIVE_TOKEN) ?? file.token);
  if (token === undefined) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      'no API token: give --token-file FILE, set PATCHHIVE_TOKEN, or put "token" or "tokenFile" in the config file',
    );
  }
  const format = flags.format ?? file.format ?? 'table';
  const timeout = flags.timeout !== undefined ? parseTimeout(flags.timeout) : (file.timeout ?? 30);
  const proxy = {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
  const caFile = nonEmpty(flags.caFile) ?? nonEmpty(env.PATCHHIVE_CA_FILE) ?? file.caFile;
  const ca = caFile !== undefined ? readCaFile(caFile) : undefined;
  const parsed = clientConfigSchema.safeParse({
    server: normaliseServerUrl(server),
    token: checkToken(token),
    format,
    timeout,
    proxy,
    ...(ca !== undefined ? { ca } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // never echo values: the token may be among them
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `${jsonPath(issue.path)}: ${issue.message.replace(/received .*/, 'invalid value')}`,
    );
  }
  if (isPlainHttpToRemote(parsed.data.server)) {
    warnings.push(
      `the server URL is plain http:// to a host that is not this machine: the token travels unencrypted; use https://`,
    );
  }
  return { config: parsed.data, warnings };
}

type ConfigFile = z.infer<typeof clientConfigFileSchema> & { token?: string };

function readConfigFile(
  explicit: string | undefined,
  fallback: string,
  src: ClientConfigSources,
  warnings: string[],
): ConfigFile {
  const file = explicit ?? fallback;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (explicit === undefined && code === 'ENOENT') return {}; // no default config file: fine
    throw new PatchhiveError('E_CONFIG_INVALID', `cannot read the config file (${code})`, { file }, { cause: err });
  }
  let json: unknown;
  try {
    json = parseJsonLocated(text, file);
  } catch (err) {
    const e = err as PatchhiveError;
    throw new PatchhiveError('E_CONFIG_INVALID', e.message, e.location, { cause: err });
  }
  const parsed = clientConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const what = issue.path[0] === 'token' ? 'invalid token' : issue.message;
    throw new PatchhiveError('E_CONFIG_INVALID', what, { file, path: jsonPath(issue.path) });
  }
  const cfg: ConfigFile = { ...parsed.data };
  if (cfg.token !== undefined && cfg.tokenFile !== undefined) {
    throw new PatchhiveError('E_CONFIG_INVALID', 'give only one of "token" and "tokenFile"', { file });
  }
  if (cfg.token !== undefined) warnIfShared(file, 'config file', src, warnings);
  if (cfg.tokenFile !== undefined) {
    cfg.token = readTokenFile(path.resolve(path.dirname(file), cfg.tokenFile), src, warnings);
    delete cfg.tokenFile;
  }
  if (cfg.caFile !== undefined) cfg.caFile = path.resolve(path.dirname(file), cfg.caFile);
  return cfg;
}

function readTokenFile(file: string, src: ClientConfigSources, warnings: string[]): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PatchhiveError('E_CONFIG_INVALID', `cannot read the token file (${code})`, { file }, { cause: err });
  }
  warnIfShared(file, 'token file', src, warnings);
  return text.trim();
}

function warnIfShared(file: string, what: string, src: ClientConfigSources, warnings: string[]): void {
  if (src.skipModeChecks) return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warnings.push(
      `${what} ${file} holds an API token and is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${file}`,
    );
  }
}

/** The token as sent in a header: printable ASCII, no spaces. The message never shows it. */
function checkToken(token: string): string {
  const t = token.trim();
  if (t === '') throw new PatchhiveError('E_CONFIG_INVALID', 'the API token is empty');
  if (!/^[\x21-\x7e]+$/.test(t)) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      'the API token has characters a token cannot have (spaces, control or non-ASCII characters)',
    );
  }
  return t;
}

function parseTimeout(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 3600)
    throw new PatchhiveError('E_USAGE', `--timeout: expected whole seconds 1..3600, got "${s}"`);
  return n;
}

/** Checks the server URL (http or https, no credentials, query or fragment) and drops a trailing slash. */
export function normaliseServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `the server URL "${raw.slice(0, 200)}" is not a URL (expected e.g. https://patchhive.example.org)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PatchhiveError('E_CONFIG_INVALID', `the server URL must be http:// or https://, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      'the server URL must not contain a user name or password: give the API token instead',
    );
  }
  if (url.search || url.hash)
    throw new PatchhiveError('E_CONFIG_INVALID', 'the server URL must not have a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function isPlainHttpToRemote(server: string): boolean {
  const url = new URL(server);
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\./.test(host));
}
