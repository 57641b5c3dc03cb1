/**
 * End to end, through the real CLI process: `patchhive scan` does what its help and
 * docs say, on real data.
 *
 * Debian: the minbase chroot's dpkg status (test/fixtures/debian/README.md) against an OVAL built
 * from the bookworm-security Packages index. `apt list --upgradable` in that chroot
 * (apt-upgradable-minbase.txt) is the reference answer: exactly those six packages are missing.
 *
 * The OS facts of the machine: a --dpkg-status file takes the facts it lacks from the machine
 * running the scan, and the index OVAL's first test reads /etc/debian_version. So that these tests
 * do not depend on the host, the status file is scanned with --root in a small system root holding
 * that file and Debian 12.15's os-release/debian_version (the chroot's release). On a Debian 12
 * host, one more test checks that --dpkg-status with the same file gives the same report.
 *
 * Windows: the collector's output for an unpatched XP SP2 against the CIS OVAL sample (MS08-067).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES, type Severity } from '../../src/catalog/model.js';
import { registerScanCommand } from '../../src/cli/commands/scan.js';
import { buildIndexOval, readXz } from '../support/index-oval.js';
import { describeRun, listDir, makeTempDir, removeTempDir, runCli, type CliResult } from '../support/cli.js';
import { DEBIAN_12_OS_RELEASE } from '../../src/inventory/test-support.js';

const DEB = 'test/fixtures/debian';
const WIN = 'test/fixtures/windows';
const POINT_RELEASE = `${DEB}/status-minbase-12-point-release.txt`;
const UPGRADED = `${DEB}/status-minbase-12-security-upgraded.txt`;
const TRACKER = `${DEB}/tracker-bookworm.json`;
const CIS_OVAL = `${WIN}/oval-cis-sample.xml`;
const XP_UNPATCHED = `${WIN}/collector-output-xp-sp2-x86-netapi32-unpatched.json`;
const XP_PATCHED = `${WIN}/collector-output-xp-sp2-x86-netapi32-patched.json`;
/** MS08-067 (CVE-2008-4250, netapi32.dll) is this definition in the CIS sample. */
const MS08_067 = { definition: 'oval:org.mitre.oval:def:6093', cve: 'CVE-2008-4250' };

/** Debian 12 as the chroot had it (debootstrap of bookworm when the archive served 12.15). */
const OS_RELEASE = DEBIAN_12_OS_RELEASE;
const DEBIAN_VERSION = '12.15\n';

interface JsonFinding {
  catalog?: string;
  machine: string;
  bulletin: string;
  package?: string;
  status: string;
  severity: Severity;
  title: string;
  cves: string[];
  kbs: string[];
  evidence: { ref: string; subject: string; expected?: string; actual?: string; result: string; message: string }[];
  warnings: string[];
}

/** The reference answer: `apt list --upgradable` in the chroot. */
const UPGRADABLE = readFileSync(`${DEB}/apt-upgradable-minbase.txt`, 'utf8')
  .split('\n')
  .map((l) => /^([^/\s]+)\/\S+ (\S+) \S+ \[upgradable from: ([^\]]+)\]$/.exec(l))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ name: m[1]!, to: m[2]!, from: m[3]! }))
  .sort((a, b) => (a.name < b.name ? -1 : 1));

let tmp: string;
let indexOval: string;
let pointRoot: string;
let upgradedRoot: string;

/** A system root that has `statusFile` as its dpkg status and Debian 12.15's release files. */
function makeRoot(name: string, statusFile: string): string {
  const root = path.join(tmp, name);
  mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true });
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  copyFileSync(statusFile, path.join(root, 'var/lib/dpkg/status'));
  writeFileSync(path.join(root, 'etc/os-release'), OS_RELEASE);
  writeFileSync(path.join(root, 'etc/debian_version'), DEBIAN_VERSION);
  return root;
}

const runs = new Map<string, Promise<CliResult>>();

