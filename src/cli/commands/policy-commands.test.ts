/**
 * The triage, rules, change requests, actions, exceptions, channels and report commands end to end: the real `patchhive`
 * process against a real server (SQLite, listening on loopback) seeded through its API with a
 * native catalog, one imported Debian machine and two groups (one requiring a second approver).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ApprovalRuleWire,
  ChannelWire,
  ExceptionWire,
  TriageBulkResult,
  TriageDecisionWire,
} from '../../protocol/policy-api.js';
import type { MachineWire, SourceWire, SyncRecordWire } from '../../protocol/api.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import {
  debianInventory,
  expectApi,
  nativeCatalog,
  removeInventoryRoots,
  tempDir,
} from '../../../test/e2e/server-test-helpers.js';
import { runApiCli, type ApiCliResult } from '../client/test-support.js';
import { parseTimeArg } from '../client/command-kit.js';
import { reportDestination } from './report.js';

let server: TestServer;
let work: { dir: string; remove(): Promise<void> };
const tokens: Record<'operator1' | 'operator2' | 'viewer' | 'admin2', string> = {
  operator1: '',
  operator2: '',
  viewer: '',
  admin2: '',
};

/** Runs the CLI with the server and a token from the environment (never on the command line). */
function cli(args: string[], token = server.adminToken): Promise<ApiCliResult> {
  return runApiCli(args, { PATCHHIVE_SERVER: server.url, PATCHHIVE_TOKEN: token });
}

/** Expects success and returns stdout. */
async function ok(args: string[], token?: string): Promise<string> {
  const r = await cli(args, token);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Expects exit code 2 with the error code on the single stderr error line. */
async function refused(args: string[], code: string, token?: string): Promise<ApiCliResult> {
  const r = await cli(args, token);
  expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`^patchhive: error: .*\\[${code}\\]$`, 'm'));
  return r;
}

beforeAll(async () => {
  work = await tempDir('patchhive-policy-cli-');
  server = (await startTestServer({ listen: true }))!;
  const catalogFile = path.join(work.dir, 'inhouse.json');
  writeFileSync(
    catalogFile,
    nativeCatalog('inhouse', [
      { id: 'PH-APT', pkg: 'apt', fixed: '2.6.2' },
      { id: 'PH-SSL', pkg: 'libssl3', fixed: '3.0.20-1~deb12u1', severity: 'critical' },
      { id: 'PH-GZIP', pkg: 'gzip', fixed: '1.12-1.1', severity: 'low' },
    ]),
  );
  const source = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
    body: { name: 'inhouse', url: catalogFile, format: 'native', allowUnsigned: true },
  });
  expect(await expectApi<SyncRecordWire>(server, 'POST', `/sources/${source.id}/sync`, 200)).toMatchObject({
    result: 'updated',
  });
  const inv = await debianInventory('status-minbase-12-point-release.txt', 'web1', new Date());
  await expectApi<MachineWire>(server, 'POST', '/machines/import', 201, {
    body: { inventory: inv, attributes: { role: 'web' } },
  });
  await expectApi(server, 'POST', '/groups', 201, { body: { name: 'web', kind: 'static', members: ['web1'] } });
  await expectApi(server, 'POST', '/groups', 201, {
    body: { name: 'prod', kind: 'static', members: ['web1'], requiresSecondApprover: true },
  });
  tokens.operator1 = await server.tokenFor('operator');
  tokens.operator2 = await server.tokenFor('operator');
  tokens.viewer = await server.tokenFor('viewer');
  tokens.admin2 = await server.tokenFor('admin');
});

afterAll(async () => {
  await server?.destroy();
  await work?.remove();
  await removeInventoryRoots();
});

