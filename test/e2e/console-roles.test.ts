/**
 * Roles and scopes in the console, in a real browser over a real server: a viewer visits every page
 * it can open and is offered no action (no button to approve, ignore, create, edit, pause, sync,
 * delete…), and an action forced through its own session (with the CSRF token) is refused 403; an
 * operator scoped to group `web`, signed in with the password form, never sees a `db` machine — not
 * in the machine list, a search, a deep link, Today, a bulletin's machines, the triage queue or the
 * reports. axe-core checks every page visited.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceWire } from '../../src/protocol/api.js';
import type { DeploymentDetailWire } from '../../src/protocol/deploy-api.js';
import { expectAccessible } from '../support/axe.js';
import { ensureConsoleBuilt, openPage, sharedBrowser, type ConsolePage } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { debianInventory, expectApi, nativeCatalog, removeInventoryRoots, tempDir } from './server-test-helpers.js';

const browser = sharedBrowser();
const UNTIL = { timeout: 30_000 };
const PASSWORD = 'web scoped operator password';
const WEB = ['webserver1', 'webserver2'];
const DB = ['dbserver7', 'dbserver8'];
/** Names of buttons that change something: none may be offered to a viewer (marking its own visit on Today is its own). */
const ACTION =
  /\b(approve|ignore|decline|create|edit|pause|resume|abort|roll ?back|sync|delete|remove|revoke|assess|save|reset|add|new|disable|enable|rescan|run|retry)\b/i;

