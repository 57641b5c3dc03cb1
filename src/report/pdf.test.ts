/**
 * The report end to end: a fleet seeded in a real SQLite store, the JSON report built from it,
 * rendered to HTML and printed to PDF by the real Chromium, and the PDF's text (pdftotext -layout)
 * checked against the JSON report's figures — so a wrong figure on either side fails the test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES, type Severity } from '../catalog/model.js';
import { DEFAULT_DEADLINE_POLICY } from '../policy/deadlines.js';
import { createTestSqliteStore } from '../store/test-support.js';
import { buildComplianceReport } from '../server/services/report-build.js';
import { reportHtml } from './html.js';
import type { ComplianceReport } from './model.js';
import { renderPdf } from './pdf.js';
import { seedFleet, type FleetSpec } from './test-fleet.js';

const CHROMIUM = '/usr/bin/chromium';
const PDFTOTEXT = '/usr/bin/pdftotext';
const NOW = '2024-09-30T09:00:00.000Z';
const day = (d: number) => new Date(Date.parse(NOW) - d * 86_400_000).toISOString();

/**
 * Days since publication of the 20 bulletins (severity: index mod 5 in SEVERITIES order), chosen so
 * that, under the default deadlines, some are overdue, some due soon and some on track.
 */
const PUBLISHED_DAYS_AGO = [40, 70, 200, 30, 10, 10, 55, 100, 50, null, 3, 20, 175, 5, 80, 13, null, 30, null, 60];

/** 12 machines in 3 groups (one machine in two), 20 bulletins of every severity, findings open and resolved. */
function fleet(): FleetSpec {
  const machines = Array.from({ length: 12 }, (_, i) => ({
    id: `m${i + 1}`,
    name: `host-${String(i + 1).padStart(2, '0')}`,
    owner: i % 3 === 0 ? null : i % 3 === 1 ? 'alice' : 'bob',
  }));
  const bulletins = PUBLISHED_DAYS_AGO.map((ago, j) => ({
    id: `PH-2024-${String(j + 1).padStart(3, '0')}`,
    severity: SEVERITIES[j % 5] as Severity,
    published: ago === null ? null : day(ago),
    title: `Update for component ${j + 1}`,
  }));
  const findings: FleetSpec['findings'] = [];
  machines.forEach((m, i) =>
    bulletins.forEach((b, j) => {
      if ((i * 7 + j * 3) % 5 >= 2) return;
      const resolved = (i + j) % 4 === 0;
      findings.push({
        machine: m.id,
        bulletin: b.id,
        firstSeenAt: day(60 - j),
        ...(resolved ? { resolvedAt: day(20 - (j % 7)) } : {}),
      });
    }),
  );
  const groups: FleetSpec['groups'] = [
    { id: 'g1', name: 'web', owner: 'web-team@example.org', members: ['m1', 'm2', 'm3', 'm4', 'm5'] },
    { id: 'g2', name: 'db', owner: 'dba@example.org', members: ['m5', 'm6', 'm7', 'm8', 'm9'] },
    {
      id: 'g3',
      name: 'edge',
      owner: null,
      members: ['m10', 'm11', 'm12'],
      deadlinePolicy: { tested: { important: 'P30D' } },
    },
  ];
  const decisions: FleetSpec['decisions'] = groups.flatMap((g) =>
    bulletins.map((b) => ({ bulletin: b.id, group: g.id, state: 'approved' as const })),
  );
  const set = (b: string, g: string, state: FleetSpec['decisions'][number]['state']) =>
    (decisions.find((d) => d.bulletin === b && d.group === g)!.state = state);
  set('PH-2024-001', 'g2', 'ignored');
  set('PH-2024-006', 'g1', 'declined');
  set('PH-2024-012', 'g3', 'new');
  decisions.find((d) => d.bulletin === 'PH-2024-011' && d.group === 'g1')!.emergency = true;
  decisions.find((d) => d.bulletin === 'PH-2024-004' && d.group === 'g2')!.state = 'ignored';
  decisions.find((d) => d.bulletin === 'PH-2024-004' && d.group === 'g2')!.ignoreUntil = day(1); // expired: back to the queue
  return {
    machines,
    groups,
    bulletins,
    findings,
    decisions,
    exceptions: [{ bulletin: 'PH-2024-002', machine: 'm2', until: day(-90) }],
    snapshots: machines.flatMap((m, i) =>
      [1, 2, 3].map((d) => ({
        machineId: m.id,
        day: day(d).slice(0, 10),
        counts: { missing: (i + d) % 4 },
        openBySeverity: { critical: (i + d) % 4 },
      })),
    ),
  };
}

const available = existsSync(CHROMIUM) && existsSync(PDFTOTEXT);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const days = (x: number | null) => (x === null ? '–' : x.toFixed(1));

