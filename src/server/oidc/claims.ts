/**
 * From an ID token's claims to a Patchhive identity: the name, the role and the group names that
 * scope it. Pure: no I/O, no clock.
 *
 * Rules (docs/OIDC.md): the role claim may be a string or a list; every value is looked up in the
 * configured map and the highest role found wins; no value found → refused. The name is the name
 * claim, or the subject when that claim is absent. With a groups claim configured, a viewer or
 * operator is limited to the groups it names; a claim naming none is refused or given the whole
 * fleet as configured; admins always have the whole fleet (an admin cannot be scoped).
 */
import { roleAllows } from '../auth/roles.js';
import type { Role } from '../../protocol/api.js';
import type { OidcSignInError } from '../../protocol/auth-methods.js';
import type { OidcConfig } from './oidc-config.js';

export type ClaimMapping = Pick<OidcConfig, 'nameClaim' | 'roleClaim' | 'roles' | 'groupsClaim' | 'ungrouped'>;

/** The most values of one claim looked at (a groups claim can be long). */
const MAX_VALUES = 200;
const MAX_NAME = 200;

export type MappedClaims =
  | {
      ok: true;
      subject: string;
      name: string;
      role: Role;
      /** The group names that limit the scope; null: the whole fleet. */
      groupNames: string[] | null;
    }
  | { ok: false; code: OidcSignInError; detail: string; name: string | null };

/** Maps the claims (already verified) onto a name, role and scope. */
export function mapClaims(claims: Readonly<Record<string, unknown>>, m: ClaimMapping): MappedClaims {
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  if (subject === '') return refuse('E_OIDC_CLAIM_MISSING', 'the ID token has no subject (sub)', null);
  const name = nameOf(claims[m.nameClaim], subject);
  if (name === undefined)
    return refuse('E_OIDC_CLAIM_MISSING', `the name claim ${m.nameClaim} is not a usable name`, null);
  const roleValues = valuesOf(claims[m.roleClaim]);
  if (roleValues === undefined || roleValues.length === 0)
    return refuse('E_OIDC_CLAIM_MISSING', `the ID token has no role claim ${m.roleClaim}`, name);
  const role = highestRole(roleValues, m.roles);
  if (!role)
    return refuse(
      'E_OIDC_ROLE_UNMAPPED',
      `no value of ${m.roleClaim} maps to a role: ${roleValues.slice(0, 10).join(', ')}`,
      name,
    );
  if (!m.groupsClaim || role === 'admin') return { ok: true, subject, name, role, groupNames: null };
  const groupNames = valuesOf(claims[m.groupsClaim]) ?? [];
  if (groupNames.length > 0) return { ok: true, subject, name, role, groupNames };
  if (m.ungrouped === 'whole-fleet') return { ok: true, subject, name, role, groupNames: null };
  return refuse('E_OIDC_NO_GROUPS', `the claim ${m.groupsClaim} names no group`, name);
}

/**
 * The scope of the named groups: their ids, unknown names left out. Named groups none of which
 * exist give an empty scope (nothing), never the whole fleet.
 */
export function scopeOfGroupNames(
  names: readonly string[] | null,
  idByName: ReadonlyMap<string, string>,
): string[] | null {
  if (names === null) return null;
  const ids = names.map((n) => idByName.get(n)).filter((id): id is string => id !== undefined);
  return [...new Set(ids)];
}

function refuse(code: OidcSignInError, detail: string, name: string | null): MappedClaims {
  return { ok: false, code, detail, name };
}

/** A claim as a list of strings (a single string is a list of one); undefined when absent or of another type. */
function valuesOf(claim: unknown): string[] | undefined {
  if (typeof claim === 'string') return claim === '' ? [] : [claim];
  if (!Array.isArray(claim)) return undefined;
  return claim.slice(0, MAX_VALUES).filter((v): v is string => typeof v === 'string' && v !== '');
}

function highestRole(values: readonly string[], roles: Readonly<Record<string, Role>>): Role | undefined {
  let best: Role | undefined;
  for (const v of values) {
    const r = Object.hasOwn(roles, v) ? roles[v] : undefined;
    if (r && (!best || !roleAllows(best, r))) best = r;
  }
  return best;
}

/** The name claim when it is a printable string, the subject when the claim is absent; else undefined. */
function nameOf(claim: unknown, subject: string): string | undefined {
  const raw = claim === undefined || claim === null ? subject : claim;
  if (typeof raw !== 'string') return undefined;
  const name = raw.trim();
  if (name === '' || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) return undefined;
  return name;
}
