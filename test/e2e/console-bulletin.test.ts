/**
 * The bulletin pages and Today's links in a real browser (Debian's chromium through playwright-core)
 * over a real server and store: a bulletin's page shows its description, references (only http(s)
 * ones as links, opened with noopener noreferrer), supersedence both ways, its fixes, the machines it
 * hits grouped by group, and its triage per group with the history of who changed what and why; an
 * operator ignores from there, a viewer sees no triage button. The bulletins list keeps its CVE, KB
 * and date filters in the address. Today's "second approvals waiting for you" lands on the queue
 * filtered to them. Each page is checked with axe-core; screenshots (desktop 1280×800, phone 390×844)
 * go to docs/console/ when PATCHHIVE_SCREENSHOTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, sharedBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { checkAndShoot } from '../support/console.js';
import { pageOpener, seedLabAndProd } from './console-fleet.js';
import { expectApi, nativeCatalog, removeInventoryRoots, tempDir } from './server-test-helpers.js';

const browser = sharedBrowser();
const DESCRIPTION = 'A crafted Release file lets a mirror bypass the signature check of apt.';

/** The test catalog: PH-APT (described, with references) supersedes PH-APT-OLD; PH-TZ is plain. */
function catalog(): string {
  const doc = JSON.parse(
    nativeCatalog('inhouse', [
      { id: 'PH-APT', pkg: 'apt', fixed: '9999', severity: 'important', title: 'apt: signature check bypass' },
      { id: 'PH-APT-OLD', pkg: 'apt', fixed: '0.1', severity: 'moderate', title: 'apt: older fix' },
      { id: 'PH-TZ', pkg: 'tzdata', fixed: '9999', severity: 'moderate' },
    ]).toString(),
  ) as { bulletins: Record<string, unknown>[] };
  Object.assign(doc.bulletins[0]!, {
    description: DESCRIPTION,
    cves: ['CVE-2026-1234'],
    references: [
      { source: 'DSA', id: 'DSA-9999-1', url: 'https://security.example.org/dsa-9999-1' },
      { source: 'vendor', id: 'script-link', url: 'javascript:alert(1)' },
    ],
    supersedes: ['PH-APT-OLD'],
  });
  return JSON.stringify(doc, null, 2);
}

