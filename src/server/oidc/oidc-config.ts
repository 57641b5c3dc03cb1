/**
 * The `oidc` section of the server config: the provider, the client, and how claims map onto a
 * Patchhive role, group scope and user name. Declared here, used by config.ts (one schema) and
 * documented by docs/CONFIG.md and docs/OIDC.md.
 */
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { ROLES } from '../../protocol/api.js';
import { SecretText } from '../secret-text.js';

/** The environment variable that may carry the client secret (instead of `oidc.clientSecretFile`). */
export const OIDC_SECRET_ENV = 'PATCHHIVE_OIDC_CLIENT_SECRET';

/** The path of the callback route; a configured redirect URI must end with it. */
export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** True for http:// URLs on a loopback address (test providers); every other issuer must be https. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK.has(url.hostname);
}

const claimName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s]+$/, 'a claim name has no spaces');

export const oidcConfigSchema = z
  .object({
    issuer: z
      .url()
      .refine((u) => new URL(u).protocol === 'https:' || isLoopbackHttp(new URL(u)), {
        message: 'the issuer must be an https:// URL (http:// only on a loopback address, for tests)',
      })
      .describe(
        "The provider's issuer URL, exactly as its discovery document (<issuer>/.well-known/openid-configuration) states it.",
      ),
    clientId: z.string().min(1).max(300).describe('The client id Patchhive is registered with at the provider.'),
    clientSecretFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'File holding the client secret (read once at start; keep it mode 0600). Or set the environment variable PATCHHIVE_OIDC_CLIENT_SECRET.',
      ),
    clientSecret: z
      .custom<SecretText>((v) => v instanceof SecretText)
      .optional()
      .describe('Set from the environment variable PATCHHIVE_OIDC_CLIENT_SECRET only; refused in the config file.'),
    redirectUri: z
      .url({ protocol: /^https?$/ })
      .refine((u) => new URL(u).pathname.endsWith(OIDC_CALLBACK_PATH), {
        message: `the redirect URI must end with ${OIDC_CALLBACK_PATH}`,
      })
      .optional()
      .describe(
        `The redirect URI registered at the provider; default: publicUrl + ${OIDC_CALLBACK_PATH}. People are sent back to its origin after signing in.`,
      ),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is one word of printable ASCII'))
      .default(['openid', 'profile'])
      .refine((s) => s.includes('openid'), { message: 'the scopes must include openid' })
      .describe('Scopes asked for; add the one that releases the role and group claims (e.g. groups, roles).'),
    buttonLabel: z
      .string()
      .min(1)
      .max(60)
      .default('Sign in with single sign-on')
      .describe('The label of the sign-in button (GET /api/v1/auth/methods).'),
    nameClaim: claimName
      .default('preferred_username')
      .describe('The ID token claim that names the user; when absent, the subject (sub) is the name.'),
    roleClaim: claimName.describe(
      'The ID token claim that carries the role (a string or a list of strings), e.g. patchhive_role, roles or groups.',
    ),
    roles: z
      .record(z.string().min(1), z.enum(ROLES))
      .refine((m) => Object.keys(m).length > 0, { message: 'map at least one claim value to a role' })
      .describe(
        'Claim value → viewer | operator | admin. When several values match, the highest role wins; when none does, the sign-in is refused (E_OIDC_ROLE_UNMAPPED) and audited.',
      ),
    groupsClaim: claimName
      .optional()
      .describe(
        'The ID token claim that carries group names (a list or one string) that limit a viewer or operator to those Patchhive groups; unknown names are ignored, and named groups none of which exist leave an empty scope (never the whole fleet). Absent: everyone sees the whole fleet. Admins always see the whole fleet.',
      ),
    ungrouped: z
      .enum(['refuse', 'whole-fleet'])
      .default('refuse')
      .describe(
        'With groupsClaim set: what a viewer or operator whose claim names no group at all gets: refuse (E_OIDC_NO_GROUPS) or the whole fleet.',
      ),
    timeoutSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .max(120)
      .default(10)
      .describe('Timeout of each request to the provider (discovery, token exchange, keys).'),
    loginMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(60)
      .default(10)
      .describe('How long a started sign-in may take at the provider before its state expires.'),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (!o.clientSecret && !o.clientSecretFile)
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecretFile'],
        message: `the client secret is missing: set oidc.clientSecretFile or the environment variable ${OIDC_SECRET_ENV}`,
      });
    if (o.clientSecret && o.clientSecretFile)
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecretFile'],
        message: `give the client secret once: oidc.clientSecretFile or ${OIDC_SECRET_ENV}, not both`,
      });
  });

export type OidcConfig = z.infer<typeof oidcConfigSchema>;

/**
 * Puts the client secret from the environment into the merged config input (wrapped so it never
 * prints). Refuses a secret written in the config file, and a secret with no oidc section.
 */
export function withOidcSecretFromEnv(
  merged: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const oidc = merged.oidc as Record<string, unknown> | undefined;
  if (oidc && typeof oidc === 'object' && 'clientSecret' in oidc)
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `oidc.clientSecret cannot be written in the config file: use oidc.clientSecretFile or ${OIDC_SECRET_ENV}`,
    );
  const secret = env[OIDC_SECRET_ENV];
  if (secret === undefined || secret === '') return merged;
  if (!oidc || typeof oidc !== 'object')
    throw new PatchhiveError('E_CONFIG_INVALID', `${OIDC_SECRET_ENV} is set but the config has no oidc section`);
  return { ...merged, oidc: { ...oidc, clientSecret: new SecretText(secret) } };
}

/** The redirect URI: the configured one, or the public URL's origin and path + the callback path. */
export function oidcRedirectUri(oidc: OidcConfig, publicUrl: string | undefined): string {
  if (oidc.redirectUri) return oidc.redirectUri;
  const base = new URL(publicUrl!);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${OIDC_CALLBACK_PATH}`;
}
