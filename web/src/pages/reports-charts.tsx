/**
 * The Reports page's views over a range of days: open findings per day (a line chart and its table)
 * and the time to remediate per severity (a bar chart and its table). The tables hold the same rows
 * as the CSV files.
 */
import { BarChart, LineChart } from '@mantine/charts';
import { Anchor, Stack } from '@mantine/core';
import { Link } from 'react-router';
import { api } from '../api';
import { SeverityBadge } from '../components/badges';
import { EmptyState } from '../components/notices';
import { days, REPORT_PATHS, ReportRead, ReportTable, ViewHead, viewQuery, type ReportFilters } from './reports-views';

const SEVERITIES = ['critical', 'important', 'moderate', 'low', 'unknown'] as const;

export function TrendView({ filters }: { filters: ReportFilters }) {
  const q = api.useQuery('get', REPORT_PATHS.trend, { params: { query: viewQuery('trend', filters) } });
  return (
    <ReportRead query={q} what="trend of open findings">
      {(r) => (
        <Stack>
          <ViewHead title="Open findings over time" scope={r.scope}>
            days {r.from} to {r.to} (UTC)
          </ViewHead>
          {r.points.length === 0 ? (
            <EmptyState title="No assessments in this range">
              The trend counts the daily state of assessed machines. Choose an earlier range, or wait for agents to
              report (machines without an agent are assessed when their inventory is imported).
            </EmptyState>
          ) : (
            <>
              <LineChart
                h={260}
                data={r.points.map((p) => ({
                  day: p.day.slice(5),
                  open: p.openFindings,
                  machines: p.machinesWithOpen,
                }))}
                dataKey="day"
                series={[
                  { name: 'open', label: 'Open findings', color: 'red.6' },
                  { name: 'machines', label: 'Machines with open findings', color: 'blue.6' },
                ]}
                withLegend
                curveType="linear"
                yAxisProps={{ width: 40, allowDecimals: false }}
                aria-label="Open findings and machines with open findings per day"
              />
              <ReportTable
                label="Open findings per day"
                rows={r.points}
                rowKey={(p) => p.day}
                minWidth={720}
                columns={[
                  { header: 'Day', cell: (p) => p.day },
                  { header: 'Open', cell: (p) => p.openFindings, numeric: true },
                  ...SEVERITIES.map((s) => ({
                    header: s[0]!.toUpperCase() + s.slice(1),
                    cell: (p: (typeof r.points)[number]) => p.openBySeverity[s],
                    numeric: true,
                  })),
                  { header: 'Machines with open', cell: (p) => p.machinesWithOpen, numeric: true },
                ]}
              />
            </>
          )}
        </Stack>
      )}
    </ReportRead>
  );
}

export function MttrView({ filters }: { filters: ReportFilters }) {
  const q = api.useQuery('get', REPORT_PATHS.mttr, { params: { query: viewQuery('mttr', filters) } });
  return (
    <ReportRead query={q} what="time to remediate">
      {(r) => {
        const rows = [
          ...SEVERITIES.map((s) => ({ label: s, ...r.bySeverity[s] })),
          { label: 'all', resolved: r.resolved, meanDays: r.meanDays, medianDays: r.medianDays },
        ];
        return (
          <Stack>
            <ViewHead title="Time to remediate by severity" scope={r.scope}>
              findings resolved on days {r.from} to {r.to} (UTC)
            </ViewHead>
            {r.resolved === 0 ? (
              <EmptyState title="Nothing was resolved in this range">
                The time to remediate counts from a finding&apos;s first sighting to its fix. Choose a longer range, or
                deploy the approved fixes from{' '}
                <Anchor component={Link} to="/deployments">
                  Deployments
                </Anchor>
                .
              </EmptyState>
            ) : (
              <BarChart
                h={240}
                data={rows
                  .filter((x) => x.resolved > 0)
                  .map((x) => ({ severity: x.label, mean: x.meanDays ?? 0, median: x.medianDays ?? 0 }))}
                dataKey="severity"
                series={[
                  { name: 'mean', label: 'Mean days', color: 'indigo.6' },
                  { name: 'median', label: 'Median days', color: 'teal.6' },
                ]}
                withLegend
                yAxisProps={{ width: 40 }}
                aria-label="Mean and median days to remediate per severity"
              />
            )}
            <ReportTable
              label="Time to remediate"
              rows={rows}
              rowKey={(x) => x.label}
              minWidth={480}
              columns={[
                {
                  header: 'Severity',
                  cell: (x) => (x.label === 'all' ? 'all' : <SeverityBadge severity={x.label} />),
                },
                { header: 'Resolved', cell: (x) => x.resolved, numeric: true },
                { header: 'Mean', cell: (x) => days(x.meanDays), numeric: true },
                { header: 'Median', cell: (x) => days(x.medianDays), numeric: true },
              ]}
            />
          </Stack>
        );
      }}
    </ReportRead>
  );
}
