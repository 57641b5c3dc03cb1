/**
 * `patchhive audit list|export|verify`: read the server's audit trail, export it as JSON lines
 * (for a SIEM), and verify its hash chain, from the server or offline from an export. `verify`
 * exits 0 on an intact chain and 1, with one line naming the first bad entry, on a broken one.
 */
import { api } from '../client/api-routes.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { PatchhiveError } from '../../errors.js';
import {
  auditChainPageSchema,
  AuditChainVerifier,
  auditEntrySchema,
  auditPageSchema,
  type AuditChainResult,
  type AuditEntry,
} from '../../protocol/audit.js';
import type { ApiClient } from '../client/api-client.js';
import { addApiOptions, defined, intArg, parseTimeArg, withApi, type ApiOptions } from '../client/command-kit.js';
import { renderCsv, renderJson, renderTable, type ColumnSet } from '../client/format.js';

/** Exit code of `audit verify` when the chain is broken (2 stays "could not check"). */
export const EXIT_CHAIN_BROKEN = 1;
/** Entries per request while exporting or verifying. */
const CHAIN_PAGE = 1000;

const actorOf = (e: AuditEntry): string =>
  e.userName ?? (e.agentId ? `agent ${e.agentId}` : e.tokenId ? `token ${e.tokenId}` : 'anonymous');

/** Columns of audit entries. */
export const AUDIT_COLUMNS: ColumnSet<AuditEntry> = {
  table: [
    { header: 'SEQ', value: (e) => e.seq },
    { header: 'TIME', value: (e) => e.at },
    { header: 'ACTOR', value: actorOf, max: 40 },
    { header: 'ROLE', value: (e) => e.role },
    { header: 'REQUEST', value: (e) => `${e.method} ${e.route}`, max: 60 },
    { header: 'OBJECTS', value: (e) => e.objectIds, max: 40 },
    { header: 'RESULT', value: (e) => (e.errorCode ? `${e.status} ${e.errorCode}` : String(e.status)) },
    { header: 'FROM', value: (e) => e.sourceIp },
  ],
  full: [
    { header: 'seq', value: (e) => e.seq },
    { header: 'at', value: (e) => e.at },
    { header: 'actor_kind', value: (e) => e.actorKind },
    { header: 'user_name', value: (e) => e.userName },
    { header: 'user_id', value: (e) => e.userId },
    { header: 'token_id', value: (e) => e.tokenId },
    { header: 'agent_id', value: (e) => e.agentId },
    { header: 'role', value: (e) => e.role },
    { header: 'method', value: (e) => e.method },
    { header: 'route', value: (e) => e.route },
    { header: 'object_ids', value: (e) => e.objectIds },
    { header: 'summary', value: (e) => JSON.stringify(e.summary) },
    { header: 'source_ip', value: (e) => e.sourceIp },
    { header: 'status', value: (e) => e.status },
    { header: 'error_code', value: (e) => e.errorCode },
    { header: 'request_id', value: (e) => e.requestId },
    { header: 'prev_hash', value: (e) => e.prevHash },
    { header: 'hash', value: (e) => e.hash },
  ],
};

const sinceArg = (v: string) => parseTimeArg('--since', v, new Date(), 'ago');

/** Walks the chain on the server in order, page by page. */
async function* serverChain(client: ApiClient, since?: string): AsyncGenerator<AuditEntry> {
  let after = 0;
  for (;;) {
    const page = await client.get(
      api('/audit/chain'),
      auditChainPageSchema,
      defined({ after, limit: CHAIN_PAGE, since }),
    );
    yield* page.items;
    if (page.nextAfter === null || page.items.length === 0) return;
    after = page.nextAfter;
  }
}

/** Reads an export (JSON lines), checking each line against the entry schema. */
async function* fileChain(file: string): AsyncGenerator<AuditEntry> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (err) =>
      reject(new PatchhiveError('E_INPUT_NOT_FOUND', `cannot read ${file}: ${err.message}`, { file })),
    );
  });
  await opened;
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new PatchhiveError('E_INPUT_MALFORMED', `not JSON: ${(err as Error).message}`, { file, line });
    }
    const r = auditEntrySchema.safeParse(parsed);
    if (!r.success)
      throw new PatchhiveError(
        'E_INPUT_MALFORMED',
        `not an audit entry: ${r.error.issues[0]?.path.join('.') || '$'}: ${r.error.issues[0]?.message}`,
        { file, line },
      );
    yield r.data;
  }
}

