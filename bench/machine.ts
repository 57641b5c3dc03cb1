/** Facts about the machine and software the benchmarks ran on. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { REPO } from './fixtures.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  kernel: string;
  node: string;
  oscap: string;
  gnuTime: boolean;
  debianVersion: string;
  git: string;
  date: string;
}

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Collects CPU (/proc/cpuinfo), cores, RAM, OS (/etc/os-release), Node, oscap and git facts. */
export function machineInfo(gnuTimePath: string): MachineInfo {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const head = tryRun('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = tryRun('git', ['status', '--porcelain', '--untracked-files=no']) !== '';
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    ramGiB: os.totalmem() / 2 ** 30,
    os: /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(osRelease)?.[1] ?? `${os.type()} ${os.release()}`,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    oscap: /\(oscap\) (\S+)/.exec(tryRun('oscap', ['--version']))?.[1] ?? 'not found',
    gnuTime: existsSync(gnuTimePath),
    debianVersion: existsSync('/etc/debian_version') ? readFileSync('/etc/debian_version', 'utf8').trim() : 'n/a',
    git: head ? `${head}${dirty ? ' (with uncommitted changes)' : ''}` : 'unknown',
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}
