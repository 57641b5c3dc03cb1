/** The messages between the server and its feed-import worker (import-worker.ts). */
import type { Bulletin, DefinitionEntry, Variable } from '../../catalog/model.js';
import type { ErrorCode, Location } from '../../errors.js';
import type { BulletinRecord, SourceRecord } from '../../store/ports.js';

/** What the worker imports: the copy on disk, under its source's rules, named by `label` in errors. */
export interface ImportRequest {
  catalogPath: string;
  source: SourceRecord;
  label: string;
  /** Also compute the bulletin records (content hashes) for the store. */
  withRecords: boolean;
}

/** Worker → main thread; the main thread answers every message but the last with "next". */
export type ImportMessage =
  | { kind: 'head'; name: string; format: string }
  | { kind: 'bulletins'; items: Bulletin[] }
  | { kind: 'definitions'; items: [string, DefinitionEntry][] }
  | { kind: 'variables'; items: [string, Variable][] }
  | { kind: 'records'; items: BulletinRecord[] }
  | { kind: 'done' }
  | { kind: 'error'; code: ErrorCode; message: string; location: Location | undefined };
