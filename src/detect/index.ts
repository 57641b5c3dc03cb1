/** Public surface of the detection engine. */
export { evaluate, prepareCatalog, type PreparedCatalog, type EvaluateOptions } from './evaluate.js';
export type { Finding, FindingStatus, Evidence } from './model.js';
export { FINDING_STATUSES } from './model.js';
