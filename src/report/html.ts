/**
 * A compliance report as one self-contained printable HTML page: inline CSS with print styles,
 * no scripts, no external resources (a Content-Security-Policy says so to the browser too), and
 * every value from the report HTML-escaped. src/report/pdf.ts prints it to PDF.
 */
import { SEVERITIES } from '../catalog/model.js';
import type { RemediationFigure, RemediationTimes } from './history.js';
import type { ComplianceReport, TrendPoint } from './model.js';

/** Options for reportHtml. */
export interface ReportHtmlOptions {
  /** Bulletins listed (most overdue first); default 50. */
  bulletinRows?: number;
  /** Only these sections, in the report's order (default: all); a view printed on its own. */
  sections?: readonly HtmlSection[];
}

export const HTML_SECTIONS = [
  'summary',
  'groups',
  'owners',
  'severities',
  'overdue',
  'bulletins',
  'trends',
  'mttr',
] as const;
export type HtmlSection = (typeof HTML_SECTIONS)[number];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Cell = string | number | null;

/** How every figure is printed: integers with thousands separators, one decimal for days and percentages. */
const fmt = {
  int: (x: number): string => x.toLocaleString('en-US'),
  percent: (x: number | null): string => (x === null ? 'no machines' : `${x.toFixed(1)} %`),
  days: (x: number | null): string => (x === null ? '–' : x.toFixed(1)),
  time: (iso: string | null): string => (iso === null ? '–' : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`),
};

/** A table cell; `wrap` lets long text (titles) break over lines, everything else stays on one. */
function cell(c: Cell, tag = 'td', wrap = false): string {
  const text = c === null ? '–' : typeof c === 'number' ? fmt.int(c) : c;
  // Counts, percentages and day figures are right-aligned.
  const cls =
    typeof c === 'number' || (tag === 'td' && /^(\d[\d,.]*( %)?|–)$/.test(text))
      ? ' class="num"'
      : wrap
        ? ' class="wrap"'
        : '';
  return `<${tag}${cls}>${escapeHtml(text)}</${tag}>`;
}

/** A table; `wrapColumn` is the index of the column whose text may wrap (-1: none). */
function table(header: string[], rows: Cell[][], empty = 'None.', wrapColumn = -1): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  const head = `<thead><tr>${header.map((h) => cell(h, 'th')).join('')}</tr></thead>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => cell(c, 'td', i === wrapColumn)).join('')}</tr>`);
  return `<table>${head}<tbody>${body.join('\n')}</tbody></table>`;
}

function section(title: string, body: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>\n${body}</section>`;
}

function summary(r: ComplianceReport): string {
  const s = r.summary;
  const figures: [string, string][] = [
    ['Compliance', fmt.percent(s.compliancePercent)],
    ['Compliant machines', `${fmt.int(s.compliantMachines)} of ${fmt.int(s.machines)}`],
    ['Fully patched machines', fmt.int(s.fullyPatchedMachines)],
    ['Open findings', fmt.int(s.openFindings)],
    ['Overdue', fmt.int(s.overdue)],
    ['Due soon', fmt.int(s.dueSoon)],
    ['Excepted', fmt.int(s.excepted)],
    ['Ignored', fmt.int(s.ignored)],
    ['Declined', fmt.int(s.declined)],
    ['Resolved in period', fmt.int(s.resolvedInPeriod)],
    ['MTTR (days)', fmt.days(s.mttrDays)],
  ];
  const items = figures.map(
    ([k, v]) =>
      `<div class="figure"><div class="label">${escapeHtml(k)}</div><div class="value">${escapeHtml(v)}</div></div>`,
  );
  return section('Summary', `<div class="figures">${items.join('\n')}</div>`);
}

