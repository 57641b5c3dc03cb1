/**
 * The console's report views, each as JSON, CSV or PDF: one table of the compliance report (by
 * group, owner, severity, bulletin), the overdue list with filters, and over a chosen range of
 * days the open-findings trend and the time to remediate (JSON, CSV or PDF as well). Every view covers the caller's scope
 * only, and reads the store in a bounded number of streamed queries (src/report/history.ts and
 * the compliance report's builder aggregate), never one query per machine.
 */
import { severityRank } from '../../catalog/model.js';
import { PatchhiveError } from '../../errors.js';
import type {
  MttrReport,
  OverdueQuery,
  OverdueReport,
  RangeQuery,
  ReportViewQuery,
  TrendReport,
} from '../../protocol/report-api.js';
import { remediationCsv, reportCsv, trendCsv, type CsvSection } from '../../report/csv.js';
import { createRemediationAccumulator, createTrendAccumulator } from '../../report/history.js';
import { remediationHtml, reportHtml, trendHtml, type HtmlSection } from '../../report/html.js';
import type { ComplianceReport } from '../../report/model.js';
import { renderPdf } from '../../report/pdf.js';
import type { Store } from '../../store/ports.js';
import { machineFilter, seesGroup, WHOLE_FLEET, type Scope } from '../auth/scope.js';
import type { GroupService } from './groups.js';
import { RawReply } from './raw-reply.js';
import type { ReportService } from './reports.js';

const DAY_MS = 86_400_000;
/** How many days before a trend's range its starting state is looked for (a machine's latest snapshot). */
export const TREND_LOOKBACK_DAYS = 31;
/** The longest range a trend or time-to-remediate view covers. */
export const MAX_RANGE_DAYS = 3660;

/** The tables of the compliance report a view can show on its own. */
export const REPORT_VIEWS = {
  group: { key: 'byGroup', csv: 'groups', html: 'groups' },
  owner: { key: 'byOwner', csv: 'owners', html: 'owners' },
  severity: { key: 'bySeverity', csv: 'severities', html: 'severities' },
  bulletin: { key: 'byBulletin', csv: 'bulletins', html: 'bulletins' },
} as const satisfies Record<string, { key: keyof ComplianceReport; csv: CsvSection; html: HtmlSection }>;
export type ReportView = keyof typeof REPORT_VIEWS;

type ViewAnswer<K extends keyof ComplianceReport> = Pick<ComplianceReport, 'generatedAt' | 'scope' | 'period'> & {
  items: ComplianceReport[K];
};

