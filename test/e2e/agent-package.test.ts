/**
 * The installable agent, end to end: what `npm run package` builds (scripts/package-agent.ts,
 * cached under .cache/agent-package/ by a hash of its inputs) installs and runs the way an
 * administrator would use it.
 *
 * - The systemd unit passes `systemd-analyze verify`, and `systemd-analyze security --offline`
 *   scores it (the score is printed and bounded).
 * - The .rpm holds the expected files, modes, configuration files and scriptlets.
 * - The .deb goes into a fresh Debian 12 debootstrap chroot that has no Node.js with `dpkg -i`,
 *   enrolls against a real server, runs with the unit's ExecStart command line under the unit's
 *   sandbox as far as it applies without systemd (see `sandboxArgv`), completes a real apt install
 *   job of a deployment, and is removed with `dpkg -r` (state kept), then purged (state gone).
 *   Then the .rpm goes into the same root with `rpm --root` (its scriptlets run by the machine's
 *   shell) and `rpm -e` keeps the state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetailWire } from '../../src/protocol/deploy-api.js';
import { packageAgent, type AgentPackages } from '../../scripts/package-agent.js';
import { buildIndexOval } from '../support/index-oval.js';
import {
  cleanupStaleMounts,
  createDebianMachine,
  mountSystem,
  parseUpgradable,
  runCommand,
  whyNoDebianMachines,
  type DebianMachine,
  type UpgradableLine,
} from '../support/debian-machines.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { adminApi, waitFor } from './server-test-helpers.js';

const MINUTE = 60_000;
const UNIT = 'patchhive-agent.service';
const SECURITY_LIST =
  'var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages';
/** Security updates that are small and self-contained; the deployment installs at most two. */
const PREFERRED = ['liblzma5', 'libpcre2-8-0', 'tzdata', 'perl-base', 'libgnutls30'];
/** systemd-analyze security's "exposure" (0 best, 10 worst) the unit must not exceed. */
const MAX_EXPOSURE = 4.5;

const hasTool = (t: string) => ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(path.join(d, t)));
const missingTools = ['dpkg-deb', 'rpmbuild', 'rpm', 'systemd-analyze'].filter((t) => !hasTool(t));
// CI must run it (scripts/setup-test-deps.sh installs the tools); elsewhere a missing tool skips it
const toolsSkip =
  missingTools.length > 0 && process.env.CI !== 'true'
    ? `missing ${missingTools.join(', ')} (scripts/setup-test-deps.sh installs them)`
    : undefined;
const machineSkip =
  toolsSkip ??
  (process.env.CI === 'true' ? undefined : await whyNoDebianMachines()) ??
  (hasTool('capsh') && hasTool('unshare') ? undefined : 'capsh or unshare missing');
if (toolsSkip) console.warn(`agent-package e2e skipped: ${toolsSkip}`);
else if (machineSkip) console.warn(`agent-package e2e (Debian machine part) skipped: ${machineSkip}`);

let built: Promise<AgentPackages> | undefined;
/** The packages, built once per test run (and reused across runs while the inputs are the same). */
const packages = (): Promise<AgentPackages> =>
  (built ??= packageAgent({ log: (l) => console.log(`package-agent: ${l}`) }));

