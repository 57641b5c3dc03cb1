/** Section 9 of docs/BENCHMARKS.md: the web console's first-page weight, its machines list in Chromium. */
import { int, ms, sec, table, times } from './report-format.js';
import { median, type ShippedFile, type WebBenchResults } from './web-console.js';

export const WEB_SECTION_HEADING = '## 9. Web console';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const loadText = (l: { start: number[]; end: number[] }) =>
  `${l.start.map((x) => x.toFixed(2)).join(' / ')} → ${l.end.map((x) => x.toFixed(2)).join(' / ')}`;
const range = (xs: number[]) => `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`;

/**
 * The figures of the run before the machine list was paged in SQL (2026-12-07, MachineService.list
 * then read the whole fleet and cut out the page in memory), kept beside each new run's.
 */
const EARLIER = {
  date: '2026-12-07',
  firstPageJsGzip: 145.0 * 1024,
  interactiveMs: 2589,
  apiMs: 506,
  maxRows: 35,
  jumpMs: 8779,
  offsetApiMs: 4503,
};

/** The whole section. */
export function webSection(r: WebBenchResults): string {
  const c = r.config;
  const sum = (fs: ShippedFile[], pick: (f: ShippedFile) => number) => fs.reduce((n, f) => n + pick(f), 0);
  const js = r.firstPage.filter((f) => f.kind !== 'css');
  const css = r.firstPage.filter((f) => f.kind === 'css');
  const fileRows = [
    ...r.firstPage.map((f) => [f.file, f.kind, kb(f.bytes), kb(f.gzipBytes)]),
    ['**JavaScript of the first page**', '', kb(sum(js, (f) => f.bytes)), `**${kb(sum(js, (f) => f.gzipBytes))}**`],
    ['**with CSS**', '', kb(sum(r.firstPage, (f) => f.bytes)), `**${kb(sum(r.firstPage, (f) => f.gzipBytes))}**`],
    ...(r.machinesChunk
      ? [
          [
            `${r.machinesChunk.file} (then, for /machines)`,
            'page chunk',
            kb(r.machinesChunk.bytes),
            kb(r.machinesChunk.gzipBytes),
          ],
        ]
      : []),
  ];
  const page = median(r.interactiveMs);
  const api = median(r.apiMs);
  return `${WEB_SECTION_HEADING}

Measured on ${r.date} (${sec(r.totalMs)} for this section) with ${r.chromium}, headless. Load average (1/5/15 min) ${loadText(r.loadAverage)}. Run alone with \`BENCH_ONLY=web\` (after \`npm run build\` and \`tsc -p tsconfig.bench.json\`: \`BENCH_ONLY=web node --expose-gc dist-bench/bench/run.js\`), which rewrites only this section of docs/BENCHMARKS.md; sizes from BENCH_WEB_MACHINES (default 10000), BENCH_WEB_SCROLL_MACHINES (100000), BENCH_WEB_RUNS (5). The code is bench/web-console.ts.

**What the first page ships.** A fresh \`vite build --config web/vite.config.ts\` (${sec(r.buildMs)}); the files dist/web/index.html loads before any page: its entry script, the chunks it names as module preloads (the entry's static imports) and its style sheets; gzip level 9 (what a compressing proxy in front of \`patchhive serve\` would send). Each page is a chunk of its own, loaded when it is opened; the machines page's is listed below the sums, not in them. CSS is ${css.length === 0 ? 'none' : `${kb(sum(css, (f) => f.gzipBytes))} gzipped`}.

${table(['file', 'kind', 'bytes', 'gzipped'], fileRows)}

**Time until the machines list is usable.** A server (SQLite) with ${int(c.machines)} imported machines (seeded in one transaction, ${ms(r.seedMs)}), a viewer's API token sent as a bearer header; one warm-up load, then ${c.runs} loads of \`/machines\`, each in a fresh browser context (empty cache), 1280×800. *Interactive* is the page's own clock from navigation start to the first animation frame in which the first machine's row is inside the viewport and the search box is enabled, polled on every frame. The **peer** is the call the page itself makes, \`GET /api/v1/machines?limit=500\`, timed from Node against the same server right after each load; *the page's own call* is that request in the page's resource timing.

${table(
  ['what', 'median', 'min–max'],
  [
    ['/machines interactive (navigation start → first row and search box)', `**${ms(page)}**`, range(r.interactiveMs)],
    ["the page's own GET /api/v1/machines (resource timing)", ms(median(r.pageApiMs)), range(r.pageApiMs)],
    ['GET /api/v1/machines?limit=500 from Node (peer)', ms(api), range(r.apiMs)],
    ['page / API', `**${times(page / api)}**`, ''],
  ],
)}

**Scrolling ${int(c.scrollMachines)} machines.** The same server grown to ${int(c.scrollMachines)} machines; the list scrolled with 40 mouse-wheel steps of 600 px, then jumped to ${r.scroll.positions} evenly spaced positions down to the last machine, waiting at each for that machine's row to appear. The number of row elements in the table body was sampled on every animation frame throughout: at most **${int(r.scroll.maxRows)}** (the bound is 200)${r.scroll.finalRowShown ? ', and the last machine was shown at the end' : '; **the last machine was not shown at the end**'}. The table keeps only the rows in and near its window in the DOM and asks the server only for the 500-row pages the window is on. From a jump to its row on the screen: median ${ms(median(r.scroll.jumpMs))} (${range(r.scroll.jumpMs)}); that is the server's answers for the pages jumped to (the window, with its overscan of 10 rows above, mostly straddles two 500-row pages, fetched side by side) — \`GET /api/v1/machines?limit=500&offset=50000\` at ${int(c.scrollMachines)} machines took ${ms(median(r.scroll.apiMs))} from Node (median of ${r.scroll.apiMs.length}; ${ms(api)} at ${int(c.machines)}), the list is filtered, sorted and paged in the database (section 10): the console's share is the frame after the answer, the rest is the server's.

**Beside the earlier run** (${EARLIER.date}, when the machine list was read whole and paged in memory; same scenario and sizes):

${table(
  ['figure', EARLIER.date, 'this run'],
  [
    ['JavaScript of the first page, gzipped', kb(EARLIER.firstPageJsGzip), kb(sum(js, (f) => f.gzipBytes))],
    ['/machines interactive, median', ms(EARLIER.interactiveMs), ms(page)],
    ['GET /api/v1/machines?limit=500 (peer), median', ms(EARLIER.apiMs), ms(api)],
    ['page / API', times(EARLIER.interactiveMs / EARLIER.apiMs), times(page / api)],
    ['most rows in the DOM while scrolling', int(EARLIER.maxRows), int(r.scroll.maxRows)],
    ['a jump to its row on the screen, median', ms(EARLIER.jumpMs), ms(median(r.scroll.jumpMs))],
    [
      `GET …?limit=500&offset=50000 at ${int(c.scrollMachines)} machines`,
      ms(EARLIER.offsetApiMs),
      ms(median(r.scroll.apiMs)),
    ],
  ],
)}`;
}

/** Replaces section 9 in a BENCHMARKS.md text (or appends it), leaving every other section as it was. */
export function spliceWebSection(doc: string, section: string): string {
  const start = doc.indexOf('\n## 9. ');
  if (start < 0) return doc.trimEnd() + '\n\n' + section + '\n';
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(0, start + 1) + section + '\n' + (next < 0 ? '' : doc.slice(next));
}
