/** Issuing a job: the agent's next sequence number, the body, the signature, and the stored record. */
import { randomUUID } from 'node:crypto';
import type { JobBody, JobEnvelope } from '../../../protocol/jobs.js';
import { signJob } from '../../../rollout/job-envelope.js';
import type { JobKind, JobRecord } from '../../../store/ports.js';
import type { RolloutDeps } from './deps.js';
import type { JobHeader } from './job-build.js';

/**
 * Takes the agent's next sequence number (strictly increasing, never reused), signs the body built
 * from the header and stores the job; `delivered` marks it handed out in this answer.
 */
export async function issueJob(
  deps: RolloutDeps,
  args: {
    agentId: string;
    machineId: string;
    deploymentId: string | null;
    kind: JobKind;
    expiresAt: string;
    delivered: boolean;
    body(h: JobHeader): JobBody;
  },
): Promise<{ record: JobRecord; envelope: JobEnvelope }> {
  const issuedAt = deps.now().toISOString();
  const sequence = await deps.store.agents.nextJobSequence(args.agentId);
  const header: JobHeader = {
    agentId: args.agentId,
    jobId: randomUUID(),
    sequence,
    deploymentId: args.deploymentId,
    issuedAt,
    expiresAt: args.expiresAt,
  };
  const envelope = signJob(args.body(header), await deps.jobSigner.privateKeyFor(args.agentId));
  const record: JobRecord = {
    id: header.jobId,
    agentId: args.agentId,
    machineId: args.machineId,
    deploymentId: args.deploymentId,
    kind: args.kind,
    sequence,
    envelope: JSON.stringify(envelope),
    state: args.delivered ? 'delivered' : 'issued',
    issuedAt,
    expiresAt: args.expiresAt,
    deliveredAt: args.delivered ? issuedAt : null,
    report: null,
    reportedAt: null,
    message: null,
  };
  await deps.store.rollout.createJob(record);
  return { record, envelope };
}
