/** Routes of triage, approval rules, risk exceptions, work, notification channels and reports. */
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import type { Actor } from '../../policy/model.js';
import {
  approvalRuleCreateSchema,
  approvalRuleSchema,
  channelCreateSchema,
  channelSchema,
  channelUpdateSchema,
  deliveryQuerySchema,
  deliverySchema,
  exceptionCreateSchema,
  exceptionQuerySchema,
  exceptionSchema,
  reportQuerySchema,
  triageBulkResultSchema,
  triageBulkSchema,
  triageDecisionSchema,
  triageEventSchema,
  triageQuerySchema,
  triageQueueItemSchema,
  workItemSchema,
} from '../../protocol/policy-api.js';
import { listOf } from '../../protocol/api.js';
import { complianceReportSchema } from '../../protocol/report-api.js';
import type { Services } from '../services/index.js';
import { approvalRuleChangeRoutes } from './controls-routes.js';
import { route, type Caller, type RouteDef } from './route.js';
import { ScopeResolver } from '../auth/scope.js';

const ref = z.object({ id: z.string().min(1).max(300) });
const ok = z.object({ ok: z.literal(true) });
const items = <T extends z.ZodTypeAny>(t: T) => z.object({ items: z.array(t) });

function userActor(caller: Caller): Actor & { kind: 'user' } {
  if (caller.kind !== 'user') throw new PatchhiveError('E_FORBIDDEN', 'an API token is required');
  return { kind: 'user', user: caller.userName, role: caller.role };
}

