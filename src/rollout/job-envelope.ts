/**
 * Server side of signed jobs: validate a job body, then sign its canonical JSON with the server's
 * job-signing key (src/server/keys.ts). Agents verify with the public half they pinned at
 * enrollment (src/agent/job-verify.ts).
 */
import type { KeyObject } from 'node:crypto';
import { zodToPatchhiveError } from '../common/json-path.js';
import { PatchhiveError } from '../errors.js';
import { loadPrivateKey, signBytes } from '../protocol/ed25519.js';
import { jobBodySchema, jobSigningBytes, MAX_JOB_BYTES, type JobBody, type JobEnvelope } from '../protocol/jobs.js';

/**
 * Signs a job body with the Ed25519 private key (PEM). An invalid body is E_INPUT_MALFORMED naming
 * the field (never signed); a key that is not an Ed25519 private key is E_KEY_INVALID.
 */
export function signJob(body: JobBody, privateKeyPem: string): JobEnvelope {
  const parsed = jobBodySchema.safeParse(body);
  if (!parsed.success) throw zodToPatchhiveError(parsed.error, undefined, 'the job is invalid', ['job']);
  const bytes = jobSigningBytes(parsed.data);
  if (bytes.length > MAX_JOB_BYTES) {
    throw new PatchhiveError(
      'E_INPUT_MALFORMED',
      `the job is ${bytes.length} bytes once encoded (limit ${MAX_JOB_BYTES}); split it`,
    );
  }
  return { job: parsed.data, signature: signBytes(bytes, signingKey(privateKeyPem)) };
}

/** The server signs thousands of jobs with one key: its PEM is parsed once, not per job. */
let lastKey: { pem: string; key: KeyObject } | undefined;

function signingKey(pem: string): KeyObject {
  if (lastKey?.pem !== pem) lastKey = { pem, key: loadPrivateKey(pem, 'the job-signing key') };
  return lastKey.key;
}
