/**
 * Single sign-on through OpenID Connect (authorization code flow with PKCE, state and nonce), with
 * openid-client: `begin` stores a pending sign-in and gives the provider URL to send the browser
 * to; `finish` takes that pending sign-in back (once), exchanges the code, verifies the ID token,
 * maps its claims, and creates or updates the user linked to the provider account. Starting the
 * session is the HTTP layer's job (oidc-routes.ts).
 *
 * Pending sign-ins live in the database (any server node can finish one). Only a hash of the state
 * is stored; the browser carries the state in a cookie too, so a callback from another browser
 * (login CSRF) is refused. Nothing here logs or returns codes or tokens.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import type { Role } from '../../protocol/api.js';
import type { OidcSignInError } from '../../protocol/auth-methods.js';
import { PatchhiveError } from '../../errors.js';
import type { Store } from '../../store/ports.js';
import type { SecretText } from '../secret-text.js';
import { mapClaims, scopeOfGroupNames } from './claims.js';
import { isLoopbackHttp, type OidcConfig } from './oidc-config.js';
import { safeReturnTo } from './return-to.js';

/** Who signed in, as the session is to be started for. */
export interface OidcIdentity {
  userId: string;
  userName: string;
  role: Role;
  /** The groups the session is limited to; null: the whole fleet. */
  scopeGroupIds: string[] | null;
  via: 'oidc';
}

export type OidcFailure = { ok: false; code: OidcSignInError; detail: string; userName: string | null };

export type OidcBegun = { ok: true; authorizationUrl: string; state: string } | OidcFailure;

export type OidcFinished =
  | { ok: true; identity: OidcIdentity; returnTo: string; created: boolean; issuer: string; subject: string }
  | OidcFailure;

export interface OidcServiceDeps {
  config: OidcConfig;
  redirectUri: string;
  clientSecret: SecretText;
  store: Pick<Store, 'oidc' | 'groups'>;
  now: () => Date;
  newId?: () => string;
}

const fail = (code: OidcSignInError, detail: string, userName: string | null = null): OidcFailure => ({
  ok: false,
  code,
  detail,
  userName,
});

