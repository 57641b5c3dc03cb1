/**
 * The web console: the built single-page application (dist/web) served at `/` on the API's origin.
 * Files under /assets/ carry a content hash in their names and are cached for good; every other
 * path that is not the API answers index.html, so a deep link (/machines/web-01) works on reload.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the console: <package>/dist/web, from src/ and from dist/ alike. */
export const DEFAULT_CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/web');

/** Paths that belong to the server, never to the console. */
const SERVER_PATHS = /^\/(api|healthz|metrics)(\/|$|\?)/;

export interface ConsoleServing {
  /** Answers a request no route took: the console's page, or undefined when it is not the console's. */
  fallback(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined;
}

/** Registers the console's files; the returned fallback serves index.html for the console's paths. */
export function registerConsole(app: FastifyInstance, dir: string = DEFAULT_CONSOLE_DIR): ConsoleServing {
  const built = existsSync(path.join(dir, 'index.html'));
  if (built) {
    void app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: false,
      index: false,
      // the headers below decide caching, not the plugin's default max-age=0
      cacheControl: false,
      setHeaders(res, file) {
        res.setHeader(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  return {
    fallback(request, reply) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
      if (SERVER_PATHS.test(request.url) || request.url.startsWith('/assets/')) return undefined;
      if (!built)
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The web console is not built: run `npm run build`. The API is at /api/v1.\n');
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    },
  };
}