function groups(r: ComplianceReport): string {
  const rows = r.byGroup.map((g): Cell[] => [
    g.group,
    g.owner,
    g.machines,
    g.compliant,
    fmt.percent(g.compliancePercent),
    g.open,
    g.overdue,
    g.dueSoon,
    fmt.days(g.mttrDays),
  ]);
  return section(
    'By group',
    table(
      ['Group', 'Owner', 'Machines', 'Compliant', 'Compliance', 'Open', 'Overdue', 'Due soon', 'MTTR (days)'],
      rows,
      'No groups.',
    ),
  );
}

function owners(r: ComplianceReport): string {
  const rows = r.byOwner.map((o): Cell[] => [
    o.owner,
    o.machines,
    o.compliant,
    fmt.percent(o.compliancePercent),
    o.open,
    o.overdue,
    o.dueSoon,
    fmt.days(o.mttrDays),
  ]);
  return section(
    'By machine owner',
    table(
      ['Owner', 'Machines', 'Compliant', 'Compliance', 'Open', 'Overdue', 'Due soon', 'MTTR (days)'],
      rows,
      'No machines.',
    ),
  );
}

function severities(r: ComplianceReport): string {
  const rows = r.bySeverity.map((s): Cell[] => [
    s.severity,
    s.open,
    s.overdue,
    s.dueSoon,
    s.resolvedInPeriod,
    fmt.days(s.mttrDays),
  ]);
  return section(
    'By severity',
    table(['Severity', 'Open', 'Overdue', 'Due soon', 'Resolved in period', 'MTTR (days)'], rows),
  );
}

function bulletins(r: ComplianceReport, limit: number): string {
  const shown = r.byBulletin.slice(0, limit);
  const rows = shown.map((b): Cell[] => [
    b.bulletinId,
    b.title,
    b.severity,
    b.machines,
    b.overdue,
    fmt.time(b.earliestDueAt),
  ]);
  const more =
    r.byBulletin.length > shown.length
      ? `<p class="note">${fmt.int(r.byBulletin.length - shown.length)} more bulletins with open findings are in the JSON and CSV reports.</p>`
      : '';
  return section(
    'Bulletins with open findings',
    table(['Bulletin', 'Title', 'Severity', 'Machines', 'Overdue', 'Earliest deadline'], rows, 'No open findings.', 1) +
      more,
  );
}

function overdue(r: ComplianceReport): string {
  const rows = r.overdue.map((o): Cell[] => [
    o.machine,
    o.bulletinId,
    o.title,
    o.severity,
    fmt.time(o.dueAt),
    o.daysOverdue,
    o.groups.join(', '),
  ]);
  const more =
    r.overdueOmitted > 0 ? `<p class="note">${fmt.int(r.overdueOmitted)} later overdue findings are left out.</p>` : '';
  return section(
    'Overdue findings',
    table(
      ['Machine', 'Bulletin', 'Title', 'Severity', 'Deadline (UTC)', 'Days overdue', 'Groups'],
      rows,
      'Nothing is overdue.',
      2,
    ) + more,
  );
}

