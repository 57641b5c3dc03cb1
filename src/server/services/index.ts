/** The services the HTTP layer calls. */
import type { AgentService } from './agents.js';
import type { GroupService } from './groups.js';
import type { MachineService } from './machines.js';
import type { QueryService } from './queries.js';
import type { SourceService } from './sources.js';
import type { TokenService } from './tokens.js';

export interface Services {
  machines: MachineService;
  groups: GroupService;
  queries: QueryService;
  sources: SourceService;
  tokens: TokenService;
  agents: AgentService;
}