/** The policy routes, built over the services. */
export function policyRoutes(s: Services): RouteDef[] {
  const scopes = new ScopeResolver(s.groups);
  const triage = [
    route({
      method: 'GET',
      url: '/triage',
      access: 'viewer',
      tag: 'triage',
      summary:
        "Triage decisions per (bulletin, group) with the bulletin's title and severity, the group's deadline and affected machines; state=new is the triage queue",
      query: triageQuerySchema,
      response: listOf(triageQueueItemSchema),
      handler: async ({ query, caller }) =>
        s.triageQueue.list(query, await scopes.of(caller), caller.kind === 'user' ? caller.userName : undefined),
    }),
    route({
      method: 'GET',
      url: '/bulletins/:id/triage',
      access: 'viewer',
      tag: 'triage',
      summary: "A bulletin's decisions in every group and their full history",
      params: ref,
      query: z.object({ group: z.string().optional() }).strict(),
      response: z.object({ decisions: z.array(triageDecisionSchema), history: z.array(triageEventSchema) }),
      handler: async ({ params, query, caller }) =>
        s.triage.ofBulletin(params.id, query.group, await scopes.of(caller)),
    }),
    route({
      method: 'POST',
      url: '/triage/actions',
      access: 'operator',
      tag: 'triage',
      summary:
        'Approve, ignore, decline, reopen, assign or annotate many (bulletin, group) pairs; each succeeds or is refused on its own',
      body: triageBulkSchema,
      response: triageBulkResultSchema,
      handler: async ({ body, caller }) => s.triage.act(body, userActor(caller), await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/machines/:id/work',
      access: 'viewer',
      tag: 'triage',
      summary: 'The approved fixes a machine is missing (what a deployment installs), most urgent first',
      params: ref,
      response: items(workItemSchema),
      handler: async ({ params, caller }) => ({ items: await s.work.forMachine(params.id, await scopes.of(caller)) }),
    }),
  ];
  const rules = [
    route({
      method: 'GET',
      url: '/approval-rules',
      access: 'viewer',
      tag: 'triage',
      summary: 'Approval rules, in the order they are tried',
      response: items(approvalRuleSchema),
      handler: async ({ caller }) => ({ items: await s.rules.list(await scopes.of(caller)) }),
    }),
    route({
      method: 'POST',
      url: '/approval-rules',
      access: 'admin',
      tag: 'triage',
      summary: 'Add an approval rule',
      body: approvalRuleCreateSchema,
      response: approvalRuleSchema,
      status: 201,
      handler: async ({ body, caller }) => s.rules.create(body, userActor(caller).user),
    }),
    ...approvalRuleChangeRoutes(s),
  ];
  const exceptions = [
    route({
      method: 'GET',
      url: '/exceptions',
      access: 'viewer',
      tag: 'triage',
      summary: 'Risk exceptions (default: active ones)',
      query: exceptionQuerySchema,
      response: items(exceptionSchema),
      handler: async ({ query, caller }) => ({ items: await s.exceptions.list(query, await scopes.of(caller)) }),
    }),
    route({
      method: 'POST',
      url: '/exceptions',
      access: 'admin',
      tag: 'triage',
      summary: "Accept a bulletin's risk on a machine or group until a date",
      body: exceptionCreateSchema,
      response: exceptionSchema,
      status: 201,
      handler: async ({ body, caller }) => s.exceptions.create(body, userActor(caller).user),
    }),
    route({
      method: 'DELETE',
      url: '/exceptions/:id',
      access: 'admin',
      tag: 'triage',
      summary: 'Revoke a risk exception',
      params: ref,
      response: ok,
      handler: async ({ params }) => (await s.exceptions.revoke(params.id), { ok: true as const }),
    }),
  ];
  const notify = [
    route({
      method: 'GET',
      url: '/notification-channels',
      access: 'admin',
      tag: 'notifications',
      summary: 'Notification channels (secrets are never shown)',
      response: items(channelSchema),
      handler: async () => ({ items: await s.channels.list() }),
    }),
    route({
      method: 'POST',
      url: '/notification-channels',
      access: 'admin',
      tag: 'notifications',
      summary: 'Add a webhook, Slack-compatible or e-mail channel',
      body: channelCreateSchema,
      response: channelSchema,
      status: 201,
      handler: async ({ body }) => s.channels.create(body),
    }),
    route({
      method: 'PATCH',
      url: '/notification-channels/:id',
      access: 'admin',
      tag: 'notifications',
      summary: 'Change a channel',
      params: ref,
      body: channelUpdateSchema,
      response: channelSchema,
      handler: async ({ params, body }) => s.channels.update(params.id, body),
    }),
    route({
      method: 'DELETE',
      url: '/notification-channels/:id',
      access: 'admin',
      tag: 'notifications',
      summary: 'Delete a channel and its delivery log',
      params: ref,
      response: ok,
      handler: async ({ params }) => (await s.channels.delete(params.id), { ok: true as const }),
    }),
    route({
      method: 'POST',
      url: '/notification-channels/:id/test',
      access: 'admin',
      tag: 'notifications',
      summary: 'Queue a test message to the channel',
      params: ref,
      response: z.object({ queued: z.number().int() }),
      handler: async ({ params }) => ({ queued: await s.channels.test(params.id) }),
    }),
    route({
      method: 'GET',
      url: '/notification-deliveries',
      access: 'admin',
      tag: 'notifications',
      summary: 'The delivery log, newest first',
      query: deliveryQuerySchema,
      response: items(deliverySchema),
      handler: async ({ query }) => ({ items: await s.channels.deliveries(query) }),
    }),
  ];
  const reports = [
    route({
      method: 'GET',
      url: '/reports/compliance',
      access: 'viewer',
      tag: 'reports',
      summary:
        'Compliance by group, owner, severity and bulletin; overdue list; trends; time to remediate — as JSON, CSV (one section), HTML or PDF',
      query: reportQuerySchema,
      response: complianceReportSchema,
      produces: ['text/csv', 'text/html', 'application/pdf'],
      handler: async ({ query, caller }) => s.reports.compliance(query, await scopes.of(caller)),
    }),
  ];
  return [...triage, ...rules, ...exceptions, ...notify, ...reports] as RouteDef[];
}
