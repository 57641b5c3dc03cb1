/** Every route of the API: who may call it, its schemas, and the service call it makes. */
import { z } from 'zod';
import {
  apiTokenCreateSchema,
  apiTokenSchema,
  bulletinQuerySchema,
  bulletinSchema,
  createdSecretSchema,
  enrollmentTokenCreateSchema,
  enrollmentTokenSchema,
  findingQuerySchema,
  findingSchema,
  groupCreateSchema,
  groupSchema,
  listOf,
  machineAttributesSchema,
  machineImportSchema,
  machineSchema,
  ROLES,
  sourceCreateSchema,
  sourceSchema,
  sourceUpdateSchema,
  syncRecordSchema,
} from '../../protocol/api.js';
import {
  checkinRequestSchema,
  checkinResponseSchema,
  enrollRequestSchema,
  enrollResponseSchema,
} from '../../protocol/agent.js';
import { serverKeyResponseSchema } from '../../protocol/server-key.js';
import { machineListQuerySchema } from '../../protocol/console-api.js';
import { bulletinDetailSchema } from '../../protocol/bulletin-api.js';
import { groupPreviewRequestSchema, groupPreviewSchema } from '../../protocol/group-preview-api.js';
import { PatchhiveError } from '../../errors.js';
import type { Services } from '../services/index.js';
import { auditRoutes } from './audit-routes.js';
import { consoleRoutes } from './console-routes.js';
import { authMethodRoutes } from './auth-method-routes.js';
import { controlsRoutes, groupUpdateRoute } from './controls-routes.js';
import { deployRoutes } from './deploy-routes.js';
import { keyRoutes } from './key-routes.js';
import { policyRoutes } from './policy-routes.js';
import { viewRoutes } from './view-routes.js';
import { route, type Caller, type RouteDef } from './route.js';
import { sessionRoutes } from './session-routes.js';
import { requireWholeFleet, ScopeResolver } from '../auth/scope.js';
import { roleAllows } from '../auth/roles.js';
import type { SourceView } from '../services/sources.js';

const ref = z.object({ id: z.string().min(1).max(300) });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const historyQuery = z.object({ from: day.optional(), to: day.optional() });
const snapshotSchema = z.object({
  machineId: z.string(),
  day: z.string(),
  counts: z.record(z.string(), z.number()),
  openBySeverity: z.record(z.string(), z.number()),
});
const ok = z.object({ ok: z.literal(true) });
const queued = z.object({ queued: z.number().int() });
const createdToken = <T extends z.ZodTypeAny>(t: T) => createdSecretSchema.extend({ token: t });
const meSchema = z.object({
  user: z.string(),
  role: z.enum(ROLES),
  groups: z
    .array(z.string())
    .nullable()
    .describe('The scope: the groups the token is limited to; null: the whole fleet.'),
});

function userOf(caller: { kind: string; userName?: string }): string {
  if (caller.kind !== 'user' || !caller.userName) throw new PatchhiveError('E_FORBIDDEN', 'an API token is required');
  return caller.userName;
}

/** Feed URLs can carry API keys: only admins see them whole. */
function sourceViewOf(caller: Caller): SourceView {
  return { fullUrls: caller.kind === 'user' && roleAllows(caller.role, 'admin') };
}