/** The unit's settings, as `key → values` (a key may repeat). */
function unitSettings(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

/** A tree to verify the unit in: the package's files plus this host's own units (sysinit.target …). */
async function verificationRoot(deb: string, dir: string): Promise<string> {
  await runCommand('dpkg-deb', ['-x', deb, dir]);
  // cp -a: masked units are symbolic links to /dev/null, copied as links
  await runCommand('cp', ['-a', '-n', '/lib/systemd/system/.', path.join(dir, 'lib/systemd/system/')]);
  return dir;
}

/**
 * The argv that runs the unit's ExecStart inside `root` under the unit's sandbox, as far as it
 * applies without systemd (docs/AGENT.md, "The sandbox without systemd"):
 * - new mount, UTS and IPC namespaces (`unshare`): ProtectHostname=, PrivateMounts=, and for
 * - PrivateTmp= (a fresh tmpfs on /tmp and /var/tmp), ProtectHome=read-only (/home and /root
 *   bound read-only), ProtectKernelTunables= (/proc/sys read-only);
 * - UMask=;
 * - the chroot, then CapabilityBoundingSet= (capsh drops every other capability from the bounding
 *   set, so the agent, running as root, has exactly the unit's set) and AmbientCapabilities= (none);
 * - ExecStart= exactly, with the environment systemd gives a root service plus the environment file.
 * Not applied (they need systemd's seccomp filters or cgroups): SystemCallFilter=,
 * SystemCallArchitectures=, RestrictAddressFamilies=, RestrictNamespaces=, RestrictRealtime=,
 * LockPersonality=, ProtectKernelLogs=, ProtectControlGroups= (no /sys in the chroot).
 */
function sandboxArgv(root: string, unit: Map<string, string[]>, bounding: string[]): string[] {
  const keep = new Set(
    unit
      .get('CapabilityBoundingSet')![0]!
      .split(/\s+/)
      .map((c) => c.toLowerCase()),
  );
  const drop = bounding.filter((c) => !keep.has(c));
  const exec = unit.get('ExecStart')![0]!.split(/\s+/);
  expect(unit.get('PrivateTmp')).toEqual(['yes']);
  expect(unit.get('ProtectHome')).toEqual(['read-only']);
  expect(unit.get('ProtectKernelTunables')).toEqual(['yes']);
  expect(unit.get('ProtectHostname')).toEqual(['yes']);
  expect(unit.get('PrivateMounts')).toEqual(['yes']);
  expect(unit.get('AmbientCapabilities')).toEqual(['']);
  const script = [
    'set -e',
    'root="$1"; umask_="$2"; drop="$3"; shift 3',
    'for d in tmp var/tmp; do mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/$d"; done',
    'for d in home root proc/sys; do mount --bind "$root/$d" "$root/$d"; mount -o remount,bind,ro "$root/$d"; done',
    'umask "$umask_"',
    'program="$1"; shift',
    'exec capsh --chroot="$root" --drop="$drop" --noamb --shell="$program" -- "$@"',
  ].join('\n');
  return [
    'unshare',
    '--mount',
    '--uts',
    '--ipc',
    '--propagation',
    'private',
    '--fork',
    '--kill-child',
    '--',
    '/bin/sh',
    '-c',
    script,
    'sandbox',
    root,
    unit.get('UMask')![0]!,
    drop.join(','),
    exec[0]!,
    ...exec.slice(1),
  ];
}

/** The capability names of a hex mask, lower case (cap_chown …), as capsh decodes it. */
async function decodeCaps(hex: string): Promise<string[]> {
  const { stdout } = await runCommand('capsh', [`--decode=${hex}`]);
  return (stdout.split('=')[1] ?? '')
    .trim()
    .split(',')
    .filter((c) => c !== '')
    .sort();
}

describe.skipIf(toolsSkip !== undefined)('the packaged agent: unit and .rpm', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'patchhive-agent-package-'));
    await packages();
  }, 10 * MINUTE);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the systemd unit passes systemd-analyze verify; its security exposure is bounded', async () => {
    const { deb } = await packages();
    const root = await verificationRoot(deb, path.join(work, 'verify'));
    const verify = await runCommand('systemd-analyze', ['verify', `--root=${root}`, `/lib/systemd/system/${UNIT}`]);
    expect(verify.stderr.trim()).toBe('');
    const sec = await runCommand('systemd-analyze', [
      'security',
      '--offline=yes',
      `--root=${root}`,
      '--no-pager',
      UNIT,
    ]);
    const exposure = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(sec.stdout)?.[1]);
    console.log(
      `agent-package e2e: systemd-analyze security --offline: exposure ${exposure}\n${sec.stdout
        .split('\n')
        .filter((l) => /\s\d+\.\d+\s*$/.test(l))
        .join('\n')}`,
    );
    expect(exposure).toBeLessThanOrEqual(MAX_EXPOSURE);
    // the unit keeps what installs need and nothing else of note
    const unit = unitSettings(readFileSync(path.join(root, `lib/systemd/system/${UNIT}`), 'utf8'));
    expect(unit.get('ExecStart')).toEqual(['/usr/bin/patchhive-agent run']);
    expect(unit.get('ProtectSystem')).toBeUndefined();
    expect(unit.get('CapabilityBoundingSet')![0]!.split(' ')).not.toContain('CAP_SYS_ADMIN');
  });

  it('the .rpm installs the executable, the unit, the default configuration and a 0700 state directory; its scriptlets keep the state', async () => {
    const { rpm } = await packages();
    const list = (await runCommand('rpm', ['-qlpv', rpm])).stdout
      .trim()
      .split('\n')
      .map((l) => {
        const f = l.split(/\s+/);
        return `${f[0]} ${f[2]}:${f[3]} ${f[f.length - 1]}`;
      });
    expect(list.sort()).toEqual(
      [
        'drwx------ root:root /var/lib/patchhive-agent',
        'drwxr-xr-x root:root /etc/patchhive',
        '-rw-r--r-- root:root /etc/patchhive/agent-policy.json',
        '-rw-r--r-- root:root /etc/sysconfig/patchhive-agent',
        '-rw-r--r-- root:root /usr/lib/systemd/system/patchhive-agent.service',
        '-rw-r--r-- root:root /usr/share/doc/patchhive-agent/AGENT.md',
        '-rw-r--r-- root:root /usr/share/doc/patchhive-agent/agent-policy.example.json',
        '-rwxr-xr-x root:root /usr/bin/patchhive-agent',
      ].sort(),
    );
    expect((await runCommand('rpm', ['-qcp', rpm])).stdout.trim().split('\n').sort()).toEqual([
      '/etc/patchhive/agent-policy.json',
      '/etc/sysconfig/patchhive-agent',
    ]);
    const scripts = (await runCommand('rpm', ['-qp', '--scripts', rpm])).stdout;
    expect(scripts).toMatch(/^postinstall scriptlet/m);
    expect(scripts).toMatch(
      /^preuninstall scriptlet[\s\S]*if \[ "\$1" -eq 0 \][\s\S]*systemctl stop patchhive-agent\.service/m,
    );
    expect(scripts).toMatch(/^postuninstall scriptlet[\s\S]*try-restart patchhive-agent\.service/m);
    expect(scripts).not.toMatch(/rm -/); // rpm -e never deletes the state
    const requires = (await runCommand('rpm', ['-qpR', rpm])).stdout;
    expect(requires).toMatch(/^glibc >= 2\.28$/m);
    expect(requires).toMatch(/^libstdc\+\+$/m);
    // the same executable as the one built, unstripped (the application is a section of it)
    const dump = (await runCommand('rpm', ['-qp', '--dump', rpm])).stdout
      .split('\n')
      .find((l) => l.startsWith('/usr/bin/patchhive-agent '));
    const digest = createHash('sha256')
      .update(readFileSync((await packages()).binary))
      .digest('hex');
    expect(dump?.split(' ')[3]).toBe(digest);
  });
});

