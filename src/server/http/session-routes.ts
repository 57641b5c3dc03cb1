/** Routes of console sign-in (/session) and user management (/users, /me/password). */
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import {
  passwordChangeSchema,
  passwordResetAnswerSchema,
  passwordResetSchema,
  sessionSchema,
  signInSchema,
  signOutEverywhereSchema,
  userCreateSchema,
  userSchema,
  userUpdateSchema,
} from '../../protocol/session-api.js';
import type { Services } from '../services/index.js';
import { rememberCaller } from './audit-hook.js';
import { route, type Caller, type RouteDef } from './route.js';
import { currentSession, endSession, startSession } from './session-web.js';

const ref = z.object({ id: z.string().min(1).max(300).describe('User id or name.') });
const ok = z.object({ ok: z.literal(true) });

function userCaller(caller: Caller): Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw new PatchhiveError('E_FORBIDDEN', 'a user is required');
  return caller;
}

/** The session and user routes, built over the services. */
export function sessionRoutes(s: Services): RouteDef[] {
  return [
    route({
      method: 'POST',
      url: '/session',
      access: 'public',
      tag: 'session',
      summary:
        'Sign in (user name and password, or an API token): sets the HttpOnly session cookie and answers who you are and a CSRF token',
      body: signInSchema,
      response: sessionSchema,
      secret: true,
      attempts: 'sign-in',
      handler: async ({ body, request, reply }) => {
        const who =
          'token' in body
            ? await s.sessions.signInWithToken(body.token)
            : await s.sessions.signInWithPassword(body.username, body.password);
        const answer = await startSession(s.sessions, who, request, reply, s.tokens);
        // The audit trail names who signed in (the request itself carried no credential).
        rememberCaller(request, {
          kind: 'user',
          userId: who.user.id,
          userName: who.user.name,
          role: who.role,
          tokenId: who.tokenId,
          scopeGroupIds: who.scopeGroupIds,
        });
        return answer;
      },
    }),
    route({
      method: 'GET',
      url: '/session',
      access: 'viewer',
      tag: 'session',
      summary: 'The current console session (from its cookie), with a fresh CSRF token',
      response: sessionSchema,
      secret: true,
      handler: async ({ caller, request, reply }) => currentSession(s.sessions, caller, request, reply, s.tokens),
    }),
    route({
      method: 'DELETE',
      url: '/session',
      access: 'viewer',
      tag: 'session',
      summary: 'Sign out: ends this session and clears its cookie',
      response: ok,
      handler: async ({ request, reply }) => {
        await endSession(request);
        void reply.clearCookie(s.sessions.cookieName, { path: '/' });
        return { ok: true as const };
      },
    }),
    route({
      method: 'POST',
      url: '/session/sign-out-everywhere',
      access: 'viewer',
      tag: 'session',
      summary: "Sign out everywhere: ends every session of the caller's user, this one included",
      response: signOutEverywhereSchema,
      handler: async ({ caller, reply }) => {
        const sessionsRevoked = await s.sessions.endAllOf(userCaller(caller).userId);
        void reply.clearCookie(s.sessions.cookieName, { path: '/' });
        return { sessionsRevoked };
      },
    }),
    route({
      method: 'POST',
      url: '/me/password',
      access: 'viewer',
      tag: 'session',
      summary: 'Change your own password (proving the current one); your other sessions end',
      body: passwordChangeSchema,
      response: ok,
      handler: async ({ caller, body }) => {
        const me = userCaller(caller);
        await s.users.changeOwnPassword(me.userId, body.currentPassword, body.newPassword, me.sessionId);
        return { ok: true as const };
      },
    }),
    route({
      method: 'GET',
      url: '/users',
      access: 'admin',
      tag: 'users',
      summary: 'Users: role, scope, whether they have a password, disabled',
      response: z.object({ items: z.array(userSchema) }),
      handler: async () => ({ items: await s.users.list() }),
    }),
    route({
      method: 'POST',
      url: '/users',
      access: 'admin',
      tag: 'users',
      summary: 'Create a user (optionally with a password)',
      body: userCreateSchema,
      response: userSchema,
      status: 201,
      handler: async ({ body }) => s.users.create(body),
    }),
    route({
      method: 'PATCH',
      url: '/users/:id',
      access: 'admin',
      tag: 'users',
      summary: "Change a user's role, group scope or disabled flag; its sessions end",
      params: ref,
      body: userUpdateSchema,
      response: userSchema,
      handler: async ({ params, body }) => s.users.update(params.id, body),
    }),
    route({
      method: 'POST',
      url: '/users/:id/password',
      access: 'admin',
      tag: 'users',
      summary: "Reset a user's password (given, or generated and answered once); its sessions end",
      params: ref,
      body: passwordResetSchema,
      response: passwordResetAnswerSchema,
      secret: true,
      handler: async ({ params, body }) => s.users.resetPassword(params.id, body.password),
    }),
  ] as RouteDef[];
}
