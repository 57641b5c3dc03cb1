import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import { describeDnfFailure, dnfBackend, parseRpmQuery } from './dnf.js';
import type { StepContext } from './outcome.js';
import { installPackages, rollbackPackages } from './packages.js';
import { fakeRunner, type FakeHandler } from './test-support.js';

// No dnf on this project's Debian test machines: argv and interpretation only, against a simulated rpm database.
afterAll(removeRoots);

const ctx = (root: string, runner: StepContext['runner'], jobId = 'job-1'): StepContext => ({
  jobId,
  runner,
  root,
  platform: 'linux',
  artifactFile: (id) => id,
  windows: { systemRoot: 'C:\\Windows' },
  reboot: { commandFor: () => null, userSessionPresent: async () => false },
});

/** rpm -q / rpm -qp / dnf download|install|downgrade|remove over an in-memory database. */
function fakeRpm(
  root: string,
  installed: Record<string, string>,
  failScriptlet?: string,
): { db: Map<string, string>; handler: FakeHandler } {
  const db = new Map(Object.entries(installed));
  const evr = (v: string) => (/^\d+:/.test(v) ? v : `0:${v}`);
  const handler: FakeHandler = (argv) => {
    const [prog, ...args] = argv;
    if (prog === '/usr/bin/rpm' && args[0] === '-q') {
      const names = args.slice(args.indexOf('--') + 1);
      const out = names.map((n) => (db.has(n) ? `${n}\t${evr(db.get(n)!)}` : `package ${n} is not installed`));
      return { exitCode: names.filter((n) => !db.has(n)).length, stdout: `${out.join('\n')}\n` };
    }
    if (prog === '/usr/bin/rpm' && args[0] === '-qp')
      return { stdout: readFileSync(path.join(root, args.at(-1)!), 'utf8') };
    if (prog !== '/usr/bin/dnf') return undefined;
    if (args[0] === 'download') {
      const dir = path.join(root, args[2]!);
      const spec = args[3]!;
      const m = /^(.+)-((?:\d+:)?[^-]+-[^-]+)$/.exec(spec)!;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${m[1]}-${m[2]!.replace(/^\d+:/, '')}.x86_64.rpm`), `${m[1]}\t${evr(m[2]!)}\n`);
      return { exitCode: 0 };
    }
    const specs = args.slice(2);
    if (args[1] === 'remove') specs.forEach((n) => db.delete(n));
    else {
      for (const s of specs) {
        const [name, version] = s.endsWith('.rpm')
          ? readFileSync(path.join(root, s), 'utf8').trim().split('\t')
          : /^(.+)-((?:\d+:)?[^-]+-[^-]+)$/.exec(s)!.slice(1);
        if (name === failScriptlet)
          return {
            exitCode: 1,
            log: `Error in POSTIN scriptlet in rpm package ${name}-${version}\nError: Transaction failed\n`,
          };
        db.set(name!, version!);
      }
    }
    return { exitCode: 0 };
  };
  return { db, handler };
}

describe('dnf (argv and interpretation; not run on this Debian host)', () => {
  it('parses rpm -q answers, skipping "not installed" lines', () => {
    const m = parseRpmQuery('openssl\t1:3.0.7-27.el9\npackage nope is not installed\n', ['openssl', 'nope']);
    expect([...m]).toEqual([['openssl', { version: '1:3.0.7-27.el9', ok: true }]]);
    expect(dnfBackend.sameVersion('0:1.2-3', '1.2-3')).toBe(true);
    expect(dnfBackend.sameVersion('1:1.2-3', '1.2-3')).toBe(false);
  });

  it('describes failures from dnf output', () => {
    expect(describeDnfFailure('Error in POSTIN scriptlet in rpm package foo-1.0-1.x86_64\n')).toBe(
      'the POSTIN scriptlet of foo-1.0-1.x86_64 failed',
    );
    expect(describeDnfFailure('Error: Unable to find a match: foo-9\n')).toBe('Unable to find a match: foo-9');
  });

  it('installs exact NEVRAs after keeping the old ones with dnf download --destdir', async () => {
    const root = await makeRoot({});
    const rpm = fakeRpm(root, { openssl: '1:3.0.7-24.el9' });
    const runner = fakeRunner(root, rpm.handler);
    const r = await installPackages(
      dnfBackend,
      [
        { name: 'openssl', version: '1:3.0.7-27.el9' },
        { name: 'zstd', version: '1.5.1-2.el9' },
      ],
      900,
      ctx(root, runner),
    );
    expect(r).toMatchObject({ result: 'succeeded', keptPackages: [{ name: 'openssl', version: '1:3.0.7-24.el9' }] });
    expect(runner.calls.map((c) => c.argv.join(' '))).toEqual([
      '/usr/bin/rpm -q --qf %{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n -- openssl zstd',
      '/usr/bin/dnf download --destdir /var/lib/patchhive/kept/job-1 openssl-1:3.0.7-24.el9',
      '/usr/bin/rpm -qp --qf %{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n /var/lib/patchhive/kept/job-1/openssl-3.0.7-24.el9.x86_64.rpm',
      '/usr/bin/dnf -y install openssl-1:3.0.7-27.el9 zstd-1.5.1-2.el9',
      '/usr/bin/rpm -q --qf %{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n -- openssl zstd',
    ]);
  });

  it('a failing scriptlet fails the step with its name', async () => {
    const root = await makeRoot({});
    const rpm = fakeRpm(root, { openssl: '1:3.0.7-24.el9' }, 'openssl');
    const r = await installPackages(
      dnfBackend,
      [{ name: 'openssl', version: '1:3.0.7-27.el9' }],
      900,
      ctx(root, fakeRunner(root, rpm.handler)),
    );
    expect(r.result).toBe('failed');
    expect(r.message).toBe(
      'the POSTIN scriptlet of openssl-1:3.0.7-27.el9 failed; openssl 1:3.0.7-24.el9 (wanted 1:3.0.7-27.el9)',
    );
  });

  it('rollback: downgrade what is installed, install what was removed, remove what the job added', async () => {
    const root = await makeRoot({});
    const rpm = fakeRpm(root, { openssl: '1:3.0.7-24.el9', curl: '7.76.1-26.el9' });
    await installPackages(
      dnfBackend,
      [
        { name: 'openssl', version: '1:3.0.7-27.el9' },
        { name: 'curl', version: '7.76.1-29.el9' },
        { name: 'zstd', version: '1.5.1-2.el9' },
      ],
      900,
      ctx(root, fakeRunner(root, rpm.handler)),
    );
    rpm.db.delete('curl');
    const runner = fakeRunner(root, rpm.handler);
    const req = {
      fromJobId: 'job-1',
      packages: [
        { name: 'openssl', version: '1:3.0.7-24.el9' },
        { name: 'curl', version: '7.76.1-26.el9' },
      ],
      remove: ['zstd'],
      timeoutSeconds: 900,
    };
    const r = await rollbackPackages(dnfBackend, req, ctx(root, runner, 'job-2'));
    expect(r.result).toBe('succeeded');
    const dnf = runner.calls.filter((c) => c.argv[0] === '/usr/bin/dnf').map((c) => c.argv.slice(1, 3).join(' '));
    expect(dnf).toEqual(['-y downgrade', '-y install', '-y remove']);
    expect([...rpm.db].sort()).toEqual([
      ['curl', '0:7.76.1-26.el9'],
      ['openssl', '1:3.0.7-24.el9'],
    ]);
  });
});
