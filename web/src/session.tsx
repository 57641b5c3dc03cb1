/**
 * Who is signed in, and what the role allows: the console offers only the actions the API allows
 * the signed-in role (a viewer sees no buttons it cannot use).
 */
import { createContext, useContext } from 'react';
import type { paths } from '../../src/protocol/openapi.gen';

export type Me = paths['/api/v1/me']['get']['responses'][200]['content']['application/json'];
export type Role = Me['role'];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export const MeContext = createContext<Me | undefined>(undefined);

/** The signed-in user (inside the signed-in shell only). */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside the signed-in shell');
  return me;
}

/** True when the signed-in role is at least `need`. */
export function useCan(need: Role): boolean {
  return RANK[useMe().role] >= RANK[need];
}
