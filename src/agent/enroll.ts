/**
 * Enrollment: present the token once, check what the server gives back, pin the job-signing key
 * and write the state file. Nothing is written unless the whole answer is valid.
 */
import { createPublicKey } from 'node:crypto';
import { PatchhiveError } from '../errors.js';
import { enrollRequestSchema, type EnrollResponse } from '../protocol/agent.js';
import { keyFingerprint } from '../protocol/server-key.js';
import type { AgentClient } from './client.js';
import type { KeyTrust } from './server-url.js';
import {
  NO_PROBES,
  AGENT_STATE_SCHEMA,
  prepareStateDir,
  saveState,
  stateExists,
  stateFilePath,
  type AgentState,
} from './state.js';

/** Throws E_KEY_INVALID unless `pem` is an Ed25519 public key (PEM, SPKI): the key jobs will be verified with. */
export function checkJobSigningKey(pem: string): void {
  // createPublicKey would also derive a public key from a private one: insist on what the protocol promises.
  if (!pem.trimStart().startsWith('-----BEGIN PUBLIC KEY-----')) {
    throw new PatchhiveError('E_KEY_INVALID', "the server's job-signing public key is not a PEM public key (SPKI)");
  }
  let type: string | undefined;
  try {
    type = createPublicKey({ key: pem, format: 'pem' }).asymmetricKeyType;
  } catch (err) {
    throw new PatchhiveError(
      'E_KEY_INVALID',
      "the server's job-signing public key is not a PEM public key",
      undefined,
      { cause: err },
    );
  }
  if (type !== 'ed25519')
    throw new PatchhiveError(
      'E_KEY_INVALID',
      `the server's job-signing public key is ${type ?? 'of an unknown type'}, not Ed25519`,
    );
}

/** Throws E_KEY_INVALID unless the key (PEM, checked Ed25519) has the expected fingerprint; nothing is pinned then. */
export function checkKeyFingerprint(pem: string, expected: string | undefined): string {
  const actual = keyFingerprint(pem);
  if (expected !== undefined && actual !== expected) {
    throw new PatchhiveError(
      'E_KEY_INVALID',
      `the server's job-signing key is ${actual}, not the expected ${expected}: refusing to pin it, and nothing was written. ` +
        'Compare with the fingerprint `patchhive serve` printed at start; a different key means another server, or someone in between',
    );
  }
  return actual;
}

/** How the pinned key was vouched for, and the CA file to keep using (both kept in the state). */
export interface PinContext {
  keyTrust: KeyTrust;
  /** The --ca-file, absolute. */
  caFile?: string;
}

/** The state an enrollment answer gives (pure). */
export function stateFromEnrollment(
  res: EnrollResponse,
  server: string,
  now: Date,
  name?: string,
  pin?: PinContext,
): AgentState {
  const state: AgentState = {
    schema: AGENT_STATE_SCHEMA,
    server,
    agentId: res.agentId,
    machineId: res.machineId,
    credential: res.credential,
    jobSigningPublicKey: res.jobSigningPublicKey,
    jobSigningKeyFingerprint: keyFingerprint(res.jobSigningPublicKey),
    ...(pin ? { keyTrust: pin.keyTrust, ...(pin.caFile !== undefined ? { caFile: pin.caFile } : {}) } : {}),
    checkinIntervalSeconds: res.checkinIntervalSeconds,
    enrolledAt: now.toISOString(),
    lastAcceptedHash: null,
    probes: NO_PROBES,
  };
  if (name) state.name = name;
  return state;
}

export interface EnrollOptions {
  /** The server base URL, already checked by checkServerUrl. */
  server: string;
  token: string;
  hostname: string;
  /** The --name to keep (reported as the inventory's machine name). */
  name?: string;
  stateDir: string;
  force: boolean;
  now: Date;
  /** The fingerprint given out of band (canonical, from checkEnrollTrust): the key must have it. */
  expectedFingerprint?: string;
  /** What vouches for the key (checkEnrollTrust); default trust-on-first-use. */
  keyTrust?: KeyTrust;
  /** The --ca-file to keep in the state (absolute). */
  caFile?: string;
}

/** Enrolls this agent and writes its state; refuses to replace an existing state without `force`. */
export async function enrollAgent(client: AgentClient, opts: EnrollOptions): Promise<AgentState> {
  if (!opts.force && (await stateExists(opts.stateDir))) {
    throw new PatchhiveError(
      'E_CONFLICT',
      'this agent is already enrolled; use --force to enroll again (the old credential is dropped)',
      {
        file: stateFilePath(opts.stateDir),
      },
    );
  }
  const req = enrollRequestSchema.safeParse({ token: opts.token, hostname: opts.hostname });
  if (!req.success) {
    // The token's value is never echoed, only which field is wrong.
    const field = String(req.error.issues[0]?.path[0] ?? 'request');
    throw new PatchhiveError(
      'E_USAGE',
      field === 'token' ? 'the enrollment token must be 16 to 256 characters' : `invalid ${field} for enrollment`,
    );
  }
  // A wrong key, an unverifiable certificate or an unreachable server is found before a token is
  // spent or a directory made; the enrollment answer's key is checked again below.
  await precheckServerKey(client, opts.expectedFingerprint);
  // A token has few uses: make sure the state can be written before spending one.
  await prepareStateDir(opts.stateDir);
  const answer = await client.enroll(req.data);
  if (!answer.ok) throw new PatchhiveError(answer.failure.code, answer.failure.message);
  checkJobSigningKey(answer.value.jobSigningPublicKey);
  // The decisive check: the key this answer gives is the one pinned.
  checkKeyFingerprint(answer.value.jobSigningPublicKey, opts.expectedFingerprint);
  const pin: PinContext = {
    keyTrust: opts.keyTrust ?? 'trust-on-first-use',
    ...(opts.caFile !== undefined ? { caFile: opts.caFile } : {}),
  };
  const state = stateFromEnrollment(answer.value, opts.server, opts.now, opts.name, pin);
  await saveState(opts.stateDir, state);
  return state;
}

/** Asks GET /server-key and compares its key with the expected fingerprint (a server without that route is left to the decisive check). */
async function precheckServerKey(client: AgentClient, expected: string | undefined): Promise<void> {
  const answer = await client.serverKey();
  if (!answer.ok) {
    if (answer.failure.status === 404) return;
    throw new PatchhiveError(answer.failure.code, answer.failure.message);
  }
  checkJobSigningKey(answer.value.publicKey);
  checkKeyFingerprint(answer.value.publicKey, expected);
}
