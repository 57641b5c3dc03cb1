/**
 * The console's deployment, report and settings pages in a real browser (Debian's chromium through
 * playwright-core) against a real server: a deployment created with the guided form and paused on
 * its page (the reports are in console-reports.test.ts), an API token whose secret is shown
 * once, and a viewer who is offered no change. Each page is signed in with a cookie session and
 * checked with axe-core; screenshots (desktop and phone) go to docs/console/ when PATCHHIVE_SCREENSHOTS=1.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/model.js';
import type { CheckinResponse, EnrollResponse, JobReport } from '../../src/protocol/agent.js';
import type { JobWire } from '../../src/protocol/deploy-api.js';
import { inventoryHash } from '../../src/protocol/inventory-hash.js';
import { expectAccessible } from '../support/axe.js';
import {
  ensureConsoleBuilt,
  openPage,
  screenshot,
  sharedBrowser,
  type ConsolePage,
  type Screen,
} from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { expectApi, nativeCatalog, tempDir } from './server-test-helpers.js';

const browser = sharedBrowser();
const BASE: Record<string, string> = { openssl: '3.0.11-1~deb12u2', curl: '7.88.1-10+deb12u5' };
const BULLETINS = [
  { id: 'PH-SSL', pkg: 'openssl', fixed: '3.0.15-1~deb12u1', severity: 'critical' as const },
  { id: 'PH-CURL', pkg: 'curl', fixed: '7.88.1-10+deb12u8' },
];

function inventory(name: string): Inventory {
  return {
    schema: 'patchhive.inventory/1',
    machine: { name },
    collectedAt: new Date().toISOString(),
    collector: 'dpkg',
    os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
    packages: {
      manager: 'dpkg',
      items: Object.entries(BASE).map(([n, version]) => ({ name: n, version, arch: 'amd64' })),
    },
  };
}

describe('console pages: deployments, reports, settings', () => {
  let server: TestServer;
  let work: { dir: string; remove(): Promise<void> };
  let viewerToken: string;
  let deploymentPath = '';
  const opened: ConsolePage[] = [];

  /** A page signed in with `token` (a cookie session) on `screen`. */
  async function open(token: string, screen: Screen = 'desktop'): Promise<Page> {
    const c = await openPage(browser(), { baseURL: server.url, token, screen });
    c.context.setDefaultTimeout(15_000);
    opened.push(c);
    return c.page;
  }
  /** Checks the page with axe-core (no serious or critical violation), then screenshots it when asked. */
  async function shot(page: Page, name: string, screen: Screen = 'desktop'): Promise<void> {
    await page.waitForTimeout(400); // let dialogs finish their transitions
    await expectAccessible(page, `${name} (${screen})`);
    await screenshot(page, name, screen);
  }

  beforeAll(async () => {
    await ensureConsoleBuilt();
    work = await tempDir('patchhive-console-');
    server = (await startTestServer({ listen: true }))!;
    viewerToken = await server.tokenFor('viewer');
    const catalog = path.join(work.dir, 'inhouse.json');
    await writeFile(catalog, nativeCatalog('inhouse', BULLETINS));
    const source = await expectApi<{ id: string }>(server, 'POST', '/sources', 201, {
      body: { name: 'inhouse', url: catalog, format: 'native', allowUnsigned: true },
    });
    await expectApi(server, 'POST', `/sources/${source.id}/sync`, 200);
    for (const name of ['web1', 'web2', 'db1']) {
      await expectApi(server, 'POST', '/machines/import', 201, { body: { inventory: inventory(name) } });
    }
    await server.assessment.whenIdle();
    await expectApi(server, 'POST', '/groups', 201, {
      body: { name: 'web', kind: 'static', members: ['web1', 'web2'], owner: 'web-team@example.org' },
    });
    await expectApi(server, 'POST', '/groups', 201, { body: { name: 'db', kind: 'static', members: ['db1'] } });
    await expectApi(server, 'POST', '/triage/actions', 200, {
      body: {
        items: BULLETINS.map((b) => ({ bulletin: b.id, group: 'web' })),
        action: { kind: 'approve' },
      },
    });
  });
  afterAll(async () => {
    for (const c of opened) await c.close();
    await server?.destroy();
    await work?.remove();
  });

  it('creates a deployment with the guided form, follows it live and pauses it', async () => {
    const page = await open(server.adminToken);
    await page.goto(`${server.url}/deployments`);
    await page.getByRole('heading', { name: 'Deployments', level: 1 }).waitFor();
    await page.getByText('No deployments').waitFor();
    await shot(page, 'deployments-empty');
    await page.getByRole('link', { name: 'New deployment' }).click();

    // 1. Fixes: the approved ones, with the groups they are approved for.
    await page.getByRole('heading', { name: 'New deployment', level: 1 }).waitFor();
    await shot(page, 'deployment-new-fixes');
    await page.getByPlaceholder('Search bulletins').click();
    await page.getByRole('option', { name: 'PH-SSL (web)' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Next' }).click();
    // 2. Target.
    await page.getByPlaceholder('Pick groups').click();
    await page.getByRole('option', { name: 'web (2 machines)' }).click();
    await page.keyboard.press('Escape');
    await page.getByText('Target: 2 machines.').waitFor();
    await shot(page, 'deployment-new-target');
    await page.getByRole('button', { name: 'Next' }).click();
    // 3. Rings: the default pilot and broad rings; a shorter soak for the pilot.
    await page.getByLabel('Soak time (hours)').first().fill('0.5');
    await shot(page, 'deployment-new-rings');
    await page.getByRole('button', { name: 'Next' }).click();
    // 4. Window and reboot: the group's window is listed; override the reboot policy.
    await page.getByRole('table', { name: 'Maintenance windows' }).getByText('any time').waitFor();
    await page.getByLabel("Override the groups' reboot policies").check();
    await shot(page, 'deployment-new-window');
    await page.getByRole('button', { name: 'Next' }).click();
    // 5. Review and start.
    await page.getByLabel('Deployment name').fill('openssl to web');
    const review = page.getByRole('table', { name: 'Review' });
    await review.getByText('PH-SSL').waitFor();
    await review.getByText('10 % of the target; soak 0.5 h', { exact: false }).waitFor();
    // The server's dry run: each machine of each ring, what it installs, its window and reboot policy.
    await expectPlanShown(page);
    await shot(page, 'deployment-new-review');
    // The same step on a phone: the plan's tables scroll in their own box, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page
      .getByRole('heading', { name: 'The plan per machine' })
      .evaluate((e) => e.scrollIntoView({ block: 'start' }));
    // The stepper turns vertical after the resize: measure once the layout has settled.
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), {
        message: 'review on a phone',
        timeout: 15_000,
      })
      .toBeLessThanOrEqual(0);
    await shot(page, 'deployment-new-review', 'phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Start deployment' }).click();

    await page.waitForURL((u) => /^\/deployments\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/new'));
    deploymentPath = new URL(page.url()).pathname;
    await page.getByRole('heading', { name: 'openssl to web', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Machines of the deployment' }).getByText('web1').waitFor();
    await expect(page.getByRole('table', { name: 'Machines of the deployment' }).textContent()).resolves.toContain(
      'openssl 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1',
    );
    await page.getByText('running', { exact: true }).first().waitFor();
    await shot(page, 'deployment');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await expectAccessible(page, 'paused deployment');
    const id = deploymentPath.split('/').pop()!;
    const stored = await expectApi<{ status: string; rebootPolicy: unknown }>(server, 'GET', `/deployments/${id}`, 200);
    expect(stored.status).toBe('paused');
    expect(stored.rebootPolicy).toEqual({ mode: 'if-required', onlyInWindow: true, maxDeferrals: 3 });

    // Live: a change made elsewhere shows up without a reload.
    await expectApi(server, 'POST', `/deployments/${id}/resume`, 200, { body: {} });
    await page.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 10_000 });

    // Abort asks first.
    await page.getByRole('button', { name: 'Abort' }).click();
    await page.getByRole('dialog', { name: 'Abort this deployment?' }).waitFor();
    await shot(page, 'deployment-abort');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('creates an API token in settings and shows its secret once', async () => {
    const page = await open(server.adminToken);
    await page.goto(`${server.url}/settings/tokens`);
    await page.getByRole('table', { name: 'API tokens' }).waitFor();
    await shot(page, 'settings-tokens');
    await page.getByRole('button', { name: 'Create API token' }).click();
    await page.getByLabel('Token name').waitFor();
    await shot(page, 'settings-token-new');
    await page.getByLabel('Token name').fill('nightly-report');
    await page.getByRole('textbox', { name: 'User', exact: true }).fill('reporter');
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new API token' });
    await dialog.getByText('This is the only time the secret is shown').waitFor();
    const secret = await dialog.getByLabel('Secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await dialog.getByRole('button', { name: 'Copy secret' }).waitFor();
    await shot(page, 'settings-token-secret');
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('table', { name: 'API tokens' }).getByText('nightly-report').waitFor();
    expect(await page.content()).not.toContain(secret);
    // The new token works.
    const me = await expectApi<{ user: string }>(server, 'GET', '/me', 200, { token: secret });
    expect(me.user).toBe('reporter');
    await page.goto(`${server.url}/settings/groups`);
    await page.getByRole('table', { name: 'Groups' }).getByText('web-team@example.org').waitFor();
    await shot(page, 'settings-groups');
    for (const tab of ['sources', 'notifications', 'actions', 'audit']) {
      await page.goto(`${server.url}/settings/${tab}`);
      await page.getByRole('tab', { name: /./, selected: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await shot(page, `settings-${tab}`);
    }
  });

  it('offers a viewer no create, pause or admin section', async () => {
    const page = await open(viewerToken);
    await page.goto(`${server.url}/deployments`);
    await page.getByRole('link', { name: 'openssl to web' }).waitFor();
    expect(await page.getByRole('link', { name: 'New deployment' }).count()).toBe(0);
    await shot(page, 'deployments');
    await page.getByRole('link', { name: 'openssl to web' }).click();
    await page.getByRole('heading', { name: 'openssl to web', level: 1 }).waitFor();
    for (const name of ['Pause', 'Resume', 'Abort', 'Roll back'])
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    await expectAccessible(page, 'deployment page (viewer)');
    await page.goto(`${server.url}/settings`);
    await page.getByRole('table', { name: 'Groups' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Tokens' }).count()).toBe(0);
    expect(await page.getByRole('tab', { name: 'Audit log' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create group' }).count()).toBe(0);
    await expectAccessible(page, 'settings (viewer)');
    await page.goto(`${server.url}/settings/tokens`);
    await page.waitForURL(/\/settings\/groups$/);
  });

  it("shows a job's step log in a drawer", async () => {
    // One enrolled agent, deployed to through the API; it fetches its job and reports a step log.
    const enrollment = await server.services.tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 1 }, 'test');
    const agent = await expectApi<EnrollResponse>(server, 'POST', '/agent/enroll', 201, {
      token: null,
      body: { token: enrollment.secret, hostname: 'app1' },
    });
    const checkin = async (jobReports: JobReport[] = []) => {
      const inv = inventory('app1');
      const res = await expectApi<CheckinResponse>(server, 'POST', '/agent/checkin', 200, {
        token: agent.credential,
        body: { inventoryHash: inventoryHash(inv), inventory: inv, ...(jobReports.length ? { jobReports } : {}) },
      });
      await server.assessment.whenIdle();
      return res;
    };
    await checkin();
    await expectApi(server, 'PATCH', '/groups/web', 200, { body: { members: ['web1', 'web2', 'app1'] } });
    const d = await expectApi<{ id: string }>(server, 'POST', '/deployments', 201, {
      body: {
        name: 'app1 curl',
        target: { machines: ['app1'] },
        rings: [{ name: 'all', members: { kind: 'percent', percent: 100 } }],
      },
    });
    await server.services.rollout.tick();
    expect((await checkin()).jobs).toHaveLength(1);
    const [job] = (await expectApi<{ items: JobWire[] }>(server, 'GET', `/deployments/${d.id}/jobs`, 200)).items;
    const at = new Date().toISOString();
    await checkin([
      {
        jobId: job!.id,
        sequence: job!.sequence,
        state: 'failed',
        refusal: null,
        message: 'postinst of a package exited 1',
        steps: [
          {
            index: 0,
            kind: 'install',
            result: 'failed',
            exitCode: 100,
            startedAt: at,
            finishedAt: at,
            log: 'E: Sub-process /usr/bin/dpkg returned an error code (1)\n',
            message: 'apt-get exited 100',
          },
        ],
        rebootPending: false,
        rebootDeferrals: 0,
        keptPackages: [],
        finishedAt: at,
      },
    ]);
    const page = await open(server.adminToken);
    await page.goto(`${server.url}/deployments/${d.id}`);
    await page.getByRole('tab', { name: /Jobs/ }).click();
    await page.getByRole('table', { name: 'Jobs of the deployment' }).getByRole('button', { name: 'Step log' }).click();
    const drawer = page.getByRole('dialog', { name: 'Job and step log' });
    await drawer.getByText('Sub-process /usr/bin/dpkg returned an error code (1)').waitFor();
    await drawer.getByText('apt-get exited 100').waitFor();
    await shot(page, 'job-log');
  });

  /** The Review step shows the plan per machine: web1 and web2, one per ring, each installing openssl. */
  async function expectPlanShown(page: Page): Promise<void> {
    const pilot = page.getByRole('table', { name: 'Plan of ring pilot' });
    const broad = page.getByRole('table', { name: 'Plan of ring broad' });
    await pilot.waitFor({ timeout: 30_000 });
    await broad.waitFor();
    const rows = [
      ...(await pilot.getByRole('row').allTextContents()),
      ...(await broad.getByRole('row').allTextContents()),
    ];
    for (const machine of ['web1', 'web2']) {
      const row = rows.find((r) => r.includes(machine));
      expect(row, `${machine} in the plan`).toBeDefined();
      expect(row).toContain('openssl 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1');
      expect(row).toContain('fixes PH-SSL');
      expect(row).toContain('any time (no window)');
      expect(row).toContain('if a package requires it, only in the window, 3 deferrals');
    }
    expect(rows.some((r) => r.includes('db1'))).toBe(false);
    await page
      .getByRole('heading', { name: 'The plan per machine' })
      .evaluate((e) => e.scrollIntoView({ block: 'start' }));
  }

  it('fits a phone screen', async () => {
    const page = await open(server.adminToken, 'phone');
    for (const [url, name, ready] of [
      ['/deployments', 'deployments', 'Deployments'],
      [deploymentPath, 'deployment', 'openssl to web'],
      ['/deployments/new', 'deployment-new-fixes', 'New deployment'],
      ['/settings/tokens', 'settings-tokens', 'Settings'],
      ['/settings/groups', 'settings-groups', 'Settings'],
      ['/settings/sources', 'settings-sources', 'Settings'],
      ['/settings/users', 'settings-users', 'Settings'],
      ['/settings/notifications', 'settings-notifications', 'Settings'],
      ['/settings/actions', 'settings-actions', 'Settings'],
      ['/settings/audit', 'settings-audit', 'Settings'],
      ['/triage?tab=rules', 'rules', 'Triage'],
      ['/triage?tab=exceptions', 'exceptions', 'Triage'],
    ] as const) {
      await page.goto(`${server.url}${url}`);
      await page.getByRole('heading', { name: ready, level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      // Nothing wider than the screen: wide tables scroll inside their own box.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, url).toBeLessThanOrEqual(0);
      await shot(page, name, 'phone');
    }
  });
});
