/**
 * Enrollment trust and HTTPS end to end: a real server on loopback serving HTTPS with a certificate
 * from a test CA made by openssl, the real `patchhive` CLI as a child process. The agent enrolls
 * with --ca-file and fails (writing nothing, spending nothing) without it; the fingerprint pins or
 * refuses; the admin CLI takes --ca-file and PATCHHIVE_CA_FILE; `patchhive serve --tls-cert
 * --tls-key` picks up a replaced certificate on SIGHUP and keeps the old one when the new files are bad.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_12_OS_RELEASE, fixture } from '../../src/inventory/test-support.js';
import { keyFingerprint } from '../../src/protocol/server-key.js';
import { runCli, describeRun } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { makeServerCert, makeTestCa, type TestCa } from '../support/test-pki.js';
import { logLines, startServe, type ServeProcess } from './serve-process.js';

const STATUS = readFileSync(fixture('debian', 'status-minbase-12-point-release.txt'), 'utf8');

let work: string;
let ca: TestCa;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'patchhive-tls-'));
  ca = makeTestCa(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A machine root with just enough for an inventory. */
async function machineRoot(name: string): Promise<string> {
  const root = path.join(work, name);
  for (const [file, text] of Object.entries({
    'etc/os-release': DEBIAN_12_OS_RELEASE,
    'etc/hostname': `${name}\n`,
    'var/lib/dpkg/status': STATUS,
  })) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

/** The certificate a new TLS connection to 127.0.0.1:port is shown, verified against the test CA. */
function peerSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(ca.caFile), servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

describe('enrollment over HTTPS with a test CA (a real server on loopback)', () => {
  let server: TestServer;
  let tokenFile: string;
  let caEnv: Agent;

  beforeAll(async () => {
    const cert = makeServerCert(ca, 'server', 0x1001);
    server = (await startTestServer({
      listen: true,
      config: { tls: { certFile: cert.certFile, keyFile: cert.keyFile } },
    }))!;
    const enrollment = await server.services.tokens.createEnrollmentToken({ maxUses: 10, expiresInHours: 1 }, 'test');
    tokenFile = path.join(work, 'enroll-token');
    await writeFile(tokenFile, enrollment.secret, { mode: 0o600 });
    caEnv = new Agent({ connect: { ca: readFileSync(ca.caFile) } });
  });
  afterAll(async () => {
    await caEnv?.close();
    await server?.destroy();
  });

  const uses = async () => (await server.services.tokens.listEnrollmentTokens())[0]!.uses;

  it('serves https; GET /api/v1/server-key answers the key and the fingerprint the server logged', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await request(`${server.url}/api/v1/server-key`, { dispatcher: caEnv });
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { fingerprint: string; publicKey: string };
    expect(body.fingerprint).toBe(server.keyFingerprint);
    expect(body.fingerprint).toBe(keyFingerprint(body.publicKey));
    expect(body.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('agent enroll without --ca-file: a certificate error, no token spent, no state written', async () => {
    const dir = path.join(work, 'state-no-ca');
    const before = await uses();
    const r = await runCli([
      'agent',
      'enroll',
      '--server',
      server.url,
      '--token-file',
      tokenFile,
      '--state-dir',
      dir,
      '--name',
      'no-ca',
    ]);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(
      /TLS certificate at https:\/\/127\.0\.0\.1:\d+ did not verify \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\): give --ca-file/,
    );
    expect(existsSync(dir)).toBe(false);
    expect(await uses()).toBe(before);
  });

  it('agent enroll with a wrong fingerprint (and the CA): refused, no token spent, no state written', async () => {
    const dir = path.join(work, 'state-wrong');
    const wrong = `SHA256:${Buffer.alloc(32, 1).toString('base64')}`;
    const before = await uses();
    const r = await runCli([
      'agent',
      'enroll',
      '--server',
      server.url,
      '--ca-file',
      ca.caFile,
      '--token-file',
      tokenFile,
      '--state-dir',
      dir,
      '--server-key-fingerprint',
      wrong,
    ]);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain(
      `the server's job-signing key is ${server.keyFingerprint}, not the expected ${wrong.replace(/=$/, '')}: refusing to pin it`,
    );
    expect(existsSync(dir)).toBe(false);
    expect(await uses()).toBe(before);
  });

  it('agent enroll with --ca-file pins the key (vouched for by TLS); agent run --once keeps using the CA from the state', async () => {
    const root = await machineRoot('tls-01');
    const dir = path.join(work, 'state-ca');
    const r = await runCli([
      'agent',
      'enroll',
      '--server',
      server.url,
      '--ca-file',
      ca.caFile,
      '--token-file',
      tokenFile,
      '--root',
      root,
      '--state-dir',
      dir,
    ]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toContain(`pinned job-signing key ${server.keyFingerprint} (received over verified TLS)`);
    const state = JSON.parse(await readFile(path.join(dir, 'agent.json'), 'utf8'));
    expect(state).toMatchObject({
      server: server.url,
      jobSigningKeyFingerprint: server.keyFingerprint,
      keyTrust: 'tls',
      caFile: ca.caFile,
    });
    const run = await runCli(['agent', 'run', '--root', root, '--state-dir', dir, '--once']);
    expect(run.code, describeRun(run)).toBe(0);
    expect((await server.services.machines.get('tls-01')).name).toBe('tls-01');
  });

  it('agent enroll with --ca-file and the right fingerprint pins it', async () => {
    const dir = path.join(work, 'state-fp');
    const r = await runCli([
      'agent',
      'enroll',
      '--server',
      server.url,
      '--ca-file',
      ca.caFile,
      '--token-file',
      tokenFile,
      '--state-dir',
      dir,
      '--name',
      'tls-02',
      '--server-key-fingerprint',
      server.keyFingerprint,
    ]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'agent.json'), 'utf8'))).toMatchObject({
      jobSigningKeyFingerprint: server.keyFingerprint,
      keyTrust: 'fingerprint',
    });
  });

  it('the admin CLI: --ca-file or PATCHHIVE_CA_FILE verifies the server; without either, a certificate error naming the fix', async () => {
    const env = {
      PATCHHIVE_SERVER: server.url,
      PATCHHIVE_TOKEN: server.adminToken,
      XDG_CONFIG_HOME: path.join(work, 'no-config'),
    };
    const [withFlag, withEnv, without] = await Promise.all([
      runCli(['machines', 'list', '--format', 'json', '--ca-file', ca.caFile], { env }),
      runCli(['machines', 'list', '--format', 'json'], { env: { ...env, PATCHHIVE_CA_FILE: ca.caFile } }),
      runCli(['machines', 'list', '--format', 'json'], { env }),
    ]);
    expect(withFlag.code, describeRun(withFlag)).toBe(0);
    expect(JSON.parse(withFlag.stdout)).toMatchObject({ total: expect.any(Number) });
    expect(withEnv.code, describeRun(withEnv)).toBe(0);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(
      /TLS certificate of the Patchhive server at https:\/\/127\.0\.0\.1:\d+ did not verify .*--ca-file/,
    );
    expect(without.stderr).not.toContain(server.adminToken);
  });
});

