/** Wire types the console's pages share, straight from the generated OpenAPI types. */
import type { components, paths } from '../../src/protocol/openapi.gen';

type Ok<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer T } } } };
}
  ? T
  : never;

export type Machine = Ok<'/api/v1/machines/{id}'>;
export type Finding = Ok<'/api/v1/findings'>['items'][number];
export type Snapshot = Ok<'/api/v1/machines/{id}/history'>['items'][number];
export type WorkItem = Ok<'/api/v1/machines/{id}/work'>['items'][number];
export type Bulletin = Ok<'/api/v1/bulletins/{id}'>;
export type TriageDecision = Ok<'/api/v1/triage'>['items'][number];
export type ApprovalRule = Ok<'/api/v1/approval-rules'>['items'][number];
export type RiskException = Ok<'/api/v1/exceptions'>['items'][number];

export type Schemas = components['schemas'];
