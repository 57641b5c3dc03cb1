/** Routes of the job-signing keys: list, rotate, retire (admins only). */
import { keyListSchema, keyRotateSchema } from '../../protocol/keys-api.js';
import type { Services } from '../services/index.js';
import { route, type RouteDef } from './route.js';

/** The key routes, built over the services. */
export function keyRoutes(s: Services): RouteDef[] {
  return [
    route({
      method: 'GET',
      url: '/keys',
      access: 'admin',
      tag: 'keys',
      summary: 'Job-signing keys (active, retiring, retired) and how many agents pin each',
      response: keyListSchema,
      handler: async () => s.keys.list(),
    }),
    route({
      method: 'POST',
      url: '/keys/rotate',
      access: 'admin',
      tag: 'keys',
      summary: 'Make a new active job-signing key; agents re-pin it at their next check-in',
      body: keyRotateSchema,
      response: keyListSchema,
      handler: async ({ body }) => s.keys.rotate(body),
    }),
    route({
      method: 'POST',
      url: '/keys/retire',
      access: 'admin',
      tag: 'keys',
      summary: 'Retire the retiring job-signing key now: it never signs again',
      response: keyListSchema,
      handler: async () => s.keys.retire(),
    }),
  ] as RouteDef[];
}
