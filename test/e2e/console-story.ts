/**
 * The administrator's whole story in a real browser (Debian's chromium through playwright-core),
 * through the console only, against two real Debian machines (debootstrap chroots made from the
 * cached base image) each with its own running agent:
 *
 *  1. sign in with a password on the sign-in form (fields `username`, `password`);
 *  2. Today is quiet; "Sync now" on Settings › Sources brings a new bulletin — a real pending
 *     security update of the machines (its fixed version is the one in their bookworm-security
 *     index) — and the next Today lists it as new since the last visit, hitting both machines;
 *  3. approve it on /triage;
 *  4. create a two-ring deployment with the guided form (lab-1 first, then the rest);
 *  5. watch it complete on its page, which changes by polling alone (no reload);
 *  6. the machine's page shows the finding resolved, with its evidence (expected vs actual);
 *  7. download the PDF report from /reports.
 *
 * Setup only goes through the API (or test hooks): the user, the catalog source (not synced), the
 * group, and enrolling and starting the agents. `consoleStory(database)` defines the suite; one test
 * file per database lets vitest run the two in parallel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { ensureConsoleBuilt, openPage, screenshot, sharedBrowser, type ConsolePage } from '../support/browser.js';
import { CLI_MAIN, ROOT, runCli } from '../support/cli.js';
import {
  cleanupStaleMounts,
  createDebianMachine,
  mountSystem,
  parseUpgradable,
  runCommand,
  whyNoDebianMachines,
  type DebianMachine,
} from '../support/debian-machines.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import { adminApi, tempDir, waitFor, whyNoPostgres } from './server-test-helpers.js';

const SECURITY_LIST =
  'var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages';
const BULLETIN = 'PHT-STORY-1';
const GROUP = 'story';
const USER = 'ada';
const PASSWORD = 'a long story password 12';
const MACHINES = ['lab-1', 'web-1'] as const;
const MINUTE = 60_000;
/** How long a page may take to show something on a loaded machine. */
const UNTIL = { timeout: 60_000 };

/** The pending security update the story fixes: the smallest download among those both machines miss. */
interface Fix {
  pkg: string;
  from: string;
  to: string;
}

/** Package sizes of a Packages index (bytes of the .deb), by name. */
function packageSizes(index: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const stanza of index.split(/\n\n+/)) {
    const name = /^Package: (\S+)$/m.exec(stanza)?.[1];
    const size = /^Size: (\d+)$/m.exec(stanza)?.[1];
    if (name && size) sizes.set(name, Number(size));
  }
  return sizes;
}

/** A native catalog with the story's one bulletin, published today. */
function storyCatalog(fix: Fix): string {
  return `${JSON.stringify(
    {
      format: 'patchhive.catalog/1',
      name: 'debian-security-story',
      bulletins: [
        {
          id: BULLETIN,
          title: `${fix.pkg} security update`,
          severity: 'important',
          published: new Date().toISOString().slice(0, 10),
          fixes: [
            {
              id: 'debian-12',
              package: { manager: 'dpkg', name: fix.pkg, version: fix.to },
              applicability: { all: [{ os: { platform: 'debian', release: '12' } }, { dpkg: { name: fix.pkg } }] },
              installed: { dpkg: { name: fix.pkg, version: { ge: fix.to } } },
            },
          ],
        },
      ],
    },
    null,
    2,
  )}\n`;
}

/** Why the story cannot run here (outside CI): no root, debootstrap or mirror, or no PostgreSQL. */
export async function whyNoStory(database: TestDatabase): Promise<string | undefined> {
  if (process.env.CI === 'true') return undefined;
  return (await whyNoDebianMachines()) ?? (database === 'postgres' ? await whyNoPostgres() : undefined);
}

