/** Routes of the audit trail (admins only): filtered reading, newest first, and the chain in order for export and verification. */
import {
  auditChainPageSchema,
  auditChainQuerySchema,
  auditPageSchema,
  auditQuerySchema,
} from '../../protocol/audit.js';
import type { Services } from '../services/index.js';
import { route, type RouteDef } from './route.js';

/** The audit routes, built over the services. */
export function auditRoutes(s: Services): RouteDef[] {
  return [
    route({
      method: 'GET',
      url: '/audit',
      access: 'admin',
      tag: 'audit',
      summary:
        'Audit trail entries, newest first (filters: since, until, actor, object, method, route, outcome; page back with before)',
      query: auditQuerySchema,
      response: auditPageSchema,
      handler: async ({ query }) => s.audit.list(query),
    }),
    route({
      method: 'GET',
      url: '/audit/chain',
      access: 'admin',
      tag: 'audit',
      summary: 'The audit trail in chain order, for export and verification (page on with after)',
      query: auditChainQuerySchema,
      response: auditChainPageSchema,
      handler: async ({ query }) => s.audit.chain(query),
    }),
  ];
}
