/** Routes of deployments and jobs: plan (dry run), create, follow, pause, resume, abort, roll back; the jobs with their logs. */
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import {
  deploymentActionSchema,
  deploymentCreateSchema,
  deploymentDetailSchema,
  deploymentListQuerySchema,
  deploymentListSchema,
  deploymentPlanSchema,
  jobListSchema,
  jobSchema,
  rollbackRequestSchema,
} from '../../protocol/deploy-api.js';
import type { Services } from '../services/index.js';
import { route, type Caller, type RouteDef } from './route.js';
import { ScopeResolver } from '../auth/scope.js';

const ref = z.object({ id: z.string().min(1).max(300) });
const jobsQuery = z.strictObject({
  machine: z.string().min(1).max(300).optional().describe('Only this machine (id or name).'),
});

function userOf(caller: Caller): string {
  if (caller.kind !== 'user') throw new PatchhiveError('E_FORBIDDEN', 'an API token is required');
  return caller.userName;
}

/** The deployment routes, built over the services. */
export function deployRoutes(s: Services): RouteDef[] {
  const scopes = new ScopeResolver(s.groups);
  return [
    route({
      method: 'POST',
      url: '/deployments',
      access: 'operator',
      tag: 'deployments',
      summary: 'Deploy approved fixes to groups or machines through rings; starts at once',
      body: deploymentCreateSchema,
      response: deploymentDetailSchema,
      status: 201,
      handler: async ({ body, caller }) => s.rollout.create(body, userOf(caller), await scopes.of(caller)),
    }),
    route({
      method: 'POST',
      url: '/deployments/plan',
      access: 'operator',
      tag: 'deployments',
      summary: 'Dry run: what POST /deployments would create now, ring by ring and machine by machine; stores nothing',
      body: deploymentCreateSchema,
      response: deploymentPlanSchema,
      handler: async ({ body, caller }) => s.rollout.plan(body, userOf(caller), await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/deployments',
      access: 'viewer',
      tag: 'deployments',
      summary: 'Deployments, newest first',
      query: deploymentListQuerySchema,
      response: deploymentListSchema,
      handler: async ({ query, caller }) => s.rollout.list(query, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/deployments/:id',
      access: 'viewer',
      tag: 'deployments',
      summary: 'One deployment, ring by ring and machine by machine',
      params: ref,
      response: deploymentDetailSchema,
      handler: async ({ params, caller }) => s.rollout.get(params.id, await scopes.of(caller)),
    }),
    route({
      method: 'POST',
      url: '/deployments/:id/pause',
      access: 'operator',
      tag: 'deployments',
      summary: 'Pause: no new jobs; machines already installing finish and report',
      params: ref,
      body: deploymentActionSchema,
      response: deploymentDetailSchema,
      handler: async ({ params, body, caller }) =>
        s.rollout.pause(params.id, body.reason, userOf(caller), await scopes.of(caller)),
    }),
    route({
      method: 'POST',
      url: '/deployments/:id/resume',
      access: 'operator',
      tag: 'deployments',
      summary: 'Resume a paused deployment',
      params: ref,
      body: deploymentActionSchema,
      response: deploymentDetailSchema,
      handler: async ({ params, caller }) => s.rollout.resume(params.id, userOf(caller), await scopes.of(caller)),
    }),
    route({
      method: 'POST',
      url: '/deployments/:id/abort',
      access: 'operator',
      tag: 'deployments',
      summary: 'Abort: queued jobs are cancelled, machines stay as they are',
      params: ref,
      body: deploymentActionSchema,
      response: deploymentDetailSchema,
      handler: async ({ params, body, caller }) =>
        s.rollout.abort(params.id, body.reason, userOf(caller), await scopes.of(caller)),
    }),
    route({
      method: 'POST',
      url: '/deployments/:id/rollback',
      access: 'operator',
      tag: 'deployments',
      summary: 'Queue rollback jobs: the listed machines, or every machine that ran an install job',
      params: ref,
      body: rollbackRequestSchema,
      response: deploymentDetailSchema,
      handler: async ({ params, body, caller }) =>
        s.rollout.rollback(params.id, body, userOf(caller), await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/deployments/:id/jobs',
      access: 'viewer',
      tag: 'deployments',
      summary: "The deployment's jobs with the agents' reports and step logs",
      params: ref,
      query: jobsQuery,
      response: jobListSchema,
      handler: async ({ params, query, caller }) => s.rollout.jobs(params.id, query.machine, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/jobs/:id',
      access: 'viewer',
      tag: 'deployments',
      summary: 'One job with its report',
      params: ref,
      response: jobSchema,
      handler: async ({ params, caller }) => s.rollout.job(params.id, await scopes.of(caller)),
    }),
  ] as RouteDef[];
}
