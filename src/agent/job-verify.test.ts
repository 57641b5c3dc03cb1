import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PatchhiveError } from '../errors.js';
import { canonicalJson, exampleJobBody, type Artifact, type JobBody } from '../protocol/jobs.js';
import { verifyArtifact, verifyJob, type JobVerifyContext } from './job-verify.js';

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

const server = keyPair();
const attacker = keyPair();

/** Signs as the server does (independently of src/rollout, which the agent may not import). */
function envelope(body: JobBody, key = server.privateKey): { job: JobBody; signature: string } {
  return { job: body, signature: sign(null, Buffer.from(canonicalJson(body)), key).toString('base64') };
}

function job(over: Partial<JobBody> = {}): JobBody {
  return { ...exampleJobBody(), ...over };
}

const ctx: JobVerifyContext = {
  agentId: exampleJobBody().agentId,
  pinnedPublicKeyPem: server.publicKeyPem,
  lastSequence: 6,
  now: '2025-06-01T12:00:00Z',
};

describe('verifyJob', () => {
  it('during a rotation accepts the previous key too; a retired key is named, an unknown one is a bad signature', () => {
    const fresh = keyPair();
    const rotated = { ...ctx, pinnedPublicKeyPem: fresh.publicKeyPem, previousPublicKeyPem: server.publicKeyPem };
    expect(verifyJob(envelope(job()), rotated)).toMatchObject({ ok: true });
    expect(verifyJob(envelope(job(), fresh.privateKey), rotated)).toMatchObject({ ok: true });
    const retired = { ...ctx, pinnedPublicKeyPem: fresh.publicKeyPem, retiredPublicKeyPems: [server.publicKeyPem] };
    expect(verifyJob(envelope(job()), retired)).toMatchObject({ ok: false, reason: 'retired-key' });
    expect(verifyJob(envelope(job(), attacker.privateKey), retired)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('accepts a correctly signed job for this agent, also after a trip through JSON', () => {
    const env = envelope(job());
    expect(verifyJob(env, ctx)).toEqual({ ok: true, job: job() });
    expect(verifyJob(JSON.parse(JSON.stringify(env)), ctx)).toEqual({ ok: true, job: job() });
  });

  const tampered = (): unknown => {
    const env = envelope(job());
    const text = JSON.stringify(env).replace('3.0.13-0ubuntu3.5', '3.0.13-0ubuntu3.6');
    expect(text).not.toBe(JSON.stringify(env)); // the edit really happened
    return JSON.parse(text);
  };
  const flippedSignature = (): unknown => {
    const env = envelope(job());
    const sig = Buffer.from(env.signature, 'base64');
    sig[10]! ^= 0x01;
    return { ...env, signature: sig.toString('base64') };
  };

  it.each<[string, () => unknown, Partial<JobVerifyContext>, string]>([
    ['a job signed with another key', () => envelope(job(), attacker.privateKey), {}, 'bad-signature'],
    ['a body changed after signing (one byte of a version)', tampered, {}, 'bad-signature'],
    ['a signature with one bit flipped', flippedSignature, {}, 'bad-signature'],
    [
      'a job re-addressed after signing',
      () => ({ ...envelope(job()), job: job({ agentId: 'another-agent' }) }),
      {},
      'bad-signature',
    ],
    ["another agent's job", () => envelope(job({ agentId: 'another-agent' })), {}, 'wrong-agent'],
    ['a replayed sequence (equal)', () => envelope(job()), { lastSequence: 7 }, 'replayed'],
    ['a replayed sequence (lower)', () => envelope(job()), { lastSequence: 100 }, 'replayed'],
    ['an expired job', () => envelope(job()), { now: '2025-06-02T10:00:01Z' }, 'expired'],
    ['a job at its exact expiry', () => envelope(job()), { now: '2025-06-02T10:00:00Z' }, 'expired'],
    ['a job issued 6 minutes in the future', () => envelope(job()), { now: '2025-06-01T09:54:00Z' }, 'not-yet-valid'],
    ['a string', () => 'job', {}, 'malformed'],
    ['an envelope without a signature', () => ({ job: job() }), {}, 'malformed'],
    [
      'an envelope that brings its own key',
      () => ({ ...envelope(job(), attacker.privateKey), publicKey: attacker.publicKeyPem }),
      {},
      'malformed',
    ],
    [
      'a signed job that breaks the schema',
      () => envelope({ ...job(), reboot: 'sometimes' } as unknown as JobBody),
      {},
      'malformed',
    ],
  ])('refuses %s', (_name, make, over, reason) => {
    const verdict = verifyJob(make(), { ...ctx, ...over });
    expect(verdict).toMatchObject({ ok: false, reason });
    if (!verdict.ok) expect(verdict.message).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('accepts up to 5 minutes of clock skew and any higher sequence', () => {
    expect(verifyJob(envelope(job()), { ...ctx, now: '2025-06-01T09:55:00Z' }).ok).toBe(true);
    expect(verifyJob(envelope(job({ sequence: 1_000_000 })), ctx).ok).toBe(true);
  });

  it('checks in order: signature before agent, agent before sequence, sequence before expiry', () => {
    const late = { ...ctx, lastSequence: 100, now: '2026-01-01T00:00:00Z' };
    expect(verifyJob(envelope(job({ agentId: 'x' }), attacker.privateKey), late)).toMatchObject({
      reason: 'bad-signature',
    });
    expect(verifyJob(envelope(job({ agentId: 'x' })), late)).toMatchObject({ reason: 'wrong-agent' });
    expect(verifyJob(envelope(job()), late)).toMatchObject({ reason: 'replayed' });
    expect(verifyJob(envelope(job()), { ...late, lastSequence: 0 })).toMatchObject({ reason: 'expired' });
  });

  it('throws (the agent is broken, not the job) on an unusable pinned key or clock', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    for (const pinnedPublicKeyPem of ['', 'not a key', rsa]) {
      expect(() => verifyJob(envelope(job()), { ...ctx, pinnedPublicKeyPem })).toThrow(
        expect.objectContaining({ code: 'E_KEY_INVALID' }),
      );
    }
    expect(() => verifyJob(envelope(job()), { ...ctx, now: 'yesterday' })).toThrow(PatchhiveError);
  });
});

describe('verifyArtifact', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'patchhive-artifact-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const artifact: Artifact = exampleJobBody().artifacts[0]!; // "abc", 3 bytes
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return { file: p };
  };

  it('accepts matching bytes and a matching file', async () => {
    expect(await verifyArtifact(artifact, Buffer.from('abc'))).toEqual({ ok: true });
    expect(await verifyArtifact(artifact, file('good', 'abc'))).toEqual({ ok: true });
  });

  it.each([
    ['bytes of another content', Buffer.from('abd'), 'hash-mismatch'],
    ['shorter bytes', Buffer.from('ab'), 'size-mismatch'],
    ['longer bytes', Buffer.from('abcd'), 'size-mismatch'],
  ])('refuses %s', async (_name, bytes, reason) => {
    expect(await verifyArtifact(artifact, bytes)).toMatchObject({ ok: false, reason });
  });

  it.each([
    ['a file of another content', 'abd', 'hash-mismatch'],
    ['a shorter file', 'ab', 'size-mismatch'],
    ['an empty file', '', 'size-mismatch'],
    ['a longer file', 'abc\n', 'size-mismatch'],
  ])('refuses %s', async (name, content, reason) => {
    expect(await verifyArtifact(artifact, file(name, content))).toMatchObject({ ok: false, reason });
  });

  it('stops reading a huge file just past the expected size', async () => {
    // 1 TiB, sparse: reading it all would not finish within the test timeout
    const huge = path.join(dir, 'huge');
    writeFileSync(huge, 'abc');
    truncateSync(huge, 1024 ** 4);
    expect(await verifyArtifact(artifact, { file: huge })).toMatchObject({
      ok: false,
      reason: 'size-mismatch',
      message: expect.stringMatching(/more than 3 bytes/),
    });
  });

  it('refuses to follow a symlink or read a missing file', async () => {
    const link = path.join(dir, 'link');
    symlinkSync(file('target', 'abc').file, link);
    await expect(verifyArtifact(artifact, { file: link })).rejects.toMatchObject({ code: 'E_INPUT_NOT_FOUND' });
    await expect(verifyArtifact(artifact, { file: path.join(dir, 'missing') })).rejects.toMatchObject({
      code: 'E_INPUT_NOT_FOUND',
    });
    await expect(verifyArtifact(artifact, { file: dir })).rejects.toMatchObject({ code: 'E_INPUT_NOT_FOUND' });
  });
});
