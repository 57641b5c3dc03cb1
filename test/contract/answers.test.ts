/**
 * Every route's real answers against its response schema: the answers the e2e suites' servers
 * recorded during this run (test/support/answer-log.ts) are parsed with the schema of their route
 * and status, and every route of the route table must have answered with success at least once.
 * The serializer already refuses a mismatch at run time (a 500 that fails the e2e test that met
 * it); this test adds the coverage, so a route no test calls cannot drift unnoticed.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { API_PREFIX } from '../../src/protocol/api.js';
import { errorBodySchema } from '../../src/protocol/errors.js';
import { routeTable } from '../../src/server/http/openapi-published.js';
import type { RouteDef } from '../../src/server/http/route.js';
import { ANSWER_LOG_ENV, readAnswers, type RecordedAnswer } from '../support/answer-log.js';

const keyOf = (method: string, route: string) => `${method} ${route}`;

/** The schema an answer of this status must match, or undefined when the route never answers so. */
function schemaFor(r: RouteDef, status: number): z.ZodType | undefined {
  if (status === (r.status ?? 200)) return r.response;
  if (status === 202 && r.accepted) return r.accepted;
  if (status >= 400) return errorBodySchema;
  return undefined;
}

describe('the answers of the e2e suites', () => {
  const routes = new Map(routeTable().map((r) => [keyOf(r.method, API_PREFIX + r.url), r]));
  const dir = process.env[ANSWER_LOG_ENV];
  const answers: RecordedAnswer[] = dir ? readAnswers(dir) : [];

  it('were recorded (the suite runs this test after the others)', () => {
    expect(dir, `${ANSWER_LOG_ENV} is not set: run through vitest.config.ts`).toBeTruthy();
    expect(
      answers.length,
      'no answers recorded: run the whole suite (npm test); the answers come from the e2e suites',
    ).toBeGreaterThan(0);
  });

  it('each match the response schema of their route and status', () => {
    const mismatches: string[] = [];
    for (const a of answers) {
      const r = routes.get(keyOf(a.method, a.route));
      if (!r) continue; // /openapi.json and the other operational endpoints are not in the route table
      const schema = schemaFor(r, a.status);
      if (!schema) {
        mismatches.push(`${a.method} ${a.route}: status ${a.status} is not one the route declares`);
        continue;
      }
      const parsed = schema.safeParse(JSON.parse(a.body));
      if (!parsed.success)
        mismatches.push(
          `${a.method} ${a.route} ${a.status}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
    }
    expect(mismatches).toEqual([]);
  });

  it('cover every route of the route table with a successful answer', () => {
    const answered = new Set(answers.filter((a) => a.status < 300).map((a) => keyOf(a.method, a.route)));
    expect([...routes.keys()].filter((k) => !answered.has(k))).toEqual([]);
  });
});
