/**
 * What the sign-in page needs to know before anyone signs in: the methods this server offers, and
 * the plain-words meaning of each code a failed single sign-on sends it (`/signin?error=CODE`).
 */
import { z } from 'zod';

export const authMethodsSchema = z
  .object({
    password: z.boolean().describe('Sign-in with a user name and password (form fields `username`, `password`).'),
    token: z.boolean().describe('Sign-in with an API token (form field `token`).'),
    oidc: z
      .object({
        label: z.string().describe('The text of the single sign-on button.'),
        loginUrl: z
          .string()
          .describe('Where the button goes (a full-page navigation); add `?returnTo=/path` to come back there.'),
      })
      .nullable()
      .describe('Single sign-on through OpenID Connect; null when not configured.'),
  })
  .describe('The sign-in methods this server offers.');

export type AuthMethods = z.infer<typeof authMethodsSchema>;

export { OIDC_SIGNIN_ERRORS, type OidcSignInError } from './oidc-errors.js';