/** The routes, built over the services. */
export function apiRoutes(s: Services, now: () => Date): RouteDef[] {
  const scopes = new ScopeResolver(s.groups);
  const machineRoutes = [
    route({
      method: 'GET',
      url: '/machines',
      access: 'viewer',
      tag: 'machines',
      summary: 'Search machines: by group, name, OS, owner, tag, status and installed package; sorted and paged',
      query: machineListQuerySchema,
      response: listOf(machineSchema),
      handler: async ({ query, caller }) => {
        const scope = await scopes.of(caller);
        return s.machines.list(
          {
            ...query,
            ...(query.group ? { ids: await s.groups.memberIds(await s.groups.resolve(query.group, scope)) } : {}),
          },
          scope,
        );
      },
    }),
    route({
      method: 'POST',
      url: '/machines/import',
      access: 'operator',
      tag: 'machines',
      summary: 'Create or update a machine from an inventory document; assessed at once',
      body: machineImportSchema,
      response: machineSchema,
      status: 201,
      handler: async ({ body, caller }) => {
        const scope = await scopes.of(caller);
        if (body.attributes) requireWholeFleet(scope, 'set attributes on import (PATCH the machine instead)');
        return s.machines.importInventory(body.inventory, body.attributes, scope);
      },
    }),
    route({
      method: 'GET',
      url: '/machines/:id',
      access: 'viewer',
      tag: 'machines',
      summary: 'One machine (by id or name)',
      params: ref,
      response: machineSchema,
      handler: async ({ params, caller }) => s.machines.get(params.id, await scopes.of(caller)),
    }),
    route({
      method: 'PATCH',
      url: '/machines/:id',
      access: 'operator',
      tag: 'machines',
      summary: 'Set attributes',
      params: ref,
      body: machineAttributesSchema,
      response: machineSchema,
      handler: async ({ params, body, caller }) => {
        const scope = await scopes.of(caller);
        await s.groups.refuseRegrouping(scope, await s.machines.resolve(params.id, scope), body);
        return s.machines.update(params.id, body, scope);
      },
    }),
    route({
      method: 'DELETE',
      url: '/machines/:id',
      access: 'admin',
      tag: 'machines',
      summary: 'Delete a machine, its findings, and revoke its agent',
      params: ref,
      response: ok,
      handler: async ({ params }) => (await s.machines.delete(params.id), { ok: true as const }),
    }),
    route({
      method: 'POST',
      url: '/machines/:id/assess',
      access: 'operator',
      tag: 'machines',
      summary: 'Re-assess now from the stored inventory',
      params: ref,
      response: machineSchema,
      handler: async ({ params, caller }) => s.machines.assessNow(params.id, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/machines/:id/history',
      access: 'viewer',
      tag: 'machines',
      summary: 'Daily snapshots (default: the last 30 days)',
      params: ref,
      query: historyQuery,
      response: z.object({ items: z.array(snapshotSchema) }),
      handler: async ({ params, query, caller }) => {
        const to = query.to ?? now().toISOString().slice(0, 10);
        const from = query.from ?? new Date(now().getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
        return { items: await s.machines.history(params.id, from, to, await scopes.of(caller)) };
      },
    }),
  ];
  const groupRoutes = [
    route({
      method: 'GET',
      url: '/groups',
      access: 'viewer',
      tag: 'groups',
      summary: 'List groups with their members',
      response: z.object({ items: z.array(groupSchema), total: z.number() }),
      handler: async ({ caller }) => {
        const items = await s.groups.list(await scopes.of(caller));
        return { items, total: items.length };
      },
    }),
    route({
      method: 'POST',
      url: '/groups',
      access: 'operator',
      tag: 'groups',
      summary: 'Create a static or rule group',
      body: groupCreateSchema,
      response: groupSchema,
      status: 201,
      handler: async ({ body, caller }) => s.groups.create(body, await scopes.of(caller)),
    }),
    route({
      method: 'POST',
      url: '/groups/preview',
      access: 'operator',
      tag: 'groups',
      summary: 'Dry run: the machines an unsaved rule or member list would hold now, or why saving it would be refused',
      body: groupPreviewRequestSchema,
      response: groupPreviewSchema,
      handler: async ({ body, caller }) => s.groups.preview(body, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/groups/:id',
      access: 'viewer',
      tag: 'groups',
      summary: 'One group',
      params: ref,
      response: groupSchema,
      handler: async ({ params, caller }) => s.groups.get(params.id, await scopes.of(caller)),
    }),
    groupUpdateRoute(s, (caller) => scopes.of(caller)),
    route({
      method: 'DELETE',
      url: '/groups/:id',
      access: 'admin',
      tag: 'groups',
      summary: 'Delete a group',
      params: ref,
      response: ok,
      handler: async ({ params }) => (await s.groups.delete(params.id), { ok: true as const }),
    }),
    route({
      method: 'POST',
      url: '/groups/:id/rescan',
      access: 'operator',
      tag: 'groups',
      summary: 'Re-assess every member',
      params: ref,
      response: queued,
      handler: async ({ params, caller }) => ({ queued: await s.groups.rescan(params.id, await scopes.of(caller)) }),
    }),
  ];
  const readRoutes = [
    route({
      method: 'GET',
      url: '/findings',
      access: 'viewer',
      tag: 'findings',
      summary: 'Findings with evidence',
      query: findingQuerySchema,
      response: listOf(findingSchema),
      handler: async ({ query, caller }) => s.queries.findings(query, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/bulletins',
      access: 'viewer',
      tag: 'bulletins',
      summary: 'Bulletins of the synced catalogs',
      query: bulletinQuerySchema,
      response: listOf(bulletinSchema),
      handler: async ({ query, caller }) => s.queries.bulletins(query, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/bulletins/:id',
      access: 'viewer',
      tag: 'bulletins',
      summary: 'One bulletin with its description, references, supersedence and fixes',
      params: ref,
      response: bulletinDetailSchema,
      handler: async ({ params, caller }) => s.bulletinViews.detail(params.id, await scopes.of(caller)),
    }),
  ];
  const sourceRoutes = [
    route({
      method: 'GET',
      url: '/sources',
      access: 'viewer',
      tag: 'sources',
      summary: 'Catalog sources and their last sync',
      response: z.object({ items: z.array(sourceSchema), total: z.number() }),
      handler: async ({ caller }) => {
        const items = await s.sources.list({ ...sourceViewOf(caller), scope: await scopes.of(caller) });
        return { items, total: items.length };
      },
    }),
    route({
      method: 'POST',
      url: '/sources',
      access: 'admin',
      tag: 'sources',
      summary: 'Add a catalog source',
      body: sourceCreateSchema,
      response: sourceSchema,
      status: 201,
      handler: async ({ body }) => s.sources.create(body),
    }),
    route({
      method: 'GET',
      url: '/sources/:id',
      access: 'viewer',
      tag: 'sources',
      summary: 'One source',
      params: ref,
      response: sourceSchema,
      handler: async ({ params, caller }) =>
        s.sources.get(params.id, { ...sourceViewOf(caller), scope: await scopes.of(caller) }),
    }),
    route({
      method: 'PATCH',
      url: '/sources/:id',
      access: 'admin',
      tag: 'sources',
      summary: 'Change a source',
      params: ref,
      body: sourceUpdateSchema,
      response: sourceSchema,
      handler: async ({ params, body }) => s.sources.update(params.id, body),
    }),
    route({
      method: 'DELETE',
      url: '/sources/:id',
      access: 'admin',
      tag: 'sources',
      summary: 'Delete a source; its bulletins stop applying',
      params: ref,
      response: ok,
      handler: async ({ params }) => (await s.sources.delete(params.id), { ok: true as const }),
    }),
    route({
      method: 'POST',
      url: '/sources/:id/sync',
      access: 'operator',
      tag: 'sources',
      summary: 'Sync now; returns the sync record with its diff',
      params: ref,
      response: syncRecordSchema,
      handler: async ({ params, caller }) => (
        requireWholeFleet(await scopes.of(caller), 'sync a catalog source (it re-assesses the whole fleet)'),
        s.sources.sync(params.id)
      ),
    }),
    route({
      method: 'GET',
      url: '/sources/:id/syncs',
      access: 'viewer',
      tag: 'sources',
      summary: 'Sync history, newest first',
      params: ref,
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
      response: z.object({ items: z.array(syncRecordSchema) }),
      handler: async ({ params, query, caller }) => ({
        items: await s.sources.history(params.id, query.limit, await scopes.of(caller)),
      }),
    }),
  ];
  const tokenRoutes = [
    route({
      method: 'GET',
      url: '/enrollment-tokens',
      access: 'admin',
      tag: 'tokens',
      summary: 'Enrollment tokens (secrets are never shown again)',
      response: z.object({ items: z.array(enrollmentTokenSchema) }),
      handler: async () => ({ items: await s.tokens.listEnrollmentTokens() }),
    }),
    route({
      method: 'POST',
      url: '/enrollment-tokens',
      access: 'admin',
      tag: 'tokens',
      summary: 'Create an enrollment token; the secret is in this answer only',
      body: enrollmentTokenCreateSchema,
      response: createdToken(enrollmentTokenSchema),
      status: 201,
      secret: true,
      handler: async ({ body, caller }) => s.tokens.createEnrollmentToken(body, userOf(caller)),
    }),
    route({
      method: 'DELETE',
      url: '/enrollment-tokens/:id',
      access: 'admin',
      tag: 'tokens',
      summary: 'Revoke an enrollment token',
      params: ref,
      response: ok,
      handler: async ({ params }) => (await s.tokens.revokeEnrollmentToken(params.id), { ok: true as const }),
    }),
    route({
      method: 'GET',
      url: '/tokens',
      access: 'admin',
      tag: 'tokens',
      summary: 'API tokens',
      response: z.object({ items: z.array(apiTokenSchema) }),
      handler: async () => ({ items: await s.tokens.listApiTokens() }),
    }),
    route({
      method: 'POST',
      url: '/tokens',
      access: 'admin',
      tag: 'tokens',
      summary: 'Create an API token (and its user when new); the secret is in this answer only',
      body: apiTokenCreateSchema,
      response: createdToken(apiTokenSchema),
      status: 201,
      secret: true,
      handler: async ({ body, caller }) => s.tokens.createApiToken(body, userOf(caller)),
    }),
    route({
      method: 'DELETE',
      url: '/tokens/:id',
      access: 'admin',
      tag: 'tokens',
      summary: 'Revoke an API token',
      params: ref,
      response: ok,
      handler: async ({ params }) => (await s.tokens.revokeApiToken(params.id), { ok: true as const }),
    }),
    route({
      method: 'GET',
      url: '/me',
      access: 'viewer',
      tag: 'tokens',
      summary: 'Who the token belongs to',
      response: meSchema,
      handler: async ({ caller }) =>
        caller.kind === 'user'
          ? { user: caller.userName, role: caller.role, groups: await s.tokens.scopeNames(caller.scopeGroupIds) }
          : { user: '?', role: 'viewer' as const, groups: null },
    }),
  ];
  const agentRoutes = [
    route({
      method: 'GET',
      url: '/server-key',
      access: 'public',
      tag: 'agent',
      summary: 'The job-signing public key and its fingerprint, for agents to pin at enrollment',
      response: serverKeyResponseSchema,
      handler: async () => s.agents.serverKey(),
    }),
    route({
      method: 'POST',
      url: '/agent/enroll',
      access: 'public',
      tag: 'agent',
      summary: 'Enroll an agent with an enrollment token (in the body)',
      body: enrollRequestSchema,
      response: enrollResponseSchema,
      status: 201,
      secret: true,
      attempts: 'enrollment',
      handler: async ({ body }) => s.agents.enroll(body),
    }),
    route({
      method: 'POST',
      url: '/agent/checkin',
      access: 'agent',
      tag: 'agent',
      summary: 'Check in; the inventory only when it changed',
      body: checkinRequestSchema,
      response: checkinResponseSchema,
      handler: async ({ body, caller }) => {
        if (caller.kind !== 'agent') throw new PatchhiveError('E_FORBIDDEN', 'agents only');
        return s.agents.checkin(caller.agentId, caller.machineId, body);
      },
    }),
  ];
  return [
    ...machineRoutes,
    ...groupRoutes,
    ...readRoutes,
    ...sourceRoutes,
    ...tokenRoutes,
    ...agentRoutes,
    ...policyRoutes(s),
    ...deployRoutes(s),
    ...auditRoutes(s),
    ...keyRoutes(s),
    ...controlsRoutes(s),
    ...sessionRoutes(s),
    ...consoleRoutes(s),
    ...viewRoutes(s),
    ...authMethodRoutes(s),
  ] as RouteDef[];
}