/**
 * `patchhive scan` of the chroot at the point release (or `root`) against the index OVAL. Runs
 * without `-o` are shared between tests (each run parses the 4.7 MB OVAL): same arguments, same run.
 */
function scanMinbase(args: string[], root = pointRoot): Promise<CliResult> {
  const full = ['scan', '--root', root, '--name', 'minbase', '--catalog', indexOval, ...args];
  if (args.includes('-o')) return runCli(full);
  const key = JSON.stringify(full);
  if (!runs.has(key)) runs.set(key, runCli(full));
  return runs.get(key)!;
}

function findingsOf(r: CliResult): JsonFinding[] {
  return (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
}

beforeAll(() => {
  tmp = makeTempDir('scan');
  indexOval = path.join(tmp, 'bookworm-security-index.oval.xml');
  writeFileSync(
    indexOval,
    buildIndexOval(readXz(`${DEB}/bookworm-security-main-amd64-Packages.xz`), { release: '12' }),
  );
  pointRoot = makeRoot('minbase-point-release', POINT_RELEASE);
  upgradedRoot = makeRoot('minbase-security-upgraded', UPGRADED);
}, 120_000);

afterAll(() => {
  removeTempDir(tmp);
});

describe.concurrent('scan of the Debian 12 minbase chroot against the bookworm-security index OVAL', () => {
  it('the reference answer has six upgradable packages', () => {
    expect(UPGRADABLE.map((u) => u.name)).toEqual([
      'apt',
      'libapt-pkg6.0',
      'liblzma5',
      'libpcre2-8-0',
      'perl-base',
      'tzdata',
    ]);
  });

  it('point release: exit 1, and --format json lists exactly the six upgradable packages as missing, with the versions', async ({
    expect,
  }) => {
    const r = await scanMinbase(['--format', 'json', '-q']);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toBe('');
    const findings = findingsOf(r);
    expect(findings.map((f) => f.status)).toEqual(Array(UPGRADABLE.length).fill('missing'));
    expect(findings.map((f) => f.package).sort()).toEqual(UPGRADABLE.map((u) => u.name));
    for (const u of UPGRADABLE) {
      const f = findings.find((x) => x.package === u.name)!;
      expect(f.machine).toBe('minbase');
      expect(f.title).toBe(`${u.name} ${u.to} from bookworm-security`);
      // e.g. "apt 2.6.1 is earlier than the fixed 2.6.2"
      expect(f.evidence.map((e) => e.message)).toContain(`${u.name} ${u.from} is earlier than the fixed ${u.to}`);
    }
  });

  it('after the security upgrade: exit 0, nothing reported', async ({ expect }) => {
    const r = await scanMinbase(['--format', 'json', '-q'], upgradedRoot);
    expect(r.code, describeRun(r)).toBe(0);
    expect(findingsOf(r)).toEqual([]);
  });

  it('without -q, stderr has the catalog and the summary, stdout only the report', async ({ expect }) => {
    const r = await scanMinbase(['--format', 'tsv']);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toMatch(/^catalog .*bookworm-security-index\.oval\.xml: oval, \d+ bulletins$/m);
    expect(r.stderr).toMatch(/^scan of minbase: 6 missing, \d+ installed \(\d+ bulletins, \d+ applicable\)$/m);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(6);
  });

  it('--format tsv: one line per finding, 4 tab-separated columns (machine, bulletin, status, reason)', async ({
    expect,
  }) => {
    const [tsv, json] = await Promise.all([
      scanMinbase(['--format', 'tsv', '-q']),
      scanMinbase(['--format', 'json', '-q']),
    ]);
    expect(tsv.code, describeRun(tsv)).toBe(1);
    expect(tsv.stdout.endsWith('\n')).toBe(true);
    const rows = tsv.stdout
      .slice(0, -1)
      .split('\n')
      .map((l) => l.split('\t'));
    const findings = findingsOf(json);
    expect(rows).toHaveLength(findings.length);
    rows.forEach((row, i) => {
      expect(row).toHaveLength(4);
      const f = findings[i]!;
      expect(row.slice(0, 3)).toEqual([f.machine, f.bulletin, f.status]);
      expect(f.evidence.map((e) => e.message)).toContain(row[3]);
    });
  });

  it('--format csv: a header, and it parses back to the same findings as --format json', async ({ expect }) => {
    const [csv, json] = await Promise.all([
      scanMinbase(['--format', 'csv', '-q']),
      scanMinbase(['--format', 'json', '-q']),
    ]);
    expect(csv.code, describeRun(csv)).toBe(1);
    expect(csv.stdout.split('\r\n')[0]).toBe('machine,bulletin,package,status,severity,title,cves,kbs,reason,catalog'); // RFC 4180 record ends
    const records = parseCsv<Record<string, string>>(csv.stdout, { columns: true, skip_empty_lines: true });
    const findings = findingsOf(json);
    expect(
      records.map((r) => [r.machine, r.bulletin, r.package, r.status, r.severity, r.title, r.cves, r.kbs, r.catalog]),
    ).toEqual(
      findings.map((f) => [
        f.machine,
        f.bulletin,
        f.package ?? '',
        f.status,
        f.severity,
        f.title,
        f.cves.join(' '),
        f.kbs.join(' '),
        f.catalog ?? '',
      ]),
    );
    // the reason holds quotes and backslashes ("/etc/debian_version matching (\d+)\.\d ... "12""): they survive the round trip
    for (const [i, r] of records.entries()) expect(findings[i]!.evidence.map((e) => e.message)).toContain(r.reason);
  });

  it('--status all also lists the installed fixes; exit 1 still', async ({ expect }) => {
    const r = await scanMinbase(['--format', 'json', '-q', '--status', 'all']);
    expect(r.code, describeRun(r)).toBe(1);
    const findings = findingsOf(r);
    const byStatus = new Map<string, string[]>();
    for (const f of findings) byStatus.set(f.status, [...(byStatus.get(f.status) ?? []), f.package ?? f.bulletin]);
    expect(byStatus.get('missing')?.sort()).toEqual(UPGRADABLE.map((u) => u.name));
    expect(byStatus.get('installed')?.length).toBeGreaterThan(0);
    // e.g. libsystemd0 is at the version bookworm-security has: installed, not missing
    expect(byStatus.get('installed')).toContain('libsystemd0');
  });

  it('exit code counts only what is reported: --status installed gives 0 although fixes are missing', async ({
    expect,
  }) => {
    const r = await scanMinbase(['--format', 'json', '-q', '--status', 'installed']);
    expect(r.code, describeRun(r)).toBe(0);
    const findings = findingsOf(r);
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => f.status))).toEqual(new Set(['installed']));
  });

  it('--min-severity keeps exactly the findings of that severity and above', async ({ expect }) => {
    // On this chroot the tracker sample gives "low" (unimportant) and "unknown" (not yet assigned)
    // findings, the index OVAL only "unknown" ones.
    const both = ['--catalog', TRACKER, '--format', 'json', '-q'];
    const [all, low, lowDefault] = await Promise.all([
      scanMinbase([...both, '--status', 'all']),
      scanMinbase([...both, '--status', 'all', '--min-severity', 'low']),
      scanMinbase([...both, '--min-severity', 'low']),
    ]);
    const rank = (s: Severity) => SEVERITIES.indexOf(s);
    const everything = findingsOf(all);
    const expected = everything.filter((f) => rank(f.severity) <= rank('low'));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(everything.length);
    expect(findingsOf(low)).toEqual(expected);
    // The six missing packages have severity "unknown" (the index OVAL has none): filtered out,
    // nothing missing is reported any more, so the exit code is 0.
    expect(all.code, describeRun(all)).toBe(1);
    expect(low.code, describeRun(low)).toBe(0);
    expect(lowDefault.code, describeRun(lowDefault)).toBe(0);
    const shown = findingsOf(lowDefault);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((f) => f.severity === 'low' && ['missing', 'affected', 'unknown'].includes(f.status))).toBe(
      true,
    );
  });

  it.for(['json', 'tsv', 'csv', 'table'])(
    '-o FILE writes the same bytes as stdout (--format %s), atomically',
    async (format, { expect }) => {
      const dir = path.join(tmp, `out-${format}`);
      mkdirSync(dir);
      const out = path.join(dir, `report.${format}`);
      const [toStdout, toFile] = await Promise.all([
        scanMinbase(['--format', format, '-q']),
        scanMinbase(['--format', format, '-q', '-o', out]),
      ]);
      expect(toStdout.code, describeRun(toStdout)).toBe(1);
      expect(toFile.code, describeRun(toFile)).toBe(1);
      expect(toStdout.stdoutBytes.length).toBeGreaterThan(0);
      expect(toFile.stdout).toBe('');
      expect(readFileSync(out).equals(toStdout.stdoutBytes)).toBe(true);
      expect(listDir(dir)).toEqual([`report.${format}`]);
    },
  );

  const debian12Host = existsSync('/etc/debian_version') && /^12\./.test(readFileSync('/etc/debian_version', 'utf8'));
  it.runIf(debian12Host)(
    'on a Debian 12 host, --dpkg-status FILE gives the same report as that file in a --root',
    async ({ expect }) => {
      const [viaStatus, viaRoot] = await Promise.all([
        runCli([
          'scan',
          '--dpkg-status',
          POINT_RELEASE,
          '--name',
          'minbase',
          '--catalog',
          indexOval,
          '--format',
          'json',
          '-q',
        ]),
        scanMinbase(['--format', 'json', '-q']),
      ]);
      expect(viaStatus.code, describeRun(viaStatus)).toBe(1);
      // The release test's evidence quotes the host's debian_version; everything else is the same.
      const comparable = (r: CliResult) =>
        findingsOf(r).map((f) => ({
          ...f,
          evidence: f.evidence.filter((e) => !e.subject.startsWith('/etc/debian_version')),
        }));
      expect(comparable(viaStatus)).toEqual(comparable(viaRoot));
    },
  );
});

