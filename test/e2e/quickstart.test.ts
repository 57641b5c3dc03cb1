/**
 * The README's quick start, walked as a new user would, with the real CLI and a real `patchhive
 * serve` child process: `scan`; `serve`; sources added and synced from the bundled catalogs served
 * on loopback (the tracker source without --release); an enrollment secret printed alone into a
 * token file and an agent enrolled with it (a machine root made from a recorded dpkg status); a
 * saved inventory imported; `machines list` and `findings` counting the same open findings; the
 * triage queue filled right after the sync; `deploy create` saying up front what it cannot
 * install; the compliance of an empty group. Each step asserts one point of the first hour.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindingWire, MachineWire, SourceWire, SyncRecordWire } from '../../src/protocol/api.js';
import type { DeploymentDetailWire } from '../../src/protocol/deploy-api.js';
import type { TriageDecisionWire } from '../../src/protocol/policy-api.js';
import { DEBIAN_12_OS_RELEASE, fixture } from '../../src/inventory/test-support.js';
import { hostDebianRelease } from '../../src/server/host-release.js';
import { FeedServer } from '../../src/server/sync/sync-test-support.js';
import { describeRun, runCli, type CliResult } from '../support/cli.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { debianInventory, nativeCatalog, removeInventoryRoots, REPO, tempDir, waitFor } from './server-test-helpers.js';

const BUNDLED = [
  'debian-oval-bookworm-sample.xml',
  'debian-tracker-bookworm-sample.json',
  'inhouse-sample.json',
  'msrc-2026-aug.csv',
];

let work: { dir: string; remove(): Promise<void> };
let feed: FeedServer;
let serve: ServeProcess | undefined;
let env: Record<string, string>;
let hostRelease: string | undefined;

/** `patchhive …` against the quick start's server, as the admin of the README's `export` line. */
const cli = (args: string[]): Promise<CliResult> => runCli(args, { env, timeoutMs: 120_000 });

async function ok(args: string[]): Promise<CliResult> {
  const r = await cli(args);
  expect(r.code, describeRun(r)).toBe(0);
  return r;
}

const json = async <T>(args: string[]): Promise<T> => JSON.parse((await ok([...args, '--format', 'json'])).stdout) as T;

/** Reads the API directly where the CLI is not the point (each CLI run starts a process). */
async function api<T>(method: string, url: string): Promise<T> {
  const res = await fetch(`${env.PATCHHIVE_SERVER}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${env.PATCHHIVE_TOKEN}` },
  });
  const text = await res.text();
  expect(res.ok, `${method} ${url}: ${text}`).toBe(true);
  return JSON.parse(text) as T;
}

const bulletinsOf = async (source: string): Promise<number> =>
  (await api<SourceWire>('GET', `/sources/${source}`)).bulletins;

beforeAll(async () => {
  work = await tempDir('patchhive-quickstart-');
  hostRelease = await hostDebianRelease();
  feed = await new FeedServer().start();
  feed.put('/tracker.json', readFileSync(path.join(REPO, 'catalogs/debian-tracker-bookworm-sample.json')));
  feed.put('/oval.xml', readFileSync(path.join(REPO, 'catalogs/debian-oval-bookworm-sample.xml')));
  // An in-house catalog with one fix that apt can install on the recorded machines (apt 2.6.1).
  feed.put('/inhouse.json', nativeCatalog('inhouse', [{ id: 'PH-APT', pkg: 'apt', fixed: '2.6.2' }]));
});

afterAll(async () => {
  await serve?.kill('SIGTERM');
  await feed?.close();
  await removeInventoryRoots();
  await work?.remove();
});

