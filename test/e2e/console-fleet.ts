/**
 * The small fleet the console page tests share: two imported Debian machines, `web1` in group `lab`
 * and `db1` in group `prod` (which needs a second approver), and a native catalog synced as source
 * `inhouse`; and a page opener whose pages are closed after the file's tests.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { SourceWire } from '../../src/protocol/api.js';
import { openPage, type ConsolePage, type Screen } from '../support/browser.js';
import type { TestServer } from '../support/server.js';
import { debianInventory, expectApi } from './server-test-helpers.js';

/** Imports web1 and db1, makes the groups lab and prod, and syncs `catalog` (written into `dir`); waits for the assessment. */
export async function seedLabAndProd(server: TestServer, dir: string, catalog: string | Buffer): Promise<void> {
  const now = new Date();
  for (const [name, status] of [
    ['web1', 'status-host-node-image.txt'],
    ['db1', 'status-minbase-12-security-upgraded.txt'],
  ] as const) {
    await expectApi(server, 'POST', '/machines/import', 201, {
      body: { inventory: await debianInventory(status, name, now), attributes: { role: 'web', owner: 'ops' } },
    });
  }
  await expectApi(server, 'POST', '/groups', 201, { body: { name: 'lab', kind: 'static', members: ['web1'] } });
  await expectApi(server, 'POST', '/groups', 201, {
    body: { name: 'prod', kind: 'static', members: ['db1'], requiresSecondApprover: true },
  });
  const file = path.join(dir, 'inhouse.json');
  await writeFile(file, catalog);
  const source = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
    body: { name: 'inhouse', url: file, format: 'native', allowUnsigned: true },
  });
  await expectApi(server, 'POST', `/sources/${source.id}/sync`, 200);
  await server.assessment.whenIdle();
}

/** Opens signed-in pages (a token turned into a cookie session) and closes them all at the end. */
export function pageOpener(browser: () => Browser, baseURL: () => string) {
  const opened: ConsolePage[] = [];
  return {
    open: async (token: string, screen: Screen = 'desktop'): Promise<Page> => {
      const c = await openPage(browser(), { baseURL: baseURL(), token, screen });
      opened.push(c);
      return c.page;
    },
    closeAll: async (): Promise<void> => {
      for (const c of opened.splice(0)) await c.close();
    },
  };
}
