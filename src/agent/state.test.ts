import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../inventory/test-support.js';
import {
  AGENT_STATE_SCHEMA,
  loadState,
  NO_PROBES,
  prepareStateDir,
  resolveStateDir,
  saveState,
  stateFilePath,
  type AgentState,
} from './state.js';

afterAll(removeRoots);

const state: AgentState = {
  schema: AGENT_STATE_SCHEMA,
  server: 'https://ph.example',
  agentId: 'a1',
  machineId: 'm1',
  credential: 'secret-credential-0123456789',
  jobSigningPublicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n',
  checkinIntervalSeconds: 60,
  enrolledAt: '2026-01-01T00:00:00.000Z',
  lastAcceptedHash: null,
  probes: NO_PROBES,
};

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('resolveStateDir', () => {
  it.each([
    [{}, '/var/lib/patchhive-agent'],
    [{ root: '/srv/img' }, '/srv/img/var/lib/patchhive-agent'],
    [{ root: '/srv/img', stateDir: '/tmp/s' }, '/tmp/s'],
  ])('%j → %s', (opts, dir) => {
    expect(resolveStateDir(opts)).toBe(dir);
  });
});

describe('saveState / loadState', () => {
  it('writes the file with mode 0600 in a new directory of mode 0700, and reads it back', async () => {
    const base = await makeRoot({});
    const dir = path.join(base, 'var/lib/patchhive-agent');
    await saveState(dir, state);
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(stateFilePath(dir))).toBe(0o600);
    expect(await loadState(dir)).toEqual(state);
  });

  it('replaces the file atomically: complete new content, still 0600, no temporary file left', async () => {
    const dir = path.join(await makeRoot({}), 'state');
    await saveState(dir, state);
    const next = { ...state, lastAcceptedHash: 'f'.repeat(64), probes: { ...NO_PROBES, textFiles: ['/etc/issue'] } };
    await saveState(dir, next);
    expect(await readdir(dir)).toEqual(['agent.json']);
    expect(await mode(stateFilePath(dir))).toBe(0o600);
    expect(JSON.parse(await readFile(stateFilePath(dir), 'utf8'))).toEqual(next);
  });

  it('a failed write leaves the old file whole and no temporary file', async () => {
    const dir = path.join(await makeRoot({}), 'state');
    await saveState(dir, state);
    // an invalid state is refused before anything is written
    await expect(saveState(dir, { ...state, checkinIntervalSeconds: -1 })).rejects.toThrow();
    // a target that cannot be replaced (a non-empty directory in the way of the rename)
    const other = path.join(await makeRoot({}), 'state2');
    await mkdir(path.join(other, 'agent.json', 'x'), { recursive: true, mode: 0o700 });
    await chmod(other, 0o700);
    await expect(saveState(other, state)).rejects.toMatchObject({ code: 'E_OUTPUT_FAILED' });
    expect(await readdir(other)).toEqual(['agent.json']);
    expect(await loadState(dir)).toEqual(state);
  });

  it('an existing directory others may write to is refused; an existing 0755 one is used as it is', async () => {
    const base = await makeRoot({});
    const open = path.join(base, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    await expect(prepareStateDir(open)).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringMatching(/writable by other users \(mode 0777\)/),
    });
    const shared = path.join(base, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o755);
    await saveState(shared, state);
    expect(await mode(shared)).toBe(0o755);
    expect(await mode(stateFilePath(shared))).toBe(0o600);
  });

  it('not enrolled, readable by others, or malformed → a clear error without the secret', async () => {
    const dir = path.join(await makeRoot({}), 'state');
    await expect(loadState(dir)).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringMatching(/not enrolled/),
    });
    await saveState(dir, state);
    await chmod(stateFilePath(dir), 0o644);
    await expect(loadState(dir)).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringMatching(/mode 0644.*chmod 600/),
    });
    await writeFile(stateFilePath(dir), JSON.stringify({ ...state, credential: 42 }), { mode: 0o600 });
    await chmod(stateFilePath(dir), 0o600);
    const err = await loadState(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT_MALFORMED', location: { path: '$.credential' } });
    await writeFile(stateFilePath(dir), '{"schema": ', { mode: 0o600 });
    await expect(loadState(dir)).rejects.toMatchObject({ code: 'E_INPUT_MALFORMED' });
    await writeFile(stateFilePath(dir), JSON.stringify({ ...state, schema: 'patchhive.agent-state/9' }), {
      mode: 0o600,
    });
    const bad = await loadState(dir).catch((e: Error) => e.message);
    expect(bad).toMatch(/state file is invalid/);
    expect(bad).not.toContain(state.credential);
  });
});
