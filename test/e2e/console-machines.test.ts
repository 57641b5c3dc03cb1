/**
 * The machines list at fleet scale in Chromium: 100,000 machines, scrolled to the middle and to the
 * end with only the visible rows in the DOM, searched, deep-linked, reached by keyboard, and checked
 * with axe-core on a desktop and a phone screen; a viewer sees it too.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { openPage, screenshot, sharedBrowser, type ConsolePage, type Screen } from '../support/browser.js';
import { consoleServer, UNTIL } from '../support/console.js';
import { fleetName, seedFleet } from '../support/fleet-seed.js';

const FLEET = 100_000;
const ROW_HEIGHT = 40;

const browser = sharedBrowser();
const server = consoleServer((s) => {
  const ms = seedFleet(s.dataDir, FLEET);
  console.log(`seeded ${FLEET.toLocaleString('en-US')} machines in ${ms.toFixed(0)} ms`);
});

/** A new page signed in with `token` (default: an admin's) on /machines, its count and first row shown. */
async function openMachines(token = server().adminToken, screen: Screen = 'desktop'): Promise<ConsolePage> {
  const c = await openPage(browser(), { baseURL: server().url, token, screen });
  await c.page.goto('/machines');
  await c.page.getByText('100,000 machines').waitFor(UNTIL);
  await expectRowAt(c.page, 0);
  return c;
}

/** The table body's rows in the DOM. */
const bodyRows = (page: Page) => page.locator('[role="table"] [role="rowgroup"]:nth-child(2) > [role="row"]');

/** Scrolls the table so that row `index` (0-based) is at its top. */
async function scrollTo(page: Page, index: number | 'end'): Promise<void> {
  const top = index === 'end' ? -1 : index * ROW_HEIGHT;
  await page.getByRole('table', { name: 'Machines' }).evaluate((el, to) => {
    el.scrollTop = to < 0 ? el.scrollHeight : to;
  }, top);
}

/** Waits for the link of machine `i` and checks the row it is in sits at position `i` of the list. */
async function expectRowAt(page: Page, i: number): Promise<void> {
  const link = page.getByRole('link', { name: fleetName(i), exact: true });
  await link.waitFor(UNTIL);
  const row = page.locator('[role="row"]', { has: link });
  // Row 1 is the header row.
  await expect(row.getAttribute('aria-rowindex')).resolves.toBe(String(i + 2));
}

describe('the machines list with 100,000 machines', () => {
  let c: ConsolePage;

  it('shows the count, and scrolling to the middle and the end keeps fewer than 200 rows in the DOM', async () => {
    c = await openMachines();
    const { page } = c;
    expect(await bodyRows(page).count()).toBeLessThan(200);
    await screenshot(page, 'machines', 'desktop');

    await scrollTo(page, 50_000);
    await expectRowAt(page, 50_000);
    await expectRowAt(page, 50_005);
    expect(await bodyRows(page).count()).toBeLessThan(200);

    await scrollTo(page, 'end');
    await expectRowAt(page, FLEET - 1);
    expect(await bodyRows(page).count()).toBeLessThan(200);
    await expect(page.getByText('Loading…').count()).resolves.toBe(0);
    c.expectClean();
  });

  it('filters by the search box, and a reload of the deep link keeps the filter', async () => {
    const { page } = c;
    await page.getByRole('textbox', { name: 'Search' }).fill('host-09999');
    await page.getByText('10 machines', { exact: true }).waitFor(UNTIL);
    const names = () => page.getByRole('table', { name: 'Machines' }).getByRole('link').allTextContents();
    const tail = Array.from({ length: 10 }, (_, i) => fleetName(99_990 + i));
    await expect.poll(names, { timeout: 10_000 }).toEqual(tail);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/machines?q=host-09999');

    await page.reload();
    await page.getByText('10 machines', { exact: true }).waitFor(UNTIL);
    await expect(page.getByRole('textbox', { name: 'Search' }).inputValue()).resolves.toBe('host-09999');
    await expect.poll(names, { timeout: 10_000 }).toEqual(tail);
    c.expectClean();
  });

  it('has no serious or critical accessibility violation on a desktop and a phone', async () => {
    await expectAccessible(c.page, '/machines?q=host-09999 on the desktop');

    const phone = await openMachines(undefined, 'phone');
    await expectAccessible(phone.page, '/machines on a phone');
    await screenshot(phone.page, 'machines', 'phone');
    phone.expectClean();
    await phone.close();
  });

  it('reaches the table and the first machine by keyboard', async () => {
    const { page } = c;
    const first = fleetName(99_990);
    const reached: string[] = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      const at = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el) return '';
        const label = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40) ?? '';
        return `${el.getAttribute('role') ?? el.tagName.toLowerCase()}:${label}`;
      });
      reached.push(at);
      if (at === `a:${first}`) break;
    }
    const search = reached.findIndex((r) => r.startsWith('input:'));
    const table = reached.indexOf('table:Machines');
    expect(search, reached.join(' → ')).toBeGreaterThanOrEqual(0);
    expect(table, reached.join(' → ')).toBeGreaterThan(search);
    // between the table and its first machine: only the sortable columns' header buttons
    const link = reached.indexOf(`a:${first}`);
    expect(link, reached.join(' → ')).toBeGreaterThan(table);
    expect(
      reached.slice(table + 1, link).every((r) => r.startsWith('button:')),
      reached.join(' → '),
    ).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/machines/${first}`);
    // (The machine's own page asks the API for it; what it shows is that page's test.)
    c.expectClean(/GET \/api\/v1\/machines\/host-099990/);
    await c.close();
  });

  it('is shown to a viewer', async () => {
    const viewer = await openMachines(await server().tokenFor('viewer'));
    viewer.expectClean();
    await viewer.close();
  });
});
