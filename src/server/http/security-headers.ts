/**
 * Security headers on every answer, through @fastify/helmet. The API answers JSON; the policy also
 * suits a same-origin web console served at `/`: everything from 'self', no framing, no plugins.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** Registers the headers (Content-Security-Policy, X-Content-Type-Options, frame and referrer policies...). */
export function registerSecurityHeaders(app: FastifyInstance): void {
  void app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        // the server may be reached over plain HTTP on a private network: do not rewrite its URLs
        upgradeInsecureRequests: null,
      },
    },
  });
}
