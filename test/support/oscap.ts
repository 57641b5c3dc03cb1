// Runs OpenSCAP (`oscap`, Debian package openscap-scanner) for differential tests.
// The dpkginfo probe reads packages through libapt-pkg, so APT_CONFIG can point it at any dpkg status file.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

function runOscap(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((done, fail) => {
    execFile('oscap', args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code: unknown = err === null ? 0 : err.code;
      if (code === 'ENOENT') {
        fail(
          new Error(
            'oscap not found on PATH: install the Debian package openscap-scanner (scripts/setup-test-deps.sh)',
          ),
        );
      } else if (typeof code === 'number') {
        done({ stdout, stderr, code });
      } else {
        fail(new Error(`oscap ${args.join(' ')} failed: ${err?.message ?? ''}\n${stderr}`));
      }
    });
  });
}

/** Returns the OpenSCAP version, e.g. "1.3.7", from `oscap --version`. */
export async function oscapVersion(): Promise<string> {
  const { stdout, code } = await runOscap(['--version']);
  const m = /^OpenSCAP command line tool \(oscap\) (\S+)/m.exec(stdout);
  if (code !== 0 || m?.[1] === undefined)
    throw new Error(`oscap --version: unexpected output: ${stdout.slice(0, 200)}`);
  return m[1];
}

/** Runs `oscap oval validate` on a file and throws with oscap's messages unless it passes cleanly. */
export async function oscapValidate(ovalPath: string): Promise<void> {
  const { stdout, stderr, code } = await runOscap(['oval', 'validate', ovalPath]);
  const out = `${stdout}${stderr}`.trim();
  if (code !== 0 || out !== '') throw new Error(`oscap oval validate ${ovalPath}: rc ${code}\n${out}`);
}

/** Parses `Definition <id>: <result>` lines; throws on any result other than true/false. */
export function parseOscapEvalOutput(stdout: string): Map<string, boolean> {
  const results = new Map<string, boolean>();
  for (const line of stdout.split('\n')) {
    const m = /^Definition (oval:\S+): (.+)$/.exec(line.trim());
    if (m === null) continue;
    const [, id, value] = m as unknown as [string, string, string];
    if (value !== 'true' && value !== 'false') throw new Error(`oscap: definition ${id} evaluated to "${value}"`);
    if (results.has(id)) throw new Error(`oscap: definition ${id} reported twice`);
    results.set(id, value === 'true');
  }
  return results;
}

/** Evaluates an OVAL file with `oscap oval eval` against a dpkg status file; returns definition id → result. */
export async function runOscapEval(ovalPath: string, opts: { statusFile: string }): Promise<Map<string, boolean>> {
  const status = resolve(opts.statusFile);
  if (!existsSync(status)) throw new Error(`dpkg status file not found: ${status}`);
  if (/["\n]/.test(status)) throw new Error(`status file path cannot be written to apt.conf: ${status}`);
  const dir = await mkdtemp(join(tmpdir(), 'patchhive-oscap-'));
  try {
    const aptConf = join(dir, 'apt.conf');
    await writeFile(aptConf, `Dir::State::status "${status}";\n`);
    const args = ['oval', 'eval', '--results', join(dir, 'res.xml'), resolve(ovalPath)];
    const { stdout, stderr, code } = await runOscap(args, { ...process.env, APT_CONFIG: aptConf });
    if (code !== 0 || !/^Evaluation done\.$/m.test(stdout)) {
      throw new Error(`oscap oval eval ${ovalPath} (status ${status}): rc ${code}\n${stderr}${stdout.slice(-2000)}`);
    }
    return parseOscapEvalOutput(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
