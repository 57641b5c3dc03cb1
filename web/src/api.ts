/**
 * The console's only way to the server: a client typed from the OpenAPI document the server
 * publishes (src/protocol/openapi.gen.ts), with React Query for caching and refetching. No page
 * writes a URL or a fetch of its own: a route, query or body the API does not have does not compile.
 */
import { QueryClient } from '@tanstack/react-query';
import createFetchClient, { type Middleware } from 'openapi-fetch';
import createQueryClient from 'openapi-react-query';
import type { paths } from '../../src/protocol/openapi.gen';

/** An API refusal as the console shows it: the plain-words message and the stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;

/** The session's CSRF token, sent with every change (cookie sign-in). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Adds the CSRF header to changes, and turns error answers into ApiErrors with the server's code. */
const middleware: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method) && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  async onResponse({ response }) {
    if (response.ok) return response;
    const body = (await response
      .clone()
      .json()
      .catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    const code = body?.error?.code ?? `HTTP_${response.status}`;
    throw new ApiError(response.status, code, body?.error?.message ?? response.statusText);
  },
};

export const fetchClient = createFetchClient<paths>({ baseUrl: '', credentials: 'same-origin' });
fetchClient.use(middleware);

/** Typed React Query hooks: `api.useQuery('get', '/api/v1/machines', { params: { query } })`. */
export const api = createQueryClient(fetchClient);

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A refusal will not change by asking again; a network error might.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});