describe('console roles and scopes', () => {
  let server: TestServer;
  let work: { dir: string; remove(): Promise<void> };
  let deployment: string;
  let sourceId: string;
  const opened: ConsolePage[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    work = await tempDir('patchhive-roles-');
    server = (await startTestServer({ listen: true }))!;
    const now = new Date();
    for (const name of [...WEB, ...DB]) {
      await expectApi(server, 'POST', '/machines/import', 201, {
        body: {
          inventory: await debianInventory('status-host-node-image.txt', name, now),
          attributes: { role: name.startsWith('web') ? 'web' : 'db', owner: 'ops' },
        },
      });
    }
    await expectApi(server, 'POST', '/groups', 201, { body: { name: 'web', kind: 'static', members: WEB } });
    await expectApi(server, 'POST', '/groups', 201, { body: { name: 'db', kind: 'rule', rule: 'role = db' } });
    const catalog = path.join(work.dir, 'inhouse.json');
    await writeFile(
      catalog,
      nativeCatalog('inhouse', [
        { id: 'PH-APT', pkg: 'apt', fixed: '9999', severity: 'important', title: 'apt: signature check bypass' },
      ]),
    );
    sourceId = (
      await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
        body: { name: 'inhouse', url: catalog, format: 'native', allowUnsigned: true },
      })
    ).id;
    await expectApi(server, 'POST', `/sources/${sourceId}/sync`, 200);
    await server.assessment.whenIdle();
    await server.services.triage.sweep();
    await expectApi(server, 'POST', '/triage/actions', 200, {
      body: { items: [{ bulletin: 'PH-APT', group: 'web' }], action: { kind: 'approve' } },
    });
    deployment = (
      await expectApi<DeploymentDetailWire>(server, 'POST', '/deployments', 201, {
        body: {
          name: 'web apt',
          target: { groups: ['web'] },
          rings: [{ name: 'all', members: { kind: 'percent', percent: 100 } }],
        },
      })
    ).id;
    await expectApi(server, 'POST', '/users', 201, {
      body: { name: 'wendy', role: 'operator', groups: ['web'], password: PASSWORD },
    });
  });

  afterAll(async () => {
    for (const c of opened) await c.close();
    await server?.destroy();
    await removeInventoryRoots();
    await work?.remove();
  });

  /** Goes to `url`, waits for its h1 and for its data to settle. */
  const visit = async (page: Page, url: string) => {
    await page.goto(`${server.url}${url}`);
    await page.getByRole('heading', { level: 1 }).first().waitFor(UNTIL);
    await page.waitForLoadState('networkidle', UNTIL).catch(() => undefined);
    await expect.poll(() => page.getByRole('status', { name: /^Loading/ }).count(), UNTIL).toBe(0);
  };

  it('a viewer sees no action on any page, and an action forced through its session is refused 403', async () => {
    const c = await openPage(browser(), { baseURL: server.url, token: await server.tokenFor('viewer') });
    opened.push(c);
    const { page } = c;
    const pages = [
      '/',
      '/machines',
      '/machines/webserver1',
      '/bulletins',
      '/bulletins/PH-APT',
      '/triage',
      '/deployments',
      `/deployments/${deployment}`,
      '/reports',
      '/settings/groups',
      '/settings/sources',
      '/settings/actions',
    ];
    const offered: string[] = [];
    for (const url of pages) {
      await visit(page, url);
      for (const b of await page.getByRole('button').all()) {
        const name = ((await b.getAttribute('aria-label')) ?? (await b.innerText())).trim();
        if (ACTION.test(name)) offered.push(`${url}: ${name}`);
      }
      await expectAccessible(page, `${url} (viewer)`);
    }
    expect(offered).toEqual([]);
    // Settings offers a viewer only the sections it may open
    await visit(page, '/settings/users');
    expect(new URL(page.url()).pathname).toBe('/settings/groups');

    const forced = await page.evaluate(
      async ({ sourceId, deployment }) => {
        const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
        const send = async (method: string, url: string, body?: unknown) =>
          (
            await fetch(url, {
              method,
              headers: {
                'x-csrf-token': session.csrfToken,
                ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
              },
              ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
            })
          ).status;
        return {
          approve: await send('POST', '/api/v1/triage/actions', {
            items: [{ bulletin: 'PH-APT', group: 'db' }],
            action: { kind: 'approve' },
          }),
          group: await send('POST', '/api/v1/groups', { name: 'mine', kind: 'static' }),
          preview: await send('POST', '/api/v1/groups/preview', { kind: 'rule', rule: 'role = db' }),
          sync: await send('POST', `/api/v1/sources/${sourceId}/sync`),
          pause: await send('POST', `/api/v1/deployments/${deployment}/pause`),
          edit: await send('PATCH', '/api/v1/machines/webserver1', { owner: 'me' }),
          remove: await send('DELETE', '/api/v1/groups/web'),
        };
      },
      { sourceId, deployment },
    );
    expect(forced).toEqual({ approve: 403, group: 403, preview: 403, sync: 403, pause: 403, edit: 403, remove: 403 });
  });

  it('a web-scoped operator signed in with a password never sees a db machine', async () => {
    const c = await openPage(browser(), { baseURL: server.url });
    opened.push(c);
    const { page } = c;
    await page.goto(`${server.url}/machines`);
    await page.locator('input[name="username"]').fill('wendy');
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Machines', level: 1 }).isVisible(), UNTIL).toBe(true);

    const text = () => page.locator('body').innerText();
    const noDb = async (url: string, shows?: string) => {
      await visit(page, url);
      if (shows) await page.getByText(shows).first().waitFor(UNTIL);
      const seen = await text();
      for (const name of DB) expect(seen, `${url} shows ${name}`).not.toContain(name);
      expect(seen, `${url} shows group db`).not.toMatch(/\bdb\b/);
      await expectAccessible(page, `${url} (web-scoped operator)`);
    };
    await noDb('/machines', 'webserver2');
    expect(await text()).toMatch(/2 machines/);
    await noDb('/machines?q=dbserver7');
    await noDb('/machines?group=web', 'webserver1');
    await noDb('/', 'PH-APT');
    await noDb('/bulletins/PH-APT', 'webserver1');
    await noDb('/triage');
    await noDb('/reports', 'web');
    await noDb('/deployments', 'web apt');

    // a deep link to a db machine reads as absent: the same answer as a machine that does not exist
    await page.goto(`${server.url}/machines/dbserver7`);
    await page.getByText('E_MACHINE_NOT_FOUND').waitFor(UNTIL);
    expect(await page.getByRole('heading', { level: 1, name: 'dbserver7' }).count()).toBe(0);
    expect(await text()).not.toContain('dbserver8');
    await expectAccessible(page, 'a db machine (web-scoped operator)');
  });

  it("an admin sees a rule previewed as it is typed, and a source's last sync with its diff", async () => {
    const c = await openPage(browser(), { baseURL: server.url, token: server.adminToken });
    opened.push(c);
    const { page } = c;
    await visit(page, '/settings/groups');
    await page.getByRole('button', { name: 'Create group' }).first().click();
    await page.getByText('A rule').click();
    const rule = page.getByRole('textbox', { name: 'Rule' });
    const preview = page.getByTestId('rule-preview');
    await rule.fill('role = db');
    await expect.poll(() => preview.innerText(), UNTIL).toMatch(/This rule takes 2 machines: dbserver7, dbserver8/);
    await rule.fill('role = (');
    await expect.poll(() => preview.innerText(), UNTIL).toMatch(/E_RULE_INVALID/);
    await expectAccessible(page, 'group form with a rule preview');
    await page.getByRole('button', { name: 'Close' }).last().click();

    await visit(page, '/settings/sources');
    const table = page.getByRole('table', { name: 'Catalog sources' });
    await expect.poll(() => table.innerText(), UNTIL).toMatch(/updated[\s\S]*1 added, 0 revised, 0 withdrawn/i);
    await page.getByRole('button', { name: 'History and changes' }).click();
    await page.getByRole('link', { name: 'PH-APT' }).waitFor(UNTIL);
    await expectAccessible(page, "a source's history and changes");
  });
});