function trends(points: readonly TrendPoint[]): string {
  const max = Math.max(1, ...points.map((t) => t.openFindings));
  const rows = points.map((t) => {
    const bar = `<td class="bar"><span style="width:${((100 * t.openFindings) / max).toFixed(1)}%"></span></td>`;
    const cells: Cell[] = [t.day, t.openFindings, ...SEVERITIES.map((s) => t.openBySeverity[s]), t.machinesWithOpen];
    return `<tr>${cells.map((c) => cell(c)).join('')}${bar}</tr>`;
  });
  if (rows.length === 0)
    return section('Trend of open findings', '<p class="empty">No daily snapshots in the period.</p>');
  const head = ['Day', 'Open', ...SEVERITIES, 'Machines with open', ''].map((h) => cell(h, 'th')).join('');
  return section(
    'Trend of open findings',
    `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
  );
}

function mttr(r: ComplianceReport): string {
  const rows = SEVERITIES.map((s): Cell[] => [
    s,
    r.mttr.bySeverity[s].resolved,
    fmt.days(r.mttr.bySeverity[s].meanDays),
  ]);
  rows.push(['all', r.mttr.resolved, fmt.days(r.mttr.meanDays)]);
  return section('Mean time to remediate', table(['Severity', 'Resolved in period', 'Mean days'], rows));
}

const CSS = `
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.35 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; margin: 0; }
h1 { font-size: 17pt; margin: 0 0 2pt; }
h2 { font-size: 12.5pt; margin: 14pt 0 5pt; border-bottom: 1px solid #999; }
.meta { color: #444; margin: 0 0 8pt; }
.figures { display: flex; flex-wrap: wrap; gap: 6pt; }
.figure { border: 1px solid #bbb; border-radius: 3pt; padding: 4pt 7pt; min-width: 30mm; }
.figure .label { font-size: 8pt; color: #555; }
.figure .value { font-size: 13pt; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #ccc; padding: 2pt 4pt; text-align: left; vertical-align: top; white-space: nowrap; }
th { white-space: normal; }
td.wrap { white-space: normal; }
th { background: #eee; }
td.num { text-align: right; }
td.bar { width: 20%; min-width: 20mm; }
td.bar span { display: block; height: 7pt; background: #4a78b5; }
.empty, .note { color: #555; font-style: italic; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
@media print { section { break-inside: auto; } h2 { break-after: avoid; } }
`;

/** The whole report as one printable HTML document. */
export function reportHtml(report: ComplianceReport, options: ReportHtmlOptions = {}): string {
  const title = `Compliance report — ${report.scope === 'all' ? 'all machines' : `group ${report.scope}`}`;
  const meta = `Period ${fmt.time(report.period.from)} to ${fmt.time(report.period.to)} UTC · generated ${fmt.time(report.generatedAt)} UTC`;
  const render: Record<HtmlSection, () => string> = {
    summary: () => summary(report),
    groups: () => groups(report),
    owners: () => owners(report),
    severities: () => severities(report),
    overdue: () => overdue(report),
    bulletins: () => bulletins(report, options.bulletinRows ?? 50),
    trends: () => trends(report.trends),
    mttr: () => mttr(report),
  };
  const wanted = new Set(options.sections ?? HTML_SECTIONS);
  return page(
    title,
    meta,
    HTML_SECTIONS.filter((s) => wanted.has(s)).map((s) => render[s]()),
  );
}

/** A view over a range of whole days (the trend, the time to remediate): what it covers, and when it was made. */
export interface RangeView {
  scope: string;
  from: string;
  to: string;
  generatedAt: string;
}

function rangeHead(what: string, v: RangeView): [string, string] {
  const title = `${what} — ${v.scope === 'all' ? 'all machines' : `group ${v.scope}`}`;
  return [title, `Days ${v.from} to ${v.to} (UTC) · generated ${fmt.time(v.generatedAt)} UTC`];
}

/** Open findings per day over a range, as one printable HTML document. */
export function trendHtml(v: RangeView & { points: readonly TrendPoint[] }): string {
  const [title, meta] = rangeHead('Open findings over time', v);
  return page(title, meta, [trends(v.points)]);
}

/** Mean and median time to remediate by severity over a range, as one printable HTML document. */
export function remediationHtml(v: RangeView & RemediationTimes): string {
  const [title, meta] = rangeHead('Time to remediate', v);
  const row = (label: string, f: RemediationFigure): Cell[] => [
    label,
    f.resolved,
    fmt.days(f.meanDays),
    fmt.days(f.medianDays),
  ];
  const rows = [...SEVERITIES.map((s) => row(s, v.bySeverity[s])), row('all', v)];
  return page(title, meta, [
    section('Time to remediate by severity', table(['Severity', 'Resolved', 'Mean days', 'Median days'], rows)),
  ]);
}

function page(title: string, meta: string, body: string[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(meta)}</p>
${body.join('\n')}
</body>
</html>
`;
}
