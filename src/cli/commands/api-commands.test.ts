/**
 * The API commands end to end: the real `patchhive` process (src/cli/main.ts, started by
 * src/cli/client/test-support.ts) against a small Fastify server in this test that implements a
 * few routes per the wire schemas. Checks stdout, the single stderr line, exit codes, files.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  apiTokenCreateSchema,
  groupCreateSchema,
  groupSchema,
  listOf,
  machineAttributesSchema,
  machineSchema,
  pageQuerySchema,
  syncRecordSchema,
  type ApiTokenWire,
  type MachineWire,
} from '../../protocol/api.js';
import { freePort, runApiCli, type ApiCliResult } from '../client/test-support.js';

const ADMIN = 'phk_admin_secret_0123456789';
const VIEWER = 'phk_viewer_secret_0123456789';
const NEW_SECRET = 'phk_new_secret_abcdefabcdef';

const machine = (id: string, name: string, over: Partial<MachineWire> = {}): MachineWire =>
  machineSchema.parse({
    id,
    name,
    os: { family: 'linux', platform: 'debian', release: '12' },
    role: 'web',
    criticality: 'medium',
    owner: null,
    location: null,
    tags: [],
    internetFacing: false,
    source: 'agent',
    agentId: null,
    createdAt: '2024-05-01T10:00:00.000Z',
    lastSeenAt: '2024-05-02T08:30:00.000Z',
    inventoryAt: null,
    assessedAt: null,
    assessmentPending: false,
    agentStale: null,
    openFindings: 2,
    ...over,
  });

const MACHINES = [
  machine('m-1', 'web-01', { owner: 'ops, "EU"' }),
  machine('m-2', 'web-02'),
  machine('m-3', 'db-01', { role: 'db', openFindings: 0 }),
];
/** The server serves at most this many per page, whatever the limit: --all must keep paging. */
const SERVER_PAGE_CAP = 2;

let app: FastifyInstance;
let server: string;
let tmp: string;
const patches: { ref: string; body: unknown }[] = [];

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

