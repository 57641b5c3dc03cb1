/**
 * The named schemas of the API: each is one component of the OpenAPI document (`$ref`), and one
 * type of the generated client types. Kept in a registry of their own (not zod's global one, so
 * other JSON Schemas made from the same zod schemas stay whole); a schema with no name here is
 * written inline where it is used.
 */
import { z } from 'zod';
import * as agent from './agent.js';
import * as api from './api.js';
import * as audit from './audit.js';
import * as consoleApi from './console-api.js';
import * as bulletins from './bulletin-api.js';
import { authMethodsSchema } from './auth-methods.js';
import * as controls from './controls-api.js';
import * as deploy from './deploy-api.js';
import * as groupPreview from './group-preview-api.js';
import { errorBodySchema } from './errors.js';
import * as keys from './keys-api.js';
import * as policy from './policy-api.js';
import * as reports from './report-api.js';
import { complianceReportSchema } from './report-api.js';
import { serverKeyResponseSchema } from './server-key.js';
import * as session from './session-api.js';

const NAMED: Record<string, z.ZodType> = {
  Error: errorBodySchema,
  // machines, groups, findings, bulletins, sources, tokens
  Machine: api.machineSchema,
  MachineAttributes: api.machineAttributesSchema,
  MachineImport: api.machineImportSchema,
  Group: api.groupSchema,
  GroupCreate: api.groupCreateSchema,
  GroupUpdate: api.groupUpdateSchema,
  GroupPreviewRequest: groupPreview.groupPreviewRequestSchema,
  GroupPreview: groupPreview.groupPreviewSchema,
  DeadlinePolicy: api.deadlinePolicySchema,
  MaintenanceWindow: api.maintenanceWindowSchema,
  RebootPolicy: api.groupRebootPolicySchema,
  Evidence: api.evidenceSchema,
  Finding: api.findingSchema,
  Bulletin: api.bulletinSchema,
  Source: api.sourceSchema,
  SourceCreate: api.sourceCreateSchema,
  SourceUpdate: api.sourceUpdateSchema,
  SyncRecord: api.syncRecordSchema,
  SyncDiff: api.syncDiffSchema,
  EnrollmentToken: api.enrollmentTokenSchema,
  EnrollmentTokenCreate: api.enrollmentTokenCreateSchema,
  ApiToken: api.apiTokenSchema,
  ApiTokenCreate: api.apiTokenCreateSchema,
  // console sign-in and users
  SignIn: session.signInSchema,
  Session: session.sessionSchema,
  User: session.userSchema,
  UserCreate: session.userCreateSchema,
  UserUpdate: session.userUpdateSchema,
  // the agent protocol
  ServerKey: serverKeyResponseSchema,
  EnrollRequest: agent.enrollRequestSchema,
  EnrollResponse: agent.enrollResponseSchema,
  CheckinRequest: agent.checkinRequestSchema,
  CheckinResponse: agent.checkinResponseSchema,
  JobReport: agent.jobReportSchema,
  StepReport: agent.stepReportSchema,
  // triage, approval rules, exceptions, notifications, reports
  TriageDecision: policy.triageDecisionSchema,
  TriageEvent: policy.triageEventSchema,
  TriageBulk: policy.triageBulkSchema,
  TriageBulkResult: policy.triageBulkResultSchema,
  ApprovalRule: policy.approvalRuleSchema,
  ApprovalRuleCreate: policy.approvalRuleCreateSchema,
  ApprovalRuleUpdate: policy.approvalRuleUpdateSchema,
  Exception: policy.exceptionSchema,
  ExceptionCreate: policy.exceptionCreateSchema,
  WorkItem: policy.workItemSchema,
  Channel: policy.channelSchema,
  ChannelCreate: policy.channelCreateSchema,
  ChannelUpdate: policy.channelUpdateSchema,
  Delivery: policy.deliverySchema,
  ComplianceReport: complianceReportSchema,
  // the console's read views
  BulletinDetail: bulletins.bulletinDetailSchema,
  BulletinFix: bulletins.bulletinFixSchema,
  BulletinMachines: bulletins.bulletinMachinesSchema,
  BulletinMachineGroup: bulletins.bulletinMachineGroupSchema,
  TriageQueueItem: policy.triageQueueItemSchema,
  OverdueReport: reports.overdueReportSchema,
  TrendReport: reports.trendReportSchema,
  MttrReport: reports.mttrReportSchema,
  // deployments and jobs
  Deployment: deploy.deploymentSchema,
  DeploymentDetail: deploy.deploymentDetailSchema,
  DeploymentMachine: deploy.deploymentMachineSchema,
  DeploymentCreate: deploy.deploymentCreateSchema,
  DeploymentPlan: deploy.deploymentPlanSchema,
  PlannedMachine: deploy.plannedMachineSchema,
  DeploymentAction: deploy.deploymentActionSchema,
  RingInput: deploy.ringInputSchema,
  RingStatus: deploy.ringStatusSchema,
  RollbackRequest: deploy.rollbackRequestSchema,
  Job: deploy.jobSchema,
  // controls, keys, audit
  Action: controls.actionSchema,
  ActionPut: controls.actionPutSchema,
  ChangeRequest: controls.changeRequestSchema,
  SigningKey: keys.signingKeyWireSchema,
  KeyList: keys.keyListSchema,
  KeyRotate: keys.keyRotateSchema,
  AuditEntry: audit.auditEntrySchema,
  AuditPage: audit.auditPageSchema,
  AuditChainPage: audit.auditChainPageSchema,
  // the console's reads
  Today: consoleApi.todaySchema,
  InstalledPackage: consoleApi.installedPackageSchema,
  JobSummary: consoleApi.jobSummarySchema,
  // sign-in
  AuthMethods: authMethodsSchema,
};

/** The named schemas, with their descriptions (z.toJSONSchema reads both through `metadata`). */
export const apiComponents = z.registry<{ id: string; description?: string }>();
for (const [id, schema] of Object.entries(NAMED)) {
  const description = z.globalRegistry.get(schema)?.description;
  apiComponents.add(schema, { id, ...(description ? { description } : {}) });
}

/** The component name of a schema, if it has one. */
export function componentNameOf(schema: z.ZodType): string | undefined {
  return apiComponents.get(schema)?.id;
}
