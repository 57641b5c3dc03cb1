/**
 * The report views the Reports page shows as tables: compliance by group, owner, severity and
 * bulletin, and the overdue list. Each reads its own route with the page's filters; `reportHref`
 * gives the same route and query as a CSV or PDF file, so a download holds what is on screen.
 */
import { BarChart } from '@mantine/charts';
import { Anchor, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { SeverityBadge } from '../components/badges';
import { EmptyState } from '../components/notices';
import { QueryView } from '../components/query-view';
import { Time } from '../components/time';
import { BulletinLink, MachineLink } from '../components/links';

export const REPORT_PATHS = {
  group: '/api/v1/reports/by-group',
  owner: '/api/v1/reports/by-owner',
  severity: '/api/v1/reports/by-severity',
  bulletin: '/api/v1/reports/by-bulletin',
  overdue: '/api/v1/reports/overdue',
  trend: '/api/v1/reports/trend',
  mttr: '/api/v1/reports/mttr',
} as const satisfies Record<string, keyof paths>;
export type View = keyof typeof REPORT_PATHS;

/** The page's filters, as read from the address. */
export interface ReportFilters {
  group: string | undefined;
  periodDays: number;
  severity: 'critical' | 'important' | 'moderate' | 'low' | undefined;
  from: string | undefined;
  to: string | undefined;
}

const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };

/** The query a view's route takes for the filters (the filters it does not have are left out). */
export function viewQuery(view: View, f: ReportFilters) {
  if (view === 'overdue') return defined({ group: f.group, severity: f.severity });
  if (view === 'trend' || view === 'mttr') return defined({ group: f.group, from: f.from, to: f.to });
  return defined({ group: f.group, periodDays: f.periodDays });
}

/** A view's route with its query as a file: the one URL the console builds itself (downloads are links). */
export function reportHref(view: View, f: ReportFilters, format: 'csv' | 'pdf'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(viewQuery(view, f))) q.set(k, String(v));
  q.set('format', format);
  return `${REPORT_PATHS[view]}?${q.toString()}`;
}

/** A report read: the JSON answer, or its error (a file where JSON was asked for counts as one). */
export function ReportRead<T>(p: {
  query: { error: unknown; isPending: boolean; data: T | string | undefined };
  what: string;
  children: (data: T) => ReactNode;
}) {
  const { data } = p.query;
  const error =
    p.query.error ?? (typeof data === 'string' ? new Error('The server answered with a file instead of JSON.') : null);
  const read = { error, isPending: p.query.isPending, data: typeof data === 'string' ? undefined : data };
  return (
    <QueryView query={read} what={p.what}>
      {p.children}
    </QueryView>
  );
}

