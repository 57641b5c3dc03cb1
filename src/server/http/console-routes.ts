/** Routes of the console's reads: Today (and marking it seen), a machine's packages and its jobs. */
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import {
  machineJobListSchema,
  machineJobQuerySchema,
  packageListQuerySchema,
  packageListSchema,
  todayQuerySchema,
  todaySchema,
  todaySeenAnswerSchema,
  todaySeenSchema,
} from '../../protocol/console-api.js';
import type { Services } from '../services/index.js';
import type { TodayCaller } from '../services/today.js';
import { route, type Caller, type RouteDef } from './route.js';
import { ScopeResolver } from '../auth/scope.js';

const ref = z.object({ id: z.string().min(1).max(300) });

/** Today is per user: the last visit is theirs. */
function todayCallerOf(caller: Caller): TodayCaller {
  if (caller.kind !== 'user') throw new PatchhiveError('E_FORBIDDEN', 'a signed-in user is required');
  return { userId: caller.userId, userName: caller.userName };
}

/** The console's read routes, built over the services. */
export function consoleRoutes(s: Services): RouteDef[] {
  const scopes = new ScopeResolver(s.groups);
  return [
    route({
      method: 'GET',
      url: '/today',
      access: 'viewer',
      tag: 'today',
      summary: "What changed since the caller's last visit and what to do today, within the caller's scope",
      query: todayQuerySchema,
      response: todaySchema,
      handler: async ({ query, caller }) => s.today.today(todayCallerOf(caller), query, await scopes.of(caller)),
    }),
    route({
      method: 'POST',
      url: '/today/seen',
      access: 'viewer',
      tag: 'today',
      summary: 'Mark Today seen: the next Today lists what changed after this time',
      body: todaySeenSchema,
      response: todaySeenAnswerSchema,
      handler: async ({ body, caller }) => s.today.markSeen(todayCallerOf(caller).userId, body.at),
    }),
    route({
      method: 'GET',
      url: '/machines/:id/packages',
      access: 'viewer',
      tag: 'machines',
      summary: "The packages, products and KBs of the machine's latest inventory, by name",
      params: ref,
      query: packageListQuerySchema,
      response: packageListSchema,
      handler: async ({ params, query, caller }) => s.machines.packages(params.id, query, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/machines/:id/jobs',
      access: 'viewer',
      tag: 'machines',
      summary: "The machine's jobs across deployments, newest first (step logs: GET /jobs/{id})",
      params: ref,
      query: machineJobQuerySchema,
      response: machineJobListSchema,
      handler: async ({ params, query, caller }) => s.rollout.machineJobs(params.id, query, await scopes.of(caller)),
    }),
  ];
}
