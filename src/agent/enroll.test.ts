import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../inventory/test-support.js';
import { createAgentClient, type AgentClient } from './client.js';
import { checkJobSigningKey, enrollAgent, type EnrollOptions } from './enroll.js';
import { loadState, stateFilePath } from './state.js';
import { keyFingerprint } from '../protocol/server-key.js';
import { startFakeServer, TEST_ENROLL_TOKEN, type FakeServer } from './test-server.js';

const pem = (type: 'ed25519' | 'rsa' | 'ec') => {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
};

describe('checkJobSigningKey', () => {
  it('accepts an Ed25519 SPKI PEM', () => {
    expect(() => checkJobSigningKey(pem('ed25519'))).not.toThrow();
  });
  it.each([
    ['an RSA key', pem('rsa'), /is rsa, not Ed25519/],
    ['an EC key', pem('ec'), /is ec, not Ed25519/],
    ['garbage', 'not a key', /not a PEM public key/],
    [
      'a private key',
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      /not a PEM public key/,
    ],
    ['a broken public key', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', /not a PEM public key/],
  ])('refuses %s', (_what, key, message) => {
    expect(() => checkJobSigningKey(key)).toThrow(
      expect.objectContaining({ code: 'E_KEY_INVALID', message: expect.stringMatching(message) }),
    );
  });
});

describe('enrollAgent', () => {
  let server: FakeServer;
  let client: AgentClient;
  beforeAll(async () => {
    server = await startFakeServer();
    client = createAgentClient(server.url, { userAgent: 't' });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
    await removeRoots();
  });
  const opts = async (over: Partial<EnrollOptions> = {}): Promise<EnrollOptions> => ({
    server: server.url,
    token: TEST_ENROLL_TOKEN,
    hostname: 'web01',
    stateDir: path.join(await makeRoot({}), 'var/lib/patchhive-agent'),
    force: false,
    now: new Date('2026-05-01T10:00:00Z'),
    ...over,
  });

  it('writes the state (0600) with the pinned key and no inventory hash yet', async () => {
    const o = await opts({ name: 'web01' });
    const state = await enrollAgent(client, o);
    expect(state).toMatchObject({
      agentId: 'agent-1',
      machineId: 'machine-1',
      credential: server.credential,
      jobSigningPublicKey: server.publicKeyPem,
      name: 'web01',
      lastAcceptedHash: null,
    });
    expect((await stat(stateFilePath(o.stateDir))).mode & 0o777).toBe(0o600);
    expect(await loadState(o.stateDir)).toEqual(state);
  });

  it('refuses to enroll over an existing state unless forced', async () => {
    const o = await opts();
    await enrollAgent(client, o);
    const count = server.enrollments.length;
    await expect(enrollAgent(client, o)).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: expect.stringMatching(/--force/),
    });
    expect(server.enrollments.length).toBe(count); // the token was not spent
    await expect(enrollAgent(client, { ...o, force: true })).resolves.toMatchObject({ agentId: 'agent-1' });
  });

  it('a token of the wrong size is refused locally without echoing it', async () => {
    const err = await enrollAgent(client, await opts({ token: 'short-secret' })).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'E_USAGE', message: 'the enrollment token must be 16 to 256 characters' });
  });

  it('a server key that is not Ed25519 is not pinned: nothing is written', async () => {
    server.enrollAnswer = (good) => ({ ...good, jobSigningPublicKey: pem('rsa') });
    const o = await opts();
    await expect(enrollAgent(client, o)).rejects.toMatchObject({ code: 'E_KEY_INVALID' });
    delete server.enrollAnswer;
    expect(await readdir(o.stateDir)).toEqual([]);
  });

  it("a refused token → the server's code; an unusable state dir fails before the token is spent", async () => {
    await expect(enrollAgent(client, await opts({ token: 'wrong-token-0123456789' }))).rejects.toMatchObject({
      code: 'E_UNAUTHENTICATED',
    });
    const dir = path.join(await makeRoot({}), 'open');
    await mkdir(dir);
    await chmod(dir, 0o777);
    const count = server.enrollments.length;
    await expect(enrollAgent(client, await opts({ stateDir: dir }))).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
    });
    expect(server.enrollments.length).toBe(count);
  });

  it('the right fingerprint pins the key and keeps the fingerprint, how it was vouched for and the CA file', async () => {
    const o = await opts({
      expectedFingerprint: server.fingerprint,
      keyTrust: 'fingerprint',
      caFile: '/etc/patchhive/ca.pem',
    });
    const state = await enrollAgent(client, o);
    expect(state).toMatchObject({
      jobSigningPublicKey: server.publicKeyPem,
      jobSigningKeyFingerprint: server.fingerprint,
      keyTrust: 'fingerprint',
      caFile: '/etc/patchhive/ca.pem',
    });
    expect(await loadState(o.stateDir)).toEqual(state);
  });

  it('a wrong fingerprint is refused before the token is spent, and nothing is written', async () => {
    const other = keyFingerprint(pem('ed25519'));
    const o = await opts({ expectedFingerprint: other, keyTrust: 'fingerprint' });
    const count = server.enrollments.length;
    const err = await enrollAgent(client, o).catch((e: Error) => e);
    expect(err).toMatchObject({
      code: 'E_KEY_INVALID',
      message: expect.stringContaining(`is ${server.fingerprint}, not the expected ${other}`),
    });
    expect(server.enrollments.length).toBe(count); // refused on GET /server-key: the token is still unused
    expect(existsSync(o.stateDir)).toBe(false);
  });

  it('a server whose enrollment answer carries another key than /server-key served is refused: nothing is written', async () => {
    const swapped = pem('ed25519');
    server.enrollAnswer = (good) => ({ ...good, jobSigningPublicKey: swapped });
    try {
      const o = await opts({ expectedFingerprint: server.fingerprint, keyTrust: 'fingerprint' });
      await expect(enrollAgent(client, o)).rejects.toMatchObject({
        code: 'E_KEY_INVALID',
        message: expect.stringContaining(`is ${keyFingerprint(swapped)}, not the expected`),
      });
      expect(await readdir(o.stateDir)).toEqual([]);
    } finally {
      delete server.enrollAnswer;
    }
  });

  it('a /server-key answer with another key stops the enrollment even when the enrollment answer would match', async () => {
    server.serverKeyPem = pem('ed25519');
    try {
      const o = await opts({ expectedFingerprint: server.fingerprint, keyTrust: 'fingerprint' });
      await expect(enrollAgent(client, o)).rejects.toMatchObject({ code: 'E_KEY_INVALID' });
      expect(existsSync(o.stateDir)).toBe(false);
    } finally {
      delete server.serverKeyPem;
    }
  });
});
