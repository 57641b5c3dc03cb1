/** Reports over the API: the compliance report as JSON, one CSV section, printable HTML, or PDF. */
import { buildComplianceReport } from './report-build.js';
import { reportCsv } from '../../report/csv.js';
import { reportHtml } from '../../report/html.js';
import type { ComplianceReport } from '../../report/model.js';
import { renderPdf } from '../../report/pdf.js';
import type { ReportQuery } from '../../protocol/policy-api.js';
import type { Store } from '../../store/ports.js';
import { RawReply } from './raw-reply.js';
import type { GroupService } from './groups.js';
import type { VerdictService } from './verdicts.js';
import { WHOLE_FLEET, type Scope } from '../auth/scope.js';

export class ReportService {
  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    private readonly verdicts: VerdictService,
    private readonly now: () => Date,
    private readonly chromiumPath: string,
  ) {}

  /** The compliance report of the fleet or one group, over the scope's machines and groups only. */
  async build(
    q: { group?: string | undefined; periodDays: number },
    scope: Scope = WHOLE_FLEET,
  ): Promise<ComplianceReport> {
    const scopeGroupId = q.group ? (await this.groups.resolve(q.group, scope)).id : undefined;
    return buildComplianceReport(this.store, {
      now: this.now().toISOString(),
      groups: await this.groups.allWithMembers(),
      ...(scopeGroupId ? { scopeGroupId } : {}),
      ...(scope.kind === 'groups'
        ? { visible: { machineIds: [...scope.machineIds], groupIds: [...scope.groupIds] } }
        : {}),
      periodDays: q.periodDays,
      defaultPolicy: this.verdicts.defaultPolicy,
    });
  }

  /** The report in the asked format (JSON as an object; the others as a RawReply). */
  async compliance(q: ReportQuery, scope: Scope = WHOLE_FLEET): Promise<ComplianceReport | RawReply> {
    const report = await this.build(q, scope);
    const base = `patchhive-compliance-${q.group ? q.group.replace(/[^\w.-]/g, '_') + '-' : ''}${report.generatedAt.slice(0, 10)}`;
    switch (q.format) {
      case 'json':
        return report;
      case 'csv':
        return new RawReply('text/csv; charset=utf-8', reportCsv(report, q.section), `${base}-${q.section}.csv`);
      case 'html':
        return new RawReply('text/html; charset=utf-8', reportHtml(report));
      case 'pdf':
        return new RawReply(
          'application/pdf',
          await renderPdf(reportHtml(report), { chromiumPath: this.chromiumPath }),
          `${base}.pdf`,
        );
    }
  }
}