describe('triage', () => {
  it('approve prints one ok line per pair and records the decision', async () => {
    const out = await ok(
      ['triage', 'approve', 'PH-APT', '--group', 'web', '--note', 'tested in lab'],
      tokens.operator1,
    );
    expect(out).toMatch(/^ok\s+PH-APT\s+web\s+approved$/m);
    const shown = JSON.parse(
      await ok(['triage', 'list', '--bulletin', 'PH-APT', '--group', 'web', '--format', 'json']),
    );
    expect(shown.items).toHaveLength(1);
    // Version 1: queued as new when the group was created over a machine with the finding open; 2: approved.
    expect(shown.items[0]).toMatchObject({
      bulletinId: 'PH-APT',
      group: 'web',
      state: 'approved',
      emergency: false,
      version: 2,
    });
  });

  it('ignore with --until 30d sends a time 30 days ahead; decline needs and sends a reason', async () => {
    const before = Date.now();
    const res = JSON.parse(
      await ok([
        'triage',
        'ignore',
        'PH-SSL',
        '--group',
        'web',
        '--reason',
        'not exposed',
        '--until',
        '30d',
        '--format',
        'json',
      ]),
    ) as TriageBulkResult;
    expect(res).toMatchObject({ applied: 1, refused: 0 });
    const d = res.items[0]!.decision!;
    expect(d).toMatchObject({ state: 'ignored', reason: 'not exposed' });
    const until = Date.parse(d.ignoreUntil!);
    expect(until - before).toBeGreaterThanOrEqual(30 * 86_400_000 - 1000);
    expect(until - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);

    await refused(['triage', 'decline', 'PH-GZIP', '--group', 'web'], 'E_USAGE');
    expect(await ok(['triage', 'decline', 'PH-GZIP', '--group', 'web', '--reason', 'low risk'])).toMatch(
      /^ok\s+PH-GZIP\s+web\s+declined$/m,
    );
  });

  it('list filters by state, in a table, JSON and CSV; an unknown state is a usage error', async () => {
    const table = await ok(['triage', 'list', '--group', 'web', '--state', 'approved,declined']);
    expect(table.split('\n')[0]).toMatch(/^BULLETIN\s+GROUP\s+STATE\s+OWNER/);
    expect(table).toMatch(/^PH-APT\s+web\s+approved/m);
    expect(table).toMatch(/^PH-GZIP\s+web\s+declined/m);
    expect(table).not.toContain('PH-SSL');
    const json = JSON.parse(await ok(['triage', 'list', '--group', 'web', '--state', 'ignored', '--format', 'json']));
    expect(json.items.map((d: TriageDecisionWire) => d.bulletinId)).toEqual(['PH-SSL']);
    const csv = await ok(['triage', 'list', '--group', 'web', '--state', 'declined', '--format', 'csv']);
    expect(csv.split('\r\n')[0]).toMatch(/^bulletin,group_id,group,state,owner,notes,reason/);
    expect(csv).toContain('PH-GZIP');
    await refused(['triage', 'list', '--state', 'approved,maybe'], 'E_USAGE');
  });

  it('show prints the decisions and the history lines: who, what, state change, detail', async () => {
    await ok(['triage', 'assign', 'PH-APT', '--group', 'web', '--owner', 'team-web'], tokens.operator2);
    const out = await ok(['triage', 'show', 'PH-APT', '--group', 'web']);
    expect(out).toMatch(/^PH-APT\s+web\s+approved\s+team-web/m);
    const history = out.slice(out.indexOf('History:'));
    expect(history).toMatch(/^AT\s+GROUP\s+ACTOR\s+ACTION\s+STATE\s+DETAIL$/m);
    expect(history).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d\s+web\s+operator-user-\d+\s+approve\s+(?:-|new) -> approved\s+.*note="tested in lab"/m,
    );
    expect(history).toMatch(/\s+assign\s+approved -> approved\s+.*owner="team-web"/m);
    const json = JSON.parse(await ok(['triage', 'show', 'PH-APT', '--format', 'json']));
    expect(json.history.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['approve', 'assign']),
    );
    await refused(['triage', 'show', 'PH-NONE'], 'E_BULLETIN_NOT_FOUND');
  });

  it('a viewer token is refused as a whole with E_FORBIDDEN', async () => {
    const r = await refused(['triage', 'approve', 'PH-GZIP', '--group', 'web'], 'E_FORBIDDEN', tokens.viewer);
    expect(r.stdout).toBe('');
    const after = JSON.parse(await ok(['triage', 'show', 'PH-GZIP', '--group', 'web', '--format', 'json']));
    expect(after.decisions[0].state).toBe('declined');
  });

  it('a group requiring a second approver needs two different users', async () => {
    expect(await ok(['triage', 'approve', 'PH-APT', '--group', 'prod'], tokens.operator1)).toMatch(
      /^ok\s+PH-APT\s+prod\s+awaiting-second-approval$/m,
    );
    const again = await refused(
      ['triage', 'approve', 'PH-APT', '--group', 'prod'],
      'E_SECOND_APPROVER',
      tokens.operator1,
    );
    expect(again.stdout).toMatch(/^refused\s+PH-APT\s+prod\s+E_SECOND_APPROVER: /m);
    expect(again.stderr).toContain('1 of 1 triage action was refused');
    expect(await ok(['triage', 'approve', 'PH-APT', '--group', 'prod'], tokens.operator2)).toMatch(
      /^ok\s+PH-APT\s+prod\s+approved$/m,
    );
  });

  it('bulk: the cross product of bulletins and groups, each applied or refused on its own', async () => {
    const r = await refused(
      ['triage', 'note', 'PH-GZIP', 'PH-NONE', '--group', 'web', '--group', 'prod', '--note', 'weekly review'],
      'E_BULLETIN_NOT_FOUND',
    );
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('ok ')).map((l) => l.split(/\s+/).slice(1, 3).join(' '))).toEqual([
      'PH-GZIP web',
      'PH-GZIP prod',
    ]);
    expect(lines.filter((l) => l.startsWith('refused '))).toHaveLength(2);
    expect(r.stderr).toContain('2 of 4 triage actions were refused');
  });

  it('--expect-version: one pair only; a stale version is refused with E_CONFLICT', async () => {
    await refused(['triage', 'reopen', 'PH-SSL', 'PH-GZIP', '--group', 'web', '--expect-version', '1'], 'E_USAGE');
    const current = JSON.parse(await ok(['triage', 'show', 'PH-SSL', '--group', 'web', '--format', 'json']))
      .decisions[0] as TriageDecisionWire;
    await refused(
      ['triage', 'reopen', 'PH-SSL', '--group', 'web', '--expect-version', String(current.version + 5)],
      'E_CONFLICT',
    );
    expect(
      await ok(['triage', 'reopen', 'PH-SSL', '--group', 'web', '--expect-version', String(current.version)]),
    ).toMatch(/^ok\s+PH-SSL\s+web\s+new$/m);
    expect(await ok(['triage', 'list', '--state', 'new', '--group', 'web'])).toMatch(/^PH-SSL\s+web\s+new/m);
  });
});

