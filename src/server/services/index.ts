/** The services the HTTP layer calls. */
import type { AuditService } from '../audit/audit-service.js';
import type { ActionService } from './actions.js';
import type { AgentService } from './agents.js';
import type { ApprovalRuleService } from './approval-rules.js';
import type { ChannelService } from './channels.js';
import type { ControlService } from './controls.js';
import type { ExceptionService } from './exceptions.js';
import type { GroupService } from './groups.js';
import type { KeyService } from './keys.js';
import type { MachineService } from './machines.js';
import type { QueryService } from './queries.js';
import type { ReportService } from './reports.js';
import type { RolloutService } from './rollout/service.js';
import type { SignInMethodsService } from './sign-in-methods.js';
import type { SourceService } from './sources.js';
import type { TokenService } from './tokens.js';
import type { TriageService } from './triage.js';
import type { WorkService } from './work.js';

export interface Services {
  machines: MachineService;
  groups: GroupService;
  queries: QueryService;
  sources: SourceService;
  tokens: TokenService;
  agents: AgentService;
  triage: TriageService;
  rules: ApprovalRuleService;
  exceptions: ExceptionService;
  work: WorkService;
  channels: ChannelService;
  reports: ReportService;
  rollout: RolloutService;
  audit: AuditService;
  keys: KeyService;
  actions: ActionService;
  controls: ControlService;
  signIn: SignInMethodsService;
}
