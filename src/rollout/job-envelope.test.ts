import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyJob } from '../agent/job-verify.js';
import { generateKeyPair } from '../catalog/native/signing.js';
import { exampleJobBody, jobSigningBytes, type JobBody } from '../protocol/jobs.js';
import { loadOrCreateJobSigningKey } from '../server/keys.js';
import { thrownError } from '../../test/support/errors.js';
import { signJob } from './job-envelope.js';

const keys = generateKeyPair();

describe('signJob', () => {
  it('signs the canonical bytes of the body with Ed25519', () => {
    const env = signJob(exampleJobBody(), keys.privateKeyPem);
    expect(env.job).toEqual(exampleJobBody());
    const ok = verify(
      null,
      jobSigningBytes(env.job),
      createPublicKey(keys.publicKeyPem),
      Buffer.from(env.signature, 'base64'),
    );
    expect(ok).toBe(true);
  });

  it('gives the same signature whatever the key order of the body (canonical JSON)', () => {
    const body = exampleJobBody();
    const reordered = Object.fromEntries(Object.entries(body).reverse()) as JobBody;
    expect(signJob(reordered, keys.privateKeyPem).signature).toBe(signJob(body, keys.privateKeyPem).signature);
  });

  it('refuses an invalid body before signing, naming the field', () => {
    const body = exampleJobBody();
    (body.steps[1] as { packages: { name: string }[] }).packages[0]!.name = '-oDpkg::Pre-Invoke=id';
    const err = thrownError(() => signJob(body, keys.privateKeyPem));
    expect(err.code).toBe('E_INPUT_MALFORMED');
    expect(err.location?.path).toBe('$.job.steps[1].packages[0].name');
  });

  it.each([
    ['a public key', keys.publicKeyPem],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    ],
    ['garbage', 'not a key'],
  ])('refuses %s as the signing key', (_name, pem) => {
    expect(thrownError(() => signJob(exampleJobBody(), pem)).code).toBe('E_KEY_INVALID');
  });
});

describe('server key → signJob → agent verifyJob', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'patchhive-jobkey-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a job signed with the server key verifies on an agent that pinned its public half', async () => {
    const serverKey = await loadOrCreateJobSigningKey(dir);
    const body = exampleJobBody();
    // through JSON, as it travels in a check-in response
    const wire: unknown = JSON.parse(JSON.stringify(signJob(body, serverKey.privateKeyPem)));
    const ctx = {
      agentId: body.agentId,
      pinnedPublicKeyPem: serverKey.publicKeyPem,
      lastSequence: 6,
      now: '2025-06-01T10:01:00Z',
    };
    expect(verifyJob(wire, ctx)).toEqual({ ok: true, job: body });
    // and an agent that pinned another server's key refuses it
    expect(verifyJob(wire, { ...ctx, pinnedPublicKeyPem: keys.publicKeyPem })).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });
});
