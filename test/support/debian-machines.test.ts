/**
 * The Debian machine harness against the real thing: a debootstrap chroot of the Debian 12 point
 * release, the live Debian archive, real apt and dpkg inside, and the real `patchhive scan` CLI.
 *
 * Outside CI, it is skipped (with the reason printed) when debootstrap cannot work here: not root,
 * no debootstrap, or deb.debian.org unreachable. In CI (CI=true) it always runs, so a machine that
 * cannot make Debian machines fails loudly instead of passing with nothing tested.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDpkgVersions } from '../../src/versions/index.js';
import { describeRun, runCli } from './cli.js';
import {
  cleanupStaleMounts,
  createDebianMachine,
  ensureBaseImage,
  MachineCommandError,
  mountsUnder,
  parseUpgradable,
  runCommand,
  whyNoDebianMachines,
  withFileLock,
  type DebianMachine,
} from './debian-machines.js';
import { buildIndexOval, readXz } from './index-oval.js';

const DEB = 'test/fixtures/debian';
/** `apt list --upgradable` in the fixtures' chroot, recorded when the archive served Debian 12.15. */
const RECORDED = parseUpgradable(readFileSync(`${DEB}/apt-upgradable-minbase.txt`, 'utf8'));
const RECORDED_PACKAGES = countInstalled(readFileSync(`${DEB}/status-minbase-12-point-release.txt`, 'utf8'));

const unavailable = await whyNoDebianMachines();
const inCi = process.env.CI === 'true';
if (unavailable !== undefined && !inCi) process.stderr.write(`\nSKIPPED debian machine tests: ${unavailable}\n\n`);
const describeMachines = unavailable !== undefined && !inCi ? describe.skip : describe;
const title = unavailable !== undefined && !inCi ? `debian machines (skipped: ${unavailable})` : 'debian machines';

function countInstalled(status: string): number {
  return status.split(/\n\s*\n/).filter((s) => /^Status: install ok installed$/m.test(s)).length;
}

interface JsonFinding {
  machine: string;
  package?: string;
  status: string;
}