// Each step runs the CLI as a process, and some wait for syncs and assessments: minutes on a busy machine.
describe('the README quick start', { timeout: 600_000 }, () => {
  it('scan: every finding names its catalog, and exit 1 says which bulletin of which catalog is missing', async () => {
    // `npx patchhive scan` on a machine whose libssl3 predates the invented in-house sample's fix.
    const status = fixture('debian', 'status-host-node-image.txt');
    const [table, asJson] = await Promise.all([
      runCli(['scan', '--dpkg-status', status]),
      runCli(['scan', '--dpkg-status', status, '--format', 'json', '-q']),
    ]);
    expect(table.code, describeRun(table)).toBe(1);
    expect(table.stderr).toMatch(/^exit code 1: missing PH-2026-004 \(catalog inhouse-sample\.json\)$/m);
    const findingLines = table.stdout.split('\n').filter((l) => /^ {2}(missing|affected|unknown) /.test(l));
    expect(findingLines.length).toBeGreaterThan(0);
    for (const l of findingLines) expect(l).toMatch(/ \[[^\]]+\]$/);
    const findings = (JSON.parse(asJson.stdout) as { findings: { bulletin: string; catalog: string }[] }).findings;
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) for (const c of f.catalog.split(', ')) expect(BUNDLED).toContain(c);
    expect(findings.find((f) => f.bulletin === 'PH-2026-004')?.catalog).toBe('inhouse-sample.json');
  });

  it('serve: starts, prints the key fingerprint and writes the initial admin token', async () => {
    const dataDir = path.join(work.dir, 'data');
    serve = await startServe(['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn']);
    expect(serve.keyFingerprint).toMatch(/^SHA256:/);
    env = {
      PATCHHIVE_SERVER: serve.url,
      PATCHHIVE_TOKEN: readFileSync(path.join(dataDir, 'initial-admin-token'), 'utf8').trim(),
      XDG_CONFIG_HOME: path.join(work.dir, 'no-config'),
    };
  });

  it('tokens enrollment create --secret-only -o FILE writes only the secret (mode 0600); agent enroll --token-file takes it', async () => {
    const tokenFile = path.join(work.dir, 'enroll-token');
    const created = await ok(['tokens', 'enrollment', 'create', '--uses', '5', '--secret-only', '-o', tokenFile]);
    const secret = readFileSync(tokenFile, 'utf8');
    expect(secret).toMatch(/^\S+\n$/);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(created.stderr).toMatch(/only time its secret is shown/);
    const toStdout = await ok(['tokens', 'enrollment', 'create', '--secret-only']);
    expect(toStdout.stdout).toMatch(/^\S+\n$/);

    const root = path.join(work.dir, 'web-01');
    const files = {
      'etc/os-release': DEBIAN_12_OS_RELEASE,
      'etc/hostname': 'web-01\n',
      'var/lib/dpkg/status': readFileSync(fixture('debian', 'status-minbase-12-point-release.txt')),
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    }
    const stateDir = path.join(work.dir, 'agent-state');
    await ok([
      'agent',
      'enroll',
      '--server',
      serve!.url,
      '--token-file',
      tokenFile,
      '--root',
      root,
      '--state-dir',
      stateDir,
      '--server-key-fingerprint',
      serve!.keyFingerprint,
    ]);
    await ok(['agent', 'run', '--root', root, '--state-dir', stateDir, '--once']);
    expect((await json<MachineWire>(['machines', 'show', 'web-01'])).name).toBe('web-01');
  });

  it('groups exist before the catalogs: web (the agent machine) and an empty one', async () => {
    await ok(['groups', 'create', 'web', '--members', 'web-01']);
    await ok(['groups', 'create', 'nobody', '--rule', 'role = "no-such-role"']);
  });

  it("sources add without --release: a tracker source reads the server host's release and says so; sync imports it", async () => {
    const added = await cli(['sources', 'add', 'debian-tracker', feed.url('/tracker.json'), '--format', 'json']);
    expect(added.code, describeRun(added)).toBe(0);
    const source = JSON.parse(added.stdout) as SourceWire;
    const sync = await cli(['sources', 'sync', 'debian-tracker', '--format', 'json']);
    if (hostRelease === undefined) {
      // Not a Debian host: no release to default to, and the sync says how to set one.
      expect(source.release).toBeNull();
      expect(added.stderr).toMatch(/not Debian: a tracker feed is refused until one is set/);
      expect(sync.code).toBe(2);
      expect(sync.stderr).toMatch(/needs a release: patchhive sources set debian-tracker --release/);
      await ok(['sources', 'set', 'debian-tracker', '--release', 'bookworm']);
      await ok(['sources', 'sync', 'debian-tracker']);
    } else {
      expect(source.release).toBe(hostRelease);
      expect(source.notes?.[0]).toContain(`release ${hostRelease}: the server host's own Debian release`);
      expect(added.stderr).toContain(`patchhive: note: release ${hostRelease}: the server host's own Debian release`);
      expect(sync.code, describeRun(sync)).toBe(0);
      expect((JSON.parse(sync.stdout) as SyncRecordWire).result).toBe('updated');
    }
    expect(await bulletinsOf('debian-tracker')).toBeGreaterThan(0);
  });

  it('the triage queue holds the new bulletins right after that sync (no sweep ran)', async () => {
    const queue = await json<{ items: TriageDecisionWire[] }>(['triage', 'list', '--state', 'new', '--group', 'web']);
    expect(queue.items.length).toBeGreaterThan(0);
    expect(queue.items.map((d) => d.bulletinId)).toContain('CVE-2011-3374'); // apt, no fix yet: affected
  });

  it('a settings change re-imports the same content: release bullseye, then back to bookworm', async () => {
    const bookworm = await bulletinsOf('debian-tracker');
    const set = await ok(['sources', 'set', 'debian-tracker', '--release', 'bullseye']);
    expect(set.stderr).toMatch(/next sync imports the feed again, even if its content is unchanged/);
    expect((await json<SyncRecordWire>(['sources', 'sync', 'debian-tracker'])).result).toBe('updated');
    expect(await bulletinsOf('debian-tracker')).not.toBe(bookworm);
    await ok(['sources', 'set', 'debian-tracker', '--release', 'bookworm']);
    expect((await api<SyncRecordWire>('POST', '/sources/debian-tracker/sync')).result).toBe('updated');
    expect(await bulletinsOf('debian-tracker')).toBe(bookworm);
    // Unchanged settings and content: nothing to import.
    expect((await api<SyncRecordWire>('POST', '/sources/debian-tracker/sync')).result).toBe('not-modified');
  });

  it('more catalogs and a saved inventory: OVAL and an in-house catalog, and a machine imported from a file', async () => {
    await ok(['sources', 'add', 'debian-oval', feed.url('/oval.xml')]);
    await ok(['sources', 'add', 'inhouse', feed.url('/inhouse.json'), '--allow-unsigned']);
    for (const s of ['debian-oval', 'inhouse'])
      expect((await api<SyncRecordWire>('POST', `/sources/${s}/sync`)).result).toBe('updated');
    const inventoryFile = path.join(work.dir, 'legacy-01.json');
    // Saved without text files (as an older collector wrote them): the OVAL release check cannot be decided.
    const inventory = await debianInventory('status-minbase-12-point-release.txt', 'legacy-01', new Date());
    delete inventory.textFiles;
    await writeFile(inventoryFile, JSON.stringify(inventory));
    await ok(['machines', 'import', inventoryFile]);
  });

  it('an unknown finding names the fact that was not collected, not a comparison that reads "not affected"', async () => {
    const unknown = await waitFor(
      'unknown findings',
      async () => {
        const r = await api<{ items: FindingWire[] }>('GET', '/findings?status=unknown&limit=1000');
        return r.items.length > 0 ? r.items : undefined;
      },
      120_000,
    );
    for (const f of unknown) {
      expect(f.reason, JSON.stringify(f)).toMatch(/^(not collected|not supported|undecided): |^no fix is available/);
      expect(f.reason).not.toMatch(/is not earlier than/);
    }
    expect(unknown.some((f) => f.reason?.startsWith('not collected: '))).toBe(true);
  });

  it('machines list and findings count the same open findings', async () => {
    const machines = await json<{ items: MachineWire[] }>(['machines', 'list']);
    const openInList = machines.items.reduce((n, m) => n + m.openFindings, 0);
    expect(openInList).toBeGreaterThan(0);
    const findings = await json<{ items: FindingWire[]; total: number }>(['findings', '--all']);
    expect(findings.total).toBe(openInList);
    expect(findings.items.every((f) => f.status === 'missing' || f.status === 'affected')).toBe(true);
    for (const m of machines.items) {
      expect((await api<{ total: number }>('GET', `/findings?machine=${m.id}&limit=1`)).total, m.name).toBe(
        m.openFindings,
      );
    }
    const table = await ok(['findings']);
    expect(table.stdout).toContain(`${openInList} open findings (missing or affected, as OPEN in \`machines list\`)`);
    expect(table.stdout).toMatch(/; \d+ unknown \(a fact was not collected\) not listed: --status unknown/);
  });

  it('deploy create says up front which approved bulletins have no installable fix', async () => {
    await ok(['triage', 'approve', 'PH-APT', 'CVE-2011-3374', '--group', 'web']);
    // Named: refused, with the bulletin and why, and no deployment is created.
    const named = await cli([
      'deploy',
      'create',
      '--name',
      'apt-named',
      '--group',
      'web',
      '--bulletin',
      'PH-APT',
      '--bulletin',
      'CVE-2011-3374',
      '--ring',
      'all=rest',
    ]);
    expect(named.code, describeRun(named)).toBe(2);
    expect(named.stderr).toMatch(/no target machine can install CVE-2011-3374 \(.+\)/);
    expect(named.stderr).not.toMatch(/PH-APT \(/);
    // The approved work: created with what can be installed, the rest left out with a warning.
    const created = await cli([
      'deploy',
      'create',
      '--name',
      'apt',
      '--group',
      'web',
      '--ring',
      'all=rest',
      '--format',
      'json',
    ]);
    expect(created.code, describeRun(created)).toBe(0);
    expect(created.stderr).toMatch(
      /^patchhive: warning: 1 approved bulletin has no installable fix on the target machines and was left out: CVE-2011-3374 \(/m,
    );
    const deployment = JSON.parse(created.stdout) as DeploymentDetailWire;
    expect(deployment.bulletinIds).toEqual(['PH-APT']);
    expect(deployment.skippedBulletins?.map((s) => s.bulletinId)).toEqual(['CVE-2011-3374']);
    expect(deployment.status).toBe('running');
    expect(deployment.machines.map((m) => m.state)).not.toContain('failed');
    const list = await api<{ items: { name: string }[] }>('GET', '/deployments');
    expect(list.items.map((d) => d.name)).toEqual(['apt']);
  });

  it('the compliance of an empty group is "no machines", not 100 %', async () => {
    const r = await ok(['report', '--group', 'nobody']);
    const report = JSON.parse(r.stdout) as { summary: { machines: number; compliancePercent: number | null } };
    expect(report.summary).toMatchObject({ machines: 0, compliancePercent: null });
    expect(r.stderr).toMatch(/no machines in group nobody: there is nothing to be compliant/);
    const html = await ok([
      'report',
      '--group',
      'nobody',
      '--format',
      'html',
      '-o',
      path.join(work.dir, 'nobody.html'),
    ]);
    expect(html.code).toBe(0);
    const page = readFileSync(path.join(work.dir, 'nobody.html'), 'utf8');
    expect(page).toContain('no machines');
    expect(page).not.toContain('100.0 %');
  });
});
