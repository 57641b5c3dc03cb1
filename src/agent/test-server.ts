/**
 * Test support: a small Patchhive server on loopback implementing the two agent endpoints per
 * src/protocol/agent.ts, recording everything it receives. Not the real server (the agent may not
 * import it): just enough protocol to test the agent against real HTTP.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyReply } from 'fastify';
import type { Inventory } from '../inventory/model.js';
import {
  AGENT_API_PREFIX,
  checkinRequestSchema,
  enrollRequestSchema,
  type CheckinRequest,
  type CheckinResponse,
  type EnrollResponse,
  type JobReport,
  type ProbeRequestWire,
} from '../protocol/agent.js';
import { signBytes } from '../protocol/ed25519.js';
import { jobSigningBytes, type JobBody, type JobEnvelope } from '../protocol/jobs.js';
import { inventoryHash } from '../protocol/inventory-hash.js';
import { keyFingerprint, SERVER_KEY_PATH, serverKeyAnswer } from '../protocol/server-key.js';
import { AGENT_STATE_SCHEMA, NO_PROBES, type AgentState } from './state.js';

export const TEST_ENROLL_TOKEN = 'enroll-token-0123456789abcdef';

export interface RecordedCheckin {
  authorization: string | undefined;
  body: CheckinRequest;
}

export interface FakeServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  enrollments: { token: string; hostname: string }[];
  checkins: RecordedCheckin[];
  /** Inventories stored, by hash. */
  inventories: Map<string, Inventory>;
  /** What the next check-in answers ask for. */
  probes: ProbeRequestWire;
  /** When set, check-ins are refused with 401 E_TOKEN_REVOKED. */
  revoked: boolean;
  /** Called for each valid, authenticated check-in before it is answered (to change what the server asks). */
  onCheckin?: (body: CheckinRequest) => void;
  /** Replaces the enrollment answer (to test validation). */
  enrollAnswer?: (good: EnrollResponse) => unknown;
  credential: string;
  publicKeyPem: string;
  /** publicKeyPem's fingerprint ("SHA256:..."), as GET /server-key answers it. */
  fingerprint: string;
  /** Replaces the key GET /server-key serves (to test the check before the token is spent). */
  serverKeyPem?: string;
  /** The private half of publicKeyPem: the job-signing key (tests sign jobs with signTestJob). */
  privateKeyPem: string;
  /** Envelopes handed out with every answer until a report for their job id arrives (as a real server would). */
  jobs: unknown[];
  /** Every job report received, in order. */
  jobReports: JobReport[];
  /** When false, reports are stored but not acknowledged (the agent must send them again). Default true. */
  acknowledgeReports: boolean;
  close(): Promise<void>;
}

/** Signs `body` as the server would (Ed25519 over its canonical JSON); the agent may not import src/rollout. */
export function signTestJob(body: JobBody, privateKeyPem: string): JobEnvelope {
  return { job: body, signature: signBytes(jobSigningBytes(body), createPrivateKey(privateKeyPem)) };
}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function fail(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** Starts the fake server on 127.0.0.1 with a random port. */
export async function startFakeServer(): Promise<FakeServer> {
  const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const state: Omit<FakeServer, 'url' | 'close'> = {
    enrollments: [],
    checkins: [],
    inventories: new Map(),
    probes: { files: [], registry: [], textFiles: [] },
    revoked: false,
    credential: randomBytes(32).toString('hex'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: keyFingerprint(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    jobs: [],
    jobReports: [],
    acknowledgeReports: true,
  };
  let lastHash: string | null = null;

  app.get(SERVER_KEY_PATH, async () => serverKeyAnswer(state.serverKeyPem ?? state.publicKeyPem));

  app.post(`${AGENT_API_PREFIX}/enroll`, async (req, reply) => {
    const parsed = enrollRequestSchema.safeParse(req.body);
    if (!parsed.success) return fail(reply, 400, 'E_BAD_REQUEST', 'bad enrollment request');
    state.enrollments.push(parsed.data);
    if (!sameSecret(parsed.data.token, TEST_ENROLL_TOKEN))
      return fail(reply, 401, 'E_UNAUTHENTICATED', 'unknown enrollment token');
    const good: EnrollResponse = {
      agentId: 'agent-1',
      machineId: 'machine-1',
      credential: state.credential,
      jobSigningPublicKey: state.publicKeyPem,
      checkinIntervalSeconds: 3600,
    };
    return reply.send(state.enrollAnswer ? state.enrollAnswer(good) : good);
  });

  app.post(`${AGENT_API_PREFIX}/checkin`, async (req, reply) => {
    const auth = req.headers.authorization;
    const parsed = checkinRequestSchema.safeParse(req.body);
    if (parsed.success) state.checkins.push({ authorization: auth, body: parsed.data });
    if (!auth?.startsWith('Bearer ') || !sameSecret(auth.slice(7), state.credential))
      return fail(reply, 401, 'E_UNAUTHENTICATED', 'no valid credential');
    if (state.revoked) return fail(reply, 401, 'E_TOKEN_REVOKED', 'this agent has been revoked');
    if (!parsed.success) return fail(reply, 400, 'E_BAD_REQUEST', 'bad check-in');
    const body = parsed.data;
    state.onCheckin?.(body);
    if (body.inventory) {
      if (inventoryHash(body.inventory) !== body.inventoryHash)
        return fail(reply, 400, 'E_BAD_REQUEST', 'inventory hash mismatch');
      state.inventories.set(body.inventoryHash, body.inventory);
      lastHash = body.inventoryHash;
    }
    const reports = body.jobReports ?? [];
    state.jobReports.push(...reports);
    const reported = new Set(state.jobReports.map((r) => r.jobId));
    const known = state.inventories.has(body.inventoryHash);
    if (known) lastHash = body.inventoryHash;
    const answer: CheckinResponse = {
      acceptedInventoryHash: lastHash,
      inventoryWanted: !known,
      probes: state.probes,
      nextCheckinSeconds: 3600,
      jobs: state.jobs.filter((e) => !reported.has(String((e as { job?: { jobId?: unknown } }).job?.jobId))),
      acknowledgedJobReports: state.acknowledgeReports ? reports.map((r) => ({ jobId: r.jobId, state: r.state })) : [],
    };
    return reply.send(answer);
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const server = state as FakeServer;
  server.url = address;
  server.close = () => app.close();
  return server;
}

/** The state an agent enrolled with `server` starts from (what `patchhive agent enroll` writes). */
export function enrolledState(server: FakeServer): AgentState {
  return {
    schema: AGENT_STATE_SCHEMA,
    server: server.url,
    agentId: 'agent-1',
    machineId: 'machine-1',
    credential: server.credential,
    jobSigningPublicKey: server.publicKeyPem,
    checkinIntervalSeconds: 3600,
    enrolledAt: '2026-05-01T09:00:00.000Z',
    lastAcceptedHash: null,
    probes: NO_PROBES,
  };
}
