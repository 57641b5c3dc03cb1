/**
 * `patchhive agent enroll|run`: the agent's command line. This is the edge: it reads the
 * environment (enrollment token, proxy), the clock and signals, and hands typed values down.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { PatchhiveError } from '../../errors.js';
import { DEFAULT_BACKOFF } from '../../agent/backoff.js';
import type { Random } from '../../common/backoff.js';
import { createAgentClient, type HttpOptions, type ProxySettings } from '../../agent/client.js';
import { collectAgentInventory } from '../../agent/collect.js';
import { enrollAgent } from '../../agent/enroll.js';
import { DEFAULT_STALE_AFTER_MS } from '../../agent/key-trust.js';
import { DEFAULT_POLICY_FILE } from '../../agent/local-policy.js';
import { openAgentJobs } from '../../agent/jobs/setup.js';
import { AGENT_EXIT, runAgentLoop, sleepUnlessAborted, type AgentExitCode } from '../../agent/run.js';
import { checkEnrollTrust, checkServerUrl, type KeyTrust } from '../../agent/server-url.js';
import { readCaFile } from '../../common/http-dispatcher.js';
import { loadState, resolveStateDir, saveState, stateFilePath } from '../../agent/state.js';

/** What the agent command takes from the process; tests substitute parts of it. */
export interface AgentIo {
  env: NodeJS.ProcessEnv;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  setExitCode: (code: number) => void;
  random: Random;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => Date;
  /** Called with a stop function; returns a function that removes the signal handlers. */
  onStopSignal: (stop: () => void) => () => void;
}

const processIo: AgentIo = {
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  random: Math.random,
  sleep: sleepUnlessAborted,
  now: () => new Date(),
  onStopSignal: (stop) => {
    // once: a second Ctrl-C falls through to node's default and ends the process at once.
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    };
  },
};

interface EnrollCliOptions {
  server: string;
  token?: string;
  tokenFile?: string;
  root?: string;
  stateDir?: string;
  name?: string;
  force?: boolean;
  serverKeyFingerprint?: string;
  caFile?: string;
  trustOnFirstUse?: boolean;
  insecureHttp?: boolean;
}

interface RunCliOptions {
  root?: string;
  stateDir?: string;
  once?: boolean;
  backoffBase: string;
  backoffCap: string;
  rebootCommand?: string;
  caFile?: string;
  staleAfter: string;
  policyFile?: string;
}

/** Set by the packaged agent's bundler (scripts/package-agent.ts), where there is no package.json to read. */
declare const __PATCHHIVE_VERSION__: string | undefined;

