import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { groupSchema } from '../../protocol/api.js';
import type { ApiClient } from './api-client.js';
import { api, type AnswerOf, type BodyOf, type QueryOf } from './api-routes.js';

// These calls are never made: they are here for the compiler, which checks them against the generated types.
function typedCalls(c: ApiClient): void {
  void c.get(api('/groups/{id}', 'web'), groupSchema);
  // @ts-expect-error the answer of GET /groups/{id} is a Group: a schema of something else does not compile
  void c.get(api('/groups/{id}', 'web'), z.object({ colour: z.string() }));
  // @ts-expect-error /groups/{id} takes one parameter
  void api('/groups/{id}');
  // @ts-expect-error there is no such route
  void api('/no-such-route');
  // @ts-expect-error the query of GET /machines has no such parameter
  void c.get(api('/machines'), z.unknown(), { colour: 'red' });
  // @ts-expect-error the body of POST /groups needs a name
  void c.post(api('/groups'), groupSchema, { rule: 'os.family == "debian"' });
}

describe('the client route types', () => {
  it('come from the generated document types', () => {
    expect(typedCalls).toBeTypeOf('function');
    const answer: AnswerOf<'/groups/{id}', 'get'>['name'] = 'web';
    const query: QueryOf<'/machines', 'get'> = { group: 'web', limit: 10 };
    const body: BodyOf<'/groups', 'post'> = { name: 'web', kind: 'static' };
    expect([answer, query, body]).toBeTruthy();
  });
});
