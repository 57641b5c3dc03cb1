/**
 * The console in a real browser for tests: Debian's Chromium (installed by
 * scripts/setup-test-deps.sh) driven by playwright-core, one browser per test file, a context per
 * screen (1280×800 desktop, 390×844 touch phone). Every page records the console errors and failed
 * requests it sees; `expectClean()` fails the test on any that were not expected.
 */
import { execFile } from 'node:child_process';
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.PATCHHIVE_CHROMIUM ?? '/usr/bin/chromium';

export type Screen = 'desktop' | 'phone';

/** The two screens every page must work on. */
export const SCREENS: Record<Screen, { width: number; height: number; isMobile: boolean; hasTouch: boolean }> = {
  desktop: { width: 1280, height: 800, isMobile: false, hasTouch: false },
  phone: { width: 390, height: 844, isMobile: true, hasTouch: true },
};

const isRoot = process.getuid?.() === 0;

/**
 * Launches headless Chromium. Chromium's sandbox needs unprivileged user namespaces and refuses to
 * start as root (test containers usually run as root): only then is it turned off, since the pages
 * it loads are the project's own console served from loopback.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: isRoot ? ['--no-sandbox'] : [],
  });
}

/** A request or console message a test expects (e.g. a 403 it provokes); matched against the text. */
export type Expected = RegExp;

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Console errors and failed requests seen so far ("console: ...", "request: GET /x → 500"). */
  problems: string[];
  /** Throws when a problem was seen that none of `expected` matches. */
  expectClean(...expected: Expected[]): void;
  close(): Promise<void>;
}

/**
 * A new page on `screen` at `baseURL`. `token` signs the page's browser context in with that API
 * token (POST /api/v1/session): the console then runs on a cookie session as after the sign-in form.
 */
export async function openPage(
  browser: Browser,
  opts: { baseURL: string; screen?: Screen; token?: string },
): Promise<ConsolePage> {
  const s = SCREENS[opts.screen ?? 'desktop'];
  const context = await browser.newContext({
    baseURL: opts.baseURL,
    viewport: { width: s.width, height: s.height },
    isMobile: s.isMobile,
    hasTouch: s.hasTouch,
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  if (opts.token) {
    // The token sign-in scripts use: a real console session (cookie + CSRF), as the sign-in form makes it.
    const res = await context.request.post('/api/v1/session', { data: { token: opts.token } });
    if (!res.ok()) throw new Error(`token sign-in answered ${res.status()}: ${await res.text()}`);
  }
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A navigation away aborts the requests still in flight: not a failure of the page.
    if (r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request: ${r.method()} ${new URL(r.url()).pathname} failed (${r.failure()?.errorText})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400)
      problems.push(`request: ${r.request().method()} ${new URL(r.url()).pathname} → ${r.status()}`);
  });
  return {
    page,
    context,
    problems,
    expectClean(...expected) {
      const unexpected = problems.filter((p) => !expected.some((e) => e.test(p)));
      if (unexpected.length > 0) throw new Error(`the page reported problems:\n  ${unexpected.join('\n  ')}`);
    },
    close: () => context.close(),
  };
}

/**
 * Saves `docs/console/<name>-<screen>.png`, only when PATCHHIVE_SCREENSHOTS=1 asks for it, so that
 * ordinary test runs leave the committed screenshots alone.
 */
export async function screenshot(page: Page, name: string, screen: Screen): Promise<void> {
  if (process.env.PATCHHIVE_SCREENSHOTS !== '1') return;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: use a-z, 0-9 and -`);
  const dir = path.join(REPO, 'docs/console');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}-${screen}.png`) });
}

const LOCK = path.join(REPO, 'dist/.web-build.lock');

/**
 * Builds the console into dist/web with the project's build script (`npm run build:web`, which
 * does nothing when dist/web was built from the same inputs). Test files run in parallel
 * processes: a lock file (created exclusively) lets one run it while the others wait and then find
 * the build current. A lock older than 5 minutes is a crashed build's.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const deadline = Date.now() + 300_000;
  await mkdir(path.dirname(LOCK), { recursive: true });
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(LOCK, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (fd !== undefined) {
      try {
        await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build-web.ts'], {
          cwd: REPO,
          maxBuffer: 16 << 20,
        });
        return;
      } finally {
        closeSync(fd);
        unlinkSync(LOCK);
      }
    }
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > 300_000) unlinkSync(LOCK);
    } catch {
      // the lock went away between the two calls: try again
    }
    if (Date.now() > deadline) throw new Error(`waited 5 minutes for the console build (${LOCK})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One browser for the test file that calls this at its top level (launched before, closed after its tests). */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not launched yet (use it inside a test or hook)');
    return browser;
  };
}
