/**
 * The OpenAPI 3.1 document, generated from the route table's zod schemas (it cannot drift). The
 * named schemas of src/protocol/components.ts become components that operations `$ref`; a name
 * whose request form differs from its answer form (defaults, optional fields) gets a second
 * component, `<Name>Input`.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { API_PREFIX } from '../../protocol/api.js';
import { apiComponents, componentNameOf } from '../../protocol/components.js';
import { errorBodySchema } from '../../protocol/errors.js';
import type { RouteDef } from './route.js';

type Io = 'input' | 'output';
type Json = Record<string, unknown>;

/** What each tag groups, for the document's tag list. */
const TAGS: Record<string, string> = {
  machines: 'Machines, their inventories and findings history.',
  groups: 'Static and rule groups of machines, with their policies.',
  findings: 'What each machine is missing, with the evidence.',
  bulletins: 'The bulletins of the synced catalogs.',
  sources: 'Catalog sources and their syncs.',
  triage: 'Triage decisions, approval rules, risk exceptions and the work they make.',
  notifications: 'Notification channels and their delivery log.',
  reports: 'The compliance report.',
  tokens: 'Enrollment tokens and API tokens.',
  session: 'Console sign-in: the session cookie, its CSRF token, sign-out, your own password.',
  users: 'Console users: roles, group scopes, disabled, passwords (admins).',
  agent: 'The agent protocol: server key, enrollment, check-in.',
  deployments: 'Deployments through rings, their jobs and reports.',
  controls: 'The action catalog and the changes that need a second admin.',
  keys: 'The job-signing keys.',
  audit: 'The audit trail.',
  today: 'What changed since the last visit and what to do today.',
  auth: 'Sign-in: the methods this server offers.',
};

/** The components' registry replaces zod's global one, where `.describe()` keeps descriptions: they are put back. */
function keepDescriptions(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const description = z.globalRegistry.get(ctx.zodSchema as z.ZodType)?.description;
  if (description !== undefined && ctx.jsonSchema.description === undefined) ctx.jsonSchema.description = description;
}

/** Placeholder refs name the io they were made for; `finish` gives each its final component name. */
const PENDING = '#/components/schemas/';
const pendingRef = (io: Io, name: string) => `${PENDING}${io}:${name}`;

/** Turns zod schemas into JSON Schemas whose named parts are collected as components. */
class ComponentCollector {
  readonly #found: Record<Io, Map<string, Json>> = { input: new Map(), output: new Map() };

  /** The JSON Schema of `schema` as `io` (a `$ref` when the schema has a name). */
  schemaOf(schema: z.ZodType, io: Io): Json {
    const js = z.toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      target: 'draft-2020-12',
      metadata: apiComponents,
      override: keepDescriptions,
    }) as Json;
    const { $defs, $schema: _s, id: _id, ...root } = js as Json & { $defs?: Record<string, Json> };
    for (const [name, def] of Object.entries($defs ?? {})) this.#found[io].set(name, this.#pending(def, io));
    const body = this.#pending(root, io);
    const name = componentNameOf(schema);
    if (!name) return body;
    if (!(typeof body.$ref === 'string' && Object.keys(body).length === 1)) this.#found[io].set(name, body);
    return { $ref: pendingRef(io, name) };
  }

  #pending(js: Json, io: Io): Json {
    return JSON.parse(JSON.stringify(js).replaceAll('"#/$defs/', `"${PENDING}${io}:`)) as Json;
  }

  /** The components, and a function that gives a document part its final refs. */
  finish(): { components: Record<string, Json>; resolve: <T>(part: T) => T } {
    const { input, output } = this.#found;
    const plain = (js: Json) =>
      JSON.stringify(js).replace(/"#\/components\/schemas\/(?:input|output):/g, '"#/components/schemas/');
    // A name needs two components when its two forms differ, or its input form refers to one that does.
    const split = new Set(
      [...input.keys()].filter(
        (n) => output.has(n) && !isDeepStrictEqual(JSON.parse(plain(input.get(n)!)), JSON.parse(plain(output.get(n)!))),
      ),
    );
    for (let grew = true; grew;) {
      grew = false;
      for (const [n, js] of input) {
        if (split.has(n) || !output.has(n)) continue;
        if ([...split].some((s) => JSON.stringify(js).includes(`"${pendingRef('input', s)}"`))) {
          split.add(n);
          grew = true;
        }
      }
    }
    const finalName = (io: Io, n: string) => (io === 'input' && split.has(n) ? `${n}Input` : n);
    const resolve = <T>(part: T): T =>
      JSON.parse(
        JSON.stringify(part).replace(
          /"#\/components\/schemas\/(input|output):([^"]+)"/g,
          (_, io: Io, n: string) => `"${PENDING}${finalName(io, n)}"`,
        ),
      ) as T;
    const components: Record<string, Json> = {};
    for (const io of ['output', 'input'] as const)
      for (const [n, js] of this.#found[io]) components[finalName(io, n)] ??= resolve(js);
    return {
      components: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      resolve,
    };
  }
}

/** The operation id: method and path in camel case, e.g. getMachinesId. */
export function operationIdOf(r: Pick<RouteDef, 'method' | 'url'>): string {
  return `${r.method.toLowerCase()}${r.url.replace(/[/:-]+(\w)/g, (_, c: string) => c.toUpperCase())}`;
}

/** Builds the document once at start-up (and for the committed copy in docs/). */
export function openApiDocument(routes: RouteDef[], version: string): Record<string, unknown> {
  const c = new ComponentCollector();
  const paths: Record<string, Record<string, unknown>> = {};
  const errorRef = c.schemaOf(errorBodySchema, 'output');
  const error = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
  for (const r of routes) {
    const path = API_PREFIX + r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters = [...parametersOf(c, r.params, 'path'), ...parametersOf(c, r.query, 'query')];
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: operationIdOf(r),
      description:
        r.access === 'public'
          ? 'No credential.'
          : r.access === 'agent'
            ? 'Agent credential.'
            : `Role: ${r.access} or higher.`,
      security: r.access === 'public' ? [] : [{ bearer: [] }],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: c.schemaOf(r.body, 'input') } } } }
        : {}),
      responses: {
        [String(r.status ?? 200)]: {
          description: r.status === 201 ? 'Created.' : r.status === 202 ? 'Accepted.' : 'OK.',
          content: {
            'application/json': { schema: c.schemaOf(r.response, 'output') },
            ...Object.fromEntries(
              (r.produces ?? []).map((t) => [
                t,
                { schema: t === 'application/pdf' ? { type: 'string', contentMediaType: t } : { type: 'string' } },
              ]),
            ),
          },
        },
        ...(r.accepted
          ? {
              '202': {
                description: 'Accepted: the change waits for a second admin.',
                content: { 'application/json': { schema: c.schemaOf(r.accepted, 'output') } },
              },
            }
          : {}),
        '4XX': error('Refused; the code says why.'),
        '5XX': error('A server fault (E_INTERNAL) or an unavailable dependency.'),
      },
    };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  const { components, resolve } = c.finish();
  const usedTags = new Set(routes.map((r) => r.tag));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Patchhive API',
      version,
      description:
        'Machines, groups, findings, bulletins, catalog sources, triage, approval rules, risk exceptions, notifications, reports, tokens, and the agent protocol.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'The Patchhive server that serves this document.' }],
    tags: Object.entries(TAGS)
      .filter(([name]) => usedTags.has(name))
      .map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (phk_...) or agent credential (pha_...).' },
      },
      schemas: components,
    },
    paths: resolve(paths),
  };
}

function parametersOf(c: ComponentCollector, schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const js = c.schemaOf(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}