describe.skipIf(machineSkip !== undefined)('the packaged agent on a Debian 12 machine without Node.js', () => {
  let work: string;
  let server: TestServer;
  let machine: DebianMachine;
  let root: string;
  let unmount: (() => Promise<void>) | undefined;
  let agent: ChildProcess | undefined;
  const agentLog: string[] = [];
  let targets: UpgradableLine[];

  const api = adminApi(() => server);
  const inRoot = (...argv: string[]) => runCommand('chroot', [root, ...argv]);
  const dpkgState = async (pkg: string) =>
    (
      await inRoot('dpkg-query', '-W', '-f=${db:Status-Status} ${Version}', pkg).catch(() => ({
        stdout: 'not-installed',
      }))
    ).stdout.trim();

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'patchhive-agent-package-'));
    const [, m] = await Promise.all([packages(), createDebianMachine('pkg-1', work)]);
    machine = m;
    root = machine.root;
    unmount = await mountSystem(root);
    const upgradable = parseUpgradable((await inRoot('apt', 'list', '--upgradable')).stdout).filter((u) =>
      u.suite.endsWith('-security'),
    );
    targets = [
      ...new Map(
        [...PREFERRED.flatMap((n) => upgradable.filter((u) => u.name === n)), ...upgradable].map((u) => [u.name, u]),
      ).values(),
    ].slice(0, 2);
    expect(targets.length, 'the point release should lag the security suite').toBeGreaterThan(0);

    server = (await startTestServer({
      database: 'sqlite',
      listen: true,
      config: { checkinIntervalSeconds: 5, rollout: { tickSeconds: 1 } },
    }))!;
    // the catalog: the machine's own security index, cut down to the chosen packages
    const index = await readFile(path.join(root, SECURITY_LIST), 'utf8');
    const names = new Set(targets.map((t) => t.name));
    const stanzas = index.split(/\n\n+/).filter((s) => names.has(/^Package: (\S+)$/m.exec(s)?.[1] ?? ''));
    const ovalFile = path.join(work, 'security.oval.xml');
    await writeFile(ovalFile, buildIndexOval(`${stanzas.join('\n\n')}\n`, { release: '12' }));
    const source = await api<{ id: string }>('POST', '/sources', { name: 'bookworm-security', url: ovalFile });
    expect((await api<{ result: string }>('POST', `/sources/${source.id}/sync`)).result).toBe('updated');
  }, 15 * MINUTE);

  afterAll(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGKILL');
      await new Promise((r) => agent!.once('exit', r));
    }
    await server?.destroy();
    await unmount?.();
    await machine?.destroy();
    if (work) {
      await cleanupStaleMounts(work);
      await rm(work, { recursive: true, force: true });
    }
    if (agentLog.length > 0) console.log(`agent log (tail):\n${agentLog.join('').split('\n').slice(-30).join('\n')}`);
  }, 5 * MINUTE);

  it(
    "installs with dpkg -i, enrolls, runs sandboxed with the unit's command line, completes an apt install job, and dpkg -r keeps its state",
    async () => {
      const { deb, version } = await packages();
      // no Node.js on this machine, before or after
      await expect(inRoot('sh', '-c', 'command -v node || command -v nodejs')).rejects.toThrow();
      await copyFile(deb, path.join(root, 'tmp/agent.deb'));
      await inRoot('dpkg', '-i', '/tmp/agent.deb');
      await rm(path.join(root, 'tmp/agent.deb'));
      expect(await dpkgState('patchhive-agent')).toBe(`installed ${version}-1`);
      expect((await stat(path.join(root, 'var/lib/patchhive-agent'))).mode & 0o7777).toBe(0o700);
      const policy = await stat(path.join(root, 'etc/patchhive/agent-policy.json'));
      expect([policy.uid, policy.mode & 0o7777]).toEqual([0, 0o644]);
      expect((await inRoot('/usr/bin/patchhive-agent', '--version')).stdout.trim()).toBe(version);
      await expect(inRoot('sh', '-c', 'command -v node || command -v nodejs')).rejects.toThrow();

      // enroll as an administrator would, from a token file
      const { fingerprint } = await api<{ fingerprint: string }>('GET', '/server-key');
      const enrollment = await api<{ secret: string }>('POST', '/enrollment-tokens', { maxUses: 1, expiresInHours: 1 });
      await writeFile(path.join(root, 'root/enroll-token'), enrollment.secret, { mode: 0o600 });
      const enrolled = await inRoot(
        '/usr/bin/patchhive-agent',
        'enroll',
        '--server',
        server.url,
        '--token-file',
        '/root/enroll-token',
        '--server-key-fingerprint',
        fingerprint,
        '--name',
        'pkg-1',
      );
      expect(enrolled.stdout).toMatch(/enrolled as agent/);
      await rm(path.join(root, 'root/enroll-token'));
      expect((await stat(path.join(root, 'var/lib/patchhive-agent/agent.json'))).mode & 0o777).toBe(0o600);

      // run it the way the unit does
      const unit = unitSettings(await readFile(path.join(root, `lib/systemd/system/${UNIT}`), 'utf8'));
      const bounding = await decodeCaps(/^CapBnd:\s+(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]!);
      const argv = sandboxArgv(root, unit, bounding);
      const env: NodeJS.ProcessEnv = {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
        HOME: '/root',
        USER: 'root',
        LOGNAME: 'root',
        LANG: 'C.UTF-8',
      };
      for (const k of ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'])
        if (process.env[k] !== undefined) env[k] = process.env[k];
      agent = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
      agent.stdout!.on('data', (d: Buffer) => agentLog.push(d.toString()));
      agent.stderr!.on('data', (d: Buffer) => agentLog.push(d.toString()));
      const assessed = await waitFor(
        'the machine to be assessed',
        async () => {
          const res = await api<{ items: { name: string; assessedAt: string | null; assessmentPending: boolean }[] }>(
            'GET',
            '/machines',
          );
          return res.items.find((x) => x.name === 'pkg-1' && x.assessedAt && !x.assessmentPending);
        },
        3 * MINUTE,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nagent log:\n${agentLog.join('')}`);
      });
      expect(assessed).toBeDefined();

      // the sandbox really applies: the agent process is chrooted, with exactly the unit's bounding set
      const agentPid = Number(
        readFileSync(`/proc/${agent.pid}/task/${agent.pid}/children`, 'utf8').trim().split(' ')[0],
      );
      const status = readFileSync(`/proc/${agentPid}/status`, 'utf8');
      const keep = unit
        .get('CapabilityBoundingSet')![0]!
        .split(/\s+/)
        .map((c) => c.toLowerCase())
        .sort();
      expect(await decodeCaps(/^CapBnd:\s+(\S+)$/m.exec(status)![1]!)).toEqual(keep);
      expect(await decodeCaps(/^CapAmb:\s+(\S+)$/m.exec(status)![1]!)).toEqual([]);
      expect(/^Umask:\s+(\S+)$/m.exec(status)![1]).toBe(unit.get('UMask')![0]);
      expect((await runCommand('readlink', [`/proc/${agentPid}/root`])).stdout.trim()).toBe(root);
      expect((await runCommand('readlink', [`/proc/${agentPid}/exe`])).stdout.trim()).toBe(
        path.join(root, 'usr/bin/patchhive-agent'),
      );

      // a deployment of the approved security fixes: the agent installs them with apt
      const findings = await api<{ items: { bulletinId: string }[] }>(
        'GET',
        '/findings?machine=pkg-1&status=missing&limit=100',
      );
      const bulletins = [...new Set(findings.items.map((f) => f.bulletinId))];
      expect(bulletins.length).toBeGreaterThan(0);
      await api('POST', '/groups', { name: 'packaged', kind: 'static', members: ['pkg-1'] });
      await api('POST', '/triage/actions', {
        items: bulletins.map((bulletin) => ({ bulletin, group: 'packaged' })),
        action: { kind: 'approve' },
      });
      const created = await api<DeploymentDetailWire>('POST', '/deployments', {
        name: 'packaged agent',
        target: { groups: ['packaged'] },
        rings: [{ name: 'only', members: { kind: 'explicit', machines: ['pkg-1'] } }],
        rebootPolicy: { mode: 'never', onlyInWindow: false, maxDeferrals: 0 },
      });
      const done = await waitFor(
        'the deployment to complete',
        async () => {
          const d = await api<DeploymentDetailWire>('GET', `/deployments/${created.id}`);
          return d.status === 'completed' || d.status === 'halted' ? d : undefined;
        },
        8 * MINUTE,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nagent log:\n${agentLog.join('')}`);
      });
      expect(done.status, agentLog.join('')).toBe('completed');
      expect(done.machines[0]!.state).toBe('succeeded');
      for (const t of targets) expect(await dpkgState(t.name), t.name).toBe(`installed ${t.to}`);
      const ledger = await readFile(path.join(root, 'var/lib/patchhive-agent/job-ledger.jsonl'), 'utf8');
      expect(ledger).toMatch(/"type":"job-finished"/);
      console.log(
        `agent-package e2e: ${targets.map((t) => `${t.name} ${t.from} → ${t.to}`).join(', ')} installed by the packaged agent`,
      );

      // SIGTERM stops it, as systemctl stop would (exit 0)
      const exited = new Promise<number | null>((r) => agent!.once('exit', (code) => r(code)));
      process.kill(agentPid, 'SIGTERM');
      expect(await exited).toBe(0);

      // dpkg -r: the program and the unit go; the state and the configuration stay
      await inRoot('dpkg', '-r', 'patchhive-agent');
      expect(await dpkgState('patchhive-agent')).toBe(`config-files ${version}-1`);
      expect(existsSync(path.join(root, 'usr/bin/patchhive-agent'))).toBe(false);
      expect(existsSync(path.join(root, `lib/systemd/system/${UNIT}`))).toBe(false);
      for (const kept of [
        'var/lib/patchhive-agent/agent.json',
        'var/lib/patchhive-agent/job-ledger.jsonl',
        'etc/patchhive/agent-policy.json',
        'etc/default/patchhive-agent',
      ]) {
        expect(existsSync(path.join(root, kept)), kept).toBe(true);
      }
      // installing again finds the enrollment where it was
      await copyFile(deb, path.join(root, 'tmp/agent.deb'));
      await inRoot('dpkg', '-i', '/tmp/agent.deb');
      await rm(path.join(root, 'tmp/agent.deb'));
      const again = await inRoot('/usr/bin/patchhive-agent', 'run', '--once');
      expect(again.stdout + again.stderr).not.toMatch(/not enrolled/);

      // dpkg --purge: the state goes too
      await inRoot('dpkg', '--purge', 'patchhive-agent');
      expect(await dpkgState('patchhive-agent')).toMatch(/^(not-installed|not-installed .*)$/);
      expect(existsSync(path.join(root, 'var/lib/patchhive-agent'))).toBe(false);
      expect(existsSync(path.join(root, 'etc/patchhive/agent-policy.json'))).toBe(false);
    },
    15 * MINUTE,
  );

  it("the .rpm installed into that root (rpm --root, its scriptlets run by the machine's /bin/sh) runs, and rpm -e keeps the state", async () => {
    const { rpm, version } = await packages();
    // the machine has no RPM database of its own packages: --nodeps
    await runCommand('rpm', ['--root', root, '-i', '--nodeps', rpm]);
    expect((await stat(path.join(root, 'var/lib/patchhive-agent'))).mode & 0o7777).toBe(0o700);
    expect((await inRoot('/usr/bin/patchhive-agent', '--version')).stdout.trim()).toBe(version);
    await writeFile(path.join(root, 'var/lib/patchhive-agent/agent.json'), '{}\n', { mode: 0o600 });
    await writeFile(path.join(root, 'etc/sysconfig/patchhive-agent'), 'HTTPS_PROXY=http://proxy.example:3128\n');
    await runCommand('rpm', ['--root', root, '-e', 'patchhive-agent']);
    expect(existsSync(path.join(root, 'usr/bin/patchhive-agent'))).toBe(false);
    expect(existsSync(path.join(root, 'usr/lib/systemd/system', UNIT))).toBe(false);
    expect(existsSync(path.join(root, 'var/lib/patchhive-agent/agent.json'))).toBe(true);
    // a changed configuration file is kept aside, an unchanged one goes
    expect(existsSync(path.join(root, 'etc/sysconfig/patchhive-agent.rpmsave'))).toBe(true);
    expect(existsSync(path.join(root, 'etc/patchhive/agent-policy.json'))).toBe(false);
  });
});
