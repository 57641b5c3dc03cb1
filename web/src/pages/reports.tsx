/**
 * Reports: compliance by group as a table and a chart, over the fleet or one group, with the same
 * figures as CSV or PDF. Downloads are plain links to the report route (a file is not a JSON call).
 */
import '@mantine/charts/styles.css';
import { BarChart, LineChart } from '@mantine/charts';
import {
  Button,
  Card,
  Group,
  NumberInput,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useSearchParams } from 'react-router';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { Time } from '../components/time';
import type { Schemas } from '../wire';

const REPORT = '/api/v1/reports/compliance' satisfies keyof paths;
type ReportQuery = NonNullable<paths[typeof REPORT]['get']['parameters']['query']>;

/** The report route with a query: the one URL the console builds itself, for file downloads. */
export function reportHref(query: ReportQuery): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
  return `${REPORT}?${q.toString()}`;
}

const pct = (v: number | null) => (v === null ? 'no machines' : `${v.toFixed(1)} %`);
const days = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} d`);

export default function ReportsPage() {
  const [params, setParams] = useSearchParams();
  const group = params.get('group') ?? '';
  const periodDays = Math.min(3650, Math.max(1, Number(params.get('days')) || 30));
  const [debouncedDays] = useDebouncedValue(periodDays, 400);
  const groups = api.useQuery('get', '/api/v1/groups', {});
  const query: ReportQuery = { periodDays: debouncedDays, ...(group ? { group } : {}) };
  const report = api.useQuery('get', REPORT, { params: { query: { ...query, format: 'json' } } });
  const set = (key: string, value: string | null) =>
    setParams(
      (p) => {
        if (value) p.set(key, value);
        else p.delete(key);
        return p;
      },
      { replace: true },
    );

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={1} size="h2">
          Compliance report
        </Title>
        <Group gap="xs">
          <Button
            component="a"
            variant="default"
            href={reportHref({ ...query, format: 'csv', section: 'groups' })}
            download
          >
            Download CSV
          </Button>
          <Button component="a" variant="default" href={reportHref({ ...query, format: 'pdf' })} download>
            Download PDF
          </Button>
        </Group>
      </Group>
      <Group align="end">
        <Select
          label="Scope"
          placeholder="Whole fleet"
          clearable
          data={(groups.data?.items ?? []).map((g) => g.name)}
          value={group || null}
          onChange={(v) => set('group', v)}
          w={220}
        />
        <NumberInput
          label="Period (days)"
          min={1}
          max={3650}
          value={periodDays}
          onChange={(v) => set('days', String(v || 30))}
          w={140}
        />
      </Group>
      {report.error ? (
        <ErrorNotice error={report.error} title="The report could not be made" />
      ) : report.isPending ? (
        <Loading what="the report" />
      ) : typeof report.data === 'string' ? (
        <ErrorNotice error={new Error('The server answered with a file instead of the report.')} />
      ) : (
        <Report r={report.data} />
      )}
    </Stack>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
    </Card>
  );
}

function Report({ r }: { r: Schemas['ComplianceReport'] }) {
  const s = r.summary;
  const chart = r.byGroup.map((g) => ({
    group: g.group,
    compliant: g.compliant,
    notCompliant: g.machines - g.compliant,
  }));
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {r.scope === 'all' ? 'Whole fleet' : `Group ${r.scope}`} · made <Time iso={r.generatedAt} /> · period{' '}
        {r.period.from.slice(0, 10)} to {r.period.to.slice(0, 10)}
      </Text>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        <Figure label="Compliant machines" value={`${s.compliantMachines} / ${s.machines}`} />
        <Figure label="Compliance" value={pct(s.compliancePercent)} />
        <Figure label="Open findings" value={String(s.openFindings)} />
        <Figure label="Overdue" value={String(s.overdue)} />
        <Figure label="Due soon" value={String(s.dueSoon)} />
        <Figure label="Mean time to remediate" value={days(s.mttrDays)} />
      </SimpleGrid>
      <Title order={2} size="h4">
        By group
      </Title>
      {r.byGroup.length === 0 ? (
        <EmptyState title="No groups in this report">
          Create groups under Settings › Groups to see compliance per team or environment.
        </EmptyState>
      ) : (
        <>
          <BarChart
            h={Math.max(160, 40 * chart.length)}
            data={chart}
            dataKey="group"
            orientation="vertical"
            yAxisProps={{ width: 110 }}
            xAxisProps={{ allowDecimals: false }}
            type="stacked"
            withLegend
            series={[
              { name: 'compliant', label: 'Compliant machines', color: 'teal.6' },
              { name: 'notCompliant', label: 'Not compliant', color: 'red.5' },
            ]}
            aria-label="Compliant and non-compliant machines by group"
          />
          <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
            <Table striped miw={760} aria-label="Compliance by group">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Group</Table.Th>
                  <Table.Th>Owner</Table.Th>
                  <Table.Th ta="right">Machines</Table.Th>
                  <Table.Th ta="right">Compliant</Table.Th>
                  <Table.Th ta="right">Compliance</Table.Th>
                  <Table.Th ta="right">Open</Table.Th>
                  <Table.Th ta="right">Overdue</Table.Th>
                  <Table.Th ta="right">Due soon</Table.Th>
                  <Table.Th ta="right">MTTR</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.byGroup.map((g) => (
                  <Table.Tr key={g.group}>
                    <Table.Td>{g.group}</Table.Td>
                    <Table.Td>{g.owner ?? '—'}</Table.Td>
                    <Table.Td ta="right">{g.machines}</Table.Td>
                    <Table.Td ta="right">{g.compliant}</Table.Td>
                    <Table.Td ta="right">{pct(g.compliancePercent)}</Table.Td>
                    <Table.Td ta="right">{g.open}</Table.Td>
                    <Table.Td ta="right">{g.overdue}</Table.Td>
                    <Table.Td ta="right">{g.dueSoon}</Table.Td>
                    <Table.Td ta="right">{days(g.mttrDays)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </>
      )}
      {r.trends.length > 1 && (
        <>
          <Title order={2} size="h4">
            Open findings over the period
          </Title>
          <LineChart
            h={220}
            data={r.trends.map((t) => ({
              day: t.day.slice(5, 10),
              open: t.openFindings,
              machines: t.machinesWithOpen,
            }))}
            dataKey="day"
            series={[
              { name: 'open', label: 'Open findings', color: 'red.6' },
              { name: 'machines', label: 'Machines with open findings', color: 'blue.6' },
            ]}
            withLegend
            curveType="linear"
            aria-label="Open findings per day"
          />
        </>
      )}
    </Stack>
  );
}
