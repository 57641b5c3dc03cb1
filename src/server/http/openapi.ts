/** The OpenAPI 3.1 document, generated from the route table's zod schemas (it cannot drift). */
import { z } from 'zod';
import { API_PREFIX } from '../../protocol/api.js';
import { errorBodySchema } from '../../protocol/errors.js';
import type { RouteDef } from './route.js';

const json = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

/** Builds the document once at start-up. */
export function openApiDocument(routes: RouteDef[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorRef = { $ref: '#/components/schemas/Error' };
  for (const r of routes) {
    const path = API_PREFIX + r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${r.url.replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      description: r.access === 'public' ? 'No credential.' : r.access === 'agent' ? 'Agent credential.' : `Role: ${r.access} or higher.`,
      security: r.access === 'public' ? [] : [{ bearer: [] }],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses: {
        [String(r.status ?? 200)]: {
          description: 'OK',
          content: {
            'application/json': { schema: r.response ? json(r.response, 'output') : {} },
            ...Object.fromEntries((r.produces ?? []).map((t) => [t, { schema: t === 'application/pdf' ? { type: 'string', format: 'binary' } : { type: 'string' } }])),
          },
        },
        ...(r.accepted ? { '202': { description: 'Accepted: the change waits for a second admin.', content: { 'application/json': { schema: json(r.accepted, 'output') } } } } : {}),
        '4XX': { description: 'Refused; the code says why.', content: { 'application/json': { schema: errorRef } } },
      },
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: json(r.body, 'input') } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Patchhive API', version, description: 'Machines, groups, findings, bulletins, catalog sources, triage, approval rules, risk exceptions, notifications, reports, tokens, and the agent protocol.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API token (phk_...) or agent credential (pha_...).' } },
      schemas: { Error: json(errorBodySchema, 'output') },
    },
    paths,
  };
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const js = json(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}
