/**
 * What every API command shares: the connection and output options, resolving the config once at
 * the edge, paging through lists, validating request bodies before sending, and writing output.
 */
import os from 'node:os';
import { Help, InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { listOf } from '../../protocol/api.js';
import { writeOutputFile } from '../../common/atomic-write.js';
import { jsonPath } from '../../common/json-input.js';
import { ApiClient, oneLineText, type Accepting } from './api-client.js';
import type { AnswerOf, ApiPath, QueryOf, RouteOf } from './api-routes.js';

/** The GET routes that answer a page of a list ({items, total}), and the type of their items. */
type ListRoute = {
  [R in RouteOf<'get'>]: AnswerOf<R, 'get'> extends { items: unknown[]; total: number } ? R : never;
}[RouteOf<'get'>];
type ListItemOf<R extends ListRoute> = AnswerOf<R, 'get'> extends { items: (infer I)[] } ? I : never;
import { CLIENT_FORMATS, resolveClientConfig, type ClientFlags, type ClientFormat } from './config.js';
import { renderJson, renderList, type ColumnSet, type ListPage } from './format.js';

/** Options every API command has. */
export interface ApiOptions extends ClientFlags {
  output?: string;
}

/** Options of list commands. */
export interface PageOptions {
  limit?: number;
  offset?: number;
  all?: boolean;
}

/** What a command's action works with. */
export interface ApiContext {
  client: ApiClient;
  format: ClientFormat;
  /** Writes the output to stdout or, with -o, to the file (writeOutputFile; mode 0600 when it holds a secret). */
  emit: (text: string, opts?: { secret?: boolean }) => Promise<void>;
}

/** Largest page the API serves. */
const MAX_PAGE = 1000;
/** Safety stop for --all: a server whose total keeps growing cannot keep us paging forever. */
const MAX_PAGES = 10_000;

const COMMON_GROUP = 'Output and connection:';

/** Adds --format, -o and the connection options (--server, --token-file, --token, --config, --timeout, --ca-file). */
export function addApiOptions(cmd: Command): Command {
  const common = (flags: string, description: string) => new Option(flags, description).helpGroup(COMMON_GROUP);
  // help lists the command's own options first, these after them
  cmd.configureHelp({
    ...cmd.configureHelp(),
    groupItems<T extends Command | Option>(
      this: Help,
      unsorted: T[],
      visible: T[],
      getGroup: (item: T) => string,
    ): Map<string, T[]> {
      const groups = Help.prototype.groupItems.call<Help, [T[], T[], (item: T) => string], Map<string, T[]>>(
        this,
        unsorted,
        visible,
        getGroup,
      );
      const common = groups.get(COMMON_GROUP);
      if (common) {
        groups.delete(COMMON_GROUP);
        groups.set(COMMON_GROUP, common);
      }
      return groups;
    },
  });
  return cmd
    .addOption(
      common('--format <format>', 'output format (default: "format" in the config file, else table)').choices([
        ...CLIENT_FORMATS,
      ]),
    )
    .addOption(
      common(
        '-o, --output <file>',
        'write the output to FILE instead of stdout (a regular file is replaced atomically; a FIFO or device is written into)',
      ),
    )
    .addOption(common('--server <url>', 'Patchhive server URL (default: $PATCHHIVE_SERVER, then the config file)'))
    .addOption(
      common('--token-file <file>', 'read the API token from FILE (default: $PATCHHIVE_TOKEN, then the config file)'),
    )
    .addOption(
      common(
        '--token <token>',
        'the API token itself (other local users can see it in the process list: prefer --token-file)',
      ),
    )
    .addOption(
      common(
        '--config <file>',
        'config file (default: $XDG_CONFIG_HOME/patchhive/config.json, else ~/.config/patchhive/config.json)',
      ),
    )
    .addOption(common('--timeout <seconds>', 'seconds to wait for the server (default: 30)'))
    .addOption(
      common(
        '--ca-file <file>',
        'PEM CA bundle that verifies the server\'s https certificate, instead of the built-in CAs (default: $PATCHHIVE_CA_FILE, then "caFile" in the config file)',
      ),
    );
}

/** Adds --limit, --offset and --all to a list command. */
export function addPageOptions(cmd: Command): Command {
  return cmd
    .option('--limit <n>', `how many to show, 1..${MAX_PAGE} (default: 100)`, intArg(1, MAX_PAGE))
    .option('--offset <n>', 'how many to skip (default: 0)', intArg(0, Number.MAX_SAFE_INTEGER))
    .option('--all', 'fetch every page (ignores --limit)');
}

/** A commander argument parser for a whole number in [min, max]. */
export function intArg(min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected a whole number, ${min} or more`
          : `expected a whole number ${min}..${max}`,
      );
    }
    return n;
  };
}

/** A commander argument parser for a positive number up to max. */
export function positiveArg(max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max)
      throw new InvalidArgumentError(`expected a number above 0, at most ${max}`);
    return n;
  };
}

/** Collects a repeatable option, splitting comma-separated values. */
export function commaList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** Collects a repeatable option as given. */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Resolves the config from flags, the environment and the config file; runs `run`; closes the client. */
export async function withApi(opts: ApiOptions, run: (ctx: ApiContext) => Promise<void>): Promise<void> {
  const { config, warnings } = resolveClientConfig({
    flags: opts,
    env: process.env,
    home: os.homedir(),
    skipModeChecks: process.platform === 'win32',
  });
  for (const w of warnings) process.stderr.write(`patchhive: warning: ${w}\n`);
  const client = new ApiClient(config);
  const emit = async (text: string, o?: { secret?: boolean }): Promise<void> => {
    if (opts.output) await writeOutputFile(opts.output, text, o?.secret ? 0o600 : 0o644);
    else process.stdout.write(text);
  };
  try {
    await run({ client, format: config.format, emit });
  } finally {
    await client.close();
  }
}

/** Fetches one page of a list, or every page with --all; returns the items, the total and the first offset. */
export async function fetchList<R extends ListRoute, S extends z.ZodType>(
  client: ApiClient,
  path: ApiPath<R>,
  item: S & Accepting<S, ListItemOf<R>>,
  query: Omit<NonNullable<QueryOf<R, 'get'>>, 'limit' | 'offset'>,
  page: PageOptions,
): Promise<ListPage<z.infer<S>> & { offset: number }> {
  const schema = listOf(item) as z.ZodType<{ items: z.infer<S>[]; total: number }>;
  const offset = page.offset ?? 0;
  if (!page.all) {
    const r = await getPage(client, path, schema, { ...query, limit: page.limit ?? 100, offset });
    return { items: r.items, total: r.total, offset };
  }
  const items: z.infer<S>[] = [];
  let total = 0;
  for (let i = 0; i < MAX_PAGES; i++) {
    const r = await getPage(client, path, schema, { ...query, limit: MAX_PAGE, offset: offset + items.length });
    items.push(...r.items);
    total = r.total;
    if (r.items.length === 0 || offset + items.length >= total) break;
  }
  return { items, total, offset };
}

/** One page; the route's types were checked by fetchList's signature (TypeScript cannot follow them through its generics). */
async function getPage<R extends ListRoute, T>(
  client: ApiClient,
  path: ApiPath<R>,
  schema: z.ZodType<{ items: T[]; total: number }>,
  query: object,
): Promise<{ items: T[]; total: number }> {
  // tsc needs these casts (it cannot resolve QueryOf<R> for a generic R); typescript-eslint's checker resolves it and calls them unnecessary
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  return (await client.get(path as ApiPath<ListRoute>, schema as never, query as never)) as {
    items: T[];
    total: number;
  };
}

/**
 * Validates a request body with its wire schema before sending; a problem is a usage error naming
 * the field. Returns the body as given, not as parsed: parsing fills in schema defaults, and an
 * update must carry only what the user set (a partial schema in zod 4 still applies defaults).
 */
export function checkBody<S extends z.ZodType>(schema: S, body: z.input<S>): z.input<S> {
  const r = schema.safeParse(body);
  if (r.success) return body;
  const issue = r.error.issues[0]!;
  throw new PatchhiveError('E_USAGE', `${jsonPath(issue.path, '') || 'request'}: ${issue.message}`);
}

/** Refuses an update with nothing to change. */
export function requireSomething(body: Record<string, unknown>, what: string): void {
  if (Object.values(body).every((v) => v === undefined))
    throw new PatchhiveError('E_USAGE', `nothing to change: give at least one of ${what}`);
}

/** Drops undefined values (the API's strict schemas reject none, but the JSON stays tidy). */
export function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A note for people on stderr (never the data itself). */
export function note(text: string): void {
  process.stderr.write(`patchhive: note: ${text}\n`);
}

/** Reports a done deletion or revocation: a sentence for the table, the API's answer for JSON, nothing for CSV. */
export async function emitDone(ctx: ApiContext, body: unknown, sentence: string): Promise<void> {
  if (ctx.format === 'table') await ctx.emit(`${sentence}\n`);
  else if (ctx.format === 'json' && body !== undefined) await ctx.emit(renderJson(body));
}

const RELATIVE = /^(\d{1,5})\s*(m|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * A point in time from an option: an ISO 8601 time with a zone, or a span from `now` such as
 * "30d", "12h", "2w", "90m" (ahead of `now`; with `direction` 'ago', before it). Returns ISO 8601 UTC.
 */
export function parseTimeArg(option: string, value: string, now: Date, direction: 'ahead' | 'ago' = 'ahead'): string {
  const v = value.trim();
  const rel = RELATIVE.exec(v);
  const sign = direction === 'ago' ? -1 : 1;
  if (rel) return new Date(now.getTime() + sign * Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]!).toISOString();
  if (z.iso.datetime({ offset: true }).safeParse(v).success) return new Date(v).toISOString();
  throw new PatchhiveError(
    'E_USAGE',
    `${option}: expected an ISO 8601 time with a zone (2026-12-31T00:00:00Z) or a span such as 30d, 12h, 2w; got "${oneLineText(v, 60)}"`,
  );
}

/**
 * A whole (unpaged) list in the chosen format: `{"items": [...]}` as JSON, else like renderList.
 */
export function renderUnpaged<T>(format: ClientFormat, columns: ColumnSet<T>, items: T[], noun: string): string {
  if (format === 'json') return renderJson({ items });
  return renderList(format, columns, { items, total: items.length }, { noun, offset: 0 });
}
