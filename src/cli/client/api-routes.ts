/**
 * The API's routes as the client types generated from the OpenAPI document (src/protocol/openapi.gen.ts)
 * describe them: which routes a method has, the query and body each takes, and the answer each
 * gives. The client's calls are typed by these, so the CLI is compiled against the document.
 */
import { PatchhiveError } from '../../errors.js';
import type { paths } from '../../protocol/openapi.gen.js';

export type Method = 'get' | 'post' | 'patch' | 'delete';
type Prefixed<R extends string> = `/api/v1${R}`;
type Strip<K> = K extends Prefixed<infer R> ? R : never;

/** The routes below /api/v1 that have an operation for this method, e.g. '/groups/{id}'. */
export type RouteOf<M extends Method> = {
  [K in keyof paths]: paths[K][M] extends { responses: unknown } ? Strip<K> : never;
}[keyof paths];

type Operation<R extends string, M extends Method> =
  Prefixed<R> extends keyof paths ? Exclude<paths[Prefixed<R>][M], undefined> : never;
type JsonContent<X> = X extends { content: { 'application/json': infer J } } ? J : never;

/** The JSON answer of a route's success statuses (200, 201, 202). */
export type AnswerOf<R extends string, M extends Method> =
  Operation<R, M> extends { responses: infer Rs }
    ? { [S in keyof Rs]: S extends 200 | 201 | 202 ? JsonContent<Rs[S]> : never }[keyof Rs]
    : never;

/** The query parameters a route takes (none: undefined). */
export type QueryOf<R extends string, M extends Method> =
  Operation<R, M> extends { parameters: { query?: infer Q } } ? ([Q] extends [never] ? undefined : Q) : undefined;

/** The JSON body a route takes (none: undefined). */
export type BodyOf<R extends string, M extends Method> =
  Operation<R, M> extends { requestBody: { content: { 'application/json': infer B } } } ? B : undefined;

type ParamNames<R extends string> = R extends `${string}{${infer P}}${infer Rest}` ? [P, ...ParamNames<Rest>] : [];

type Values<T extends unknown[]> = { [I in keyof T]: string | number };

/** One value per `{parameter}` of the route, in order. */
export type ParamValues<R extends string> = Values<ParamNames<R>>;

/** Every route below /api/v1. */
export type AnyRoute = Strip<keyof paths>;

/** A path below /api/v1 with its parameters filled in; the route it was made from travels with it, for the types. */
export type ApiPath<R extends string> = string & { readonly route: R };

/** Fills a route's `{parameters}` in order; each is URL-encoded, so a name cannot escape its place. */
export function api<R extends AnyRoute>(route: R, ...values: ParamValues<R>): ApiPath<R> {
  const queue: (string | number)[] = [...(values as (string | number)[])];
  const path = route.replace(/\{[^}]+\}/g, () => {
    const s = String(queue.shift());
    // URL parsers resolve "." and ".." (even percent-encoded) as dot-segments
    if (s === '' || s === '.' || s === '..') throw new PatchhiveError('E_USAGE', `"${s}" is not a valid name or id`);
    return encodeURIComponent(s);
  });
  return path as ApiPath<R>;
}
