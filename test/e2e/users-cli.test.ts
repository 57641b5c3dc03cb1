/**
 * `patchhive users list|create|set|reset-password` against a real server: a user created with a
 * password file signs in; `set` changes role and scope and disables; `reset-password` prints a
 * generated password once, which then signs in.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeTempDir, removeTempDir, runCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('patchhive users', () => {
  let server: TestServer;
  let tmp: string;
  let env: Record<string, string>;
  const signIn = async (username: string, password: string) =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username, password },
      })
    ).statusCode;

  beforeAll(async () => {
    tmp = makeTempDir('patchhive-users-cli-');
    server = (await startTestServer({ listen: true, config: { sessions: { scryptLog2N: 11 } } }))!;
    env = { PATCHHIVE_SERVER: server.url, PATCHHIVE_TOKEN: server.adminToken };
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: { authorization: `Bearer ${server.adminToken}` },
      payload: { name: 'web', kind: 'static' },
    });
    expect(res.statusCode).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
    removeTempDir(tmp);
  });

  it('creates a user with a password from a file, lists it, changes it, resets its password', async () => {
    const file = path.join(tmp, 'pw');
    writeFileSync(file, 'a password long enough\n', { mode: 0o600 });
    const created = await runCli(['users', 'create', 'erin', '--role', 'operator', '--password-file', file], { env });
    expect(created.code, describeRun(created)).toBe(0);
    expect(created.stdout).toMatch(/erin/);
    expect(await signIn('erin', 'a password long enough')).toBe(200);

    const list = await runCli(['users', 'list', '--format', 'json'], { env });
    expect(list.code, describeRun(list)).toBe(0);
    const users = JSON.parse(list.stdout) as { items: { name: string; hasPassword: boolean }[] };
    expect(users.items.find((u) => u.name === 'erin')).toMatchObject({ hasPassword: true });

    const set = await runCli(['users', 'set', 'erin', '--role', 'viewer', '--group', 'web', '--format', 'json'], {
      env,
    });
    expect(set.code, describeRun(set)).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ role: 'viewer', groups: ['web'] });
    const nothing = await runCli(['users', 'set', 'erin'], { env });
    expect(nothing.code).not.toBe(0);
    expect(nothing.stderr).toMatch(/E_USAGE/);

    const reset = await runCli(['users', 'reset-password', 'erin'], { env });
    expect(reset.code, describeRun(reset)).toBe(0);
    const generated = reset.stdout.trim();
    expect(generated).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(reset.stderr).toMatch(/shown this once/);
    expect(await signIn('erin', 'a password long enough')).toBe(401);
    expect(await signIn('erin', generated)).toBe(200);

    const disabled = await runCli(['users', 'set', 'erin', '--disable'], { env });
    expect(disabled.code, describeRun(disabled)).toBe(0);
    expect(await signIn('erin', generated)).toBe(401);

    const help = await runCli(['users', 'create', '--help'], { env });
    expect(help.stdout).toMatch(/--password-file <file>/);
  }, 600_000); // eight CLI processes, each started from source
});
