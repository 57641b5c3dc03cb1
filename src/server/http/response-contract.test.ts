import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { serverConfigSchema } from '../config.js';
import { Metrics } from '../metrics.js';
import type { TokenService } from '../services/tokens.js';
import { buildApp } from './app.js';
import { RawReply, route, StatusReply, type RouteDef } from './route.js';

const thing = z.object({ id: z.string(), count: z.number().int() });
let answer: unknown;
const routes: RouteDef[] = [
  route({
    method: 'GET',
    url: '/thing',
    access: 'public',
    tag: 't',
    summary: 'A thing',
    response: thing,
    handler: async () => answer as z.output<typeof thing>,
  }),
  route({
    method: 'POST',
    url: '/thing',
    access: 'public',
    tag: 't',
    summary: 'Make a thing',
    body: z.strictObject({ count: z.number().int().default(1) }),
    response: thing,
    status: 201,
    accepted: z.object({ waiting: z.literal(true) }),
    handler: async ({ body }) =>
      body.count > 5 ? new StatusReply(202, { waiting: true as const }) : { id: 'made', count: body.count },
  }),
  route({
    method: 'GET',
    url: '/thing.csv',
    access: 'public',
    tag: 't',
    summary: 'A thing as CSV',
    response: thing,
    produces: ['text/csv'],
    handler: async () => new RawReply('text/csv', 'id,count\nx,1\n'),
  }),
] as RouteDef[];

describe('answers are serialised through their response schema', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = buildApp({
      routes,
      tokens: {} as TokenService,
      metrics: new Metrics(),
      logger: pino({ level: 'silent' }),
      bodyLimitBytes: 1 << 20,
      metricsPublic: true,
      rateLimit: serverConfigSchema.parse({ dataDir: '/nonexistent' }).rateLimit,
      version: 'test',
      health: async () => ({ database: true }),
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('sends an answer that matches, without the fields the schema does not name', async () => {
    answer = { id: 'a', count: 2, secretField: 'must not leak' };
    const res = await app.inject({ method: 'GET', url: '/api/v1/thing' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'a', count: 2 });
  });

  it('fails an answer that does not match with 500 E_INTERNAL instead of sending it', async () => {
    for (const wrong of [{ id: 'a' }, { id: 'a', count: 'two' }, { id: 1, count: 1 }, null, []]) {
      answer = wrong;
      const res = await app.inject({ method: 'GET', url: '/api/v1/thing' });
      expect(res.statusCode, JSON.stringify(wrong)).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'E_INTERNAL', message: 'internal error' } });
    }
  });

  it('validates input with the route schemas (defaults applied) and serialises 201 and 202 answers by their own schemas', async () => {
    const made = await app.inject({ method: 'POST', url: '/api/v1/thing', payload: {} });
    expect([made.statusCode, made.json()]).toEqual([201, { id: 'made', count: 1 }]);
    const waiting = await app.inject({ method: 'POST', url: '/api/v1/thing', payload: { count: 6 } });
    expect([waiting.statusCode, waiting.json()]).toEqual([202, { waiting: true }]);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/thing', payload: { count: 1.5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'E_BAD_REQUEST', path: '$.count' } });
    const unknownField = await app.inject({ method: 'POST', url: '/api/v1/thing', payload: { colour: 'red' } });
    expect(unknownField.json()).toMatchObject({
      error: { code: 'E_BAD_REQUEST', message: expect.stringContaining('colour') },
    });
  });

  it('sends raw (non-JSON) answers as they are', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/thing.csv' });
    expect([res.statusCode, res.headers['content-type'], res.body]).toEqual([200, 'text/csv', 'id,count\nx,1\n']);
  });
});
