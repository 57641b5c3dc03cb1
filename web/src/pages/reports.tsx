/**
 * Reports: one tab per report view (compliance by group, owner, severity and bulletin; the overdue
 * list; the trend of open findings and the time to remediate), each with its filters. The tab and
 * the filters live in the address (deep links and reload keep them), and the CSV and PDF buttons
 * download exactly the view on screen: the same route with the same query, in another format.
 */
import '@mantine/charts/styles.css';
import { Anchor, Button, Group, NumberInput, Select, Stack, Tabs, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api';
import { EmptyState, ErrorNotice } from '../components/notices';
import { MttrView, TrendView } from './reports-charts';
import {
  ByBulletinView,
  ByGroupView,
  ByOwnerView,
  BySeverityView,
  OverdueView,
  reportHref,
  type ReportFilters,
  type View,
} from './reports-views';
import { isDay } from '../components/forms';

const TABS: { view: View; label: string }[] = [
  { view: 'group', label: 'By group' },
  { view: 'owner', label: 'By owner' },
  { view: 'severity', label: 'By severity' },
  { view: 'bulletin', label: 'By bulletin' },
  { view: 'overdue', label: 'Overdue' },
  { view: 'trend', label: 'Trend' },
  { view: 'mttr', label: 'Time to remediate' },
];
const SEVERITIES = ['critical', 'important', 'moderate', 'low'] as const;
/** Filter fields share a row: two side by side on a phone, up to 220 px each on a desktop. */
const FIELD = { flex: '1 1 140px', maxWidth: 220 };

/** The filters of the address, checked (anything else is left out rather than sent to be refused). */
function readFilters(params: URLSearchParams): ReportFilters {
  const day = (k: string) => {
    const v = params.get(k) ?? '';
    return isDay(v) ? v : undefined;
  };
  const severity = SEVERITIES.find((s) => s === params.get('severity'));
  return {
    group: params.get('group') || undefined,
    periodDays: Math.min(3650, Math.max(1, Math.trunc(Number(params.get('days'))) || 30)),
    severity,
    from: day('from'),
    to: day('to'),
  };
}

export default function ReportsPage() {
  const [params, setParams] = useSearchParams();
  const view = TABS.find((t) => t.view === params.get('view'))?.view ?? 'group';
  const filters = readFilters(params);
  const [periodDays] = useDebouncedValue(filters.periodDays, 400);
  const shown: ReportFilters = { ...filters, periodDays };
  const groups = api.useQuery('get', '/api/v1/groups', {});
  const fleet = api.useQuery('get', '/api/v1/machines', { params: { query: { limit: 1 } } });
  // From the address itself, not this render's copy: two changes in a row both stay.
  const set = (key: string, value: string | null | undefined, fallback?: string) =>
    setParams(
      () => {
        const p = new URLSearchParams(window.location.search);
        if (value && value !== fallback) p.set(key, value);
        else p.delete(key);
        return p;
      },
      { replace: true },
    );
  const ranged = view === 'trend' || view === 'mttr';

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={1} size="h2">
          Reports
        </Title>
        <Group gap="xs">
          <Button component="a" variant="default" href={reportHref(view, shown, 'csv')} download>
            Download CSV
          </Button>
          <Button component="a" variant="default" href={reportHref(view, shown, 'pdf')} download>
            Download PDF
          </Button>
        </Group>
      </Group>
      <Tabs value={view} onChange={(v) => set('view', v, 'group')} keepMounted={false}>
        <Tabs.List aria-label="Report views">
          {TABS.map((t) => (
            <Tabs.Tab key={t.view} value={t.view}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Group align="end" mt="md" gap="sm">
          <Select
            label="Scope"
            placeholder="Whole fleet"
            clearable
            data={(groups.data?.items ?? []).map((g) => g.name)}
            value={filters.group ?? null}
            onChange={(v) => set('group', v)}
            style={FIELD}
          />
          {view === 'overdue' && (
            <Select
              label="Minimum severity"
              placeholder="Any severity"
              clearable
              data={[...SEVERITIES]}
              value={filters.severity ?? null}
              onChange={(v) => set('severity', v)}
              style={FIELD}
            />
          )}
          {ranged ? (
            <>
              <TextInput
                type="date"
                label="From"
                value={filters.from ?? ''}
                onChange={(e) => set('from', e.currentTarget.value)}
                style={FIELD}
              />
              <TextInput
                type="date"
                label="To"
                value={filters.to ?? ''}
                onChange={(e) => set('to', e.currentTarget.value)}
                style={FIELD}
              />
            </>
          ) : (
            view !== 'overdue' && (
              <NumberInput
                label="Period (days)"
                min={1}
                max={3650}
                value={filters.periodDays}
                onChange={(v) => set('days', String(v || 30), '30')}
                style={FIELD}
              />
            )
          )}
        </Group>
        {fleet.error ? (
          <ErrorNotice error={fleet.error} title="The machines could not be counted" />
        ) : fleet.data?.total === 0 ? (
          <EmptyState title="No machines yet">
            Reports fill in once machines report. Enroll an agent with an enrollment token (
            <Anchor component={Link} to="/settings/tokens">
              Settings › Tokens
            </Anchor>
            ) or import a machine&apos;s inventory, then come back.
          </EmptyState>
        ) : (
          TABS.map((t) => (
            <Tabs.Panel key={t.view} value={t.view} pt="md">
              <ViewOf view={t.view} filters={shown} />
            </Tabs.Panel>
          ))
        )}
      </Tabs>
    </Stack>
  );
}

function ViewOf({ view, filters }: { view: View; filters: ReportFilters }) {
  switch (view) {
    case 'group':
      return <ByGroupView filters={filters} />;
    case 'owner':
      return <ByOwnerView filters={filters} />;
    case 'severity':
      return <BySeverityView filters={filters} />;
    case 'bulletin':
      return <ByBulletinView filters={filters} />;
    case 'overdue':
      return <OverdueView filters={filters} />;
    case 'trend':
      return <TrendView filters={filters} />;
    case 'mttr':
      return <MttrView filters={filters} />;
  }
}