describe.skipIf(!available)('compliance report as PDF (real Chromium, pdftotext)', () => {
  let report: ComplianceReport;
  let text: string;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const env = await createTestSqliteStore();
    cleanup = env.cleanup;
    const groups = await seedFleet(env.store, fleet());
    report = await buildComplianceReport(env.store, { now: NOW, groups, defaultPolicy: DEFAULT_DEADLINE_POLICY });
    // The verdict cache is invisible in the result.
    expect(
      await buildComplianceReport(env.store, {
        now: NOW,
        groups,
        defaultPolicy: DEFAULT_DEADLINE_POLICY,
        cacheVerdicts: false,
      }),
    ).toEqual(report);
    const pdf = await renderPdf(reportHtml(report), { chromiumPath: CHROMIUM });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    text = execFileSync(PDFTOTEXT, ['-layout', '-enc', 'UTF-8', '-', '-'], {
      input: pdf,
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    });
  });
  afterAll(async () => cleanup?.());

  /** The PDF line that holds these cells in this order, separated by layout spaces. */
  const expectRow = (cells: (string | number)[]) => {
    const re = new RegExp(`(^|\\s)${cells.map((c) => esc(String(c))).join('\\s+')}(\\s|$)`, 'm');
    expect(text, `a line with ${cells.join(' | ')}`).toMatch(re);
  };

  it('the fleet exercises every part of the report', () => {
    const s = report.summary;
    expect(s.machines).toBe(12);
    expect(s.overdue).toBeGreaterThan(0);
    expect(s.dueSoon + s.excepted + s.ignored + s.declined).toBeGreaterThan(3);
    expect(Math.min(s.ignored, s.declined, s.excepted)).toBeGreaterThan(0);
    expect(s.resolvedInPeriod).toBeGreaterThan(0);
    expect(s.compliantMachines).toBeGreaterThan(0);
    expect(s.compliantMachines).toBeLessThan(s.machines);
    expect(report.trends.length).toBe(3);
  });

  it('shows the summary figures', () => {
    const s = report.summary;
    expect(text).toContain(`${s.compliancePercent!.toFixed(1)} %`);
    expect(text).toContain(`${s.compliantMachines} of ${s.machines}`);
    for (const [label, value] of [
      ['Open findings', s.openFindings],
      ['Overdue', s.overdue],
      ['Due soon', s.dueSoon],
      ['Fully patched machines', s.fullyPatchedMachines],
      ['Resolved in period', s.resolvedInPeriod],
    ] as const) {
      // Each figure box prints its label with the value on the next non-empty line, at the same position.
      const lines = text.split('\n');
      const at = lines.findIndex((l) => new RegExp(`(^|\\s)${label}(\\s|$)`).test(l));
      expect(at, label).toBeGreaterThanOrEqual(0);
      const col = lines[at]!.search(new RegExp(`(?<=^|\\s)${label}`));
      const next = lines.slice(at + 1).find((l) => l.trim() !== '')!;
      expect(
        next
          .slice(col)
          .split(/\s{2,}/)[0]!
          .trim(),
        label,
      ).toBe(String(value));
    }
  });

  it('shows compliance, open, overdue and due-soon counts and MTTR per group', () => {
    expect(report.byGroup.map((g) => g.group)).toEqual(['db', 'edge', 'web']);
    for (const g of report.byGroup)
      expectRow([
        g.group,
        g.owner ?? '–',
        g.machines,
        g.compliant,
        `${g.compliancePercent!.toFixed(1)} %`,
        g.open,
        g.overdue,
        g.dueSoon,
        days(g.mttrDays),
      ]);
  });

  it('shows the per-severity rows and MTTR', () => {
    for (const s of report.bySeverity)
      expectRow([s.severity, s.open, s.overdue, s.dueSoon, s.resolvedInPeriod, days(s.mttrDays)]);
    expectRow(['all', report.mttr.resolved, days(report.mttr.meanDays)]);
    expect(report.mttr.meanDays).not.toBeNull();
  });

  it('lists every overdue finding with its machine and bulletin', () => {
    expect(report.overdue.length).toBe(report.summary.overdue);
    for (const o of report.overdue) expectRow([o.machine, o.bulletinId, o.title]);
  });

  it('shows the trend per day', () => {
    for (const t of report.trends)
      expectRow([t.day, t.openFindings, ...SEVERITIES.map((s) => t.openBySeverity[s]), t.machinesWithOpen]);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('renderPdf failures', () => {
  it('names the Chromium path that failed', async () => {
    await expect(renderPdf('<p>x</p>', { chromiumPath: '/nonexistent/chromium' })).rejects.toMatchObject({
      code: 'E_REPORT_FAILED',
      message: expect.stringContaining('/nonexistent/chromium'),
    });
  });
});
