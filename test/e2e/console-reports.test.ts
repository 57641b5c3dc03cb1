/**
 * The Reports page in a real browser (Debian's chromium through playwright-core) over a real server
 * and store: three recorded Debian machines in two groups with owners, findings from a synced
 * catalog, one of them resolved by a later inventory. Each tab (by group, owner, severity,
 * bulletin; overdue; trend; time to remediate) shows the expected rows; its CSV and PDF buttons
 * answer 200 with the right type, and the CSV holds the rows on screen, with the filters of the
 * address; a deep link to a tab survives a reload. Each tab is checked with axe-core on a desktop
 * and a phone (nothing wider than the screen); screenshots go to docs/console/reports-VIEW-SCREEN.png
 * when PATCHHIVE_SCREENSHOTS=1.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceWire } from '../../src/protocol/api.js';
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
import { debianInventory, expectApi, nativeCatalog, removeInventoryRoots, tempDir } from './server-test-helpers.js';

const browser = sharedBrowser();
const today = () => new Date().toISOString().slice(0, 10);

/** Each tab: its label, its table, and the first column of its rows on this fleet. */
const TABS = [
  { view: 'group', tab: 'By group', table: 'Compliance by group', rows: () => ['db', 'web'] },
  { view: 'owner', tab: 'By owner', table: 'Compliance by owner', rows: () => ['dba', 'web-team'] },
  {
    view: 'severity',
    tab: 'By severity',
    table: 'Compliance by severity',
    rows: () => ['critical', 'important', 'moderate', 'low', 'unknown'],
  },
  { view: 'bulletin', tab: 'By bulletin', table: 'Compliance by bulletin', rows: () => ['PH-APT', 'PH-TZ'] },
  { view: 'overdue', tab: 'Overdue', table: 'Overdue findings', rows: () => ['db1', 'web1', 'web2'] },
  { view: 'trend', tab: 'Trend', table: 'Open findings per day', rows: () => [today()] },
  {
    view: 'mttr',
    tab: 'Time to remediate',
    table: 'Time to remediate',
    rows: () => ['critical', 'important', 'moderate', 'low', 'unknown', 'all'],
  },
] as const;

/** The first cell of each body row of a table. */
const firstColumn = (table: Locator) =>
  table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent?.trim() ?? ''));

/** The first field of each data row of a CSV file (the first fields here hold no comma or quote). */
const csvFirstColumn = (csv: string) =>
  csv
    .trim()
    .split('\r\n')
    .slice(1)
    .map((line) => line.split(',')[0]!.replace(/^"|"$/g, ''));