describe.concurrent('the tsv/csv reason is the evidence that decided the finding', () => {
  // The classic checkers' reason names the file or package version that is too old; a platform
  // check that every finding of the catalog shares ("Debian 12 is installed") says nothing.
  it('Debian: the reason of apt names its version and the fixed one', async ({ expect }) => {
    const [tsv, json] = await Promise.all([
      scanMinbase(['--format', 'tsv', '-q']),
      scanMinbase(['--format', 'json', '-q']),
    ]);
    const bulletin = findingsOf(json).find((f) => f.package === 'apt')?.bulletin;
    const row = tsv.stdout.split('\n').find((l) => l.split('\t')[1] === bulletin);
    expect(row, tsv.stdout).toBeDefined();
    expect(row!.split('\t')[3]).toBe('apt 2.6.1 is earlier than the fixed 2.6.2');
  });

  it('Windows: the reason of MS08-067 names netapi32.dll and its version', async ({ expect }) => {
    const r = await runCli(['scan', '--inventory', XP_UNPATCHED, '--catalog', CIS_OVAL, '--format', 'tsv', '-q']);
    const row = r.stdout.split('\n').find((l) => l.split('\t')[1] === MS08_067.definition);
    expect(row, r.stdout).toBeDefined();
    expect(row!.split('\t')[3]).toMatch(/netapi32\.dll.*5\.1\.2600\.2180.*5\.1\.2600\.3462/);
  });
});

