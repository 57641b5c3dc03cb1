/**
 * The answer log: while the test suite runs, every test server records the JSON answers of its API
 * routes (method, route, status, body) to a directory, one file per test process. The answers
 * contract test (test/contract/answers.test.ts) reads them back after the other tests and checks
 * each against its route's response schema. Off unless PATCHHIVE_ANSWER_LOG names the directory
 * (vitest's global setup, test/support/answer-log-setup.ts, sets it for a run).
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from '../../src/protocol/api.js';

export const ANSWER_LOG_ENV = 'PATCHHIVE_ANSWER_LOG';

/** One recorded answer; `route` is the route's path pattern, e.g. /api/v1/machines/:id. */
export interface RecordedAnswer {
  method: string;
  route: string;
  status: number;
  body: string;
}

/** Answers kept per (method, route, status) and process: enough variety, a bounded log. */
const KEEP_PER_KEY = 25;
/** Larger answers are not kept (none of the e2e suites' answers is near it). */
const MAX_BODY_BYTES = 1 << 20;

/** Adds the recording hook to a test server's app, when the log is on. */
export function recordAnswers(app: FastifyInstance): void {
  const dir = process.env[ANSWER_LOG_ENV];
  if (!dir) return;
  const file = path.join(dir, `answers-${process.pid}.jsonl`);
  const kept = new Map<string, number>();
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (!route?.startsWith(API_PREFIX) || typeof payload !== 'string' || payload.length > MAX_BODY_BYTES)
      return payload;
    if (!/^application\/json\b/.test(String(reply.getHeader('content-type') ?? ''))) return payload;
    const key = `${request.method} ${route} ${reply.statusCode}`;
    const n = kept.get(key) ?? 0;
    if (n >= KEEP_PER_KEY) return payload;
    kept.set(key, n + 1);
    const answer: RecordedAnswer = { method: request.method, route, status: reply.statusCode, body: payload };
    appendFileSync(file, JSON.stringify(answer) + '\n');
    return payload;
  });
}

/** Every answer recorded in the log directory. */
export function readAnswers(dir: string): RecordedAnswer[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter((line) => line !== ''),
    )
    .map((line) => JSON.parse(line) as RecordedAnswer);
}
