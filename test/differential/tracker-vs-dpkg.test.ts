/**
 * The Debian tracker sample against the three status files: every (source, CVE) entry's verdict
 * is computed independently here — source membership from the status file's Source: fields and
 * version order from the real `dpkg --compare-versions` — and compared with the engine's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDebianTracker } from '../../src/catalog/import/debian-tracker.js';
import { evaluate, prepareCatalog } from '../../src/detect/index.js';
import type { FindingStatus } from '../../src/detect/model.js';
import { collectDpkgInventory } from '../../src/inventory/collect-dpkg.js';

const FIX = path.resolve(import.meta.dirname, '../fixtures/debian');
const trackerFile = path.join(FIX, 'tracker-bookworm.json');
const tracker = JSON.parse(readFileSync(trackerFile, 'utf8')) as Record<
  string,
  Record<string, { releases: Record<string, { status: string; fixed_version?: string; urgency: string }> }>
>;

/** Installed binaries per source package, straight from the status file's paragraphs. */
function sourcesOf(statusFile: string): Map<string, { name: string; sourceVersion: string }[]> {
  const out = new Map<string, { name: string; sourceVersion: string }[]>();
  for (const para of readFileSync(statusFile, 'utf8').split(/\n\n+/)) {
    const field = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(para)?.[1];
    const name = field('Package');
    const status = field('Status') ?? '';
    if (!name || / (not-installed|config-files)$/.test(status)) continue;
    const src = field('Source');
    const m = src ? /^(\S+)(?: \((.*)\))?$/.exec(src) : null;
    const source = m?.[1] ?? name;
    const list = out.get(source) ?? [];
    list.push({ name, sourceVersion: m?.[2] ?? field('Version')! });
    out.set(source, list);
  }
  return out;
}

function dpkgLessThan(a: string, b: string): boolean {
  return spawnSync('dpkg', ['--compare-versions', '--', a, 'lt', b]).status === 0;
}

type Kind = 'resolved' | 'open' | 'not-affected' | 'unimportant';

function expectedVerdicts(statusFile: string): Map<string, { status: FindingStatus; kinds: Set<Kind> }> {
  const installed = sourcesOf(statusFile);
  const rank: Record<string, number> = { missing: 6, affected: 5, installed: 2, 'not-applicable': 1 };
  const out = new Map<string, { status: FindingStatus; kinds: Set<Kind> }>();
  for (const [source, cves] of Object.entries(tracker)) {
    for (const [cve, entry] of Object.entries(cves)) {
      const r = entry.releases.bookworm;
      if (!r) continue;
      const kinds = new Set<Kind>();
      let status: FindingStatus;
      const bins = installed.get(source) ?? [];
      if (r.urgency === 'unimportant') kinds.add('unimportant');
      if (r.fixed_version === '0') {
        kinds.add('not-affected');
        status = 'not-applicable';
      } else if (bins.length === 0) status = 'not-applicable';
      else if (r.status === 'resolved' && r.fixed_version) {
        kinds.add('resolved');
        status = bins.some((b) => dpkgLessThan(b.sourceVersion, r.fixed_version!)) ? 'missing' : 'installed';
      } else {
        kinds.add('open');
        status = 'affected';
      }
      const prev = out.get(cve);
      if (!prev || rank[status]! > rank[prev.status]!)
        out.set(cve, { status, kinds: new Set([...(prev?.kinds ?? []), ...kinds]) });
      else for (const k of kinds) prev.kinds.add(k);
    }
  }
  return out;
}

describe.each([
  'status-minbase-12-point-release.txt',
  'status-minbase-12-security-upgraded.txt',
  'status-host-node-image.txt',
])('tracker sample on %s', (statusName) => {
  const statusFile = path.join(FIX, statusName);
  it('every CVE gets the verdict computed with dpkg --compare-versions', async () => {
    expect(execFileSync('dpkg', ['--version']).toString()).toMatch(/dpkg/);
    const catalog = importDebianTracker(readFileSync(trackerFile, 'utf8'), { file: trackerFile, release: 'bookworm' });
    const inv = await collectDpkgInventory({ statusFile, now: new Date() });
    const findings = new Map(evaluate(prepareCatalog(catalog), inv).map((f) => [f.bulletin, f]));
    const expected = expectedVerdicts(statusFile);
    const kindsSeen = new Set<Kind>();
    const wrong: string[] = [];
    for (const [cve, exp] of expected) {
      const got = findings.get(cve)?.status ?? 'not-applicable';
      if (got !== exp.status) wrong.push(`${cve}: expected ${exp.status}, got ${got}`);
      if (exp.status !== 'not-applicable' || exp.kinds.has('not-affected')) for (const k of exp.kinds) kindsSeen.add(k);
      if (exp.kinds.has('unimportant') && findings.has(cve)) expect(findings.get(cve)!.severity).toBe('low');
    }
    expect(wrong).toEqual([]);
    // the table covers every kind of entry the issue names
    expect([...kindsSeen].sort()).toEqual(['not-affected', 'open', 'resolved', 'unimportant']);
    const counts = [...expected.values()].reduce<Record<string, number>>(
      (acc, e) => ({ ...acc, [e.status]: (acc[e.status] ?? 0) + 1 }),
      {},
    );
    console.log(`${statusName}: ${JSON.stringify(counts)}`);
  });
});
