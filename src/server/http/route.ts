/**
 * A route is data: method, path, who may call it, the zod schemas of its input and output, and a
 * handler that calls a service. The app registers them; the OpenAPI document is generated from them.
 */
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Role } from '../../protocol/api.js';
import type { Caller } from '../auth/caller.js';
import { RawReply } from '../services/raw-reply.js';
import type { AttemptBudget } from './abuse-limits.js';

export { RawReply, type Caller };


/** public: no credential; agent: an agent credential; a role: an API token with at least that role. */
export type Access = 'public' | 'agent' | Role;

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  request: FastifyRequest;
}

export interface RouteDef<P = any, Q = any, B = any> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify path below /api/v1 (or absolute when it starts with //). */
  url: string;
  access: Access;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  response?: z.ZodType;
  /** Success status (default 200). */
  status?: number;
  /** The 202 answer when the change waits for a second admin (the handler returns a StatusReply). */
  accepted?: z.ZodType;
  /** Other media types the handler may answer with (as a RawReply), for the OpenAPI document. */
  produces?: string[];
  /** The answer carries a secret shown once: it is sent with `Cache-Control: no-store`. */
  secret?: boolean;
  /** An extra budget every attempt on this route counts against (see abuse-limits.ts). */
  attempts?: AttemptBudget;
  handler(ctx: RouteContext<P, Q, B>): Promise<unknown>;
}

/** Declares a route with its types inferred from its schemas. */
export function route<P = undefined, Q = undefined, B = undefined>(def: RouteDef<P, Q, B>): RouteDef<P, Q, B> {
  return def;
}

/** A JSON answer with a status other than the route's own, e.g. 202 when a change waits for a second admin. */
export class StatusReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

