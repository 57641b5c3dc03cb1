/**
 * Section 9: the web console. (a) The JavaScript and CSS the first page loads, gzipped, from a fresh
 * `vite build`; (b) how long the machines list of 10,000 machines takes to become usable in
 * Chromium, beside the API call it makes; (c) the most row elements in the DOM while scrolling
 * through 100,000 machines.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serverConfigSchema } from '../src/server/config.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { fleetName, seedFleet } from '../test/support/fleet-seed.js';
import { REPO } from './fixtures.js';

export interface WebBenchConfig {
  /** Machines in the list whose time to interactive is measured. */
  machines: number;
  /** Machines scrolled through. */
  scrollMachines: number;
  /** Page loads measured (after one warm-up load). */
  runs: number;
}

export function webBenchConfig(): WebBenchConfig {
  const n = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
  return {
    machines: n('BENCH_WEB_MACHINES', 10_000),
    scrollMachines: n('BENCH_WEB_SCROLL_MACHINES', 100_000),
    runs: n('BENCH_WEB_RUNS', 5),
  };
}

export interface ShippedFile {
  file: string;
  kind: 'entry' | 'preload' | 'css';
  bytes: number;
  gzipBytes: number;
}

export interface WebBenchResults {
  date: string;
  config: WebBenchConfig;
  chromium: string;
  buildMs: number;
  /** The files index.html loads before any page's own chunk. */
  firstPage: ShippedFile[];
  /** The machines page's own chunk (loaded when /machines is opened). */
  machinesChunk: ShippedFile | undefined;
  seedMs: number;
  /** Navigation start → first row visible and the search box enabled, per measured load. */
  interactiveMs: number[];
  /** The page's own GET /api/v1/machines?limit=500 as its resource timing saw it, per load. */
  pageApiMs: number[];
  /** GET /api/v1/machines?limit=500 from Node, in the same run, per call. */
  apiMs: number[];
  scroll: {
    positions: number;
    maxRows: number;
    maxRowsAt: string;
    finalRowShown: boolean;
    /** Per jump: milliseconds until the row jumped to was shown. */
    jumpMs: number[];
    /** GET /api/v1/machines?limit=500&offset=50000 from Node at this fleet size, per call. */
    apiMs: number[];
  };
  loadAverage: { start: number[]; end: number[] };
  totalMs: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const CHROMIUM = process.env.PATCHHIVE_CHROMIUM ?? '/usr/bin/chromium';

/** The entry script, its module preloads and the style sheets index.html names, with their sizes. */
async function firstPageFiles(dist: string): Promise<ShippedFile[]> {
  const html = await readFile(path.join(dist, 'index.html'), 'utf8');
  const refs: { file: string; kind: ShippedFile['kind'] }[] = [];
  for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g))
    refs.push({ file: m[1]!, kind: 'entry' });
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g))
    refs.push({ file: m[1]!, kind: 'preload' });
  for (const m of html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g))
    refs.push({ file: m[1]!, kind: 'css' });
  return Promise.all(refs.map(async (r) => sized(dist, r.file, r.kind)));
}