describe('withFileLock', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ph-lock-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs two holders one after the other, and removes the lock', async () => {
    const lock = path.join(dir, 'a.lock');
    const events: string[] = [];
    const hold = (who: string) =>
      withFileLock(lock, async () => {
        events.push(`${who} in`);
        await new Promise((r) => setTimeout(r, 300));
        events.push(`${who} out`);
      });
    await Promise.all([hold('first'), hold('second')]);
    // Either may win the race for the lock; what matters is that they never overlap.
    const winner = events[0]!.split(' ')[0]!;
    const other = winner === 'first' ? 'second' : 'first';
    expect(events).toEqual([`${winner} in`, `${winner} out`, `${other} in`, `${other} out`]);
    expect(existsSync(lock)).toBe(false);
  });

  it("takes over the lock of a process that died, and waits for a live one's", async () => {
    const lock = path.join(dir, 'b.lock');
    const dead = spawnSync('true').pid;
    writeFileSync(lock, `${dead}\n${hostname()}\n2026-01-01T00:00:00Z\n`);
    await expect(withFileLock(lock, async () => 'ran')).resolves.toBe('ran');
    writeFileSync(lock, `${process.pid}\n${hostname()}\n2026-01-01T00:00:00Z\n`);
    await expect(withFileLock(lock, async () => 'ran', { waitMs: 1000 })).rejects.toThrow(
      /timed out waiting for the lock/,
    );
    expect(readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${process.pid}\n`)); // the live holder's lock is left alone
  });
});

describeMachines(title, () => {
  let parent: string;
  let indexOval: string;
  let m1: DebianMachine;
  let m2: DebianMachine;
  let before: string[];
  const scan = async (m: DebianMachine) => {
    const r = await runCli(['scan', '--root', m.root, '--catalog', indexOval, '--format', 'json', '-q']);
    expect([0, 1], describeRun(r)).toContain(r.code);
    return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings };
  };

  beforeAll(async () => {
    await ensureBaseImage();
    parent = mkdtempSync(path.join(tmpdir(), 'ph-debian-machines-'));
    [m1, m2] = await Promise.all([
      createDebianMachine('machine-one', parent),
      createDebianMachine('machine-two', parent),
    ]);
    indexOval = path.join(parent, 'bookworm-security-index.oval.xml');
    writeFileSync(
      indexOval,
      buildIndexOval(readXz(`${DEB}/bookworm-security-main-amd64-Packages.xz`), { release: '12' }),
    );
  }, 15 * 60_000);

  afterAll(async () => {
    if (parent === undefined) return;
    await cleanupStaleMounts(parent);
    await runCommand('rm', ['-rf', '--one-file-system', '--', parent]);
  });

  it('reuses the base image it built', async () => {
    const lines: string[] = [];
    const again = await ensureBaseImage(undefined, { log: (l) => lines.push(l) });
    expect(again.reused).toBe(true);
    expect(lines).toEqual([]);
    expect(existsSync(again.tarball)).toBe(true);
  });

  it('each machine is a Debian 12 minbase with its own hostname and ~88 installed packages', () => {
    expect(RECORDED_PACKAGES).toBe(88);
    for (const m of [m1, m2]) {
      expect(readFileSync(path.join(m.root, 'etc/hostname'), 'utf8')).toBe(`${m.name}\n`);
      expect(readFileSync(path.join(m.root, 'etc/debian_version'), 'utf8')).toMatch(/^12\.\d+\n$/);
      const installed = countInstalled(readFileSync(path.join(m.root, 'var/lib/dpkg/status'), 'utf8'));
      // minbase's package set changes rarely (a point release could add or drop a library or two).
      expect(Math.abs(installed - RECORDED_PACKAGES), `${installed} packages installed`).toBeLessThanOrEqual(5);
    }
  });

  it('apt lists the pending security updates on both machines', async () => {
    before = await m1.upgradable();
    expect(await m2.upgradable()).toEqual(before);
    // The live archive moves on, so exact versions are not required. What must hold: the list is not
    // empty, and every recorded update the point release has not caught up with (its installed
    // version still below the recorded fixed version) is still listed. Today (12.15) that is all six.
    expect(before.length).toBeGreaterThan(0);
    for (const u of RECORDED) {
      const installed = await m1.dpkgVersion(u.name);
      expect(installed, u.name).toBeDefined();
      if (compareDpkgVersions(installed!, u.to) < 0)
        expect(before, `${u.name} ${installed} < ${u.to}`).toContain(u.name);
    }
    expect(await m1.dpkgVersion('no-such-package')).toBeUndefined();
  });

  it('patchhive scan with the recorded bookworm-security index finds the security updates as missing', async () => {
    // The index OVAL is the recorded bookworm-security Packages index (the one the differential and
    // CLI tests use): exactly the recorded updates whose installed version is still older are missing.
    const expected: string[] = [];
    for (const u of RECORDED) if (compareDpkgVersions((await m1.dpkgVersion(u.name))!, u.to) < 0) expected.push(u.name);
    for (const m of [m1, m2]) {
      const { code, findings } = await scan(m);
      expect(code).toBe(expected.length > 0 ? 1 : 0);
      expect(findings.map((f) => f.status)).toEqual(findings.map(() => 'missing'));
      expect(findings.map((f) => f.package).sort()).toEqual(expected);
    }
    // Whatever the index calls missing, the live archive also offers (the security suite only moves forward).
    for (const name of expected) expect(before).toContain(name);
  });

  it('apt-get upgrade on one machine installs every update, leaves no mount, and does not touch the other', async () => {
    const versions = new Map<string, string | undefined>();
    for (const name of before) versions.set(name, await m1.dpkgVersion(name));
    const otherStatus = readFileSync(path.join(m2.root, 'var/lib/dpkg/status'), 'utf8');

    const out = await m1.aptUpgrade();
    expect(out).toMatch(new RegExp(`^${before.length} upgraded, 0 newly installed, 0 to remove`, 'm'));
    expect(mountsUnder(parent)).toEqual([]);
    expect(await m1.upgradable()).toEqual([]);
    for (const [name, old] of versions) {
      const now = await m1.dpkgVersion(name);
      expect(compareDpkgVersions(now!, old!), `${name} ${old} -> ${now}`).toBeGreaterThan(0);
    }
    expect(await m2.upgradable()).toEqual(before);
    expect(readFileSync(path.join(m2.root, 'var/lib/dpkg/status'), 'utf8')).toBe(otherStatus);
  });

  it('patchhive scan sees the difference: nothing missing on the upgraded machine, the other unchanged', async () => {
    const upgraded = await scan(m1);
    expect(upgraded.code).toBe(0);
    expect(upgraded.findings).toEqual([]);
    const other = await scan(m2);
    expect(other.findings.map((f) => f.package).sort()).toEqual(
      RECORDED.map((u) => u.name).filter((n) => before.includes(n)),
    );
  });

  it('a failing apt-get names the command and its error, and leaves no mount', async () => {
    const broken = path.join(m2.root, 'etc/apt/apt.conf.d/99broken');
    writeFileSync(broken, 'this is not { valid ;;\n}}\n'); // apt stops at once: "E: Syntax error ... Extra junk"
    try {
      const err = await m2.aptUpgrade().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MachineCommandError);
      expect((err as Error).message).toContain(`chroot ${m2.root} apt-get -y`);
      expect((err as Error).message).toMatch(/E: Syntax error/);
      expect(mountsUnder(m2.root)).toEqual([]);
    } finally {
      rmSync(broken);
    }
  });

  it('cleanupStaleMounts unmounts what a crashed run left; destroy removes machines without leaving mounts', async () => {
    await runCommand('mount', ['-t', 'proc', 'proc', path.join(m1.root, 'proc')]);
    expect(await cleanupStaleMounts(parent)).toEqual([path.join(m1.root, 'proc')]);
    expect(mountsUnder(parent)).toEqual([]);

    await runCommand('mount', ['-t', 'proc', 'proc', path.join(m2.root, 'proc')]);
    await Promise.all([m1.destroy(), m2.destroy()]);
    expect(mountsUnder(parent)).toEqual([]);
    expect(readdirSync(parent)).toEqual(['bookworm-security-index.oval.xml']);
  });

  it('a base image build that fails midway leaves nothing to reuse', async () => {
    const cache = path.join(parent, 'failing-cache');
    mkdirSync(cache);
    const lines: string[] = [];
    // Nothing listens on the discard port of loopback: debootstrap fails fetching the Release file.
    const build = ensureBaseImage(cache, { mirror: 'http://127.0.0.1:9/debian', log: (l) => lines.push(l) });
    await expect(build).rejects.toThrow(/debootstrap --variant=minbase bookworm .* failed/);
    expect(readdirSync(cache)).toEqual([]);
    expect(lines.at(-1)).toMatch(/build failed/);
  });
});
