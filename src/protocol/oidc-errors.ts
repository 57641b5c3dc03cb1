/**
 * The codes a failed single sign-on sends the sign-in page (`/signin?error=CODE`) and their plain
 * words. Free of imports, so the web console bundles it as it is.
 */
/** The codes a failed single sign-on is sent to the sign-in page with, and what each says to the person. */
export const OIDC_SIGNIN_ERRORS = {
  E_OIDC_UNAVAILABLE:
    'The single sign-on service could not be reached or answered with an error. Try again in a moment; if it keeps failing, tell your administrator.',
  E_OIDC_STATE_INVALID:
    'This sign-in was not started here, has expired, or was already used. Start again from the sign-in page.',
  E_OIDC_DENIED: 'The single sign-on service did not sign you in (it was refused or cancelled there).',
  E_OIDC_TOKEN_INVALID: 'The answer of the single sign-on service could not be verified, so you were not signed in.',
  E_OIDC_CLAIM_MISSING:
    'Your account at the single sign-on service does not carry the information Patchhive needs (a role). Ask your administrator.',
  E_OIDC_ROLE_UNMAPPED: 'Your account has no Patchhive role. Ask your administrator to give you one.',
  E_OIDC_NO_GROUPS:
    'Your account is not limited to any Patchhive group, which this server requires. Ask your administrator.',
  E_OIDC_NAME_TAKEN:
    'Your user name already belongs to another Patchhive user (a local one, or another account). Ask your administrator.',
  E_OIDC_SERVER_FAILED:
    'You were not signed in because the server failed (it could not record or start your sign-in). Try again; if it keeps failing, tell your administrator.',
} as const;

export type OidcSignInError = keyof typeof OIDC_SIGNIN_ERRORS;