export class ReportViewService {
  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    private readonly reports: ReportService,
    private readonly now: () => Date,
    private readonly chromiumPath: string,
  ) {}

  /** One table of the compliance report of the fleet or a group, in the asked format. */
  async table<V extends ReportView>(
    view: V,
    q: ReportViewQuery,
    scope: Scope = WHOLE_FLEET,
  ): Promise<ViewAnswer<(typeof REPORT_VIEWS)[V]['key']> | RawReply> {
    const spec = REPORT_VIEWS[view];
    const report = await this.reports.build(q, scope);
    const base = fileBase(`by-${view}`, q.group, report.generatedAt);
    if (q.format === 'csv') return new RawReply('text/csv; charset=utf-8', reportCsv(report, spec.csv), `${base}.csv`);
    if (q.format === 'pdf')
      return this.pdf(report, [spec.html], base, view === 'bulletin' ? report.byBulletin.length : undefined);
    const items = report[spec.key] as ComplianceReport[(typeof REPORT_VIEWS)[V]['key']];
    return { generatedAt: report.generatedAt, scope: report.scope, period: report.period, items };
  }

  /** The overdue findings (of a group, of a minimum severity), a page of them, in the asked format. */
  async overdue(q: OverdueQuery, scope: Scope = WHOLE_FLEET): Promise<OverdueReport | RawReply> {
    const report = await this.reports.build({ ...(q.group ? { group: q.group } : {}), periodDays: 30 }, scope);
    const min = q.severity ? severityRank(q.severity) : 0;
    const kept = report.overdue.filter((o) => severityRank(o.severity) >= min);
    const page = kept.slice(q.offset, q.offset + q.limit);
    const base = fileBase('overdue', q.group, report.generatedAt);
    if (q.format === 'csv')
      return new RawReply('text/csv; charset=utf-8', reportCsv({ ...report, overdue: page }, 'overdue'), `${base}.csv`);
    if (q.format === 'pdf') return this.pdf({ ...report, overdue: page }, ['overdue'], base);
    return {
      generatedAt: report.generatedAt,
      scope: report.scope,
      total: kept.length,
      omitted: report.overdueOmitted,
      items: page,
    };
  }

  /** Open findings per day over the range, of the scope's (or a group's) machines. */
  async trend(q: RangeQuery, scope: Scope = WHOLE_FLEET): Promise<TrendReport | RawReply> {
    const { from, to } = this.range(q);
    const { label, machineIds } = await this.machinesOf(q.group, scope);
    // Days after today have no state yet; machines not assessed in the range count with their
    // latest snapshot of the lookback before it.
    const today = this.now().toISOString().slice(0, 10);
    const acc = createTrendAccumulator({ fromDay: from, lastDay: to < today ? to : today }, machineIds);
    const lookback = new Date(Date.parse(`${from}T00:00:00.000Z`) - TREND_LOOKBACK_DAYS * DAY_MS).toISOString();
    for await (const batch of this.store.findings.scanSnapshots(lookback.slice(0, 10), to)) acc.add(batch);
    const answer = { scope: label, from, to, points: acc.finish() };
    const base = fileBase('trend', q.group, to);
    if (q.format === 'csv') return new RawReply('text/csv; charset=utf-8', trendCsv(answer.points), `${base}.csv`);
    if (q.format === 'pdf') return this.printed(trendHtml({ ...answer, generatedAt: this.now().toISOString() }), base);
    return answer;
  }

  /** Mean and median time to remediate of the findings resolved within the range, by severity. */
  async mttr(q: RangeQuery, scope: Scope = WHOLE_FLEET): Promise<MttrReport | RawReply> {
    const { from, to } = this.range(q);
    const { label, machineIds } = await this.machinesOf(q.group, scope);
    const acc = createRemediationAccumulator({ fromDay: from, toDay: to }, machineIds);
    const scan = { resolvedSince: `${from}T00:00:00.000Z`, ...(machineIds ? { machineIds: [...machineIds] } : {}) };
    for await (const batch of this.store.findings.scanFacts(scan)) acc.add(batch);
    const times = acc.finish();
    const base = fileBase('mttr', q.group, to);
    if (q.format === 'csv') return new RawReply('text/csv; charset=utf-8', remediationCsv(times), `${base}.csv`);
    const answer = { scope: label, from, to, ...times };
    if (q.format === 'pdf')
      return this.printed(remediationHtml({ ...answer, generatedAt: this.now().toISOString() }), base);
    return answer;
  }

  /** The range asked for, with its defaults (the 30 days up to today), checked. */
  private range(q: RangeQuery): { from: string; to: string } {
    const to = q.to ?? this.now().toISOString().slice(0, 10);
    const toMs = dayMillis(to);
    const from = q.from ?? new Date(toMs - 29 * DAY_MS).toISOString().slice(0, 10);
    const fromMs = dayMillis(from);
    if (fromMs > toMs) throw new PatchhiveError('E_BAD_REQUEST', `the range starts (${from}) after it ends (${to})`);
    if ((toMs - fromMs) / DAY_MS + 1 > MAX_RANGE_DAYS)
      throw new PatchhiveError('E_BAD_REQUEST', `a range covers at most ${MAX_RANGE_DAYS} days`);
    return { from, to };
  }

  /** The machines a view covers: a group's members, or the scope's machines (undefined: every machine). */
  private async machinesOf(
    group: string | undefined,
    scope: Scope,
  ): Promise<{ label: string; machineIds: ReadonlySet<string> | undefined }> {
    if (group) {
      const g = await this.groups.resolve(group, scope);
      return { label: g.name, machineIds: new Set(machineFilter(scope, await this.groups.memberIds(g))) };
    }
    const ids = machineFilter(scope, undefined);
    if (!ids) return { label: 'all', machineIds: undefined };
    const names = (await this.store.groups.list())
      .filter((g) => seesGroup(scope, g.id))
      .map((g) => g.name)
      .sort();
    return { label: names.join(', '), machineIds: new Set(ids) };
  }

  private async pdf(report: ComplianceReport, sections: HtmlSection[], base: string, bulletinRows?: number) {
    return this.printed(
      reportHtml(report, { sections, ...(bulletinRows !== undefined ? { bulletinRows } : {}) }),
      base,
    );
  }

  private async printed(html: string, base: string): Promise<RawReply> {
    return new RawReply('application/pdf', await renderPdf(html, { chromiumPath: this.chromiumPath }), `${base}.pdf`);
  }
}

/** Midnight UTC of a YYYY-MM-DD day; E_BAD_REQUEST for anything else. */
function dayMillis(day: string): number {
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day)
    throw new PatchhiveError('E_BAD_REQUEST', `not a day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return ms;
}

function fileBase(view: string, group: string | undefined, at: string): string {
  return `patchhive-${view}-${group ? group.replace(/[^\w.-]/g, '_') + '-' : ''}${at.slice(0, 10)}`;
}
