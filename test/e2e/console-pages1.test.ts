/**
 * The machine, bulletin and triage pages of the console in a real browser (Debian's chromium through
 * playwright-core) over a real server and store: a recorded Debian machine with findings from a
 * synced catalog; Today lists the new bulletins hitting them and the triage waiting; a machine's
 * page shows a finding's evidence (expected vs actual) and its packages (and who else has one); an operator edits its
 * owner; a viewer sees no edit or assess button; an operator bulk-approves on /triage; a bulletin's
 * page shows its triage per group (console-bulletin.test.ts tells more). Each page is signed in with a cookie session and checked with
 * axe-core; screenshots (desktop 1280×800, phone 390×844) go to docs/console/ when
 * PATCHHIVE_SCREENSHOTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { ensureConsoleBuilt, sharedBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { checkAndShoot } from '../support/console.js';
import { pageOpener, seedLabAndProd } from './console-fleet.js';
import { expectApi, nativeCatalog, removeInventoryRoots, tempDir } from './server-test-helpers.js';

const browser = sharedBrowser();

describe('console pages: machine, bulletins, triage', () => {
  let server: TestServer;
  let work: { dir: string; remove(): Promise<void> };
  const pages = pageOpener(browser, () => server.url);
  const open = pages.open;
  const shot = checkAndShoot;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    work = await tempDir('patchhive-console-');
    server = (await startTestServer({ listen: true }))!;
    await seedLabAndProd(
      server,
      work.dir,
      nativeCatalog('inhouse', [
        { id: 'PH-APT', pkg: 'apt', fixed: '9999', severity: 'important', title: 'apt: signature check bypass' },
        { id: 'PH-TZ', pkg: 'tzdata', fixed: '9999', severity: 'moderate' },
      ]),
    );
  });

  afterAll(async () => {
    await pages.closeAll();
    await server?.destroy();
    await removeInventoryRoots();
    await work?.remove();
  });

  it('Today shows the new bulletins hitting the machines, with how many, and the triage waiting', async () => {
    for (const screen of ['desktop', 'phone'] as const) {
      const page = await open(await server.tokenFor('operator'), screen);
      await page.goto(`${server.url}/`);
      const news = page.getByRole('region', { name: 'New bulletins hitting your machines' });
      await news.getByRole('link', { name: /PH-APT apt: signature check bypass/ }).waitFor();
      expect(await news.innerText()).toMatch(/2 machines/);
      const triage = page.getByRole('region', { name: 'Triage waiting for you' });
      await triage.getByRole('link', { name: /PH-APT in lab/ }).waitFor();
      await expectAccessible(page, `today (${screen})`); // (screenshots: console-bulletin.test.ts)
    }
  });

  it("a machine's page shows a finding with expected and actual; an operator edits its owner", async () => {
    const page = await open(await server.tokenFor('operator'));
    await page.goto(`${server.url}/machines/web1`);
    await page.getByRole('heading', { level: 1, name: 'web1' }).waitFor();
    await page.getByRole('button', { name: /PH-APT apt: signature check bypass/ }).click();
    const evidence = page.getByRole('table', { name: 'Evidence' }).first();
    await evidence.waitFor();
    await expect(evidence.getByRole('columnheader', { name: 'Expected' }).count()).resolves.toBe(1);
    const text = await evidence.innerText();
    expect(text).toMatch(/9999/); // expected: the fixed version
    expect(text).toMatch(/\d+\.\d+/); // actual: the installed version
    await shot(page, 'machine', 'desktop');

    // its installed packages, and from one of them: who else has it at that version
    const packages = page.getByRole('region', { name: 'Installed packages' });
    await packages.getByRole('textbox', { name: 'Find a package' }).fill('apt');
    const who = packages.getByRole('link', { name: /^who has apt \d/ });
    await who.waitFor();
    await who.click();
    await page.getByRole('heading', { level: 1, name: 'Machines' }).waitFor();
    expect(new URL(page.url()).searchParams.get('package')).toBe('apt');
    await page.getByRole('link', { name: 'web1' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'web1' }).waitFor();

    await page.getByRole('button', { name: 'Edit attributes' }).click();
    const owner = page.getByRole('textbox', { name: 'Owner' });
    await owner.fill('x'.repeat(201));
    await page.getByRole('button', { name: 'Save attributes' }).click();
    await page.getByText('The owner is at most 200 characters.').waitFor();
    await owner.fill('web-team@example.org');
    await page.getByRole('button', { name: 'Save attributes' }).click();
    await page.getByTestId('attr-owner').getByText('web-team@example.org').waitFor();
    const saved = await expectApi<{ owner: string }>(server, 'GET', '/machines/web1', 200);
    expect(saved.owner).toBe('web-team@example.org');
    await expect(page.getByRole('button', { name: 'Assess now' }).count()).resolves.toBe(1);
  });

  it('a viewer sees the machine but no edit or assess button', async () => {
    const page = await open(await server.tokenFor('viewer'), 'phone');
    await page.goto(`${server.url}/machines/web1`);
    await page.getByRole('heading', { level: 1, name: 'web1' }).waitFor();
    await page.getByRole('region', { name: /Open findings \(/ }).waitFor();
    await page.getByText('PH-APT').first().waitFor();
    expect(await page.getByRole('button', { name: 'Edit attributes' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Assess now' }).count()).toBe(0);
    await shot(page, 'machine', 'phone');
    await page.goto(`${server.url}/triage`);
    await page.getByRole('table', { name: 'Triage queue' }).waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
  });

  it('an operator bulk-approves on /triage; a group with a second approver waits for a different operator', async () => {
    const page = await open(await server.tokenFor('operator'));
    await page.goto(`${server.url}/triage`);
    const queue = page.getByRole('table', { name: 'Triage queue' });
    await queue.waitFor();
    await page.getByRole('checkbox', { name: 'Select PH-APT in lab' }).check();
    await page.getByRole('checkbox', { name: 'Select PH-APT in prod' }).check();
    await shot(page, 'triage', 'desktop');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByText('2 applied').waitFor();
    // The default view lists what still waits: the prod pair now waits for a second approval.
    const prodRow = queue.getByRole('row').filter({ hasText: 'PH-APT' }).filter({ hasText: 'prod' });
    await prodRow.getByText('waiting for second approval').waitFor();
    await prodRow.getByText(/a different operator must give the second approval/).waitFor();
    // (the queue refetches after the action: the row leaves when its answer arrives)
    await expect
      .poll(() => queue.getByRole('row').filter({ hasText: 'PH-APT' }).filter({ hasText: 'lab' }).count(), {
        timeout: 30_000,
      })
      .toBe(0);
    await shot(page, 'triage-approved', 'desktop');

    // Ignoring needs a reason and an end date.
    await page.getByRole('checkbox', { name: 'Select PH-TZ in lab' }).check();
    await page.getByRole('button', { name: 'Ignore…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ignore 1 selected' });
    await dialog.getByRole('button', { name: 'Ignore', exact: true }).click();
    await dialog.getByText('Say why, for the audit trail and the other operators.').waitFor();
    await dialog.getByText(/Pick the date the ignore ends/).waitFor();
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('tzdata is pinned by the vendor image');
    await dialog.getByLabel('Ignore until').fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
    await dialog.getByRole('button', { name: 'Ignore', exact: true }).click();
    await page.getByText('1 applied').waitFor();
    // (the queue refetches after the action: the row leaves when its answer arrives)
    await expect
      .poll(() => queue.getByRole('row').filter({ hasText: 'PH-TZ' }).filter({ hasText: 'lab' }).count(), {
        timeout: 30_000,
      })
      .toBe(0);

    const other = await open(await server.tokenFor('operator'), 'phone');
    await other.goto(`${server.url}/triage?group=prod&state=awaiting-second-approval`);
    await other.getByRole('checkbox', { name: 'Select PH-APT in prod' }).check();
    await shot(other, 'triage', 'phone');
    await other.getByRole('button', { name: 'Approve', exact: true }).click();
    await other.getByText('1 applied').waitFor();
    const d = await expectApi<{ decisions: { group: string; state: string }[] }>(
      server,
      'GET',
      '/bulletins/PH-APT/triage',
      200,
    );
    expect(Object.fromEntries(d.decisions.map((x) => [x.group, x.state]))).toEqual({
      lab: 'approved',
      prod: 'approved',
    });
  });

  it("a bulletin's page shows its details, triage per group and affected machines", async () => {
    const page = await open(server.adminToken);
    await page.goto(`${server.url}/bulletins`);
    await page.getByRole('table', { name: 'Bulletins' }).waitFor();
    await page.getByRole('link', { name: 'PH-APT' }).click();
    await page.getByRole('heading', { level: 1, name: 'PH-APT' }).waitFor();
    await page.getByRole('article', { name: 'Triage in lab' }).getByText('approved', { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Fixes' }).getByText('9999').waitFor();
    await page.getByRole('article', { name: 'Machines in lab' }).getByRole('link', { name: 'web1' }).waitFor();
    // (its screenshots are taken by console-bulletin.test.ts)
    await expectAccessible(page, 'bulletin (desktop)');
    const phone = await open(server.adminToken, 'phone');
    await phone.goto(`${server.url}/bulletins/PH-APT`);
    await phone.getByRole('heading', { level: 1, name: 'PH-APT' }).waitFor();
    await phone.getByRole('article', { name: 'Triage in prod' }).waitFor();
    await expectAccessible(phone, 'bulletin (phone)');
    await phone.goto(`${server.url}/bulletins`);
    await phone.getByRole('table', { name: 'Bulletins' }).waitFor();
    await expectAccessible(phone, 'bulletins (phone)');
  });

  it('an admin adds an approval rule, whose deletion waits for a second admin, and a risk exception', async () => {
    const page = await open(server.adminToken);
    await page.goto(`${server.url}/triage?tab=rules`);
    await page.getByText('No approval rules').waitFor();
    await page.getByRole('button', { name: 'Add approval rule' }).click();
    const form = page.getByRole('form', { name: 'New approval rule' });
    await form.getByRole('textbox', { name: 'Name' }).fill('low in lab');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const rules = page.getByRole('table', { name: 'Approval rules' });
    await rules.getByText('low in lab').waitFor();
    await rules.getByRole('button', { name: 'Delete…' }).click();
    await page.getByText('Waiting for a second admin', { exact: true }).waitFor();
    await page
      .getByRole('region', { name: 'Changes waiting for a second admin' })
      .getByRole('button', { name: 'Withdraw' })
      .waitFor();
    await shot(page, 'rules', 'desktop');

    await page.getByRole('tab', { name: 'Risk exceptions' }).click();
    await page.getByText('No risk exceptions').waitFor();
    await page.getByRole('button', { name: 'Add risk exception' }).click();
    const ex = page.getByRole('form', { name: 'New risk exception' });
    await ex.getByRole('textbox', { name: 'Bulletin' }).fill('PH-TZ');
    await ex.getByRole('textbox', { name: 'Machine or group name' }).fill('db1');
    await ex.getByRole('textbox', { name: 'Owner' }).fill('dba@example.org');
    await ex.getByRole('textbox', { name: 'Reason' }).fill('replaced next quarter');
    await ex.getByLabel('Until').fill(new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10));
    await ex.getByRole('button', { name: 'Add exception' }).click();
    await page.getByRole('table', { name: 'Risk exceptions' }).getByText('dba@example.org').waitFor();
    await shot(page, 'exceptions', 'desktop');
  });
});
