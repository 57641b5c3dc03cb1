/** Who is calling, as the HTTP layer's authentication found out; services and scopes read it. */
import type { Role } from '../../protocol/api.js';

/** Who is calling: an administrator's API token or console session, an enrolled agent, or nobody yet. */
export type Caller =
  | {
      kind: 'user';
      userId: string;
      userName: string;
      role: Role;
      /** The API token presented, or the one a token sign-in used; null for a password or OIDC session. */
      tokenId: string | null;
      scopeGroupIds: string[] | null;
      /** Set when a session cookie authenticated the request (the hash of the session id). */
      sessionId?: string;
    }
  | { kind: 'agent'; agentId: string; machineId: string }
  | { kind: 'anonymous' };
