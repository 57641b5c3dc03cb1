/** The public route the sign-in page starts from: which sign-in methods this server offers. */
import { authMethodsSchema } from '../../protocol/auth-methods.js';
import type { Services } from '../services/index.js';
import { route, type RouteDef } from './route.js';

/** The sign-in method routes, built over the services. */
export function authMethodRoutes(s: Services): RouteDef[] {
  return [
    route({
      method: 'GET',
      url: '/auth/methods',
      access: 'public',
      tag: 'auth',
      summary: 'The sign-in methods offered (password, API token, single sign-on with its button label)',
      response: authMethodsSchema,
      handler: async () => s.signIn.methods(),
    }),
  ] as RouteDef[];
}
