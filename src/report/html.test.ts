import { describe, expect, it } from 'vitest';
import { escapeHtml, remediationHtml, reportHtml, trendHtml } from './html.js';
import { sampleReport } from './sample-report.js';

describe('reportHtml', () => {
  const report = sampleReport();
  const html = reportHtml(report);

  it('escapes every value from the report', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Fix, &quot;quoted&quot; &lt;b&gt;');
  });

  it('is self-contained: no scripts, no external resources, a CSP that forbids them', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|<iframe|<object|<embed|@import|url\(/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href)\s*=/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).toMatch(/@page \{ size: A4/);
  });

  it('shows the summary figures, group rows, overdue rows and MTTR', () => {
    expect(html).toContain('60.0 %');
    expect(html).toContain('3 of 5');
    expect(html).toContain(
      '<td>db</td><td>dba@example.org</td><td class="num">2</td><td class="num">1</td><td class="num">50.0 %</td><td class="num">4</td><td class="num">1</td><td class="num">0</td><td class="num">5.0</td>',
    );
    expect(html).toContain('<td>web</td><td class="num">–</td>');
    expect(html).toContain('2024-06-10 00:00');
    expect(html).toContain('7.5');
    expect(html).toContain('2024-06-29');
  });

  it('lists at most bulletinRows bulletins and says how many more there are', () => {
    const many = {
      ...report,
      byBulletin: Array.from({ length: 5 }, (_, i) => ({ ...report.byBulletin[0]!, bulletinId: `B-${i}` })),
    };
    const out = reportHtml(many, { bulletinRows: 2 });
    expect(out).toContain('B-1');
    expect(out).not.toContain('B-2');
    expect(out).toContain('3 more bulletins');
  });

  it('says so when nothing is overdue and when there are no snapshots', () => {
    const out = reportHtml({ ...report, overdue: [], trends: [] });
    expect(out).toContain('Nothing is overdue.');
    expect(out).toContain('No daily snapshots in the period.');
  });

  it('escapeHtml', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('prints the trend and the time to remediate of a range on their own, escaped', () => {
    const head = { scope: '<web>', from: '2024-06-01', to: '2024-06-30', generatedAt: '2024-06-30T12:00:00.000Z' };
    const trend = trendHtml({ ...head, points: report.trends });
    expect(trend).toContain('Open findings over time — group &lt;web&gt;');
    expect(trend).toContain('Days 2024-06-01 to 2024-06-30 (UTC) · generated 2024-06-30 12:00 UTC');
    expect(trend).toContain('<td>2024-06-29</td>');
    expect(trend).not.toContain('By group');
    expect(trendHtml({ ...head, points: [] })).toContain('No daily snapshots in the period.');
    const figure = { resolved: 2, meanDays: 1.5, medianDays: 1 };
    const none = { resolved: 0, meanDays: null, medianDays: null };
    const times = remediationHtml({
      ...head,
      scope: 'all',
      ...figure,
      bySeverity: { critical: figure, important: none, moderate: none, low: none, unknown: none },
    });
    expect(times).toContain('Time to remediate — all machines');
    expect(times).toContain('<td>critical</td><td class="num">2</td><td class="num">1.5</td><td class="num">1.0</td>');
    expect(times).toContain('<td>low</td><td class="num">0</td><td class="num">–</td><td class="num">–</td>');
  });
});