/** The version the agent reports: the bundler's, else the project's package.json. */
export function agentVersion(): string {
  if (typeof __PATCHHIVE_VERSION__ === 'string') return __PATCHHIVE_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Proxy settings from the usual variables (lower case first, as curl does). */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings {
  return {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}

function httpOptions(io: AgentIo, ca: string | undefined): HttpOptions {
  return {
    proxy: proxyFromEnv(io.env),
    userAgent: `patchhive-agent/${agentVersion()}`,
    ...(ca !== undefined ? { ca } : {}),
  };
}

/** The token from --token, --token-file or PATCHHIVE_ENROLL_TOKEN (exactly one source). */
export async function readEnrollToken(
  opts: { token?: string; tokenFile?: string },
  env: NodeJS.ProcessEnv,
): Promise<string> {
  if (opts.token !== undefined && opts.tokenFile !== undefined)
    throw new PatchhiveError('E_USAGE', 'give only one of --token and --token-file');
  if (opts.tokenFile !== undefined) {
    const text = await readFile(opts.tokenFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot read the token file (${err.code ?? 'error'})`, {
        file: opts.tokenFile,
      });
    });
    return text.trim();
  }
  const token = opts.token ?? env.PATCHHIVE_ENROLL_TOKEN;
  if (!token)
    throw new PatchhiveError(
      'E_USAGE',
      'no enrollment token: give --token-file FILE, set PATCHHIVE_ENROLL_TOKEN, or --token',
    );
  return token.trim();
}

/** The managed machine's host name: <root>/etc/hostname under --root, else this host's. */
async function machineHostname(root: string | undefined): Promise<string> {
  if (!root) return os.hostname();
  const text = await readFile(path.join(root, 'etc/hostname'), 'utf8').catch(() => '');
  return text.split('\n')[0]!.trim() || path.basename(path.resolve(root));
}

const TRUST_TEXT: Record<KeyTrust, string> = {
  fingerprint: 'matches --server-key-fingerprint',
  tls: 'received over verified TLS',
  'trust-on-first-use': 'trusted on first use',
};

/** `patchhive agent enroll`: returns the exit code. */
export async function enrollForCli(opts: EnrollCliOptions, io: AgentIo): Promise<AgentExitCode> {
  const server = checkEnrollTrust({
    server: opts.server,
    fingerprint: opts.serverKeyFingerprint,
    caFile: opts.caFile !== undefined,
    trustOnFirstUse: opts.trustOnFirstUse ?? false,
    insecureHttp: opts.insecureHttp ?? false,
  });
  if (server.warning) io.stderr(`patchhive agent: warning: ${server.warning}`);
  const caFile = opts.caFile !== undefined ? path.resolve(opts.caFile) : undefined;
  const ca = caFile !== undefined ? readCaFile(caFile) : undefined;
  const token = await readEnrollToken(opts, io.env);
  const stateDir = resolveStateDir(opts);
  const client = createAgentClient(server.base, httpOptions(io, ca));
  try {
    const state = await enrollAgent(client, {
      server: server.base,
      token,
      hostname: opts.name ?? (await machineHostname(opts.root)),
      ...(opts.name ? { name: opts.name } : {}),
      stateDir,
      force: opts.force ?? false,
      now: io.now(),
      keyTrust: server.trust,
      ...(server.fingerprint !== undefined ? { expectedFingerprint: server.fingerprint } : {}),
      ...(caFile !== undefined ? { caFile } : {}),
    });
    io.stdout(
      `patchhive agent: enrolled as agent ${state.agentId} (machine ${state.machineId}); state in ${stateFilePath(stateDir)}`,
    );
    io.stdout(
      `patchhive agent: pinned job-signing key ${state.jobSigningKeyFingerprint ?? '?'} (${TRUST_TEXT[server.trust]})`,
    );
    if (server.trust === 'trust-on-first-use') {
      io.stderr(
        'patchhive agent: warning: the key was trusted on first use: compare the fingerprint above with the one `patchhive serve` printed',
      );
    }
  } finally {
    await client.close();
  }
  return AGENT_EXIT.ok;
}

function seconds(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new PatchhiveError('E_USAGE', `${flag} must be a positive number of seconds`);
  return n * 1_000;
}

/** The `--reboot-command` text as an argv (split on white space, no shell), checked: a program by absolute path. */
export function checkRebootCommand(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const argv = text.split(/[ \t]+/).filter((a) => a !== '');
  if (argv.length === 0 || !argv[0]!.startsWith('/'))
    throw new PatchhiveError(
      'E_USAGE',
      '--reboot-command must start with an absolute program path, e.g. /sbin/shutdown -r +1',
    );
  if (argv.some((a) => /[\x00-\x1f\x7f]/.test(a)))
    throw new PatchhiveError('E_USAGE', '--reboot-command may not contain control characters');
  return argv;
}

/** `patchhive agent run`: check in until stopped (or once); returns the exit code. */
export async function runForCli(opts: RunCliOptions, io: AgentIo): Promise<AgentExitCode> {
  const backoff = {
    baseMs: seconds('--backoff-base', opts.backoffBase),
    capMs: seconds('--backoff-cap', opts.backoffCap),
  };
  if (backoff.capMs < backoff.baseMs)
    throw new PatchhiveError('E_USAGE', '--backoff-cap must not be below --backoff-base');
  if (process.platform === 'win32')
    throw new PatchhiveError('E_USAGE', 'the agent does not run on Windows yet (docs/AGENT.md)');
  const rebootCommand = checkRebootCommand(opts.rebootCommand);
  const root = path.resolve(opts.root ?? '/');
  // the agent's own policy, never one inside the managed root: that machine must not widen what its agent accepts
  const policyFile = path.resolve(opts.policyFile ?? DEFAULT_POLICY_FILE);
  const stateDir = resolveStateDir(opts);
  const staleAfterMs = seconds('--stale-after', opts.staleAfter);
  const state = await loadState(stateDir);
  // Plain http to another host was accepted (with --insecure-http) at enrollment: warn, do not refuse.
  const server = checkServerUrl(state.server, { allowInsecureHttp: true });
  // The loop re-pins keys when a rotation is announced; the jobs read the keys of the latest state.
  let current = state;
  if (server.warning) io.stderr(`patchhive agent: warning: ${server.warning}`);
  const caFile = opts.caFile ?? state.caFile;
  const ca = caFile !== undefined ? readCaFile(caFile) : undefined;
  const client = createAgentClient(server.base, httpOptions(io, ca));
  const info = (line: string) => io.stdout(`patchhive agent: ${line}`);
  const jobs = await openAgentJobs({
    stateDir,
    root,
    agentId: state.agentId,
    keys: () => ({
      pinned: current.jobSigningPublicKey,
      ...(current.previousJobSigningPublicKey ? { previous: current.previousJobSigningPublicKey } : {}),
      retired: current.retiredJobSigningKeys ?? [],
    }),
    serverAuth: { origin: new URL(server.base).origin, credential: state.credential },
    proxy: proxyFromEnv(io.env),
    userAgent: httpOptions(io, ca).userAgent,
    ...(ca !== undefined ? { ca } : {}),
    ...(rebootCommand ? { rebootCommand } : {}),
    policyFile,
    systemRoot: io.env.SystemRoot ?? 'C:\\Windows',
    platform: 'linux',
    now: io.now,
    info,
    warn: io.stderr,
  });
  const controller = new AbortController();
  const removeHandlers = io.onStopSignal(() => controller.abort());
  try {
    return await runAgentLoop(
      state,
      { once: opts.once ?? false },
      {
        client,
        collect: (probes) =>
          collectAgentInventory({
            root,
            now: io.now(),
            probes,
            machineId: state.machineId,
            ...(state.name ? { name: state.name } : {}),
          }),
        save: async (s) => {
          await saveState(stateDir, s);
          current = s;
        },
        random: io.random,
        sleep: io.sleep,
        warn: io.stderr,
        info,
        signal: controller.signal,
        backoff,
        agentVersion: agentVersion(),
        jobs: jobs.jobs,
        trust: { now: io.now, staleAfterMs, nonce: () => randomBytes(18).toString('base64url') },
      },
    );
  } finally {
    removeHandlers();
    await jobs.close();
    await client.close();
  }
}

/** Adds `patchhive agent enroll` and `patchhive agent run` to the program. */
export function registerAgentCommand(program: Command, ioOverrides: Partial<AgentIo> = {}): void {
  addAgentSubcommands(
    program
      .command('agent')
      .description('The Patchhive agent: enroll this machine with a server and report its inventory.'),
    ioOverrides,
  );
}

/** Adds `enroll` and `run` to `agent`: `patchhive agent …`, or the packaged `patchhive-agent …` (src/cli/agent-main.ts). */
export function addAgentSubcommands(agent: Command, ioOverrides: Partial<AgentIo> = {}): void {
  const io: AgentIo = { ...processIo, ...ioOverrides };
  const rootOption = () =>
    new Option('--root <dir>', 'the system to inventory is rooted at DIR (a chroot or image); default /');
  const stateDirOption = () =>
    new Option(
      '--state-dir <dir>',
      'where the agent keeps its state (agent.json); default /var/lib/patchhive-agent, below --root when given',
    );

  agent
    .command('enroll')
    .description(
      'Enroll once with a server using an enrollment token, and keep the credential and the pinned job-signing key.\n' +
        'The token comes from --token-file, PATCHHIVE_ENROLL_TOKEN or --token (visible in ps: avoid on shared machines).\n' +
        'The key is pinned only when something vouches for it: --server-key-fingerprint (refused, nothing written, when it differs),\n' +
        'else an https:// URL whose certificate verifies (built-in CAs, or --ca-file), else --trust-on-first-use.\n' +
        'Plain http:// is refused to any host but this one unless --insecure-http.',
    )
    .requiredOption('--server <url>', 'the server base URL (https://...)')
    .option(
      '--server-key-fingerprint <SHA256:...>',
      'the job-signing key fingerprint `patchhive serve` printed (also GET /api/v1/server-key); another key is refused',
    )
    .option(
      '--ca-file <file>',
      "PEM bundle of the CA(s) that issued the server's certificate, used instead of the built-in ones; kept for `agent run`",
    )
    .option(
      '--trust-on-first-use',
      'pin whatever key the server gives when neither a fingerprint nor verified https vouches for it',
    )
    .option(
      '--insecure-http',
      'allow plain http:// to a host other than this one (the token, credential and jobs travel unencrypted)',
    )
    .option('--token <token>', 'the enrollment token')
    .option('--token-file <file>', 'read the enrollment token from FILE')
    .addOption(rootOption())
    .addOption(stateDirOption())
    .option('--name <name>', 'machine name to report (default: the host name)')
    .option('--force', 'enroll again over an existing state (the old credential is dropped)')
    .action(async (opts: EnrollCliOptions) => {
      io.setExitCode(await enrollForCli(opts, io));
    });

  agent
    .command('run')
    .description(
      'Check in with the server until stopped (SIGTERM/SIGINT): send the inventory when it changed, collect the probes the server asks for,\n' +
        'run the signed jobs it hands out (verified against the pinned key, journaled, resumed after a restart) and report them.\n' +
        'Exit code: 0 stopped (or --once succeeded), 2 error, 3 the credential was revoked.',
    )
    .addOption(rootOption())
    .addOption(stateDirOption())
    .option(
      '--ca-file <file>',
      "PEM CA bundle that verifies the server's certificate (default: the one given at enrollment, else the built-in CAs)",
    )
    .option(
      '--once',
      'check in once (plus immediate follow-ups when the server asks, or after running its jobs) and exit',
    )
    .option(
      '--reboot-command <command>',
      'how a job\'s reboot step reboots the machine: a program by absolute path and its arguments, split on spaces (no shell), e.g. "/sbin/shutdown -r +1". Default: /sbin/shutdown -r +N (the step\'s grace, in minutes) when --root is /; none otherwise (the reboot is reported as pending)',
    )
    .option(
      '--policy-file <file>',
      `the local policy: which job steps and actions this machine accepts (root-owned, not writable by others). Default ${DEFAULT_POLICY_FILE}, on this host even with --root; absent or unusable: package installs only, no hooks, scripts or config edits`,
    )
    .option('--backoff-base <seconds>', 'first retry window after a failure', String(DEFAULT_BACKOFF.baseMs / 1_000))
    .option('--backoff-cap <seconds>', 'longest retry window', String(DEFAULT_BACKOFF.capMs / 1_000))
    .option(
      '--stale-after <seconds>',
      'report this agent stale (to the server, and in its log) when no check-in answer has carried a fresh signed server time for this long',
      String(DEFAULT_STALE_AFTER_MS / 1_000),
    )
    .action(async (opts: RunCliOptions) => {
      io.setExitCode(await runForCli(opts, io));
    });
}
