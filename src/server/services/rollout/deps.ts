/** What the rollout services share: the store, the services they read through, the clock, the key. */
import type { Logger } from 'pino';
import type { RebootPolicy } from '../../../rollout/model.js';
import type { Store } from '../../../store/ports.js';
import type { CatalogState } from '../../assessment/catalog-state.js';
import type { ActionService } from '../actions.js';
import type { GroupService } from '../groups.js';
import type { MachineService } from '../machines.js';
import type { VerdictService } from '../verdicts.js';

/** The `rollout` section of the server config that the services read. */
export interface RolloutSettings {
  /** How long a job stays valid after it is issued (capped by the deployment's deadline). */
  jobLifetimeHours: number;
  /** The reboot policy of a machine whose groups set none, when the deployment sets none. */
  defaultRebootPolicy: RebootPolicy;
}

/** Which job-signing key signs for an agent (src/server/services/keys.ts). */
export interface JobSigner {
  /** The private key (PEM) for this agent: the key it pins while that key may still sign. */
  privateKeyFor(agentId: string): Promise<string>;
  /** When the key set last changed: a stored envelope issued before then is signed again when handed out. */
  changedAt(): string;
}

export interface RolloutDeps {
  store: Store;
  groups: GroupService;
  machines: MachineService;
  verdicts: VerdictService;
  catalogs: CatalogState;
  /** Resolves hook action names to their approved argv. */
  actions: ActionService;
  now: () => Date;
  log: Logger;
  /** The server's Ed25519 job-signing keys; never logged. */
  jobSigner: JobSigner;
  settings: RolloutSettings;
}
