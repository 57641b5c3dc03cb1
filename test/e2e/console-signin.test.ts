/**
 * Signing in to the console in Chromium: the sign-in form (fields username, password, token), a
 * cookie session that is HttpOnly and SameSite=Strict, a change sent with its CSRF token, a deep
 * link kept across sign-in, sign-out, and the Today page — each page checked with axe-core.
 */
import { describe, expect, it } from 'vitest';
import { openPage, sharedBrowser } from '../support/browser.js';
import { checkAndShoot, consoleServer, expectHeading, signInWithPassword, UNTIL } from '../support/console.js';

const browser = sharedBrowser();
const PASSWORD = 'correct horse battery staple';
const server = consoleServer(async (s) => {
  const res = await fetch(`${s.url}/api/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'alice', role: 'operator', password: PASSWORD }),
  });
  expect(res.status).toBe(201);
});

describe('console sign-in', () => {
  it('signs in with a password into a strict, HttpOnly cookie session; changes carry the CSRF token', async () => {
    const p = await openPage(browser(), { baseURL: server().url });
    const { page } = p;
    try {
      await page.goto('/machines?q=web');
      await expectHeading(page, 'Sign in to Patchhive');
      await checkAndShoot(page, 'signin', 'desktop');

      // a wrong password: plain words and the code, and no session
      await signInWithPassword(page, 'alice', 'not the password at all');
      await expect.poll(() => page.getByRole('alert').textContent(), UNTIL).toMatch(/E_UNAUTHENTICATED/);

      await page.locator('input[name="password"]').fill(PASSWORD);
      const seen = page.waitForResponse((r) => r.url().endsWith('/api/v1/today/seen'), { timeout: 30_000 });
      await page.getByRole('button', { name: 'Sign in' }).click();
      // the deep link asked for before signing in is where the session starts
      await expectHeading(page, 'Machines', 1);
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/machines?q=web');

      const cookie = (await p.context.cookies()).find((c) => c.name === 'patchhive_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });

      // Today marks the visit with a POST: it passes only with the session's CSRF token
      await page.getByRole('link', { name: 'Today' }).click();
      await expectHeading(page, 'Today', 1);
      const seenAnswer = await seen;
      expect(seenAnswer.status()).toBe(200);
      expect(seenAnswer.request().headers()['x-csrf-token']).toBeTruthy();
      await checkAndShoot(page, 'today-quiet', 'desktop');

      // the same change without the token is refused
      const forged = await p.context.request.post('/api/v1/today/seen', { data: {} });
      expect(forged.status()).toBe(403);
      expect(await forged.json()).toMatchObject({ error: { code: 'E_CSRF' } });

      await page.getByRole('button', { name: /alice · operator/ }).click();
      await page.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
      await expectHeading(page, 'Sign in to Patchhive');
      expect((await p.context.request.get('/api/v1/me')).status()).toBe(401);
      // the 401s: /me before sign-in and after sign-out, and the wrong password
      p.expectClean(/GET \/api\/v1\/me → 401/, /POST \/api\/v1\/session → 401/, /status of 401 \(Unauthorized\)/);
    } finally {
      await p.close();
    }
  });

  it('signs in with an API token on a phone; a viewer gets a viewer session', async () => {
    const viewer = await server().tokenFor('viewer');
    const p = await openPage(browser(), { baseURL: server().url, screen: 'phone' });
    const { page } = p;
    try {
      await page.goto('/');
      await expectHeading(page, 'Sign in to Patchhive');
      await checkAndShoot(page, 'signin', 'phone');
      await page.getByRole('tab', { name: 'API token' }).click();
      await page.locator('input[name="token"]').fill(viewer);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectHeading(page, 'Today', 1);
      const session = await p.context.request.get('/api/v1/session');
      expect(await session.json()).toMatchObject({ role: 'viewer', via: 'token' });
      await checkAndShoot(page, 'today-quiet', 'phone');
      p.expectClean(/GET \/api\/v1\/me → 401/, /status of 401 \(Unauthorized\)/);
    } finally {
      await p.close();
    }
  });

  it('an admin creates a user in Settings, resets its password (shown once), and the user signs in with it', async () => {
    const admin = await openPage(browser(), { baseURL: server().url, token: server().adminToken });
    const { page } = admin;
    try {
      await page.goto('/settings/users');
      await page.getByRole('button', { name: 'Create user' }).click();
      const create = page.getByRole('dialog', { name: 'Create user' });
      await create.getByLabel('User name').fill('carol');
      await create.getByLabel('Role').click();
      await page.getByRole('option', { name: 'operator' }).click();
      await create.getByRole('button', { name: 'Create user' }).click();
      await expect.poll(() => page.getByRole('cell', { name: 'carol', exact: true }).isVisible(), UNTIL).toBe(true);
      await checkAndShoot(page, 'settings-users', 'desktop');

      await page.getByRole('button', { name: 'Edit carol' }).click();
      await page.getByRole('button', { name: /Reset password/ }).click();
      const secret = page.locator('input[data-secret]');
      await expect.poll(() => secret.inputValue(), UNTIL).toMatch(/.{12,}/);
      const password = await secret.inputValue();
      await page.getByRole('button', { name: 'I have stored it' }).click();
      admin.expectClean(/status of 401 \(Unauthorized\)/);

      const carol = await openPage(browser(), { baseURL: server().url });
      try {
        await carol.page.goto('/');
        await signInWithPassword(carol.page, 'carol', password);
        await expectHeading(carol.page, 'Today', 1);
        const session = await carol.context.request.get('/api/v1/session');
        expect(await session.json()).toMatchObject({ user: 'carol', role: 'operator', via: 'password' });
      } finally {
        await carol.close();
      }
    } finally {
      await admin.close();
    }
  });
});