describe('rules', () => {
  it('create, list, set and delete an approval rule', async () => {
    const created = JSON.parse(
      await ok([
        'rules',
        'create',
        'auto-low',
        '--decision',
        'approve',
        '--group',
        'web',
        '--severity',
        'low,moderate',
        '--package',
        'gzip',
        '--after',
        'prod:7',
        '--priority',
        '10',
        '--reason',
        'low risk',
        '--format',
        'json',
      ]),
    ) as ApprovalRuleWire;
    expect(created).toMatchObject({
      name: 'auto-low',
      decision: 'approve',
      priority: 10,
      enabled: true,
      match: { severities: ['low', 'moderate'], packages: ['gzip'] },
      after: { days: 7 },
    });
    const table = await ok(['rules', 'list']);
    expect(table).toMatch(/^PRIORITY\s+NAME\s+DECISION\s+GROUP\s+MATCH/m);
    expect(table).toMatch(/^10\s+auto-low\s+approve\s+\S+\s+severity=low,moderate package=gzip/m);
    const changed = JSON.parse(
      await ok(['rules', 'set', 'auto-low', '--disable', '--format', 'json']),
    ) as ApprovalRuleWire;
    expect(changed.enabled).toBe(false);
    await refused(['rules', 'create', 'bad', '--decision', 'approve', '--severity', 'urgent'], 'E_USAGE');
    await refused(['rules', 'create', 'nope', '--decision', 'approve'], 'E_FORBIDDEN', tokens.operator1);
    // Anything but disabling, and deleting, wait for a second admin.
    const loosen = await cli(['rules', 'set', 'auto-low', '--enable', '--format', 'json']);
    expect(loosen.code, loosen.stderr).toBe(0);
    expect(JSON.parse(loosen.stdout)).toMatchObject({ kind: 'approval-rule.update', status: 'pending' });
    expect(loosen.stderr).toMatch(/this waits for a second admin: patchhive changes approve \S+/);
    await ok(['changes', 'reject', JSON.parse(loosen.stdout).id]);
    const del = await cli(['rules', 'delete', 'auto-low']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toMatch(/^summary:\s+delete approval rule auto-low$/m);
    const id = /patchhive changes approve (\S+)/.exec(del.stderr)![1]!;
    await refused(['changes', 'approve', id], 'E_SECOND_APPROVER');
    expect(await ok(['changes', 'list'])).toMatch(
      new RegExp(`^${id}\\s+pending\\s+admin\\s+.*\\s+delete approval rule auto-low$`, 'm'),
    );
    expect(await ok(['changes', 'approve', id, '--format', 'json'], tokens.admin2)).toMatch(/"status": "approved"/);
    expect(await ok(['rules', 'list'])).toBe('No approval rules.\n');
    expect(await ok(['changes', 'list'])).toBe('No change requests.\n');
  }, 300_000);
});

describe('actions', () => {
  it('add (waits for a second admin), list, approve, remove; operators may only list', async () => {
    const added = await cli([
      'actions',
      'add',
      'snapshot',
      '--description',
      'LVM snapshot',
      '--step-timeout',
      '900',
      '--',
      '/usr/local/sbin/snapshot',
      '--label',
      'before patch',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(
      /^summary:\s+add action snapshot: \/usr\/local\/sbin\/snapshot --label "before patch"$/m,
    );
    const id = /patchhive changes approve (\S+)/.exec(added.stderr)![1]!;
    expect(await ok(['actions', 'list'], tokens.operator1)).toMatch(
      /^snapshot\s+1\s+pending\s+900s\s+\/usr\/local\/sbin\/snapshot --label "before patch"\s+-$/m,
    );
    await refused(['actions', 'add', 'x', '--', '/bin/true'], 'E_FORBIDDEN', tokens.operator1);
    await refused(['actions', 'add', 'x', '--', 'true'], 'E_USAGE');
    await refused(['changes', 'approve', id], 'E_SECOND_APPROVER');
    await refused(['changes', 'approve', id], 'E_FORBIDDEN', tokens.operator1);
    await ok(['changes', 'approve', id], tokens.admin2);
    const listed = JSON.parse(await ok(['actions', 'list', '--format', 'json'])) as {
      items: { argv: string[]; status: string }[];
    };
    expect(listed.items).toEqual([
      expect.objectContaining({ argv: ['/usr/local/sbin/snapshot', '--label', 'before patch'], status: 'active' }),
    ]);
    await refused(['actions', 'remove', 'snapshot'], 'E_FORBIDDEN', tokens.operator1);
    expect(await ok(['actions', 'remove', 'snapshot'])).toBe('Removed action snapshot.\n');
    expect(await ok(['actions', 'list'])).toBe('No actions.\n');
    await refused(['actions', 'remove', 'snapshot'], 'E_ACTION_NOT_FOUND');
  }, 300_000);
});

describe('exceptions', () => {
  it('create on a machine, list (active by default), revoke', async () => {
    const created = JSON.parse(
      await ok([
        'exceptions',
        'create',
        'PH-APT',
        '--machine',
        'web1',
        '--owner',
        'alice',
        '--reason',
        'legacy app pins apt',
        '--until',
        '90d',
        '--format',
        'json',
      ]),
    ) as ExceptionWire;
    expect(created).toMatchObject({ bulletinId: 'PH-APT', owner: 'alice', active: true, groupId: null });
    expect(created.machineId).not.toBeNull();
    await refused(
      [
        'exceptions',
        'create',
        'PH-APT',
        '--machine',
        'web1',
        '--group',
        'web',
        '--owner',
        'a',
        '--reason',
        'r',
        '--until',
        '1d',
      ],
      'E_USAGE',
    );
    await refused(
      ['exceptions', 'create', 'PH-APT', '--group', 'web', '--owner', 'a', '--reason', 'r', '--until', 'next week'],
      'E_USAGE',
    );
    const list = await ok(['exceptions', 'list', '--bulletin', 'PH-APT']);
    expect(list).toMatch(
      new RegExp(`^${created.id}\\s+PH-APT\\s+machine \\S+\\s+alice\\s+\\S+ \\S+\\s+yes\\s+legacy app pins apt`, 'm'),
    );
    expect(await ok(['exceptions', 'revoke', created.id])).toBe(`Revoked exception ${created.id}.\n`);
    expect(await ok(['exceptions', 'list'])).toBe('No exceptions.\n');
    const all = JSON.parse(await ok(['exceptions', 'list', '--all', '--format', 'json'])) as { items: ExceptionWire[] };
    expect(all.items).toEqual([expect.objectContaining({ id: created.id, active: false })]);
  });
});

describe('channels', () => {
  const SECRET = 'hmac-secret-0123456789-abcdef';

  it('create reads the HMAC secret from a file; neither create nor list ever shows it', async () => {
    const secretFile = path.join(work.dir, 'hook.secret');
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const r = await cli([
      'channels',
      'create',
      'ops-hook',
      '--kind',
      'webhook',
      '--target',
      'https://hooks.example.org/patchhive',
      '--secret-file',
      secretFile,
      '--events',
      'bulletin.new,findings.overdue',
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const created = JSON.parse(r.stdout) as ChannelWire;
    expect(created).toMatchObject({
      name: 'ops-hook',
      kind: 'webhook',
      signed: true,
      events: ['bulletin.new', 'findings.overdue'],
      enabled: true,
    });
    for (const format of ['table', 'json', 'csv']) {
      const out = await ok(['channels', 'list', '--format', format]);
      expect(out).toContain('ops-hook');
      expect(out).not.toContain(SECRET);
    }
    expect(r.stdout).not.toContain(SECRET);
    expect(await ok(['channels', 'list'])).toMatch(
      /^ops-hook\s+webhook\s+https:\/\/hooks\.example\.org\/\S*\s+yes\s+bulletin\.new,findings\.overdue\s+1\s+all\s+yes/m,
    );
  });

  it('a secret file readable by others draws a warning; a missing one is refused', async () => {
    const loose = path.join(work.dir, 'loose.secret');
    writeFileSync(loose, SECRET, { mode: 0o644 });
    const r = await cli([
      'channels',
      'create',
      'loose',
      '--kind',
      'webhook',
      '--target',
      'https://hooks.example.org/x',
      '--secret-file',
      loose,
      '--events',
      'all',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^patchhive: warning: the secret file .* is readable by group or others/m);
    expect(r.stderr).not.toContain(SECRET);
    await refused(
      [
        'channels',
        'create',
        'gone',
        '--kind',
        'webhook',
        '--target',
        'https://h.example.org/',
        '--secret-file',
        path.join(work.dir, 'none'),
        '--events',
        'all',
      ],
      'E_INPUT_NOT_FOUND',
    );
    await refused(
      [
        'channels',
        'create',
        'bad',
        '--kind',
        'webhook',
        '--target',
        'https://h.example.org/',
        '--events',
        'bulletin.maybe',
      ],
      'E_USAGE',
    );
  });

  it('set, test, deliveries and delete', async () => {
    const rotated = path.join(work.dir, 'rotated.secret');
    writeFileSync(rotated, 'another-secret-9876543210', { mode: 0o600 });
    const changed = JSON.parse(
      await ok(['channels', 'set', 'loose', '--secret-file', rotated, '--disable', '--format', 'json']),
    ) as ChannelWire;
    expect(changed).toMatchObject({ signed: true, enabled: false });
    await refused(['channels', 'set', 'loose'], 'E_USAGE');
    expect(await ok(['channels', 'test', 'ops-hook'])).toMatch(/^Test message to channel ops-hook: \d+ queued/);
    const deliveries = JSON.parse(await ok(['channels', 'deliveries', '--channel', 'ops-hook', '--format', 'json']));
    expect(deliveries.items.length).toBeGreaterThanOrEqual(1);
    expect(await ok(['channels', 'deliveries', '--channel', 'ops-hook'])).toMatch(
      /^CREATED\s+CHANNEL\s+EVENT\s+STATUS/,
    );
    await refused(['channels', 'list'], 'E_FORBIDDEN', tokens.viewer);
    expect(await ok(['channels', 'delete', 'loose'])).toBe('Deleted channel loose.\n');
    await refused(['channels', 'test', 'loose'], 'E_CHANNEL_NOT_FOUND');
  });
});

describe('report', () => {
  it('JSON to stdout (the default format), CSV of one section', async () => {
    const json = JSON.parse(await ok(['report', '--group', 'web'], tokens.viewer));
    expect(json).toHaveProperty('generatedAt');
    const csv = await ok(['report', '--format', 'csv', '--section', 'severities']);
    expect(csv.length).toBeGreaterThan(0);
    expect(csv).toMatch(/\r\n/);
    await refused(['report', '--format', 'table'], 'E_USAGE');
  });

  it('PDF: written atomically with --output, refused without it', async () => {
    const file = path.join(work.dir, 'compliance.pdf');
    const r = await cli(['report', '--format', 'pdf', '--output', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^patchhive: note: wrote the pdf compliance report to .*compliance\.pdf \(\d+ bytes\)$/m);
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const refusedRun = await refused(['report', '--format', 'pdf'], 'E_USAGE');
    expect(refusedRun.stderr).toContain('use --output');
    expect(refusedRun.stdout).toBe('');
  });
});

describe('pure helpers', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');
  it.each([
    ['30d', '2026-01-31T00:00:00.000Z'],
    ['12h', '2026-01-01T12:00:00.000Z'],
    ['2w', '2026-01-15T00:00:00.000Z'],
    ['2026-03-01T10:00:00+01:00', '2026-03-01T09:00:00.000Z'],
  ])('parseTimeArg(%s)', (input, want) => {
    expect(parseTimeArg('--until', input, now)).toBe(want);
  });
  it.each(['30', 'tomorrow', '2026-03-01', '-3d'])('parseTimeArg refuses %s', (input) => {
    expect(() => parseTimeArg('--until', input, now)).toThrow(/--until: expected/);
  });
  it('a PDF goes to stdout only with -o - and never to a terminal', () => {
    expect(() => reportDestination('pdf', undefined, false)).toThrow(/use --output/);
    expect(() => reportDestination('pdf', '-', true)).toThrow(/terminal/);
    expect(reportDestination('pdf', '-', false)).toEqual({});
    expect(reportDestination('html', undefined, true)).toEqual({});
    expect(reportDestination('pdf', 'x.pdf', true)).toEqual({ file: 'x.pdf' });
  });
});
