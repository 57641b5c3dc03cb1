/** Open findings per day, stacked by severity (Mantine Charts over Recharts). */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import type { Snapshot } from '../wire';

const SERIES = [
  { name: 'critical', color: 'red.6' },
  { name: 'important', color: 'orange.6' },
  { name: 'moderate', color: 'yellow.6' },
  { name: 'low', color: 'blue.6' },
  { name: 'unknown', color: 'gray.6' },
];

export function HistoryChart({ snapshots }: { snapshots: Snapshot[] }) {
  if (snapshots.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No daily snapshots yet: the first is taken after the machine's next assessment.
      </Text>
    );
  const data = snapshots.map((s) => ({
    day: s.day.slice(5),
    ...Object.fromEntries(SERIES.map((x) => [x.name, s.openBySeverity[x.name] ?? 0])),
  }));
  const used = SERIES.filter((x) => data.some((d) => (d as Record<string, unknown>)[x.name]));
  const total = snapshots.at(-1);
  const latest = total ? Object.values(total.openBySeverity).reduce((a, b) => a + b, 0) : 0;
  return (
    <figure style={{ margin: 0 }} aria-label={`Open findings per day; ${latest} on ${total?.day ?? ''}`}>
      <BarChart
        h={220}
        data={data}
        dataKey="day"
        type="stacked"
        series={used.length ? used : SERIES.slice(0, 1)}
        withLegend
        legendProps={{ verticalAlign: 'bottom' }}
        tickLine="y"
        yAxisProps={{ allowDecimals: false }}
      />
    </figure>
  );
}
