/** How deployment, ring, machine and job states look everywhere in the console. */
import { Badge, Group, Progress, Text, Tooltip } from '@mantine/core';
import type { Schemas } from '../../wire';

type Deployment = Schemas['Deployment'];
type Counts = Deployment['counts'];

const COLORS: Record<string, string> = {
  running: 'blue',
  paused: 'yellow',
  halted: 'red',
  aborted: 'gray',
  completed: 'green',
  waiting: 'gray',
  soaking: 'cyan',
  passed: 'green',
  pending: 'gray',
  'waiting-window': 'grape',
  validating: 'cyan',
  succeeded: 'green',
  failed: 'red',
  missed: 'orange',
  'rolled-back': 'orange',
  issued: 'gray',
  delivered: 'indigo',
  refused: 'red',
  interrupted: 'orange',
  expired: 'orange',
  cancelled: 'gray',
};

export function StateBadge({ state }: { state: string }) {
  return (
    <Badge color={COLORS[state] ?? 'gray'} variant="light" style={{ flexShrink: 0, minWidth: 'max-content' }}>
      {state}
    </Badge>
  );
}

/** A deployment is finished when nothing more will happen without someone acting. */
export function isFinished(status: Deployment['status']): boolean {
  return status === 'completed' || status === 'aborted';
}

const DONE = ['succeeded', 'failed', 'missed', 'rolled-back'] as const;

/** Share of machines that reached an end state, with succeeded and failed apart. */
export function ProgressBar({ counts, label }: { counts: Counts; label: string }) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const done = DONE.reduce((n, s) => n + counts[s], 0);
  const pct = (n: number) => (total === 0 ? 0 : (n / total) * 100);
  const bad = counts.failed + counts.missed + counts['rolled-back'];
  return (
    <Tooltip label={`${counts.succeeded} succeeded, ${bad} failed/missed/rolled back, ${total - done} to go`}>
      <Group gap="xs" wrap="nowrap" miw={140}>
        <Progress.Root flex={1} size="md" role="group" aria-label={label}>
          <Progress.Section value={pct(counts.succeeded)} color="green" aria-label={`${label}: succeeded`} />
          <Progress.Section value={pct(bad)} color="red" aria-label={`${label}: failed, missed or rolled back`} />
          <Progress.Section
            value={pct(counts.running + counts.validating)}
            color="blue"
            aria-label={`${label}: running`}
          />
        </Progress.Root>
        <Text size="xs" c="dimmed" miw={44} ta="right">
          {done}/{total}
        </Text>
      </Group>
    </Tooltip>
  );
}