describe('patchhive serve --tls-cert --tls-key: SIGHUP reloads the certificate', () => {
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    await serve?.kill('SIGTERM');
  });

  it('prints the key fingerprint; new connections see a replaced certificate after SIGHUP; bad files keep the old one', async () => {
    const first = makeServerCert(ca, 'reload-a', 0x2002);
    const second = makeServerCert(ca, 'reload-b', 0x3003);
    const certFile = path.join(work, 'live.pem');
    const keyFile = path.join(work, 'live.key');
    await copyFile(first.certFile, certFile);
    await copyFile(first.keyFile, keyFile);
    serve = await startServe([
      '--data-dir',
      path.join(work, 'serve-data'),
      '--port',
      '0',
      '--log-level',
      'info',
      '--tls-cert',
      certFile,
      '--tls-key',
      keyFile,
    ]);
    expect(serve.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.keyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const port = Number(new URL(serve.url).port);
    const keyAnswer = await request(`${serve.url}/api/v1/server-key`, {
      dispatcher: new Agent({ connect: { ca: readFileSync(ca.caFile) } }),
    });
    expect(((await keyAnswer.body.json()) as { fingerprint: string }).fingerprint).toBe(serve.keyFingerprint);
    expect(await peerSerial(port)).toBe(first.serial);

    await copyFile(second.certFile, certFile);
    await copyFile(second.keyFile, keyFile);
    serve.child.kill('SIGHUP');
    let seen = '';
    for (let i = 0; i < 100 && seen !== second.serial; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await peerSerial(port);
    }
    expect(seen).toBe(second.serial);

    // A key that does not fit the certificate: logged, and the certificate in use stays.
    await copyFile(first.keyFile, keyFile);
    serve.child.kill('SIGHUP');
    const failed = () =>
      logLines(serve!.stdout()).some((l) => l.msg === 'TLS reload failed; the certificate in use stays');
    for (let i = 0; i < 100 && !failed(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(failed()).toBe(true);
    expect(await peerSerial(port)).toBe(second.serial);
    expect(serve.running()).toBe(true);
  });
});