export const pct = (v: number | null) => (v === null ? 'no machines' : `${v.toFixed(1)} %`);
export const days = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} d`);
const scopeText = (scope: string) => (scope === 'all' ? 'Whole fleet' : `Groups: ${scope}`);

/** What a table view covers: its heading, scope and time. */
export function ViewHead(p: { title: string; scope: string; children?: ReactNode }) {
  return (
    <Stack gap={2}>
      <Title order={2} size="h4">
        {p.title}
      </Title>
      <Text size="sm" c="dimmed">
        {scopeText(p.scope)} · {p.children}
      </Text>
    </Stack>
  );
}

function Period({ r }: { r: { generatedAt: string; period: { from: string; to: string } } }) {
  const span = Math.round((Date.parse(r.period.to) - Date.parse(r.period.from)) / 86_400_000);
  return (
    <>
      made <Time iso={r.generatedAt} /> · time to remediate over the last {span} days
    </>
  );
}

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  numeric?: boolean;
  /** Text that may wrap (titles); every other cell stays on one line and the table scrolls instead. */
  wrap?: boolean;
}

/** A table with column headers that scrolls sideways in its own box on a narrow screen. */
export function ReportTable<T>(p: {
  label: string;
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, i: number) => string;
  minWidth?: number;
}) {
  return (
    <ScrollArea type="auto" viewportProps={{ tabIndex: 0, 'aria-label': `${p.label} (scrolls sideways)` }}>
      <Table striped miw={p.minWidth ?? 640} aria-label={p.label}>
        <Table.Thead>
          <Table.Tr>
            {p.columns.map((c) => (
              <Table.Th key={c.header} ta={c.numeric ? 'right' : undefined} scope="col">
                {c.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {p.rows.map((row, i) => (
            <Table.Tr key={p.rowKey(row, i)}>
              {p.columns.map((c) => (
                <Table.Td
                  key={c.header}
                  ta={c.numeric ? 'right' : undefined}
                  style={c.wrap ? { minWidth: 180 } : { whiteSpace: 'nowrap' }}
                >
                  {c.cell(row)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

interface SetFigures {
  machines: number;
  compliant: number;
  compliancePercent: number | null;
  open: number;
  overdue: number;
  dueSoon: number;
  mttrDays: number | null;
}
function setColumns<T extends SetFigures>(): Column<T>[] {
  return [
    { header: 'Machines', cell: (r) => r.machines, numeric: true },
    { header: 'Compliant', cell: (r) => r.compliant, numeric: true },
    { header: 'Compliance', cell: (r) => pct(r.compliancePercent), numeric: true },
    { header: 'Open', cell: (r) => r.open, numeric: true },
    { header: 'Overdue', cell: (r) => r.overdue, numeric: true },
    { header: 'Due soon', cell: (r) => r.dueSoon, numeric: true },
    { header: 'MTTR', cell: (r) => days(r.mttrDays), numeric: true },
  ];
}

export function ByGroupView({ filters }: { filters: ReportFilters }) {
  const q = api.useQuery('get', REPORT_PATHS.group, { params: { query: viewQuery('group', filters) } });
  return (
    <ReportRead query={q} what="compliance by group">
      {(r) => (
        <Stack>
          <ViewHead title="Compliance by group" scope={r.scope}>
            <Period r={r} />
          </ViewHead>
          {r.items.length === 0 ? (
            <EmptyState title="No groups in this report">
              Create groups under{' '}
              <Anchor component={Link} to="/settings/groups">
                Settings › Groups
              </Anchor>{' '}
              to see compliance per team or environment.
            </EmptyState>
          ) : (
            <>
              <BarChart
                h={Math.max(160, 40 * r.items.length)}
                data={r.items.map((g) => ({
                  group: g.group,
                  compliant: g.compliant,
                  notCompliant: g.machines - g.compliant,
                }))}
                dataKey="group"
                orientation="vertical"
                yAxisProps={{ width: 90 }}
                xAxisProps={{ allowDecimals: false }}
                type="stacked"
                withLegend
                series={[
                  { name: 'compliant', label: 'Compliant machines', color: 'teal.6' },
                  { name: 'notCompliant', label: 'Not compliant', color: 'red.5' },
                ]}
                aria-label="Compliant and non-compliant machines by group"
              />
              <ReportTable
                label="Compliance by group"
                rows={r.items}
                rowKey={(g) => g.group}
                minWidth={760}
                columns={[
                  { header: 'Group', cell: (g) => g.group },
                  { header: 'Owner', cell: (g) => g.owner ?? '—' },
                  ...setColumns<(typeof r.items)[number]>(),
                ]}
              />
            </>
          )}
        </Stack>
      )}
    </ReportRead>
  );
}

export function ByOwnerView({ filters }: { filters: ReportFilters }) {
  const q = api.useQuery('get', REPORT_PATHS.owner, { params: { query: viewQuery('owner', filters) } });
  return (
    <ReportRead query={q} what="compliance by owner">
      {(r) => (
        <Stack>
          <ViewHead title="Compliance by machine owner" scope={r.scope}>
            <Period r={r} />
          </ViewHead>
          {r.items.length === 0 ? (
            <EmptyState title="No machines in this scope">
              Choose another scope, or add machines to this group under{' '}
              <Anchor component={Link} to="/settings/groups">
                Settings › Groups
              </Anchor>
              .
            </EmptyState>
          ) : (
            <ReportTable
              label="Compliance by owner"
              rows={r.items}
              rowKey={(o) => o.owner}
              minWidth={700}
              columns={[{ header: 'Owner', cell: (o) => o.owner }, ...setColumns<(typeof r.items)[number]>()]}
            />
          )}
          <Text size="sm" c="dimmed">
            A machine&apos;s owner is one of its attributes; set it on the machine&apos;s page.
          </Text>
        </Stack>
      )}
    </ReportRead>
  );
}

export function BySeverityView({ filters }: { filters: ReportFilters }) {
  const q = api.useQuery('get', REPORT_PATHS.severity, { params: { query: viewQuery('severity', filters) } });
  return (
    <ReportRead query={q} what="compliance by severity">
      {(r) => (
        <Stack>
          <ViewHead title="Compliance by severity" scope={r.scope}>
            <Period r={r} />
          </ViewHead>
          {r.items.every((s) => s.open === 0) && <NoFindings />}
          <ReportTable
            label="Compliance by severity"
            rows={r.items}
            rowKey={(s) => s.severity}
            minWidth={600}
            columns={[
              { header: 'Severity', cell: (s) => <SeverityBadge severity={s.severity} /> },
              { header: 'Open', cell: (s) => s.open, numeric: true },
              { header: 'Overdue', cell: (s) => s.overdue, numeric: true },
              { header: 'Due soon', cell: (s) => s.dueSoon, numeric: true },
              { header: 'Resolved in period', cell: (s) => s.resolvedInPeriod, numeric: true },
              { header: 'MTTR', cell: (s) => days(s.mttrDays), numeric: true },
            ]}
          />
        </Stack>
      )}
    </ReportRead>
  );
}

function NoFindings() {
  return (
    <EmptyState title="No open findings">
      Every machine in this scope has the fixes of the bulletins it is assessed against. Sync the sources under{' '}
      <Anchor component={Link} to="/settings/sources">
        Settings › Sources
      </Anchor>{' '}
      to check against the newest bulletins.
    </EmptyState>
  );
}

export function ByBulletinView({ filters }: { filters: ReportFilters }) {
  const q = api.useQuery('get', REPORT_PATHS.bulletin, { params: { query: viewQuery('bulletin', filters) } });
  return (
    <ReportRead query={q} what="compliance by bulletin">
      {(r) => (
        <Stack>
          <ViewHead title="Bulletins with open findings" scope={r.scope}>
            <Period r={r} />
          </ViewHead>
          {r.items.length === 0 ? (
            <NoFindings />
          ) : (
            <ReportTable
              label="Compliance by bulletin"
              rows={r.items}
              rowKey={(b) => b.bulletinId}
              minWidth={760}
              columns={[
                { header: 'Bulletin', cell: (b) => <BulletinLink id={b.bulletinId} /> },
                { header: 'Title', cell: (b) => b.title, wrap: true },
                { header: 'Severity', cell: (b) => <SeverityBadge severity={b.severity} /> },
                { header: 'Machines', cell: (b) => b.machines, numeric: true },
                { header: 'Overdue', cell: (b) => b.overdue, numeric: true },
                { header: 'Earliest deadline', cell: (b) => <Time iso={b.earliestDueAt} empty="none" /> },
              ]}
            />
          )}
        </Stack>
      )}
    </ReportRead>
  );
}

export function OverdueView({ filters }: { filters: ReportFilters }) {
  const q = api.useQuery('get', REPORT_PATHS.overdue, { params: { query: viewQuery('overdue', filters) } });
  return (
    <ReportRead query={q} what="overdue findings">
      {(r) => (
        <Stack>
          <ViewHead title="Overdue findings" scope={r.scope}>
            made <Time iso={r.generatedAt} /> · {r.total.toLocaleString()} overdue
            {filters.severity ? ` (${filters.severity} or worse)` : ''}
          </ViewHead>
          {r.items.length === 0 ? (
            <EmptyState title="Nothing is overdue">
              No finding in this scope is past its deadline. See what is due soon in the{' '}
              <Anchor component={Link} to="/triage">
                triage queue
              </Anchor>
              .
            </EmptyState>
          ) : (
            <ReportTable
              label="Overdue findings"
              rows={r.items}
              rowKey={(o) => `${o.machine}\u0000${o.bulletinId}`}
              minWidth={860}
              columns={[
                { header: 'Machine', cell: (o) => <MachineLink name={o.machine} /> },
                { header: 'Bulletin', cell: (o) => <BulletinLink id={o.bulletinId} /> },
                { header: 'Title', cell: (o) => o.title, wrap: true },
                { header: 'Severity', cell: (o) => <SeverityBadge severity={o.severity} /> },
                { header: 'Deadline', cell: (o) => <Time iso={o.dueAt} /> },
                { header: 'Days overdue', cell: (o) => o.daysOverdue, numeric: true },
                { header: 'Groups', cell: (o) => o.groups.join(', ') || '—' },
              ]}
            />
          )}
          {r.total > r.items.length && (
            <Text size="sm" c="dimmed">
              The first {r.items.length.toLocaleString()} of {r.total.toLocaleString()} are shown (and downloaded);
              narrow the scope or the severity to see the others.
            </Text>
          )}
          {r.omitted > 0 && (
            <Text size="sm" c="dimmed">
              {r.omitted.toLocaleString()} later overdue findings are left out by the report&apos;s row limit.
            </Text>
          )}
        </Stack>
      )}
    </ReportRead>
  );
}
