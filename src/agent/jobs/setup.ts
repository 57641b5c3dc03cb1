/**
 * Wires the real job machinery for `patchhive agent run`: the journal, the report store, the
 * process runner for the managed root, the artifact fetcher and the reboot decision. Everything
 * configurable arrives typed from the command line; nothing here reads the environment.
 */
import path from 'node:path';
import type { ProxySettings } from '../client.js';
import { openJobLedger } from '../job-ledger.js';
import { createPolicySource } from '../local-policy.js';
import { createArtifactFetcher } from './artifacts.js';
import { createJobHandling, disabledJobHandling, type AgentJobHandling } from './checkin-jobs.js';
import { createJobExecutor, type PinnedKeys } from './executor.js';
import { createJobReportStore } from './reports.js';
import { createCommandRunner, FIXED_PATH } from './runner.js';
import { defaultRebootCommand, whoSessionProbe } from './steps.js';

export interface AgentJobsOptions {
  stateDir: string;
  root: string;
  agentId: string;
  /** The job-signing keys the agent trusts now (read for every job: a rotation changes them). */
  keys: () => PinnedKeys;
  /** The server's origin and the agent credential: sent only to that origin when an artifact lives there. */
  serverAuth: { origin: string; credential: string };
  proxy: ProxySettings;
  userAgent: string;
  /** PEM CA bundle for https artifact downloads (--ca-file); default: the built-in roots. */
  ca?: string;
  /** `--reboot-command` argv; absent: `shutdown -r +N` when the root is "/", else none. */
  rebootCommand?: readonly string[];
  /** The local policy file (absolute; the agent's own, never read below the managed root). */
  policyFile: string;
  /** Windows system root (e.g. C:\Windows), from the edge. */
  systemRoot: string;
  platform: 'linux' | 'win32';
  now: () => Date;
  info: (line: string) => void;
  warn: (line: string) => void;
}

/** The commands' environment: fixed PATH and locale, and the proxy so apt/dnf inside the root can fetch. */
export function commandEnvironment(proxy: ProxySettings): Record<string, string> {
  const env: Record<string, string> = { PATH: FIXED_PATH, LC_ALL: 'C', HOME: '/root' };
  if (proxy.httpProxy) env.http_proxy = proxy.httpProxy;
  if (proxy.httpsProxy) env.https_proxy = proxy.httpsProxy;
  if (proxy.noProxy) env.no_proxy = proxy.noProxy;
  return env;
}

/** Opens the journal and builds the job handling; an unusable journal disables jobs (with the reason) but not check-ins. */
export async function openAgentJobs(
  opts: AgentJobsOptions,
): Promise<{ jobs: AgentJobHandling; close: () => Promise<void> }> {
  const reports = createJobReportStore(opts.stateDir, opts.warn);
  const ledger = await openJobLedger(opts.stateDir, { now: opts.now }).catch((err: Error) => err);
  if (ledger instanceof Error) {
    const reason = `the job journal cannot be used (${ledger.message}); repair or move it, then restart the agent`;
    opts.warn(`patchhive agent: ${reason}`);
    return { jobs: disabledJobHandling(reason, reports, opts.warn), close: async () => undefined };
  }
  const runner = createCommandRunner(
    opts.root,
    commandEnvironment(opts.proxy),
    path.join(opts.stateDir, 'command-output'),
  );
  const fetcher = createArtifactFetcher({
    proxy: opts.proxy,
    userAgent: opts.userAgent,
    serverAuth: opts.serverAuth,
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
  });
  const fixed = opts.rebootCommand;
  const executor = createJobExecutor({
    agentId: opts.agentId,
    keys: opts.keys,
    ledger,
    reports,
    stateDir: opts.stateDir,
    root: opts.root,
    runner,
    platform: opts.platform,
    windows: { systemRoot: opts.systemRoot },
    reboot: {
      commandFor: fixed ? () => fixed : defaultRebootCommand(opts.root),
      userSessionPresent: whoSessionProbe(runner),
    },
    fetchArtifact: fetcher.fetch,
    localPolicy: createPolicySource(opts.policyFile, opts.warn),
    now: opts.now,
    info: opts.info,
    warn: opts.warn,
  });
  return {
    jobs: createJobHandling(executor, reports),
    close: async () => {
      await fetcher.close();
      await ledger.close();
    },
  };
}
