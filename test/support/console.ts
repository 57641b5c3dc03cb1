/**
 * Steps the console's browser tests share: a listening test server with the console built, waiting
 * for a page's heading, the password sign-in form, and the accessibility check before a screenshot.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { expectAccessible } from './axe.js';
import { ensureConsoleBuilt, screenshot, type Screen } from './browser.js';
import { startTestServer, type TestServer } from './server.js';

/** How long a page may take to show something on a loaded machine. */
export const UNTIL = { timeout: 30_000 };

/**
 * A test server that serves the built console, for the test file that calls this at its top level:
 * started (then `seed` run on it) before the file's tests, destroyed after them.
 */
export function consoleServer(seed?: (server: TestServer) => unknown): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    server = (await startTestServer({ listen: true }))!;
    await seed?.(server);
  });
  afterAll(async () => {
    await server?.destroy();
  });
  return () => {
    if (!server) throw new Error('the console server is not started yet (use it inside a test or hook)');
    return server;
  };
}

/** Waits until the page shows the heading `name` (of `level`, when given). */
export async function expectHeading(page: Page, name: string, level?: number): Promise<void> {
  const heading = page.getByRole('heading', level === undefined ? { name } : { name, level });
  await expect.poll(() => heading.isVisible(), UNTIL).toBe(true);
}

/** Fills the sign-in form's password tab (fields `username` and `password`) and sends it. */
export async function signInWithPassword(page: Page, username: string, password: string): Promise<void> {
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Checks the page with axe-core (no serious or critical violation), then takes its screenshot when asked for. */
export async function checkAndShoot(page: Page, name: string, screen: Screen): Promise<void> {
  await expectAccessible(page, `${name} (${screen})`);
  await screenshot(page, name, screen);
}
