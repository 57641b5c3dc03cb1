/** Routes of the controls: the action catalog, change requests, and the changes that need a second admin. */
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import type { Actor } from '../../policy/model.js';
import { groupSchema, groupUpdateSchema } from '../../protocol/api.js';
import {
  actionListQuerySchema,
  actionNameSchema,
  actionPutSchema,
  actionSchema,
  changeListQuerySchema,
  changeRequestSchema,
} from '../../protocol/controls-api.js';
import { approvalRuleSchema, approvalRuleUpdateSchema } from '../../protocol/policy-api.js';
import type { Services } from '../services/index.js';
import type { Guarded } from '../services/controls.js';
import type { Scope } from '../auth/scope.js';
import { route, StatusReply, type Caller, type RouteDef } from './route.js';

const ref = z.object({ id: z.string().min(1).max(300) });
const ok = z.object({ ok: z.literal(true) });
const items = <T extends z.ZodTypeAny>(t: T) => z.object({ items: z.array(t) });

function userActor(caller: Caller): Extract<Actor, { kind: 'user' }> {
  if (caller.kind !== 'user') throw new PatchhiveError('E_FORBIDDEN', 'an API token is required');
  return { kind: 'user', user: caller.userName, role: caller.role };
}

/** 200 with the object when the change was made, 202 with the change request when it waits. */
function answer<T>(g: Guarded<T>): T | StatusReply<Extract<Guarded<T>, { pending: unknown }>['pending']> {
  return 'applied' in g ? g.applied : new StatusReply(202, g.pending);
}

/** The controls routes, built over the services. */
export function controlsRoutes(s: Services): RouteDef[] {
  const actions = [
    route({
      method: 'GET',
      url: '/actions',
      access: 'viewer',
      tag: 'controls',
      summary: 'The action catalog: active and pending actions (hooks and script steps name them)',
      query: actionListQuerySchema,
      response: items(actionSchema),
      handler: async ({ query }) => ({ items: await s.actions.list(query.history === 'true') }),
    }),
    route({
      method: 'POST',
      url: '/actions',
      access: 'admin',
      tag: 'controls',
      summary:
        'Propose an action or a new version of one; it takes effect when a second admin approves the change request returned',
      body: actionPutSchema,
      response: changeRequestSchema,
      status: 202,
      handler: async ({ body, caller }) => s.actions.propose(body, userActor(caller).user),
    }),
    route({
      method: 'DELETE',
      url: '/actions/:name',
      access: 'admin',
      tag: 'controls',
      summary: 'Remove an action at once (new deployments can no longer use it)',
      params: z.object({ name: actionNameSchema }),
      response: ok,
      handler: async ({ params }) => (await s.actions.remove(params.name), { ok: true as const }),
    }),
  ];
  const changes = [
    route({
      method: 'GET',
      url: '/changes',
      access: 'admin',
      tag: 'controls',
      summary: 'Change requests (default: pending ones), newest first',
      query: changeListQuerySchema,
      response: items(changeRequestSchema),
      handler: async ({ query }) => ({ items: await s.controls.list(query.status, query.limit) }),
    }),
    route({
      method: 'GET',
      url: '/changes/:id',
      access: 'admin',
      tag: 'controls',
      summary: 'One change request',
      params: ref,
      response: changeRequestSchema,
      handler: async ({ params }) => s.controls.get(params.id),
    }),
    route({
      method: 'POST',
      url: '/changes/:id/approve',
      access: 'admin',
      tag: 'controls',
      summary: "Approve another admin's change request; the change is applied now",
      params: ref,
      response: changeRequestSchema,
      handler: async ({ params, caller }) => s.controls.approve(params.id, userActor(caller)),
    }),
    route({
      method: 'POST',
      url: '/changes/:id/reject',
      access: 'admin',
      tag: 'controls',
      summary: "Reject a change request (or withdraw one's own)",
      params: ref,
      response: changeRequestSchema,
      handler: async ({ params, caller }) => s.controls.reject(params.id, userActor(caller)),
    }),
  ];
  return [...actions, ...changes] as RouteDef[];
}

/** PATCH /groups/:id: turning the second approver off is admin-only and answers 202 with a change request. */
export function groupUpdateRoute(s: Services, scopeOf: (caller: Caller) => Promise<Scope>): RouteDef {
  return route({
    method: 'PATCH',
    url: '/groups/:id',
    access: 'operator',
    tag: 'groups',
    summary: 'Change a group (turning its second approver off needs an admin and a second admin: 202)',
    params: ref,
    body: groupUpdateSchema,
    response: groupSchema,
    accepted: changeRequestSchema,
    handler: async ({ params, body, caller }) =>
      answer(await s.controls.updateGroup(params.id, body, userActor(caller), await scopeOf(caller))),
  });
}

/** PATCH and DELETE /approval-rules/:id: only disabling is immediate; the rest answers 202 with a change request. */
export function approvalRuleChangeRoutes(s: Services): RouteDef[] {
  return [
    route({
      method: 'PATCH',
      url: '/approval-rules/:id',
      access: 'admin',
      tag: 'triage',
      summary: 'Change an approval rule: disabling is immediate; any other change waits for a second admin (202)',
      params: ref,
      body: approvalRuleUpdateSchema,
      response: approvalRuleSchema,
      accepted: changeRequestSchema,
      handler: async ({ params, body, caller }) =>
        answer(await s.controls.updateRule(params.id, body, userActor(caller))),
    }),
    route({
      method: 'DELETE',
      url: '/approval-rules/:id',
      access: 'admin',
      tag: 'triage',
      summary: 'Delete an approval rule (its past decisions stay) once a second admin approves',
      params: ref,
      response: changeRequestSchema,
      status: 202,
      handler: async ({ params, caller }) => s.controls.deleteRule(params.id, userActor(caller)),
    }),
  ] as RouteDef[];
}
