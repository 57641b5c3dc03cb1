/**
 * A route is data: method, path, who may call it, the zod schemas of its input and output, and a
 * handler that calls a service. The app registers them (Fastify validates the input and serialises
 * the answer through the schemas); the OpenAPI document is generated from them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Role } from '../../protocol/api.js';
import type { Caller } from '../auth/caller.js';
import { RawReply } from '../services/raw-reply.js';
import type { AttemptBudget } from './abuse-limits.js';

export { RawReply, type Caller };

/** public: no credential; agent: an agent credential; a role: an API token or console session with at least that role. */
export type Access = 'public' | 'agent' | Role;

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  request: FastifyRequest;
  /** For the few routes that set cookies (console sessions); the others answer by returning. */
  reply: FastifyReply;
}

/** What a handler may answer: its response schema's type, the 202 body (when the route has one), or a raw non-JSON reply. */
export type Answer<R, A> = R | StatusReply<A> | RawReply;

export interface RouteDef<P = any, Q = any, B = any, R = any, A = any> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify path below /api/v1 (or absolute when it starts with //). */
  url: string;
  access: Access;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The success answer: the handler's result is serialised through it, and a mismatch is a 500. */
  response: z.ZodType<R>;
  /** Success status (default 200). */
  status?: number;
  /** The 202 answer when the change waits for a second admin (the handler returns a StatusReply). */
  accepted?: z.ZodType<A>;
  /** Other media types the handler may answer with (as a RawReply), for the OpenAPI document. */
  produces?: string[];
  /** The answer carries a secret shown once: it is sent with `Cache-Control: no-store`. */
  secret?: boolean;
  /** An extra budget every attempt on this route counts against (see abuse-limits.ts). */
  attempts?: AttemptBudget;
  handler(ctx: RouteContext<P, Q, B>): Promise<Answer<R, A>>;
}

/** Declares a route with its types inferred from its schemas. */
export function route<P = undefined, Q = undefined, B = undefined, R = unknown, A = never>(
  def: RouteDef<P, Q, B, R, A>,
): RouteDef<P, Q, B, R, A> {
  return def;
}

/** A JSON answer with a status other than the route's own: 202 with the `accepted` schema's body when a change waits for a second admin. */
export class StatusReply<T = unknown> {
  constructor(
    readonly status: 202,
    readonly body: T,
  ) {}
}
