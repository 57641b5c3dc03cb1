import { readFileSync } from 'node:fs';
import { lintFromString, loadConfig } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { OPENAPI_JSON, OPENAPI_TYPES, openApiJsonText, openApiTypesText } from '../../../scripts/openapi-files.js';
import { API_PREFIX } from '../../protocol/api.js';
import { routeTable } from './openapi-published.js';

const committed = readFileSync(OPENAPI_JSON, 'utf8');

describe('the OpenAPI document', () => {
  it('lints clean with Redocly (redocly.yaml: recommended-strict and more): no error, no warning', async () => {
    const config = await loadConfig({ configPath: new URL('../../../redocly.yaml', import.meta.url).pathname });
    const problems = await lintFromString({ source: openApiJsonText(), absoluteRef: OPENAPI_JSON.pathname, config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`)).toEqual(
      [],
    );
  }, 60_000);

  it('is committed as docs/openapi.json, up to date (npm run docs rewrites it)', () => {
    expect(committed === openApiJsonText(), 'docs/openapi.json is out of date: run npm run docs').toBe(true);
  });

  it('has the client types generated from it committed, up to date (src/protocol/openapi.gen.ts)', async () => {
    const types = await openApiTypesText(committed);
    expect(
      readFileSync(OPENAPI_TYPES, 'utf8') === types,
      'src/protocol/openapi.gen.ts is out of date: run npm run docs',
    ).toBe(true);
  }, 60_000);

  it('names its schemas as components and refers to them, instead of inlining them everywhere', () => {
    const doc = JSON.parse(committed) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
      >;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Machine', 'Group', 'Finding', 'Bulletin', 'Deployment', 'Error', 'ComplianceReport']),
    );
    expect(
      doc.paths[`${API_PREFIX}/machines/{id}`]!.get!.responses['200']!.content!['application/json']!.schema,
    ).toEqual({ $ref: '#/components/schemas/Machine' });
    // every component is used, and every ref names one
    const text = JSON.stringify(doc.paths) + JSON.stringify(doc.components);
    const refs = new Set([...text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!));
    expect([...refs].sort()).toEqual(Object.keys(doc.components.schemas).sort());
  });

  it('has one operation per route of the route table', () => {
    const doc = JSON.parse(committed) as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(ops.sort()).toEqual(
      routeTable()
        .map((r) => `${r.method} ${API_PREFIX}${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`)
        .sort(),
    );
  });
});
