/**
 * Enrollment and check-ins. An enrolled agent gets its own credential (stored hashed) and the
 * server's job-signing public key to pin; a check-in stores a changed inventory durably before it
 * is acknowledged, queues its assessment, and answers with the probes the machine's bulletins need,
 * the agent's jobs, and the job reports it stored (the rollout does the work).
 */
import { PatchhiveError } from '../../errors.js';
import { probesNeeded } from '../../detect/probes.js';
import { inventoryHash } from '../../protocol/inventory-hash.js';
import { serverKeyAnswer, type ServerKeyResponse } from '../../protocol/server-key.js';
import type {
  CheckinRequest,
  CheckinResponse,
  EnrollRequest,
  EnrollResponse,
  JobReport,
  ProbeRequestWire,
} from '../../protocol/agent.js';
import type { Inventory } from '../../inventory/model.js';
import { inventorySchema } from '../../inventory/model.js';
import type { AgentStore, Store } from '../../store/ports.js';
import { issueSecret } from '../auth/secrets.js';
import type { AssessmentService } from '../assessment/assessment-service.js';
import type { CatalogState } from '../assessment/catalog-state.js';
import type { MachineService } from './machines.js';
import type { TokenService } from './tokens.js';
import type { TouchBuffer } from './touch-buffer.js';

/** What a check-in needs of the rollout (src/server/services/rollout/service.ts). */
export interface RolloutCheckin {
  acceptReports(
    agentId: string,
    reports: readonly JobReport[],
  ): Promise<{ acknowledged: { jobId: string; state: string }[]; validating: boolean }>;
  jobsFor(agentId: string, machineId: string): Promise<unknown[]>;
  validateMachine(machineId: string): Promise<void>;
}

/** What enrollment and check-ins need of the job-signing keys (src/server/services/keys.ts). */
export interface AgentKeyTrust {
  /** The key new agents pin (PEM). */
  activePublicKeyPem(): string;
  /** Records the key a new agent pins; `agents` is the enrollment's transaction. */
  enrolled(agentId: string, agents: AgentStore): Promise<void>;
  checkinTrust(agentId: string, req: CheckinRequest): Promise<Pick<CheckinResponse, 'serverTime' | 'keyAnnouncement'>>;
}

export interface AgentServiceOptions {
  checkinIntervalSeconds: number;
  keys: AgentKeyTrust;
  onCheckin?(result: 'inventory' | 'hash-only'): void;
  /** Deployments: job reports in, jobs out (none when absent). */
  rollout?: RolloutCheckin;
}

export class AgentService {
  constructor(
    private readonly store: Store,
    private readonly tokens: TokenService,
    private readonly machines: MachineService,
    private readonly assessment: AssessmentService,
    private readonly catalogs: CatalogState,
    private readonly touches: TouchBuffer,
    private readonly now: () => Date,
    private readonly opts: AgentServiceOptions,
  ) {}

  /** The job-signing public key and its fingerprint (GET /server-key, public). */
  serverKey(): ServerKeyResponse {
    return serverKeyAnswer(this.opts.keys.activePublicKeyPem());
  }

  /**
   * Uses one enrollment token and creates the agent, its machine and the key it pins, in one
   * transaction: a failure anywhere leaves the token's use and everything else as it was.
   */
  async enroll(req: EnrollRequest): Promise<EnrollResponse> {
    const at = this.now().toISOString();
    const issued = issueSecret('pha');
    const machine = await this.store.transaction(async (tx) => {
      await this.tokens.consumeEnrollmentToken(req.token, tx);
      const created = await this.machines.createForAgent(req.hostname, issued.id, at, tx);
      await tx.agents.createAgent({
        id: issued.id,
        machineId: created.id,
        credentialHash: issued.secretHash,
        createdAt: at,
        revokedAt: null,
        lastCheckinAt: null,
      });
      await this.opts.keys.enrolled(issued.id, tx.agents);
      return created;
    });
    return {
      agentId: issued.id,
      machineId: machine.id,
      credential: issued.secret,
      jobSigningPublicKey: this.opts.keys.activePublicKeyPem(),
      checkinIntervalSeconds: this.opts.checkinIntervalSeconds,
    };
  }