describe('console reports page', () => {
  let server: TestServer;
  let work: { dir: string; remove(): Promise<void> };
  const opened: ConsolePage[] = [];

  const open = async (token: string, screen: Screen = 'desktop'): Promise<Page> => {
    const c = await openPage(browser(), { baseURL: server.url, token, screen });
    opened.push(c);
    return c.page;
  };

  beforeAll(async () => {
    await ensureConsoleBuilt();
    work = await tempDir('patchhive-console-reports-');
    server = (await startTestServer({ listen: true }))!;
    const now = new Date();
    for (const [name, status, owner] of [
      ['web1', 'status-host-node-image.txt', 'web-team'],
      ['web2', 'status-host-node-image.txt', 'web-team'],
      ['db1', 'status-minbase-12-security-upgraded.txt', 'dba'],
    ] as const) {
      await expectApi(server, 'POST', '/machines/import', 201, {
        body: { inventory: await debianInventory(status, name, now), attributes: { owner } },
      });
    }
    await expectApi(server, 'POST', '/groups', 201, {
      body: { name: 'web', kind: 'static', members: ['web1', 'web2'], owner: 'web-team@example.org' },
    });
    await expectApi(server, 'POST', '/groups', 201, {
      body: { name: 'db', kind: 'static', members: ['db1'], owner: 'dba@example.org' },
    });
    const catalog = path.join(work.dir, 'inhouse.json');
    await writeFile(
      catalog,
      nativeCatalog('inhouse', [
        { id: 'PH-APT', pkg: 'apt', fixed: '9999', severity: 'critical', title: 'apt: signature check bypass' },
        { id: 'PH-TZ', pkg: 'tzdata', fixed: '9999', severity: 'moderate', title: 'tzdata: new zone rules' },
      ]),
    );
    const source = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
      body: { name: 'inhouse', url: catalog, format: 'native', allowUnsigned: true },
    });
    await expectApi(server, 'POST', `/sources/${source.id}/sync`, 200);
    await server.assessment.whenIdle();
    // web1 gets the tzdata fix: one finding resolved, for the time to remediate.
    const later = await debianInventory('status-host-node-image.txt', 'web1', new Date(now.getTime() + 60_000));
    const items = later.packages!.items.map((p) => (p.name === 'tzdata' ? { ...p, version: '9999' } : p));
    await expectApi(server, 'POST', '/machines/import', 201, {
      body: { inventory: { ...later, packages: { ...later.packages!, items } } },
    });
    await server.assessment.whenIdle();
  });

  afterAll(async () => {
    for (const c of opened) await c.close();
    await server?.destroy();
    await removeInventoryRoots();
    await work?.remove();
  });

  it('shows each tab with its rows, and downloads the same rows as CSV and the tab as PDF', async () => {
    const page = await open(await server.tokenFor('viewer'));
    await page.goto(`${server.url}/reports`);
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    for (const t of TABS) {
      await page.getByRole('tab', { name: t.tab, exact: true }).click();
      expect(new URL(page.url()).searchParams.get('view') ?? 'group').toBe(t.view);
      const table = page.getByRole('table', { name: t.table, exact: true });
      await table.waitFor({ timeout: 30_000 });
      await expect.poll(() => firstColumn(table), { timeout: 30_000 }).toEqual(t.rows());
      for (const [name, type] of [
        ['Download CSV', 'text/csv'],
        ['Download PDF', 'application/pdf'],
      ] as const) {
        const href = (await page.getByRole('link', { name }).getAttribute('href'))!;
        expect(href, `${t.view} ${name}`).toMatch(
          new RegExp(
            `^/api/v1/reports/${t.view === 'overdue' || t.view === 'trend' || t.view === 'mttr' ? '' : 'by-'}${t.view}\\?`,
          ),
        );
        const res = await page.request.get(`${server.url}${href}`);
        expect(res.status(), `${t.view} ${name}`).toBe(200);
        expect(res.headers()['content-type']).toContain(type);
        if (type === 'text/csv') expect(csvFirstColumn(await res.text()), `${t.view} CSV`).toEqual(t.rows());
        else expect((await res.body()).subarray(0, 5).toString()).toBe('%PDF-');
      }
    }
  }, 240_000);

  it('shows what each figure means: groups, owners, overdue days, the resolved finding', async () => {
    const page = await open(server.adminToken);
    await page.goto(`${server.url}/reports`);
    const groups = page.getByRole('table', { name: 'Compliance by group', exact: true });
    await groups.getByText('web-team@example.org').waitFor();
    await page.locator('.recharts-surface').first().waitFor();
    // web: 2 machines, 3 open (web1: apt; web2: apt and tzdata), 2 overdue (apt is critical).
    const web = groups.locator('tbody tr', { hasText: 'web-team@example.org' });
    expect((await web.locator('td').allTextContents()).slice(2, 7)).toEqual(['2', '0', '0.0 %', '3', '2']);
    await page.getByRole('tab', { name: 'Time to remediate' }).click();
    const mttr = page.getByRole('table', { name: 'Time to remediate', exact: true });
    await mttr.waitFor();
    const moderate = mttr.locator('tbody tr', { hasText: 'moderate' });
    expect((await moderate.locator('td').allTextContents())[1]).toBe('1');
  });

  it('keeps the tab and its filters in the address: a deep link survives a reload, and downloads follow', async () => {
    const page = await open(server.adminToken);
    await page.goto(`${server.url}/reports?view=overdue&group=web&severity=critical`);
    const tab = page.getByRole('tab', { name: 'Overdue' });
    await expect.poll(() => tab.getAttribute('aria-selected'), { timeout: 30_000 }).toBe('true');
    const table = page.getByRole('table', { name: 'Overdue findings' });
    await expect.poll(() => firstColumn(table), { timeout: 30_000 }).toEqual(['web1', 'web2']);
    await page.reload();
    await expect.poll(() => tab.getAttribute('aria-selected'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => firstColumn(table), { timeout: 30_000 }).toEqual(['web1', 'web2']);
    const href = new URL((await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href'))!, server.url);
    expect(Object.fromEntries(href.searchParams)).toEqual({ group: 'web', severity: 'critical', format: 'csv' });
    expect(csvFirstColumn(await (await page.request.get(href.toString())).text())).toEqual(['web1', 'web2']);

    // A filter chosen on the page goes to the address; a bad range shows the API's code.
    await page.goto(`${server.url}/reports?view=trend`);
    await page.getByRole('table', { name: 'Open findings per day' }).waitFor();
    await page.getByRole('textbox', { name: 'From', exact: true }).fill('2026-12-31');
    await page.getByRole('textbox', { name: 'To', exact: true }).fill('2026-12-01');
    await page.getByRole('alert').getByText('E_BAD_REQUEST').waitFor({ timeout: 30_000 });
    const url = new URL(page.url());
    expect([url.searchParams.get('from'), url.searchParams.get('to')]).toEqual(['2026-12-31', '2026-12-01']);
  });

  for (const screen of ['desktop', 'phone'] as const) {
    it(`is accessible and fits the screen on each tab (${screen})`, async () => {
      const page = await open(server.adminToken, screen);
      for (const t of TABS) {
        await page.goto(`${server.url}/reports?view=${t.view}`);
        await page.getByRole('table', { name: t.table, exact: true }).waitFor({ timeout: 30_000 });
        await page.waitForLoadState('networkidle');
        if (t.view === 'group' || t.view === 'trend' || t.view === 'mttr')
          await page.locator('.recharts-surface').first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${t.view} (${screen})`).toBeLessThanOrEqual(0);
        await expectAccessible(page, `reports ${t.view} (${screen})`);
        await screenshot(page, `reports-${t.view}`, screen);
      }
    }, 180_000);
  }

  it('says what to do next when there are no machines yet', async () => {
    const empty = (await startTestServer({ listen: true }))!;
    try {
      const c = await openPage(browser(), { baseURL: empty.url, token: empty.adminToken, screen: 'desktop' });
      opened.push(c);
      await c.page.goto(`${empty.url}/reports?view=owner`);
      await c.page.getByRole('heading', { name: 'No machines yet' }).waitFor({ timeout: 30_000 });
      await c.page.getByRole('link', { name: 'Settings › Tokens' }).waitFor();
      await expectAccessible(c.page, 'reports without machines');
    } finally {
      await empty.destroy();
    }
  });
});