/** Checks entries in order; stops at the first bad one. */
async function verifyEntries(entries: AsyncIterable<AuditEntry>, fromStart: boolean): Promise<AuditChainResult> {
  const v = new AuditChainVerifier(fromStart);
  for await (const e of entries) if (v.push(e)) break;
  return v.result();
}

/** One line saying what the check found. */
export function describeChainResult(r: AuditChainResult, source: string): string {
  if (!r.ok) return `audit trail BROKEN at entry ${r.seq}: ${r.reason} (${source})`;
  if (r.count === 0) return `audit trail intact: no entries (${source})`;
  return `audit trail intact: ${r.count} entries, ${r.firstSeq}–${r.lastSeq}; head hash ${r.headHash} (${source})`;
}

/** Registers `patchhive audit list|export|verify`. */
export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('The audit trail (admins): list entries, export them as JSON lines, verify the hash chain.');

  addApiOptions(audit.command('list'))
    .description('Audit entries, newest first.')
    .option('--limit <n>', 'how many (1..1000, default 100)', intArg(1, 1000))
    .option(
      '--before <seq>',
      'only entries before this sequence number (the next page)',
      intArg(1, Number.MAX_SAFE_INTEGER),
    )
    .option('--since <time>', 'only entries at or after TIME: ISO 8601 with a zone, or a span back from now (30d, 12h)')
    .option('--actor <who>', 'only this user (name or id), token id or agent id')
    .option('--object <id>', 'only entries about this object id')
    .action((o: ApiOptions & { limit?: number; before?: number; since?: string; actor?: string; object?: string }) =>
      withApi(o, async ({ client, format, emit }) => {
        const since = o.since !== undefined ? sinceArg(o.since) : undefined;
        const page = await client.get(
          api('/audit'),
          auditPageSchema,
          defined({ limit: o.limit ?? 100, before: o.before, since, actor: o.actor, object: o.object }),
        );
        if (format === 'json') return emit(renderJson(page));
        if (format === 'csv') return emit(renderCsv(AUDIT_COLUMNS.full, page.items));
        if (page.items.length === 0) return emit('No audit entries.\n');
        const more = page.nextBefore !== null ? `(more: --before ${page.nextBefore})\n` : '';
        await emit(renderTable(AUDIT_COLUMNS.table, page.items) + more);
      }),
    );

  addApiOptions(audit.command('export'))
    .description(
      'Export the audit trail in chain order as JSON lines, one entry per line (for a SIEM; --format does not apply).',
    )
    .option(
      '--since <time>',
      'start at the first entry at or after TIME (ISO 8601, or a span back from now: 30d); verify such an export with --partial',
    )
    .action((o: ApiOptions & { since?: string }) =>
      withApi(o, async ({ client, emit }) => {
        const lines: string[] = [];
        for await (const e of serverChain(client, o.since !== undefined ? sinceArg(o.since) : undefined))
          lines.push(JSON.stringify(e));
        await emit(lines.length ? lines.join('\n') + '\n' : '');
      }),
    );

  addApiOptions(audit.command('verify'))
    .description(
      'Verify the hash chain: exit 0 when intact, 1 with a line naming the first bad entry (edited, deleted or out of order).',
    )
    .option('--file <export.jsonl>', "verify an export offline instead of the server's trail")
    .option(
      '--partial',
      'with --file: the export may start after entry 1 (export --since); its first entry is trusted as the anchor',
    )
    .action(async (o: ApiOptions & { file?: string; partial?: boolean }) => {
      if (o.partial && !o.file) throw new PatchhiveError('E_USAGE', '--partial needs --file');
      const report = async (
        r: AuditChainResult,
        source: string,
        format: string,
        emit: (t: string) => Promise<void>,
      ) => {
        await emit(format === 'json' ? renderJson(r) : describeChainResult(r, source) + '\n');
        if (!r.ok) process.exitCode = EXIT_CHAIN_BROKEN;
      };
      if (o.file) {
        const file = o.file;
        const r = await verifyEntries(fileChain(file), !o.partial);
        await report(r, file, o.format ?? 'table', async (t) => void process.stdout.write(t));
        return;
      }
      await withApi(o, async ({ client, format, emit }) =>
        report(await verifyEntries(serverChain(client), true), 'server', format, emit),
      );
    });
}