/** Bearer check like the real server: admin token may do everything, viewer token only reads. */
function role(req: FastifyRequest): 'admin' | 'viewer' | undefined {
  const auth = req.headers.authorization;
  return auth === `Bearer ${ADMIN}` ? 'admin' : auth === `Bearer ${VIEWER}` ? 'viewer' : undefined;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'patchhive-api-cli-'));
  app = Fastify();
  app.addHook('onRequest', async (req, reply) => {
    if (!role(req)) return fail(reply, 401, 'E_UNAUTHENTICATED', 'no valid API token');
  });
  app.get('/api/v1/me', async (req) => ({ user: role(req) === 'admin' ? 'alice' : 'victor', role: role(req) }));
  app.get('/api/v1/machines', async (req) => {
    const query = pageQuerySchema.extend({ q: z.string().optional() }).parse(req.query);
    const search = query.q;
    const all = MACHINES.filter((m) => !search || m.name.includes(search));
    const items = all.slice(query.offset, query.offset + Math.min(query.limit, SERVER_PAGE_CAP));
    return listOf(machineSchema).parse({ items, total: all.length });
  });
  const find = (ref: string) => MACHINES.find((m) => m.id === ref || m.name === ref);
  app.get('/api/v1/machines/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    return find(id) ?? fail(reply, 404, 'E_MACHINE_NOT_FOUND', `no machine "${id}"`);
  });
  app.patch('/api/v1/machines/:id', async (req, reply) => {
    if (role(req) !== 'admin') return fail(reply, 403, 'E_FORBIDDEN', 'role viewer may not change machines');
    const m = find((req.params as { id: string }).id);
    if (!m) return fail(reply, 404, 'E_MACHINE_NOT_FOUND', 'no such machine');
    const body = machineAttributesSchema.safeParse(req.body);
    if (!body.success) return fail(reply, 400, 'E_BAD_REQUEST', 'invalid attributes');
    patches.push({ ref: (req.params as { id: string }).id, body: req.body });
    return { ...m, ...Object.fromEntries(Object.entries(body.data).filter(([, v]) => v !== undefined)) };
  });
  app.delete('/api/v1/machines/:id', async (req, reply) =>
    role(req) === 'admin'
      ? { ok: true }
      : fail(reply, 403, 'E_FORBIDDEN', 'role viewer may not delete machines (needs admin)'),
  );
  app.post('/api/v1/tokens', async (req, reply) => {
    const body = apiTokenCreateSchema.safeParse(req.body);
    if (!body.success) return fail(reply, 400, 'E_BAD_REQUEST', 'invalid token request');
    const token: ApiTokenWire = {
      id: 't-9',
      name: body.data.name,
      user: body.data.user,
      role: body.data.role,
      groups: body.data.groups ?? null,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      createdAt: '2024-05-03T00:00:00.000Z',
    };
    return reply.code(201).send({ id: 't-9', secret: NEW_SECRET, token });
  });
  app.post('/api/v1/groups', async (req, reply) => {
    const body = groupCreateSchema.safeParse(req.body);
    if (!body.success) return fail(reply, 400, 'E_BAD_REQUEST', 'invalid group');
    const g = body.data;
    return reply.code(201).send(
      groupSchema.parse({
        id: 'g-1',
        name: g.name,
        description: g.description ?? null,
        kind: g.kind,
        rule: g.rule ?? null,
        members: g.kind === 'rule' ? ['m-1', 'm-2'] : (g.members ?? []),
        rescanSchedule: g.rescanSchedule ?? null,
        owner: null,
        requiresSecondApprover: false,
        deadlinePolicy: null,
        maintenanceWindow: null,
        rebootPolicy: null,
        createdAt: '2024-05-03T00:00:00.000Z',
      }),
    );
  });
  app.post('/api/v1/sources/:id/sync', async (req) =>
    syncRecordSchema.parse({
      id: 's-1',
      sourceId: (req.params as { id: string }).id,
      startedAt: '2024-05-03T00:00:00.000Z',
      finishedAt: '2024-05-03T00:00:01.000Z',
      result: 'failed',
      message: 'feed unreachable (ECONNREFUSED)',
      bytes: 0,
      diff: null,
    }),
  );
  app.get('/api/v1/machines/:id/history', async (req) => {
    const q = req.query as { from?: string; to?: string };
    return {
      items: [
        {
          machineId: 'm-1',
          day: q.from,
          counts: { missing: 3, installed: 7 },
          openBySeverity: { critical: 1, low: 2 },
        },
        { machineId: 'm-1', day: q.to, counts: {}, openBySeverity: {} },
      ],
    };
  });
  server = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs the CLI with the server and a token in the environment, and a HOME without a config file. */
function run(args: string[], env: Record<string, string> = {}): Promise<ApiCliResult> {
  return runApiCli(args, {
    HOME: path.join(tmp, 'empty-home'),
    PATCHHIVE_SERVER: server,
    PATCHHIVE_TOKEN: ADMIN,
    ...env,
  });
}

/** Exit 2, nothing on stdout, exactly one stderr line ending with the code; no token anywhere. */
function expectOneLineError(r: ApiCliResult, code: string, says?: RegExp): void {
  const detail = JSON.stringify(r);
  expect(r.code, detail).toBe(2);
  expect(r.stdout, detail).toBe('');
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines, detail).toHaveLength(1);
  expect(lines[0], detail).toMatch(new RegExp(`^patchhive: error: .*\\[${code}\\]$`));
  if (says) expect(lines[0], detail).toMatch(says);
  expectNoSecrets(r);
}
function expectNoSecrets(r: ApiCliResult): void {
  for (const secret of [ADMIN, VIEWER]) expect(r.stdout + r.stderr).not.toContain(secret);
}

