/**
 * The agent's gate in front of every job: nothing runs as root unless the envelope is well formed,
 * signed by the key pinned at enrollment, addressed to this agent, newer than every job already
 * accepted, and within its validity window (during a rotation the previous key is still good until
 * the server retires it; a retired key is named as such); and no artifact is used unless its size and SHA-256
 * match what the signed job says. Pure apart from the crypto and the artifact file read.
 */
import { createHash, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { PatchhiveError } from '../errors.js';
import { verifyBytes } from '../protocol/ed25519.js';
import { jobEnvelopeSchema, jobSigningBytes, MAX_JOB_BYTES, type Artifact, type JobBody } from '../protocol/jobs.js';

/** How far in the future `issuedAt` may be: clocks drift, but not by hours. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export type JobRefusal =
  'malformed' | 'bad-signature' | 'retired-key' | 'wrong-agent' | 'replayed' | 'expired' | 'not-yet-valid';
export type JobVerdict = { ok: true; job: JobBody } | { ok: false; reason: JobRefusal; message: string };

export interface JobVerifyContext {
  agentId: string;
  /** The PEM (SPKI) Ed25519 key pinned at enrollment or by the last announced rotation. */
  pinnedPublicKeyPem: string;
  /** The key pinned before the last rotation: still good until the server retires it. */
  previousPublicKeyPem?: string;
  /** Keys the server retired: a job they sign is refused as `retired-key` (never run). */
  retiredPublicKeyPems?: readonly string[];
  /** The highest sequence this agent has accepted (0: none), from the job ledger. */
  lastSequence: number;
  /** The current time, ISO 8601. */
  now: string;
}

/**
 * Verifies an envelope in a fixed order — schema, signature (pinned key only), agent id,
 * sequence, validity window — and says why the first failing check refused it. A bad pinned key
 * or `now` is not the job's fault: it throws (E_KEY_INVALID / E_INTERNAL).
 */
export function verifyJob(envelope: unknown, ctx: JobVerifyContext): JobVerdict {
  const key = pinnedKey(ctx.pinnedPublicKeyPem);
  const now = Date.parse(ctx.now);
  if (Number.isNaN(now)) throw new PatchhiveError('E_INTERNAL', 'verifyJob: `now` is not a timestamp');

  const parsed = jobEnvelopeSchema.safeParse(envelope);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return refuse(
      'malformed',
      `the job envelope is malformed at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const { job, signature } = parsed.data;
  const bytes = jobSigningBytes(job);
  if (bytes.length > MAX_JOB_BYTES)
    return refuse('malformed', `the job is ${bytes.length} bytes (limit ${MAX_JOB_BYTES})`);
  const signedBy = (pem: string) => verifyBytes(bytes, signature, pinnedKey(pem));
  if (
    !verifyBytes(bytes, signature, key) &&
    !(ctx.previousPublicKeyPem !== undefined && signedBy(ctx.previousPublicKeyPem))
  ) {
    if ((ctx.retiredPublicKeyPems ?? []).some(signedBy)) {
      return refuse(
        'retired-key',
        `job ${job.jobId} is signed by a job-signing key the server has retired (stolen or replaced); not trusted`,
      );
    }
    return refuse(
      'bad-signature',
      `job ${job.jobId}: the signature does not match the pinned job-signing key (forged, or changed after signing)`,
    );
  }
  if (job.agentId !== ctx.agentId) return refuse('wrong-agent', `job ${job.jobId} is addressed to another agent`);
  if (job.sequence <= ctx.lastSequence) {
    return refuse(
      'replayed',
      `job ${job.jobId} has sequence ${job.sequence}, not above the last accepted ${ctx.lastSequence}`,
    );
  }
  if (Date.parse(job.expiresAt) <= now) return refuse('expired', `job ${job.jobId} expired at ${job.expiresAt}`);
  if (Date.parse(job.issuedAt) > now + MAX_CLOCK_SKEW_MS) {
    return refuse(
      'not-yet-valid',
      `job ${job.jobId} is issued at ${job.issuedAt}, more than 5 minutes ahead of this machine's clock`,
    );
  }
  return { ok: true, job };
}

function refuse(reason: JobRefusal, message: string): JobVerdict {
  return { ok: false, reason, message };
}

function pinnedKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new PatchhiveError(
      'E_KEY_INVALID',
      'the pinned job-signing key cannot be read; re-enroll the agent',
      undefined,
      { cause: err },
    );
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    throw new PatchhiveError(
      'E_KEY_INVALID',
      'the pinned job-signing key is not an Ed25519 public key; re-enroll the agent',
    );
  }
  return key;
}

export type ArtifactVerdict = { ok: true } | { ok: false; reason: 'size-mismatch' | 'hash-mismatch'; message: string };

const CHUNK_BYTES = 64 * 1024;

/**
 * Checks downloaded bytes (in memory, or a file streamed in chunks) against the signed artifact.
 * A file is read at most one byte past the expected size, so a huge or endless file costs no more
 * than the artifact should. The file is opened without following a symlink.
 */
export async function verifyArtifact(
  artifact: Artifact,
  bytesOrFile: Uint8Array | { file: string },
): Promise<ArtifactVerdict> {
  const hash = createHash('sha256');
  let size: number;
  if (bytesOrFile instanceof Uint8Array) {
    size = bytesOrFile.length;
    if (size === artifact.size) hash.update(bytesOrFile);
  } else {
    size = await hashFilePrefix(bytesOrFile.file, artifact.size + 1, hash);
  }
  if (size !== artifact.size) {
    const actual = size > artifact.size ? `more than ${artifact.size}` : String(size);
    return {
      ok: false,
      reason: 'size-mismatch',
      message: `artifact ${artifact.id}: ${actual} bytes, expected ${artifact.size}`,
    };
  }
  const digest = hash.digest();
  if (!timingSafeEqual(digest, Buffer.from(artifact.sha256, 'hex'))) {
    return {
      ok: false,
      reason: 'hash-mismatch',
      message: `artifact ${artifact.id}: SHA-256 differs from the signed job`,
    };
  }
  return { ok: true };
}

/** Feeds up to `limit` bytes of `file` into `hash`; returns how many were read. */
async function hashFilePrefix(file: string, limit: number, hash: ReturnType<typeof createHash>): Promise<number> {
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
  const fh = await open(file, flags).catch((err: NodeJS.ErrnoException) => {
    throw new PatchhiveError(
      'E_INPUT_NOT_FOUND',
      `cannot open the artifact (${err.code ?? 'error'})`,
      { file },
      { cause: err },
    );
  });
  try {
    if (!(await fh.stat()).isFile())
      throw new PatchhiveError('E_INPUT_NOT_FOUND', 'the artifact is not a regular file', { file });
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let total = 0;
    while (total < limit) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK_BYTES, limit - total), null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    return total;
  } finally {
    await fh.close();
  }
}