/** Hex SHA-256 of a state: what the database keeps instead of the state. */
export function stateHashOf(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

export class OidcService {
  private discovered: Promise<client.Configuration> | undefined;
  private readonly newId: () => string;
  /** The origin people are sent back to after signing in (the redirect URI's). */
  readonly origin: string;

  constructor(private readonly deps: OidcServiceDeps) {
    this.newId = deps.newId ?? randomUUID;
    this.origin = new URL(deps.redirectUri).origin;
  }

  /** Where the provider sends the browser back to. */
  get redirectUri(): string {
    return this.deps.redirectUri;
  }

  get config(): OidcConfig {
    return this.deps.config;
  }

  /** Starts a sign-in: a pending sign-in is stored and the provider's authorization URL returned. */
  async begin(returnTo: unknown): Promise<OidcBegun> {
    let config: client.Configuration;
    try {
      config = await this.providerConfig();
    } catch (err) {
      return fail('E_OIDC_UNAVAILABLE', `discovery of ${this.deps.config.issuer} failed: ${describe(err)}`);
    }
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const now = this.deps.now();
    await this.deps.store.oidc.savePending(
      {
        stateHash: stateHashOf(state),
        nonce,
        codeVerifier,
        returnTo: safeReturnTo(returnTo, this.origin),
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + this.deps.config.loginMinutes * 60_000).toISOString(),
      },
      now.toISOString(),
    );
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.deps.redirectUri,
      scope: this.deps.config.scopes.join(' '),
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { ok: true, authorizationUrl: url.href, state };
  }

  /**
   * Finishes a sign-in from the callback's query string and the state the browser's cookie holds.
   * The pending sign-in is used up whatever the outcome once the state is known and bound.
   */
  async finish(query: string, boundState: string | undefined): Promise<OidcFinished> {
    const params = new URLSearchParams(query);
    const state = params.get('state');
    if (!state) return fail('E_OIDC_STATE_INVALID', 'the callback carries no state');
    if (boundState !== state)
      return fail('E_OIDC_STATE_INVALID', 'the state is not the one this browser started (or its cookie is gone)');
    const pending = await this.deps.store.oidc.takePending(stateHashOf(state));
    if (!pending) return fail('E_OIDC_STATE_INVALID', 'unknown or already used state');
    if (pending.expiresAt <= this.deps.now().toISOString())
      return fail('E_OIDC_STATE_INVALID', 'the sign-in took too long: its state expired');
    let claims: Record<string, unknown>;
    try {
      const config = await this.providerConfig();
      const url = new URL(this.deps.redirectUri);
      url.search = params.toString();
      const tokens = await client.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) return fail('E_OIDC_TOKEN_INVALID', 'the provider returned no ID token');
      claims = idClaims;
    } catch (err) {
      return classify(err);
    }
    const mapped = mapClaims(claims, this.deps.config);
    if (!mapped.ok) return fail(mapped.code, mapped.detail, mapped.name);
    const scopeGroupIds = scopeOfGroupNames(mapped.groupNames, await this.groupIdsByName());
    const issuer = String(claims.iss);
    try {
      const { user, created } = await this.deps.store.oidc.upsertUser(
        { issuer, subject: mapped.subject, name: mapped.name, role: mapped.role },
        this.newId(),
        this.deps.now().toISOString(),
      );
      return {
        ok: true,
        identity: { userId: user.id, userName: user.name, role: mapped.role, scopeGroupIds, via: 'oidc' },
        returnTo: pending.returnTo,
        created,
        issuer,
        subject: mapped.subject,
      };
    } catch (err) {
      if (err instanceof PatchhiveError && err.code === 'E_CONFLICT')
        return fail('E_OIDC_NAME_TAKEN', `the name ${mapped.name} belongs to another user`, mapped.name);
      throw err;
    }
  }

  /** The provider's metadata, discovered once; a failed discovery is tried again next time. */
  private providerConfig(): Promise<client.Configuration> {
    if (!this.discovered) {
      const { issuer, clientId, timeoutSeconds } = this.deps.config;
      const insecure = isLoopbackHttp(new URL(issuer));
      this.discovered = client
        .discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(this.deps.clientSecret.reveal()), {
          timeout: timeoutSeconds,
          ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        })
        .catch((err: unknown) => {
          this.discovered = undefined;
          throw err;
        });
    }
    return this.discovered;
  }

  private async groupIdsByName(): Promise<Map<string, string>> {
    return new Map((await this.deps.store.groups.list()).map((g) => [g.name, g.id]));
  }
}

/** What went wrong in the code exchange, in the closed set of sign-in errors. */
function classify(err: unknown): OidcFailure {
  if (err instanceof client.AuthorizationResponseError)
    return fail(
      'E_OIDC_DENIED',
      `the provider answered ${err.error}${err.error_description ? `: ${err.error_description}` : ''}`,
    );
  if (err instanceof client.ResponseBodyError && err.status < 500)
    return fail('E_OIDC_TOKEN_INVALID', `the token endpoint refused the code: ${err.error}`);
  if (isUnreachable(err)) return fail('E_OIDC_UNAVAILABLE', `the provider could not be reached: ${describe(err)}`);
  if (err instanceof client.ResponseBodyError) return fail('E_OIDC_UNAVAILABLE', `the provider failed (${err.status})`);
  return fail('E_OIDC_TOKEN_INVALID', describe(err));
}

function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
    if (e instanceof TypeError && /fetch failed/i.test(e.message)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONN|ENOTFOUND|ETIMEDOUT|EAI_|EHOSTUNREACH|ENETUNREACH|UND_ERR_)/.test(code))
      return true;
  }
  return false;
}

/** A short description of an error: its message and its causes' (libraries' messages carry no tokens). */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 3; depth++) {
    parts.push(e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error');
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ').slice(0, 300);
}
