/**
 * The agent's state file (`<stateDir>/agent.json`): who it is, its credential, the pinned job
 * signing key, and what it last agreed with the server. It holds a secret, so it is written
 * atomically with mode 0600 in a directory of mode 0700, and refused when others can read it.
 */
import { lstat, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../common/atomic-write.js';
import { parseJsonLocated, zodToPatchhiveError } from '../common/json-input.js';
import { PatchhiveError } from '../errors.js';
import { probeRequestSchema } from '../protocol/agent.js';

export const AGENT_STATE_SCHEMA = 'patchhive.agent-state/1';
export const STATE_FILE_NAME = 'agent.json';
export const DEFAULT_STATE_DIR = '/var/lib/patchhive-agent';

export const agentStateSchema = z.object({
  schema: z.literal(AGENT_STATE_SCHEMA),
  server: z.string().describe('Base URL of the server, as checked at enrollment.'),
  agentId: z.string().min(1),
  machineId: z.string().min(1),
  credential: z.string().min(1).describe('The agent secret (bearer credential).'),
  jobSigningPublicKey: z.string().describe('The pinned PEM (SPKI) Ed25519 key that will verify jobs.'),
  jobSigningKeyFingerprint: z
    .string()
    .optional()
    .describe("The pinned key's fingerprint (SHA256:...), as printed at enrollment."),
  keyTrust: z
    .enum(['fingerprint', 'tls', 'trust-on-first-use'])
    .optional()
    .describe(
      'What vouched for the key at enrollment: the fingerprint given, a verified TLS certificate, or nothing (trust on first use).',
    ),
  caFile: z
    .string()
    .optional()
    .describe(
      "The --ca-file given at enrollment (absolute path): the CA bundle that verifies the server's certificate.",
    ),
  checkinIntervalSeconds: z.number().int().positive(),
  name: z.string().min(1).optional().describe('The machine name given at enrollment with --name.'),
  enrolledAt: z.string(),
  lastAcceptedHash: z.string().nullable().describe('The inventory hash the server last said it stored.'),
  probes: probeRequestSchema.describe('The probes the server last asked for.'),
  previousJobSigningPublicKey: z
    .string()
    .optional()
    .describe(
      'The key pinned before the last announced rotation: still trusted for jobs until the server says it is retired.',
    ),
  retiredJobSigningKeys: z
    .array(z.string())
    .max(5)
    .optional()
    .describe('Keys the server retired: a job signed by one is refused as retired-key.'),
  lastServerTime: z.string().optional().describe('The last fresh signed server time seen (it may never go backwards).'),
  freshSeenAt: z.string().optional().describe("This machine's clock when it last saw a fresh signed server time."),
});

export type AgentState = z.infer<typeof agentStateSchema>;

/** No probes: what a new agent knows before its first check-in. */
export const NO_PROBES: AgentState['probes'] = { files: [], registry: [], textFiles: [] };

/** The state directory: `--state-dir`, else /var/lib/patchhive-agent (below `--root` when given). */
export function resolveStateDir(opts: { stateDir?: string; root?: string }): string {
  if (opts.stateDir) return path.resolve(opts.stateDir);
  return opts.root ? path.join(path.resolve(opts.root), DEFAULT_STATE_DIR) : DEFAULT_STATE_DIR;
}

/** The state file inside a state directory. */
export function stateFilePath(stateDir: string): string {
  return path.join(stateDir, STATE_FILE_NAME);
}

/** True when a state file exists (enrolled, or a half-finished enrollment to redo with --force). */
export async function stateExists(stateDir: string): Promise<boolean> {
  return (await lstat(stateFilePath(stateDir)).catch(() => undefined)) !== undefined;
}

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * Makes sure the state directory exists with mode 0700. An existing directory that others may
 * write to is refused: they could swap the file between our write and our rename.
 */
export async function prepareStateDir(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    throw new PatchhiveError(
      'E_OUTPUT_FAILED',
      `cannot create the state directory (${err.code ?? 'error'})`,
      { file: stateDir },
      { cause: err },
    );
  });
  const st = await lstat(stateDir);
  if (!st.isDirectory())
    throw new PatchhiveError('E_CONFIG_INVALID', 'the state directory is not a directory', { file: stateDir });
  if ((st.mode & 0o022) !== 0) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `the state directory is writable by other users (mode ${octal(st.mode)}); use a private directory (chmod 700)`,
      {
        file: stateDir,
      },
    );
  }
}

/** Writes the state atomically (temporary file, fsync, rename) with mode 0600. */
export async function saveState(stateDir: string, state: AgentState): Promise<void> {
  await prepareStateDir(stateDir);
  await writeFileAtomic(stateFilePath(stateDir), `${JSON.stringify(agentStateSchema.parse(state), null, 2)}\n`, 0o600);
}

/** Reads and validates the state; not enrolled, readable by others or malformed → a PatchhiveError. */
export async function loadState(stateDir: string): Promise<AgentState> {
  const file = stateFilePath(stateDir);
  const st = await lstat(file).catch(() => undefined);
  if (!st)
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      'this agent is not enrolled (no state file); run `patchhive agent enroll` first',
      { file },
    );
  if (!st.isFile()) throw new PatchhiveError('E_CONFIG_INVALID', 'the state file is not a regular file', { file });
  if ((st.mode & 0o077) !== 0) {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `the state file holds a secret but other users may access it (mode ${octal(st.mode)}); chmod 600 it`,
      { file },
    );
  }
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new PatchhiveError(
      'E_INPUT_NOT_FOUND',
      `cannot read the state file (${err.code ?? 'error'})`,
      { file },
      { cause: err },
    );
  });
  const parsed = agentStateSchema.safeParse(parseJsonLocated(text, file));
  if (!parsed.success) throw zodToPatchhiveError(parsed.error, file, 'the agent state file is invalid');
  return parsed.data;
}