describe.concurrent('scan of a Windows collector inventory against the CIS OVAL sample', () => {
  it('unpatched XP SP2: MS08-067 (CVE-2008-4250) is missing, exit 1, with the netapi32.dll evidence', async ({
    expect,
  }) => {
    const r = await runCli(['scan', '--inventory', XP_UNPATCHED, '--catalog', CIS_OVAL, '--format', 'json', '-q']);
    expect(r.code, describeRun(r)).toBe(1);
    const findings = findingsOf(r);
    const ms08067 = findings.find((f) => f.bulletin === MS08_067.definition);
    expect(ms08067, r.stdout).toBeDefined();
    expect(ms08067!.status).toBe('missing');
    expect(ms08067!.machine).toBe('XPSP2-LAB01');
    expect(ms08067!.cves).toContain(MS08_067.cve);
    expect(ms08067!.title).toBe('Server Service Vulnerability');
    expect(ms08067!.evidence).toContainEqual(
      expect.objectContaining({
        actual: '5.1.2600.2180',
        message: 'netapi32.dll version 5.1.2600.2180 is less than 5.1.2600.3462',
      }),
    );
  });

  it('patched XP SP2: MS08-067 is installed, exit 0', async ({ expect }) => {
    const [def, all] = await Promise.all([
      runCli(['scan', '--inventory', XP_PATCHED, '--catalog', CIS_OVAL, '--format', 'json', '-q']),
      runCli(['scan', '--inventory', XP_PATCHED, '--catalog', CIS_OVAL, '--format', 'json', '-q', '--status', 'all']),
    ]);
    expect(def.code, describeRun(def)).toBe(0);
    expect(findingsOf(def)).toEqual([]);
    expect(findingsOf(all).find((f) => f.bulletin === MS08_067.definition)?.status).toBe('installed');
  });
});

