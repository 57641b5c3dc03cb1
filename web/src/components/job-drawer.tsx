/** A job and the agent's step log, in a drawer; refreshed while the job is still under way. */
import { Badge, Code, Drawer, Group, Stack, Text } from '@mantine/core';
import { api } from '../api';
import { StateBadge } from '../pages/deployments/status';
import type { Schemas } from '../wire';
import { ErrorNotice, Loading } from './notices';
import { Time } from './time';

type JobReport = Schemas['JobReport'];
const LIVE_MS = 3_000;

function isReport(r: unknown): r is JobReport {
  return typeof r === 'object' && r !== null && Array.isArray((r as { steps?: unknown }).steps);
}

export function JobDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const job = api.useQuery(
    'get',
    '/api/v1/jobs/{id}',
    { params: { path: { id: id ?? '' } } },
    {
      enabled: id !== null,
      refetchInterval: (q) =>
        q.state.data && ['issued', 'delivered', 'running'].includes(q.state.data.state) ? LIVE_MS : false,
    },
  );
  const report = job.data && isReport(job.data.report) ? job.data.report : null;
  return (
    <Drawer opened={id !== null} onClose={onClose} position="right" size="lg" title="Job and step log">
      {job.error ? (
        <ErrorNotice error={job.error} title="The job could not be loaded" />
      ) : job.isPending ? (
        <Loading what="the job" />
      ) : (
        <Stack>
          <Group gap="xs">
            <Text fw={600}>{job.data.machineName}</Text>
            <Badge variant="outline">{job.data.kind}</Badge>
            <StateBadge state={job.data.state} />
          </Group>
          <Text size="sm" c="dimmed">
            Issued <Time iso={job.data.issuedAt} />, expires <Time iso={job.data.expiresAt} />
            {job.data.message ? ` — ${job.data.message}` : ''}
          </Text>
          {!report ? (
            <Text size="sm">The agent has not reported on this job yet.</Text>
          ) : (
            <>
              <Text size="sm">
                {report.state}: {report.message}
                {report.rebootPending ? ' (reboot pending)' : ''}
              </Text>
              {report.steps.map((s) => (
                <Stack key={s.index} gap={4}>
                  <Group gap="xs">
                    <Text size="sm" fw={600}>
                      Step {s.index + 1}: {s.kind}
                    </Text>
                    <StateBadge state={s.result} />
                    {s.exitCode !== null && (
                      <Text size="xs" c="dimmed">
                        exit {s.exitCode}
                      </Text>
                    )}
                  </Group>
                  {s.message && <Text size="xs">{s.message}</Text>}
                  <Code block style={{ maxHeight: 320, overflow: 'auto', whiteSpace: 'pre-wrap' }}>
                    {s.log || '(no output)'}
                  </Code>
                </Stack>
              ))}
            </>
          )}
        </Stack>
      )}
    </Drawer>
  );
}
