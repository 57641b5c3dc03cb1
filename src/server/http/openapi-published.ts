/**
 * The OpenAPI document as published in docs/openapi.json: the route table's document, built
 * without a running server (the routes only reach the services when called).
 */
import type { Services } from '../services/index.js';
import { openApiDocument } from './openapi.js';
import { apiRoutes } from './routes.js';
import type { RouteDef } from './route.js';

/** The route table, for documents and checks that never call a handler. */
export function routeTable(): RouteDef[] {
  return apiRoutes({} as Services, () => new Date(0));
}

/** The document the server serves at /api/v1/openapi.json, for this version. */
export function publishedOpenApiDocument(version: string): Record<string, unknown> {
  return openApiDocument(routeTable(), version);
}
