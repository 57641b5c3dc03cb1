/** Who is calling, as the HTTP layer's authentication found out; services and scopes read it. */
import type { Role } from '../../protocol/api.js';

/** Who is calling: an administrator's API token, an enrolled agent, or nobody yet. */
export type Caller =
  | { kind: 'user'; userId: string; userName: string; role: Role; tokenId: string; scopeGroupIds: string[] | null }
  | { kind: 'agent'; agentId: string; machineId: string }
  | { kind: 'anonymous' };