  /** Handles a check-in of an authenticated agent. */
  async checkin(agentId: string, machineId: string, req: CheckinRequest): Promise<CheckinResponse> {
    const at = this.now().toISOString();
    const machine = await this.store.machines.get(machineId);
    if (!machine) throw new PatchhiveError('E_MACHINE_NOT_FOUND', "this agent's machine was deleted; enroll again");
    if (req.inventory && inventoryHash(req.inventory) !== req.inventoryHash) {
      throw new PatchhiveError('E_BAD_REQUEST', 'inventoryHash does not match the inventory sent', {
        path: '$.inventoryHash',
      });
    }
    // The key the agent pins is recorded before any job is signed for it.
    const trust = await this.opts.keys.checkinTrust(agentId, req);
    const rollout = this.opts.rollout;
    // Reports first: an install marked validating here is then validated by this check-in's rescan.
    const reports = req.jobReports ?? [];
    const outcome =
      rollout && reports.length > 0
        ? await rollout.acceptReports(agentId, reports)
        : { acknowledged: reports.map((r) => ({ jobId: r.jobId, state: r.state })), validating: false };
    let acceptedHash = machine.inventoryHash;
    let storedNew = false;
    if (req.inventory) {
      const actual = req.inventoryHash;
      if (actual !== machine.inventoryHash) {
        await this.machines.storeInventory(machine.id, req.inventory, actual, at);
        this.assessment.enqueue(machine.id);
        storedNew = true;
      }
      acceptedHash = actual;
      this.opts.onCheckin?.('inventory');
    } else {
      this.opts.onCheckin?.('hash-only');
    }
    // The same inventory, already assessed: nothing new will come, so validate now.
    const assessedAlready =
      !storedNew && req.inventoryHash === machine.inventoryHash && machine.assessedHash === machine.inventoryHash;
    if (rollout && outcome.validating && assessedAlready) await rollout.validateMachine(machine.id);
    this.touches.agent(agentId, at);
    this.touches.machine(machine.id, at);
    return {
      acceptedInventoryHash: acceptedHash,
      inventoryWanted: acceptedHash !== req.inventoryHash,
      probes: acceptedHash
        ? await this.probesFor(machine.id, acceptedHash, req.inventory)
        : { files: [], registry: [], textFiles: [] },
      nextCheckinSeconds: this.opts.checkinIntervalSeconds,
      jobs: rollout ? await rollout.jobsFor(agentId, machine.id) : [],
      acknowledgedJobReports: outcome.acknowledged,
      ...trust,
    };
  }

  /** Probes per machine, recomputed only when its inventory or the catalog changed. */
  private readonly probeCache = new Map<string, { hash: string; generation: number; probes: ProbeRequestWire }>();

  private async probesFor(machineId: string, hash: string, sent: Inventory | undefined): Promise<ProbeRequestWire> {
    const generation = this.catalogs.generation;
    const cached = this.probeCache.get(machineId);
    if (cached && cached.hash === hash && cached.generation === generation) return cached.probes;
    let inventory = sent;
    if (!inventory) {
      const stored = await this.store.machines.getInventory(machineId);
      if (!stored) return { files: [], registry: [], textFiles: [] };
      inventory = inventorySchema.parse(JSON.parse(stored.json));
    }
    const probes = capProbes(probesNeeded(this.catalogs.prepared, inventory));
    this.probeCache.set(machineId, { hash, generation, probes });
    return probes;
  }

  /** Revokes an agent's credential. */
  async revoke(agentId: string): Promise<void> {
    await this.store.agents.revokeAgent(agentId, this.now().toISOString());
  }
}

/** The wire allows at most this many probes per kind; the rest are asked for on later check-ins. */
const MAX_PROBES = 10_000;

function capProbes(p: ProbeRequestWire): ProbeRequestWire {
  return {
    files: p.files.slice(0, MAX_PROBES),
    registry: p.registry.slice(0, MAX_PROBES),
    textFiles: p.textFiles.slice(0, MAX_PROBES),
  };
}
