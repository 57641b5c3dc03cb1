/** Everything one `npm run bench` measured, as handed to the report writer. */
import type { ChildReport } from './measure.js';
import type { MachineInfo } from './machine.js';
import type { OnceRow, PeerRow } from './peer.js';
import type { GenerateResult } from './scenarios/generate.js';
import type { FeedScaleResult } from './scenarios/feed-scale.js';
import type { EngineSamplesResult } from './scenarios/engine-samples.js';
import type { BigImportResult } from './scenarios/big-import.js';
import type { ServerBenchResults } from './report-server.js';
import type { ReportBenchResults } from './compliance-report.js';
import type { RolloutBenchResults } from './rollout.js';
import type { AuditBenchResults } from './audit.js';
import type { WebBenchResults } from './web-console.js';

export interface BenchResults {
  machine: MachineInfo;
  /** Cache directory of the generated inputs, relative to the repository. */
  cacheDir: string;
  /** Wall time of bench/run (after the TypeScript builds). */
  totalMs: number;
  generate: ChildReport<GenerateResult>;
  feed: ChildReport<FeedScaleResult>;
  engine: { label: string; file: string; report: ChildReport<EngineSamplesResult> }[];
  peer: PeerRow[];
  /** The generated feed's OVAL part against the host status file: one run of each tool. */
  peerFeed: OnceRow;
  cliStartupMs: number;
  runs: number;
  engineRepeats: number;
  big: ChildReport<BigImportResult>;
  /** Scenarios 4 and 5: the server under check-in load, and re-assessment after a catalog change. */
  server: ServerBenchResults;
  /** Scenario 6: the compliance report over a large fleet (absent in results from before it existed). */
  report?: ReportBenchResults;
  /** Section 7: planning and signing jobs, and simulated agents through three rings (absent in older results). */
  rollout?: RolloutBenchResults;
  /** Section 8: check-ins with the audit trail on and off (absent in older results). */
  audit?: AuditBenchResults;
  /** Section 9: the web console in Chromium (absent in older results). */
  web?: WebBenchResults;
  /** 1-, 5- and 15-minute load averages when the run started and ended (other processes share the CPU). */
  loadAverage: { start: number[]; end: number[] };
}