/** The story's suite on `database`; skipped (with the reason logged) when `skipReason` is set. */
export function consoleStory(database: TestDatabase, skipReason: string | undefined): void {
  if (skipReason) console.warn(`console story (${database}) skipped: ${skipReason}`);
  const browser = sharedBrowser();

  describe.skipIf(skipReason !== undefined)(`the administrator's story in the console (${database})`, () => {
    let server: TestServer;
    let work: { dir: string; remove(): Promise<void> };
    const machines = new Map<string, DebianMachine>();
    const unmounts: (() => Promise<void>)[] = [];
    const agents: ChildProcess[] = [];
    const agentLogs: string[] = [];
    const opened: ConsolePage[] = [];
    let fix: Fix;
    const api = adminApi(() => server);
    const started = Date.now();
    const lap = (what: string) =>
      console.log(`console story (${database}): ${what} at ${Math.round((Date.now() - started) / 1000)} s`);

    /** Checks the page with axe-core (no serious or critical violation), then screenshots it when asked. */
    async function shot(page: Page, name: string): Promise<void> {
      await page.waitForTimeout(300); // let transitions finish
      await expectAccessible(page, `${name} (${database})`);
      await screenshot(page, name, 'desktop');
    }

    const startAgent = (name: string): void => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', CLI_MAIN, 'agent', 'run', '--root', machines.get(name)!.root],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (d: Buffer) => agentLogs.push(`${name}: ${d.toString()}`));
      child.stderr.on('data', (d: Buffer) => agentLogs.push(`${name}: ${d.toString()}`));
      agents.push(child);
    };

    beforeAll(async () => {
      work = await tempDir(`patchhive-story-${database}-`);
      // The console first: the server reads what dist/web holds when it starts.
      await ensureConsoleBuilt();
      const [srv] = await Promise.all([
        startTestServer({
          database,
          listen: true,
          // short check-ins and a rollout tick each second keep the story within a minute or two
          config: { checkinIntervalSeconds: 5, rollout: { tickSeconds: 1 } },
        }),
        ...MACHINES.map(async (name) => {
          const m = await createDebianMachine(name, work.dir);
          machines.set(name, m);
          unmounts.push(await mountSystem(m.root));
        }),
      ]);
      server = srv!;
      lap('server and machines ready');

      // The fix: a security update both machines really miss, at the version their index offers.
      const lab = machines.get('lab-1')!;
      const { stdout } = await runCommand('chroot', [lab.root, 'apt', 'list', '--upgradable']);
      const sizes = packageSizes(await readFile(path.join(lab.root, SECURITY_LIST), 'utf8'));
      const pending = parseUpgradable(stdout)
        .filter((u) => u.suite.endsWith('-security') && sizes.has(u.name))
        .sort((a, b) => sizes.get(a.name)! - sizes.get(b.name)!);
      expect(pending.length, 'the base image has pending security updates').toBeGreaterThan(0);
      fix = { pkg: pending[0]!.name, from: pending[0]!.from, to: pending[0]!.to };
      console.log(`console story (${database}): the fix is ${fix.pkg} ${fix.from} → ${fix.to}`);

      // Setup through the API: a password user, the source (not synced yet), the group, the agents.
      await api('POST', '/users', { name: USER, role: 'admin', password: PASSWORD });
      const catalog = path.join(work.dir, 'security-story.json');
      await writeFile(catalog, storyCatalog(fix));
      await api('POST', '/sources', { name: 'debian-security', url: catalog, format: 'native', allowUnsigned: true });
      const enrollment = await api<{ secret: string }>('POST', '/enrollment-tokens', { maxUses: 2, expiresInHours: 1 });
      const tokenFile = path.join(work.dir, 'enroll-token');
      await writeFile(tokenFile, enrollment.secret, { mode: 0o600 });
      const { fingerprint } = await api<{ fingerprint: string }>('GET', '/server-key');
      await Promise.all(
        MACHINES.map(async (name) => {
          const r = await runCli([
            'agent',
            'enroll',
            '--server',
            server.url,
            '--token-file',
            tokenFile,
            '--root',
            machines.get(name)!.root,
            '--server-key-fingerprint',
            fingerprint,
          ]);
          expect(r.code, r.stderr).toBe(0);
          startAgent(name);
        }),
      );
      lap('agents enrolled and started');
      await api('POST', '/groups', { name: GROUP, kind: 'static', members: [...MACHINES] });
      await waitFor(
        'both machines to send their inventory',
        async () => {
          const res = await api<{ items: { name: string; assessedAt: string | null }[] }>('GET', '/machines');
          return res.items.filter((x) => x.assessedAt).length === MACHINES.length ? true : undefined;
        },
        2 * MINUTE,
      );
      lap('agents enrolled and assessed');
    }, 10 * MINUTE);

    afterAll(async () => {
      for (const c of opened) await c.close().catch(() => undefined);
      for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill('SIGTERM');
      await Promise.all(
        agents.map((a) =>
          a.exitCode !== null || a.signalCode !== null ? Promise.resolve() : new Promise((r) => a.once('exit', r)),
        ),
      );
      await server?.destroy();
      await Promise.all(unmounts.map((u) => u()));
      await Promise.all([...machines.values()].map((m) => m.destroy()));
      if (work) {
        await cleanupStaleMounts(work.dir);
        await work.remove();
      }
    }, 3 * MINUTE);

    it(
      'signs in, sees the new bulletin, approves it, deploys it in two rings, watches it finish, sees it resolved and downloads the report',
      async () => {
        /** The deployment page's states, each time they changed. */
        const seen: string[] = [];
        try {
          const c = await openPage(browser(), { baseURL: server.url });
          opened.push(c);
          c.context.setDefaultTimeout(60_000); // a loaded CI machine
          const { page } = c;

          // 1. Sign in with a password.
          await page.goto('/');
          await page.getByRole('heading', { name: 'Sign in to Patchhive' }).waitFor();
          await page.locator('input[name="username"]').fill(USER);
          await page.locator('input[name="password"]').fill(PASSWORD);
          await shot(page, 'story-signin');
          const firstVisit = page.waitForResponse((r) => r.url().endsWith('/api/v1/today/seen') && r.ok());
          await page.getByRole('button', { name: 'Sign in' }).click();

          // 2. Today, first visit: the machines are fine and nothing is new yet.
          await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
          await page.getByText('No new bulletin hits your machines.').waitFor();
          await firstVisit;
          await shot(page, 'story-today-before');

          // The source syncs after that visit: Settings › Sources, "Sync now".
          await page.getByRole('link', { name: 'Settings' }).click();
          await page.getByRole('tab', { name: 'Sources' }).click();
          const sources = page.getByRole('table', { name: 'Catalog sources' });
          const row = sources.getByRole('row').filter({ hasText: 'debian-security' });
          await row.getByRole('button', { name: 'Sync now' }).click();
          await row.getByText('updated', { exact: true }).waitFor();
          await shot(page, 'story-sources');
          await server.assessment.whenIdle(); // the sync's reassessment of both machines
          lap('source synced');

          // Today again, in a new tab (a tab keeps the changes it first showed): new since my last visit.
          const today = await c.context.newPage();
          await today.goto('/');
          const fresh = today.getByRole('region', { name: 'New bulletins hitting your machines' });
          await fresh.getByRole('link', { name: new RegExp(`${BULLETIN} ${fix.pkg} security update`) }).waitFor();
          await expect(fresh.textContent()).resolves.toContain('2 machines');
          const waiting = today.getByRole('region', { name: 'Triage waiting for you' });
          await shot(today, 'story-today');

          // 3. Approve it on the triage page (one click from Today).
          await waiting.getByRole('link', { name: `${BULLETIN} in ${GROUP}` }).click();
          await today.getByRole('heading', { name: 'Triage', level: 1 }).waitFor();
          const queue = today.getByRole('table', { name: 'Triage queue' });
          await today.getByRole('checkbox', { name: `Select ${BULLETIN} in ${GROUP}` }).check();
          await shot(today, 'story-triage');
          await today.getByRole('button', { name: 'Approve', exact: true }).click();
          await today.getByText('1 applied').waitFor();
          await expect.poll(() => queue.getByRole('row').filter({ hasText: BULLETIN }).count(), UNTIL).toBe(0);
          lap('approved');

          // 4. A two-ring deployment with the guided form: lab-1 first, then the rest of the group.
          await today.getByRole('link', { name: 'Deployments' }).first().click();
          await today.getByRole('link', { name: 'New deployment' }).click();
          await today.getByRole('heading', { name: 'New deployment', level: 1 }).waitFor();
          await today.getByPlaceholder('Search bulletins').click();
          await today.getByRole('option', { name: `${BULLETIN} (${GROUP})` }).click();
          await today.keyboard.press('Escape');
          await today.getByRole('button', { name: 'Next' }).click();
          await today.getByPlaceholder('Pick groups').click();
          await today.getByRole('option', { name: `${GROUP} (2 machines)` }).click();
          await today.keyboard.press('Escape');
          await today.getByText('Target: 2 machines.').waitFor();
          await today.getByRole('button', { name: 'Next' }).click();
          // Rings: ring 1 lists lab-1, ring 2 takes the rest; no soak, to keep the story short.
          await today.getByLabel('Members', { exact: true }).first().click();
          await today.getByRole('option', { name: 'Listed machines' }).click();
          await today.getByLabel('Ring name', { exact: true }).first().fill('lab');
          await today.getByLabel('Machines of this ring', { exact: true }).first().click();
          await today.getByRole('option', { name: 'lab-1' }).click();
          await today.keyboard.press('Escape');
          for (const soak of await today.getByLabel('Soak time (hours)').all()) await soak.fill('0');
          await shot(today, 'story-deployment-rings');
          await today.getByRole('button', { name: 'Next' }).click();
          // A chroot cannot reboot: no reboot.
          await today.getByLabel("Override the groups' reboot policies").check();
          await today.getByLabel('Reboot', { exact: true }).first().click();
          await today.getByRole('option', { name: 'Never' }).click();
          await today.getByRole('button', { name: 'Next' }).click();
          await today.getByLabel('Deployment name').fill(`${fix.pkg} security fix`);
          await today.getByText(BULLETIN, { exact: true }).first().waitFor(); // the review step
          await shot(today, 'story-deployment-review');
          await today.getByRole('button', { name: /^(Start deployment|Create)/ }).click();
          lap('deployment created');

          // 5. Watch it complete: the page changes by polling alone (a marker proves no reload).
          await today.waitForURL((u) => /^\/deployments\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/new'));
          await today.getByRole('heading', { name: `${fix.pkg} security fix`, level: 1 }).waitFor();
          await today.evaluate(() => ((window as unknown as { storyMarker: number }).storyMarker = 1));
          let loads = 0;
          today.on('load', () => loads++);
          const ringState = (name: string) =>
            today.getByLabel(`Ring ${name}`).locator('.mantine-Badge-label').first().textContent();
          const machinesTable = today.getByRole('table', { name: 'Machines of the deployment' });
          const machineState = (name: string) =>
            machinesTable
              .getByRole('row')
              .filter({ hasText: name })
              .locator('.mantine-Badge-label')
              .first()
              .textContent();
          await expect
            .poll(
              async () => {
                const now = [
                  `lab ${await ringState('lab')}`,
                  `broad ${await ringState('broad')}`,
                  `lab-1 ${await machineState('lab-1')}`,
                  `web-1 ${await machineState('web-1')}`,
                ].join(', ');
                if (seen.at(-1) !== now) seen.push(now);
                return now;
              },
              { timeout: 4 * MINUTE, interval: 500 },
            )
            .toBe('lab passed, broad passed, lab-1 succeeded, web-1 succeeded');
          console.log(`console story (${database}): states seen live: ${seen.join(' | ')}`);
          await today.getByText('completed', { exact: true }).first().waitFor();
          // the page went through earlier states before these, without a reload
          expect(seen.length).toBeGreaterThan(1);
          expect(seen[0]).not.toContain('web-1 succeeded');
          expect(loads).toBe(0);
          expect(await today.evaluate(() => (window as unknown as { storyMarker?: number }).storyMarker)).toBe(1);
          await shot(today, 'story-deployment-done');
          lap('deployment completed');
          // apt really installed it
          for (const m of machines.values()) expect(await m.dpkgVersion(fix.pkg), m.name).toBe(fix.to);

          // 6. The machine's page: the finding resolved, with its evidence.
          await machinesTable.getByRole('link', { name: 'web-1' }).click();
          await today.getByRole('heading', { name: 'web-1', level: 1 }).waitFor();
          const resolved = today.getByRole('region', { name: 'Resolved findings' });
          await resolved.getByRole('button', { name: new RegExp(BULLETIN) }).click();
          await resolved.getByText('installed', { exact: true }).waitFor();
          const evidence = resolved.getByRole('table', { name: 'Evidence' });
          const evidenceRow = evidence.getByRole('row').filter({ hasText: fix.pkg });
          await evidenceRow.getByText(fix.to, { exact: false }).first().waitFor();
          const cells = await evidenceRow.getByRole('cell').allTextContents();
          console.log(`console story (${database}): evidence ${cells.join(' | ')}`);
          expect(cells[1]).toContain(fix.to); // expected
          expect(cells[2]).toContain(fix.to); // actual: what the machine has now
          await expect(
            today
              .getByRole('region', { name: /^Open findings/ })
              .getByText('Nothing open')
              .count(),
          ).resolves.toBe(1);
          await shot(today, 'story-machine');

          // 7. The PDF report, downloaded from /reports.
          await today.getByRole('link', { name: 'Reports' }).first().click();
          await today.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
          await shot(today, 'story-reports');
          const link = today.getByRole('link', { name: 'Download PDF' });
          const [download] = await Promise.all([today.waitForEvent('download'), link.click()]);
          const file = await download.path();
          const bytes = await readFile(file);
          expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
          expect(download.suggestedFilename()).toMatch(/\.pdf$/);
          const again = await c.context.request.get((await link.getAttribute('href'))!);
          expect(again.status()).toBe(200);
          expect(again.headers()['content-type']).toContain('application/pdf');
          lap('report downloaded');

          // before signing in, the console asks who is signed in: 401
          c.expectClean(/GET \/api\/v1\/me → 401/, /status of 401/);
        } catch (err) {
          // what the browser showed when it failed (pages in order of opening)
          for (const [i, p] of opened.flatMap((o) => o.context.pages()).entries()) {
            const text = await p.innerText('body').catch(() => null);
            console.error(`console story (${database}): page ${i} ${p.url()}:\n${text?.slice(0, 2000)}`);
            await p
              .screenshot({ path: path.join(tmpdir(), `console-story-${database}-${i}.png`) })
              .catch(() => undefined);
          }
          console.error(`deployment states seen: ${seen.join(' | ')}`);
          console.error(`agents (tail):\n${agentLogs.slice(-30).join('')}`);
          throw err;
        }
      },
      8 * MINUTE,
    );
  });
}
