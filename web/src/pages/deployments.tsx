/** Deployments: every rollout, newest first, with its state, rings and progress. */
import { Badge, Button, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api';
import { DeploymentLink } from '../components/links';
import { EmptyState } from '../components/notices';
import { QueryView } from '../components/query-view';
import { SimpleTable } from '../components/simple-table';
import { Time } from '../components/time';
import { useCan } from '../session';
import { isFinished, ProgressBar, StateBadge } from './deployments/status';

const FILTERS = [
  { value: 'active', label: 'Active', status: 'running,paused,halted' },
  { value: 'all', label: 'All', status: undefined },
  { value: 'done', label: 'Finished', status: 'completed,aborted' },
];

export default function DeploymentsPage() {
  const canCreate = useCan('operator');
  const [params, setParams] = useSearchParams();
  const filter = FILTERS.find((f) => f.value === params.get('show')) ?? FILTERS[1]!;
  const list = api.useQuery(
    'get',
    '/api/v1/deployments',
    { params: { query: { limit: 200, ...(filter.status ? { status: filter.status } : {}) } } },
    // Progress moves while something runs: refresh the list while any deployment is unfinished.
    { refetchInterval: (q) => (q.state.data?.items.some((d) => !isFinished(d.status)) ? 5_000 : false) },
  );
  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={1} size="h2">
          Deployments
        </Title>
        {canCreate && (
          <Button component={Link} to="/deployments/new">
            New deployment
          </Button>
        )}
      </Group>
      <SegmentedControl
        aria-label="Show"
        w="fit-content"
        data={FILTERS.map((f) => ({ value: f.value, label: f.label }))}
        value={filter.value}
        onChange={(v) => setParams({ show: v }, { replace: true })}
      />
      <QueryView
        query={list}
        what="deployments"
        errorTitle="The deployments could not be listed"
        empty={
          <EmptyState title="No deployments">
            {canCreate
              ? 'Approve fixes in Triage, then start a deployment with “New deployment”: pick the fixes, the target and the rings.'
              : 'An operator starts deployments once fixes are approved; they appear here with their progress.'}
          </EmptyState>
        }
      >
        {(data) => (
          <SimpleTable
            label="Deployments"
            minWidth={860}
            highlightOnHover
            rows={data.items}
            rowKey={(d) => d.id}
            columns={[
              {
                header: 'Name',
                cell: (d) => (
                  <>
                    <DeploymentLink id={d.id}>{d.name}</DeploymentLink>
                    <Text size="xs" c="dimmed">
                      by {d.createdBy}
                    </Text>
                  </>
                ),
              },
              { header: 'State', cell: (d) => <StateBadge state={d.status} /> },
              {
                header: 'Rings',
                cell: (d) => (
                  <Group gap={4}>
                    {d.rings.map((r) => (
                      <Badge
                        key={r.index}
                        variant={r.name === d.currentRing ? 'filled' : 'outline'}
                        color={r.status === 'passed' ? 'green' : r.status === 'halted' ? 'red' : 'gray'}
                        title={`${r.name}: ${r.status}, ${r.members} machines`}
                      >
                        {r.name}
                      </Badge>
                    ))}
                  </Group>
                ),
              },
              { header: 'Progress', cell: (d) => <ProgressBar counts={d.counts} label={`Progress of ${d.name}`} /> },
              { header: 'Fixes', cell: (d) => d.bulletinIds.length },
              { header: 'Started', cell: (d) => <Time iso={d.createdAt} /> },
            ]}
          />
        )}
      </QueryView>
    </Stack>
  );
}