async function sized(dist: string, file: string, kind: ShippedFile['kind']): Promise<ShippedFile> {
  const body = await readFile(path.join(dist, file.replace(/^\//, '')));
  return { file, kind, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
}

/** Loads /machines in a fresh context and times it from the page's own clock (0 = navigation start). */
async function timeLoad(browser: Browser, url: string, token: string): Promise<{ interactive: number; api: number }> {
  const context = await browser.newContext({
    baseURL: url,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  try {
    const page = await context.newPage();
    await page.goto('/machines', { waitUntil: 'commit' });
    const first = fleetName(0);
    // Polled on every animation frame: the frame's time is when both became true.
    const handle = await page.waitForFunction(
      (name) => {
        const link = [...document.querySelectorAll('[role="table"] a')].find((a) => a.textContent === name);
        const box = link?.getBoundingClientRect();
        const search = document.querySelector<HTMLInputElement>('input[placeholder^="Name"]');
        const shown = box && box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
        return shown && search && !search.disabled && !search.readOnly ? performance.now() : false;
      },
      first,
      { polling: 'raf', timeout: 60_000 },
    );
    const interactive = (await handle.jsonValue()) as number;
    const api = await page.evaluate(
      () =>
        performance
          .getEntriesByType('resource')
          .find((e) => e.name.includes('/api/v1/machines?') && e.name.includes('offset=0'))?.duration ?? -1,
    );
    return { interactive, api };
  } finally {
    await context.close();
  }
}

/** The most body rows in the DOM, sampled on every frame while the list is scrolled through. */
async function scrollThrough(page: Page, total: number): Promise<WebBenchResults['scroll']> {
  await page.evaluate(() => {
    const w = window as unknown as { maxRows: number };
    w.maxRows = 0;
    const sample = () => {
      w.maxRows = Math.max(
        w.maxRows,
        document.querySelectorAll('[role="table"] [role="rowgroup"]:nth-child(2) > [role="row"]').length,
      );
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
  const table = page.getByRole('table', { name: 'Machines' });
  await table.hover();
  // Wheel scrolling over the first rows (as a user does), then jumps across the whole list.
  for (let i = 0; i < 40; i++) await page.mouse.wheel(0, 600);
  const positions = 20;
  const jumpMs: number[] = [];
  for (let k = 1; k <= positions; k++) {
    const index = Math.min(total - 1, Math.round((k / positions) * (total - 1)));
    const j0 = performance.now();
    await table.evaluate((el, top) => (el.scrollTop = top), index * 40);
    await page.getByRole('link', { name: fleetName(index), exact: true }).waitFor({ timeout: 60_000 });
    jumpMs.push(performance.now() - j0);
  }
  const finalRowShown = await page.getByRole('link', { name: fleetName(total - 1), exact: true }).isVisible();
  const maxRows = await page.evaluate(() => (window as unknown as { maxRows: number }).maxRows);
  return { positions, maxRows, maxRowsAt: `${positions} jumps and 40 wheel steps`, finalRowShown, jumpMs, apiMs: [] };
}

export async function runWebBench(cfg: WebBenchConfig, say: (s: string) => void): Promise<WebBenchResults> {
  const t0 = performance.now();
  const loadStart = loadavg();
  say('section 9: vite build of the console');
  const b0 = performance.now();
  await promisify(execFile)('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: REPO,
    maxBuffer: 16 << 20,
  });
  const buildMs = performance.now() - b0;
  const dist = path.join(REPO, 'dist/web');
  const firstPage = await firstPageFiles(dist);
  // The machines page's own chunk, named by Vite after its module (pages/machines.tsx).
  const chunk = (await readdir(path.join(dist, 'assets'))).find((x) => /^machines-[\w-]+\.js$/.test(x));
  const machinesChunk = chunk ? await sized(dist, `/assets/${chunk}`, 'preload') : undefined;

  const dataDir = await mkdtemp(path.join(tmpdir(), 'patchhive-bench-web-'));
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    const config = serverConfigSchema.parse({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      console: { dir: dist },
      triageSweepSchedule: '',
      notify: { dueSoonSchedule: '', digestSchedule: '' },
    });
    server = await startServer(config, { logger: pino({ level: 'silent' }) });
    const seedMs = seedFleet(dataDir, cfg.machines);
    const token = (
      await server.services.tokens.createApiToken({ name: 'bench-web', user: 'bench', role: 'viewer' }, 'bench')
    ).secret;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    say(
      `section 9: /machines with ${cfg.machines.toLocaleString('en-US')} machines, ${cfg.runs} loads after a warm-up`,
    );
    await timeLoad(browser, server.url, token);
    const interactiveMs: number[] = [];
    const pageApiMs: number[] = [];
    const apiMs: number[] = [];
    for (let i = 0; i < cfg.runs; i++) {
      const r = await timeLoad(browser, server.url, token);
      interactiveMs.push(r.interactive);
      pageApiMs.push(r.api);
      const a0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/machines?limit=500`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      apiMs.push(performance.now() - a0);
      if (!res.ok) throw new Error(`GET /api/v1/machines: ${res.status}`);
    }
    say(
      `section 9: interactive after ${median(interactiveMs).toFixed(0)} ms (median), API ${median(apiMs).toFixed(0)} ms`,
    );

    say(`section 9: scrolling ${cfg.scrollMachines.toLocaleString('en-US')} machines`);
    await server.close();
    server = undefined;
    seedFleet(dataDir, cfg.scrollMachines, cfg.machines);
    server = await startServer(config, { logger: pino({ level: 'silent' }) });
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      extraHTTPHeaders: { authorization: `Bearer ${token}` },
    });
    const page = await context.newPage();
    await page.goto('/machines');
    await page
      .getByText(`${cfg.scrollMachines.toLocaleString('en-US')} machines`, { exact: true })
      .waitFor({ timeout: 60_000 });
    const scroll = await scrollThrough(page, cfg.scrollMachines);
    await context.close();
    for (let i = 0; i < 3; i++) {
      const a0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/machines?limit=500&offset=50000`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      scroll.apiMs.push(performance.now() - a0);
    }
    say(`section 9: at most ${scroll.maxRows} rows in the DOM`);
    return {
      date: new Date().toISOString(),
      config: cfg,
      chromium: (await promisify(execFile)(CHROMIUM, ['--version'])).stdout.trim(),
      buildMs,
      firstPage,
      machinesChunk,
      seedMs,
      interactiveMs,
      pageApiMs,
      apiMs,
      scroll,
      loadAverage: { start: loadStart, end: loadavg() },
      totalMs: performance.now() - t0,
    };
  } finally {
    await browser?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