// Our own nodes in a temporary directory (a FIFO; a character device with the null device's
// numbers, as root), never a real device under /dev. The small Windows scan keeps them quick.
describe.concurrent('scan -o onto a FIFO or a device writes into it and never replaces it', () => {
  const scanXp = (args: string[]) =>
    runCli(['scan', '--inventory', XP_UNPATCHED, '--catalog', CIS_OVAL, '--format', 'json', '-q', ...args]);

  it('-o onto a FIFO: the reader gets the report, and it stays a FIFO', async ({ expect }) => {
    const dir = path.join(tmp, 'out-fifo');
    mkdirSync(dir);
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const received = new Promise<Buffer>((resolve, reject) => {
      createReadStream(fifo)
        .on('data', (c) => chunks.push(c as Buffer))
        .on('end', () => resolve(Buffer.concat(chunks)))
        .on('error', reject);
    });
    const [toStdout, toFifo] = await Promise.all([scanXp([]), scanXp(['-o', fifo])]);
    expect(toFifo.code, describeRun(toFifo)).toBe(1);
    expect(toFifo.stdout).toBe('');
    expect((await received).equals(toStdout.stdoutBytes)).toBe(true);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(listDir(dir)).toEqual(['pipe']);
  });

  it.runIf(process.getuid?.() === 0)('-o onto a character device leaves it a device', async ({ expect }) => {
    const dir = path.join(tmp, 'out-device');
    mkdirSync(dir);
    const node = path.join(dir, 'null');
    execFileSync('mknod', [node, 'c', '1', '3']);
    try {
      const before = statSync(node);
      const r = await scanXp(['-o', node]);
      expect(r.code, describeRun(r)).toBe(1);
      const after = statSync(node);
      expect(after.isCharacterDevice()).toBe(true);
      expect([after.ino, after.rdev]).toEqual([before.ino, before.rdev]);
      expect(listDir(dir)).toEqual(['null']);
    } finally {
      rmSync(node, { force: true });
    }
  });
});

describe('patchhive scan --help', () => {
  it('lists every option of the command, exit 0', async () => {
    const r = await runCli(['scan', '--help']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toBe('');
    // The options as the command registers them, so a new option cannot be left out of this test.
    const program = new Command('patchhive');
    registerScanCommand(program);
    const scan = program.commands.find((c) => c.name() === 'scan')!;
    const flags = scan.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));
    expect(flags.length).toBeGreaterThan(15);
    for (const flag of [...flags, '--help', '-h'])
      expect(r.stdout).toMatch(new RegExp(`(^|[\\s,])${flag}([\\s,]|$)`, 'm'));
    expect(r.stdout).toContain('Exit code: 0 nothing missing, 1 something missing');
  });
});