describe.concurrent('through the CLI process', () => {
  it('machines list: an aligned table, exit 0, nothing on stderr', async () => {
    const r = await run(['machines', 'list', '--limit', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^NAME\s{2,}OS\s{2,}ROLE\s{2,}CRITICALITY\s{2,}OWNER\s{2,}INTERNET\s{2,}OPEN\s{2,}LAST SEEN\s{2,}TAGS$/,
    );
    expect(lines[1]).toMatch(/^web-01\s+debian 12\s+web\s+medium\s+ops, "EU"\s+no\s+2\s+2024-05-02 08:30\s+-$/);
    expect(lines[1]!.indexOf('debian')).toBe(lines[0]!.indexOf('OS'));
    expect(lines[3]).toBe('(machines 1–2 of 3; use --offset and --limit, or --all)');
  });

  it('machines list --all --format json: every page, the API objects', async () => {
    const r = await run(['machines', 'list', '--all', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ items: MACHINES, total: 3 });
  });

  it('machines list --format csv -o FILE: RFC 4180 CSV written to the file, not stdout', async () => {
    const out = path.join(tmp, 'machines.csv');
    const r = await run(['machines', 'list', '--search', 'web', '--format', 'csv', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const csv = readFileSync(out, 'utf8');
    expect(csv.startsWith('id,name,os,arch,role,criticality,owner,')).toBe(true);
    expect(csv).toContain('\r\nm-1,web-01,debian 12,,web,medium,"ops, ""EU""",,,false,agent,');
    expect(csv.split('\r\n')).toHaveLength(4); // header, 2 rows, final empty
  });

  it('the config file supplies format, server and token; a --server flag beats the environment', async () => {
    const xdg = path.join(tmp, 'xdg');
    mkdirSync(path.join(xdg, 'patchhive'), { recursive: true });
    writeFileSync(
      path.join(xdg, 'patchhive', 'config.json'),
      JSON.stringify({ server: 'http://127.0.0.1:1', token: VIEWER, format: 'json' }),
      { mode: 0o600 },
    );
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await runApiCli(['whoami', '--server', server], {
      HOME: tmp,
      XDG_CONFIG_HOME: xdg,
      PATCHHIVE_SERVER: dead,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ user: 'victor', role: 'viewer' });
  });

  it('machines show of an unknown machine: 404 → E_MACHINE_NOT_FOUND, exit 2', async () => {
    expectOneLineError(await run(['machines', 'show', 'nope']), 'E_MACHINE_NOT_FOUND', /no machine "nope"/);
  });

  it('machines delete with a viewer token: 403 → E_FORBIDDEN, exit 2', async () => {
    expectOneLineError(
      await run(['machines', 'delete', 'web-01'], { PATCHHIVE_TOKEN: VIEWER }),
      'E_FORBIDDEN',
      /needs admin/,
    );
  });

  it('machines delete with an admin token says so, and json prints the answer', async () => {
    const table = await run(['machines', 'delete', 'web-01']);
    expect([table.code, table.stdout, table.stderr]).toEqual([0, 'Deleted machine web-01.\n', '']);
    const json = await run(['machines', 'delete', 'web-01', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true });
  });

  it('a wrong token: 401 → E_UNAUTHENTICATED with a hint, token not shown', async () => {
    expectOneLineError(
      await run(['machines', 'list'], { PATCHHIVE_TOKEN: 'wrong-token-xyz' }),
      'E_UNAUTHENTICATED',
      /check --token-file/,
    );
  });

  it('no server listening → E_SERVER_UNREACHABLE, exit 2', async () => {
    expectOneLineError(
      await run(['machines', 'list'], { PATCHHIVE_SERVER: `http://127.0.0.1:${await freePort()}` }),
      'E_SERVER_UNREACHABLE',
      /ECONNREFUSED/,
    );
  });

  it('no server configured → E_CONFIG_INVALID, exit 2', async () => {
    expectOneLineError(
      await runApiCli(['machines', 'list'], { HOME: tmp, PATCHHIVE_TOKEN: ADMIN }),
      'E_CONFIG_INVALID',
      /no server/,
    );
  });

  it('a bad --format is a one-line usage error', async () => {
    expectOneLineError(await run(['machines', 'list', '--format', 'xml']), 'E_USAGE', /xml/);
  });

  it('machines set sends only the given attributes; "" clears a text attribute', async () => {
    const r = await run([
      'machines',
      'set',
      'db-01',
      '--role',
      '',
      '--tag',
      'dmz',
      '--tag',
      'eu',
      '--no-internet-facing',
      '--criticality',
      'high',
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(patches).toContainEqual({
      ref: 'db-01',
      body: { role: null, tags: ['dmz', 'eu'], internetFacing: false, criticality: 'high' },
    });
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'db-01', role: null, tags: ['dmz', 'eu'], criticality: 'high' });
  });

  it('machines set with nothing to change is a usage error and sends nothing', async () => {
    expectOneLineError(await run(['machines', 'set', 'web-02']), 'E_USAGE', /nothing to change/);
    expectOneLineError(await run(['machines', 'set', 'web-02', '--tag', 'bad tag']), 'E_USAGE', /tags\[0\]/);
    expect(patches.filter((p) => p.ref === 'web-02')).toEqual([]);
  });

  it('tokens create (table): shows the secret once, with a note on stderr', async () => {
    const r = await run(['tokens', 'create', '--name', 'ci', '--user', 'bob', '--role', 'operator']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^secret:\s+phk_new_secret_abcdefabcdef$/m);
    expect(r.stdout).toMatch(/^role:\s+operator$/m);
    expect(r.stdout).toMatch(/^groups:\s+all$/m);
    expect(r.stderr).toBe(
      'patchhive: note: this is the only time the secret is shown: it cannot be shown again. Store it now (e.g. in a file of mode 0600).\n',
    );
  });

  it('tokens create --group (repeatable) scopes the token to those groups', async () => {
    const r = await run([
      'tokens',
      'create',
      '--name',
      'ops',
      '--user',
      'wendy',
      '--role',
      'operator',
      '--group',
      'web',
      '--group',
      'db',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^groups:\s+web,db$/m);
  });

  it('tokens create --format json -o FILE: the API answer in a file of mode 0600', async () => {
    const out = path.join(tmp, 'token.json');
    const r = await run([
      'tokens',
      'create',
      '--name',
      'ci',
      '--user',
      'bob',
      '--role',
      'viewer',
      '--format',
      'json',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({
      id: 't-9',
      secret: NEW_SECRET,
      token: { user: 'bob', role: 'viewer' },
    });
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('groups create --rule makes a rule group; --members and --rule together are refused', async () => {
    const r = await run([
      'groups',
      'create',
      'webs',
      '--rule',
      'role = web and internet_facing',
      '--rescan',
      '0 3 * * *',
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'webs',
      kind: 'rule',
      rule: 'role = web and internet_facing',
      rescanSchedule: '0 3 * * *',
    });
    expectOneLineError(
      await run(['groups', 'create', 'x', '--members', 'a', '--rule', 'role = web']),
      'E_USAGE',
      /exactly one of --members/,
    );
  });

  it('sources sync that failed: the record on stdout, then exit 2 with one line', async () => {
    const r = await run(['sources', 'sync', 'debian']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^result:\s+failed$/m);
    expect(r.stderr).toBe(
      'patchhive: error: sync of debian failed: feed unreachable (ECONNREFUSED) [E_FEED_UNREACHABLE]\n',
    );
  });

  it('machines history sends --from/--to and tabulates the days', async () => {
    const r = await run(['machines', 'history', 'web-01', '--from', '2024-05-01', '--to', '2024-05-02']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^DAY\s+OPEN\s+CRITICAL\s+IMPORTANT\s+MODERATE\s+LOW\s+MISSING\*\s+AFFECTED\*\s+UNKNOWN\*$/,
    );
    expect(lines[1]).toMatch(/^2024-05-01\s+3\s+1\s+0\s+0\s+2\s+3\s+0\s+0$/);
    expect(lines[2]).toMatch(/^2024-05-02\s+0\s+0/);
    expectOneLineError(
      await run(['machines', 'history', 'web-01', '--from', '2024-05-03', '--to', '2024-05-02']),
      'E_USAGE',
      /after --to/,
    );
  });

  it('tokens create without --role is a usage error', async () => {
    expectOneLineError(await run(['tokens', 'create', '--name', 'ci', '--user', 'bob']), 'E_USAGE', /--role/);
  });
});
