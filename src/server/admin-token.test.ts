/**
 * The initial admin token expires, and `patchhive serve --reset-admin-token` (run on the server
 * host, against the server's data directory) writes a working new one.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRun, runCli } from '../../test/support/cli.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { resetAdminToken } from './admin-token.js';
import { serverConfigSchema } from './config.js';

let server: TestServer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await server?.destroy();
  server = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

const me = (s: TestServer, token: string) =>
  s.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });

describe('the initial admin token', () => {
  it('expires after initialAdminTokenHours; a reset writes a new admin token to the file, mode 0600', async () => {
    let clock = new Date('2026-12-01T08:00:00Z');
    const now = () => clock;
    server = (await startTestServer({ now, config: { initialAdminTokenHours: 24 } }))!;
    const initial = server.bootstrapToken!;
    const file = path.join(server.dataDir, 'initial-admin-token');
    expect(readFileSync(file, 'utf8')).toBe(`${initial}\n`);
    expect((await me(server, initial)).statusCode).toBe(200);

    clock = new Date(clock.getTime() + 25 * 3_600_000);
    const expired = await me(server, initial);
    expect([expired.statusCode, expired.json().error.code]).toEqual([401, 'E_TOKEN_EXPIRED']);

    // the server keeps running: the reset works on its database beside it
    const cfg = serverConfigSchema.parse({ dataDir: server.dataDir, initialAdminTokenHours: 2 });
    const issued = await resetAdminToken(cfg, now);
    expect(issued.file).toBe(file);
    expect(issued.expiresAt).toBe(new Date(clock.getTime() + 2 * 3_600_000).toISOString());
    const fresh = readFileSync(file, 'utf8').trim();
    expect(fresh).not.toBe(initial);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const ok = await me(server, fresh);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ user: 'admin', role: 'admin' });
    clock = new Date(clock.getTime() + 3 * 3_600_000);
    expect((await me(server, fresh)).statusCode).toBe(401);
  });

  it('`patchhive serve --reset-admin-token` writes the token file and exits without serving', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'patchhive-reset-'));
    const r = await runCli(['serve', '--reset-admin-token', '--data-dir', dataDir, '--log-level', 'silent'], {
      timeoutMs: 120_000,
    });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toMatch(
      /wrote a new admin API token \(id [0-9a-f-]{36}, expires \S+\) to .*initial-admin-token \(mode 0600\)/,
    );
    const token = readFileSync(path.join(dataDir, 'initial-admin-token'), 'utf8').trim();
    expect(r.stderr).not.toContain(token);
    server = (await startTestServer({ dataDir }))!;
    expect((await me(server, token)).statusCode).toBe(200);
  }, 180_000);
});