describe('console: bulletin pages and Today links', () => {
  let server: TestServer;
  let work: { dir: string; remove(): Promise<void> };
  const pages = pageOpener(browser, () => server.url);
  const open = pages.open;
  const shot = checkAndShoot;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    work = await tempDir('patchhive-console-bulletin-');
    server = (await startTestServer({ listen: true }))!;
    await seedLabAndProd(server, work.dir, catalog());
    // The admin gives prod's first approval: it waits for a second approver (any operator).
    await expectApi(server, 'POST', '/triage/actions', 200, {
      body: { items: [{ bulletin: 'PH-APT', group: 'prod' }], action: { kind: 'approve' } },
    });
  });

  afterAll(async () => {
    await pages.closeAll();
    await server?.destroy();
    await removeInventoryRoots();
    await work?.remove();
  });

  it("Today's second approvals link to the queue filtered to them; each kind and pair is one click away", async () => {
    for (const screen of ['desktop', 'phone'] as const) {
      const page = await open(await server.tokenFor('operator'), screen); // (each its own first visit)
      await page.goto(`${server.url}/`);
      const triage = page.getByRole('region', { name: 'Triage waiting for you' });
      await triage.getByRole('link', { name: /^To triage \(\d+\)$/ }).waitFor();
      const stale = page.getByRole('region', { name: 'Machines not heard from' });
      await stale.waitFor();
      await shot(page, 'today', screen);
      await triage.getByRole('link', { name: 'Second approvals waiting for you (1)' }).click();
      await page.getByRole('table', { name: 'Triage queue' }).waitFor();
      expect(new URL(page.url()).searchParams.get('waitingFor')).toBe('me');
      await expect(page.getByRole('combobox', { name: 'State' }).inputValue()).resolves.toBe(
        'Second approvals waiting for me',
      );
      const rows = page.getByRole('table', { name: 'Triage queue' }).getByRole('row');
      await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2); // header + PH-APT in prod
      await rows.filter({ hasText: 'PH-APT' }).filter({ hasText: 'prod' }).waitFor();
      if (screen === 'desktop') {
        // one pair from Today: the queue filtered to that bulletin and group
        await page.goBack();
        await triage.getByRole('link', { name: 'PH-TZ in lab' }).click();
        await page.getByText(/^Bulletin PH-TZ$/).waitFor();
        const url = new URL(page.url());
        expect([url.searchParams.get('group'), url.searchParams.get('bulletin')]).toEqual(['lab', 'PH-TZ']);
        await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
      }
    }
    // The admin gave the first approval: none waits for it.
    const admin = await open(server.adminToken);
    await admin.goto(`${server.url}/triage?waitingFor=me`);
    await admin.getByText('No second approval waits for you').waitFor();
  });

  it("a bulletin's page shows description, references, supersedence, fixes, machines by group and triage history", async () => {
    const page = await open(await server.tokenFor('operator'));
    await page.goto(`${server.url}/bulletins/PH-APT`);
    await page.getByRole('heading', { level: 1, name: 'PH-APT' }).waitFor();
    await page.getByRole('region', { name: 'Description' }).getByText(DESCRIPTION).waitFor();

    const refs = page.getByRole('region', { name: 'References' });
    const dsa = refs.getByRole('link', { name: 'DSA: DSA-9999-1' });
    expect(await dsa.getAttribute('href')).toBe('https://security.example.org/dsa-9999-1');
    expect(await dsa.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await dsa.getAttribute('target')).toBe('_blank');
    await refs.getByText('vendor: script-link').waitFor();
    expect(await refs.getByRole('link', { name: /script-link/ }).count()).toBe(0); // javascript: is no link

    const fixes = page.getByRole('table', { name: 'Fixes' });
    await fixes.getByRole('row').filter({ hasText: 'apt' }).filter({ hasText: '9999' }).waitFor();

    const lab = page.getByRole('article', { name: 'Machines in lab' });
    await lab.getByRole('link', { name: 'web1' }).waitFor();
    await lab.getByText('1 machine', { exact: true }).waitFor();
    const prod = page.getByRole('article', { name: 'Machines in prod' });
    await prod.getByRole('link', { name: 'db1' }).waitFor();
    await prod.getByText('waiting for second approval').waitFor();

    // prod's history: the admin's approval, from "to triage" to "waiting for second approval"
    const prodTriage = page.getByRole('article', { name: 'Triage in prod' });
    await prodTriage
      .getByRole('table', { name: 'History' })
      .getByRole('row')
      .filter({ hasText: 'admin' })
      .filter({ hasText: 'approve: to triage → waiting for second approval' })
      .waitFor();
    await prodTriage.getByRole('button', { name: 'Give second approval' }).waitFor();

    // An operator ignores in lab with a reason and an end date; the history says so.
    const labTriage = page.getByRole('article', { name: 'Triage in lab' });
    await labTriage.getByRole('button', { name: 'Ignore…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ignore PH-APT in lab' });
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('lab mirror is pinned and signed');
    await dialog.getByLabel('Ignore until').fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
    await dialog.getByRole('button', { name: 'Ignore', exact: true }).click();
    const ignored = labTriage
      .getByRole('table', { name: 'History' })
      .getByRole('row')
      .filter({ hasText: 'ignore: to triage → ignored' });
    await ignored.getByText('reason: lab mirror is pinned and signed').waitFor({ timeout: 30_000 });
    await ignored.getByText(/^until /).waitFor();
    await labTriage.getByText('Reason: lab mirror is pinned and signed', { exact: true }).waitFor();
    await shot(page, 'bulletin', 'desktop');

    // Supersedence both ways, each a link to the other bulletin's page.
    await page.getByRole('region', { name: 'Supersedence' }).getByRole('link', { name: 'PH-APT-OLD' }).click();
    await page.getByRole('heading', { level: 1, name: 'PH-APT-OLD' }).waitFor();
    const sup = page.getByRole('region', { name: 'Supersedence' });
    await sup.getByRole('link', { name: 'PH-APT' }).click();
    await page.getByRole('heading', { level: 1, name: 'PH-APT' }).waitFor();
  });

  it('a viewer sees the bulletin page with no triage button', async () => {
    const page = await open(await server.tokenFor('viewer'), 'phone');
    await page.goto(`${server.url}/bulletins/PH-APT`);
    await page.getByRole('heading', { level: 1, name: 'PH-APT' }).waitFor();
    await page.getByRole('article', { name: 'Triage in prod' }).getByRole('table', { name: 'History' }).waitFor();
    await page.getByRole('article', { name: 'Machines in prod' }).getByRole('link', { name: 'db1' }).waitFor();
    for (const name of [/Approve/, /approval/, /Ignore/, /Decline/, /Reopen/])
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await page.getByRole('toolbar').count()).toBe(0);
    await shot(page, 'bulletin', 'phone');
  });

  it('the bulletins list filters by CVE, KB, dates, severity and source, kept in the address', async () => {
    for (const screen of ['desktop', 'phone'] as const) {
      const page = await open(server.adminToken, screen);
      await page.goto(`${server.url}/bulletins?cve=CVE-2026-1234`);
      const table = page.getByRole('table', { name: 'Bulletins' });
      await table.getByRole('link', { name: 'PH-APT', exact: true }).waitFor();
      await expect.poll(() => table.getByRole('link').count(), { timeout: 30_000 }).toBe(1);
      await expect(page.getByRole('textbox', { name: 'CVE' }).inputValue()).resolves.toBe('CVE-2026-1234');
      await shot(page, 'bulletins', screen);
      if (screen === 'phone') continue;
      await page.getByRole('textbox', { name: 'CVE' }).fill('CVE-20');
      await page.getByText('Like CVE-2024-3094').waitFor(); // not sent until well formed
      await page.getByRole('textbox', { name: 'CVE' }).fill('');
      await page.getByRole('textbox', { name: 'KB' }).fill('KB5034441');
      await page.getByText('No bulletin matches').waitFor();
      expect(new URL(page.url()).searchParams.get('kb')).toBe('KB5034441');
      await page.getByRole('textbox', { name: 'KB' }).fill('');
      await expect.poll(() => new URL(page.url()).searchParams.has('kb'), { timeout: 30_000 }).toBe(false);
      await page.getByLabel('Published from').fill('2026-09-01');
      await page.getByLabel('Published to').fill('2026-10-31');
      await expect.poll(() => table.getByRole('link').count(), { timeout: 30_000 }).toBe(3);
      await page.getByLabel('Published from').fill('2026-10-02');
      await page.getByText('No bulletin matches').waitFor();
      const url = new URL(page.url());
      expect([url.searchParams.get('from'), url.searchParams.get('to')]).toEqual(['2026-10-02', '2026-10-31']);
      await page.reload();
      await page.getByText('No bulletin matches').waitFor();
      await expect(page.getByLabel('Published from').inputValue()).resolves.toBe('2026-10-02');
    }
  });
});
