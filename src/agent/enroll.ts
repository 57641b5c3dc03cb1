/**
 * Enrollment: present the token once, check what the server gives back, pin the job-signing key
 * and write the state file. Nothing is written unless the whole answer is valid.
 */
import { createPublicKey } from 'node:crypto';
import { PatchhiveError } from '../errors.js';
import { enrollRequestSchema, type EnrollResponse } from '../protocol/agent.js';
import type { AgentClient } from './client.js';
import { NO_PROBES, AGENT_STATE_SCHEMA, prepareStateDir, saveState, stateExists, stateFilePath, type AgentState } from './state.js';

/** Throws E_KEY_INVALID unless `pem` is an Ed25519 public key (PEM, SPKI): the key jobs will be verified with. */
export function checkJobSigningKey(pem: string): void {
  // createPublicKey would also derive a public key from a private one: insist on what the protocol promises.
  if (!pem.trimStart().startsWith('-----BEGIN PUBLIC KEY-----')) {
    throw new PatchhiveError('E_KEY_INVALID', 'the server\'s job-signing public key is not a PEM public key (SPKI)');
  }
  let type: string | undefined;
  try {
    type = createPublicKey({ key: pem, format: 'pem' }).asymmetricKeyType;
  } catch (err) {
    throw new PatchhiveError('E_KEY_INVALID', 'the server\'s job-signing public key is not a PEM public key', undefined, { cause: err });
  }
  if (type !== 'ed25519') throw new PatchhiveError('E_KEY_INVALID', `the server's job-signing public key is ${type ?? 'of an unknown type'}, not Ed25519`);
}

/** The state an enrollment answer gives (pure). */
export function stateFromEnrollment(res: EnrollResponse, server: string, now: Date, name?: string): AgentState {
  const state: AgentState = {
    schema: AGENT_STATE_SCHEMA,
    server,
    agentId: res.agentId,
    machineId: res.machineId,
    credential: res.credential,
    jobSigningPublicKey: res.jobSigningPublicKey,
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
}

/** Enrolls this agent and writes its state; refuses to replace an existing state without `force`. */
export async function enrollAgent(client: AgentClient, opts: EnrollOptions): Promise<AgentState> {
  if (!opts.force && (await stateExists(opts.stateDir))) {
    throw new PatchhiveError('E_CONFLICT', 'this agent is already enrolled; use --force to enroll again (the old credential is dropped)', {
      file: stateFilePath(opts.stateDir),
    });
  }
  const req = enrollRequestSchema.safeParse({ token: opts.token, hostname: opts.hostname });
  if (!req.success) {
    // The token's value is never echoed, only which field is wrong.
    const field = String(req.error.issues[0]?.path[0] ?? 'request');
    throw new PatchhiveError('E_USAGE', field === 'token' ? 'the enrollment token must be 16 to 256 characters' : `invalid ${field} for enrollment`);
  }
  // A token has few uses: make sure the state can be written before spending one.
  await prepareStateDir(opts.stateDir);
  const answer = await client.enroll(req.data);
  if (!answer.ok) throw new PatchhiveError(answer.failure.code, answer.failure.message);
  checkJobSigningKey(answer.value.jobSigningPublicKey);
  const state = stateFromEnrollment(answer.value, opts.server, opts.now, opts.name);
  await saveState(opts.stateDir, state);
  return state;
}
