/**
 * Test support for the job code: a fake CommandRunner that records every argv, and a simulated
 * dpkg/apt machine behind it (database, archive of versions, maintainer scripts that fail) whose
 * kept .debs are real files in a real temporary root. The real apt runs in test/e2e/agent-jobs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LOCAL_POLICY, type ActionRule, type LoadedPolicy } from '../local-policy.js';
import type { CommandResult, CommandRunner, RunOptions } from './runner.js';

export interface FakeCall {
  argv: string[];
  opts: RunOptions;
}

/** Answers a command, or returns undefined to let the next handler try. */
export type FakeHandler = (argv: string[], opts: RunOptions) => Partial<CommandResult> | undefined;

export type FakeRunner = CommandRunner & { calls: FakeCall[] };

/** A runner whose commands are answered by `handlers` (first that answers); unknown programs do not exist. */
export function fakeRunner(root: string, ...handlers: FakeHandler[]): FakeRunner {
  const calls: FakeCall[] = [];
  return {
    root,
    calls,
    run: async (argv, opts) => {
      calls.push({ argv: [...argv], opts });
      for (const h of handlers) {
        const r = h([...argv], opts);
        if (r) {
          const stdout = r.stdout ?? '';
          return {
            exitCode: 0,
            stdout,
            log: r.log ?? `$ ${argv.join(' ')}\n${stdout}`,
            timedOut: false,
            spawnError: null,
            ...r,
          };
        }
      }
      return { exitCode: null, stdout: '', log: '', timedOut: false, spawnError: 'ENOENT' };
    },
  };
}

interface DebState {
  version: string;
  /** dpkg's abbreviation: "ii " installed, "iF " half-configured. */
  abbrev: string;
}

/** A simulated Debian machine: what is installed, what the archive offers, which postinst fails. */
export interface FakeDpkg {
  installed: Map<string, DebState>;
  /** name → versions apt can download/install. */
  archive: Map<string, string[]>;
  failPostinst: Set<string>;
  handler: FakeHandler;
  /** Installed versions as "name version" lines (what dpkg-query -W shows), sorted. */
  snapshot(): string[];
}

/** The simulated machine at `root` (kept .debs are written under it as small text files). */
export function fakeDpkg(
  root: string,
  installed: Record<string, string>,
  archive: Record<string, string[]>,
  failPostinst: string[] = [],
): FakeDpkg {
  const m: FakeDpkg = {
    installed: new Map(Object.entries(installed).map(([n, v]) => [n, { version: v, abbrev: 'ii ' }])),
    archive: new Map(Object.entries(archive)),
    failPostinst: new Set(failPostinst),
    handler: () => undefined,
    snapshot: () => [...m.installed].map(([n, s]) => `${n} ${s.version}`).sort(),
  };
  const inRoot = (p: string) => path.join(root, p);
  const has = (name: string, version: string) => m.archive.get(name)?.includes(version) ?? false;
  const install = (pairs: { name: string; version: string }[]): Partial<CommandResult> => {
    const missing = pairs.find((p) => !has(p.name, p.version));
    if (missing) return { exitCode: 100, log: `E: Version '${missing.version}' for '${missing.name}' was not found\n` };
    let log = '';
    for (const p of pairs) {
      const fails = m.failPostinst.has(p.name);
      m.installed.set(p.name, { version: p.version, abbrev: fails ? 'iF ' : 'ii ' });
      if (fails) {
        log += `Setting up ${p.name} (${p.version}) ...\ndpkg: error processing package ${p.name} (--configure):\n installed ${p.name} package post-installation script subprocess returned error exit status 1\n`;
      }
    }
    return log
      ? {
          exitCode: 100,
          log: `${log}Errors were encountered while processing:\n ${[...m.failPostinst].join('\n ')}\nE: Sub-process /usr/bin/dpkg returned an error code (1)\n`,
        }
      : { exitCode: 0, log: 'ok\n' };
  };
  m.handler = (argv, opts) => {
    const [prog, ...args] = argv;
    if (prog === '/usr/bin/dpkg-query') {
      const names = args.slice(args.indexOf('--') + 1);
      const lines = names.flatMap((n) => {
        const s = m.installed.get(n);
        return s ? [`${n}\t${n}\t${s.abbrev}\t${s.version}`] : [];
      });
      return { exitCode: lines.length === names.length ? 0 : 1, stdout: lines.map((l) => `${l}\n`).join('') };
    }
    if (prog === '/usr/bin/apt-get' && args.includes('download')) {
      const [name, version] = args.at(-1)!.split('=') as [string, string];
      if (!has(name, version))
        return { exitCode: 100, log: `E: Can't find a source to download version '${version}' of '${name}'\n` };
      const dir = inRoot(opts.cwd!);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, `${name}_${version.replace(':', '%3a')}_amd64.deb`),
        `Package: ${name}\nVersion: ${version}\n`,
      );
      return { exitCode: 0 };
    }
    if (prog === '/usr/bin/dpkg-deb') return { exitCode: 0, stdout: readFileSync(inRoot(args[1]!), 'utf8') };
    if (prog === '/usr/bin/apt-get' && args.includes('remove')) {
      for (const n of args.slice(args.indexOf('--') + 1)) m.installed.delete(n);
      return { exitCode: 0 };
    }
    if (prog === '/usr/bin/apt-get' && args.includes('install')) {
      const targets = args.filter((a) => !a.startsWith('-') && a !== 'install' && !a.includes('::'));
      const pairs = targets.map((t) => {
        if (t.startsWith('/')) {
          const text = readFileSync(inRoot(t), 'utf8');
          return { name: /^Package: (.*)$/m.exec(text)![1]!, version: /^Version: (.*)$/m.exec(text)![1]! };
        }
        const [name, version] = t.split('=') as [string, string];
        return { name, version };
      });
      return install(pairs);
    }
    return undefined;
  };
  return m;
}

/** A local policy source (executor deps) with the default's kinds plus `rules` for actions, as if read from a file. */
export function policyAllowing(...rules: ActionRule[]): () => Promise<LoadedPolicy> {
  const loaded: LoadedPolicy = {
    policy: { ...DEFAULT_LOCAL_POLICY, actions: rules },
    source: 'file',
    file: '/etc/patchhive/agent-policy.json',
    problem: null,
  };
  return async () => loaded;
}
