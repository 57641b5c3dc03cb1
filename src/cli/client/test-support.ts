/**
 * Test support (not built into dist): runs the real `patchhive` entry (src/cli/main.ts, through
 * tsx) as a child process with a scrubbed environment, so that the runner's own HOME, PATCHHIVE_*
 * and proxy variables cannot change what the API commands do.
 */
import { spawn } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI_MAIN = path.join(ROOT, 'src/cli/main.ts');
const TSX_LOADER = pathToFileURL(createRequire(path.join(ROOT, 'package.json')).resolve('tsx')).href;

/** What a run of the CLI produced. */
export interface ApiCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Variables of the test runner's environment that would change what the CLI does. */
const SCRUBBED = /^(PATCHHIVE_|XDG_CONFIG_HOME$|HOME$|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$|NODE_OPTIONS$)/;

/** Runs `patchhive ...args` with exactly `env` on top of a scrubbed environment. Never rejects for a CLI failure. */
export function runApiCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<ApiCliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUBBED.test(k)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI_MAIN, ...args], {
      cwd: ROOT,
      env: { ...base, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** A loopback port with nothing listening on it (for "connection refused"). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
