/** Deployments: every rollout, newest first, with its state, rings and progress. */
import { Anchor, Badge, Button, Group, ScrollArea, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
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
      {list.error ? (
        <ErrorNotice error={list.error} title="The deployments could not be listed" />
      ) : list.isPending ? (
        <Loading what="deployments" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No deployments">
          {canCreate
            ? 'Approve fixes in Triage, then start a deployment with “New deployment”: pick the fixes, the target and the rings.'
            : 'An operator starts deployments once fixes are approved; they appear here with their progress.'}
        </EmptyState>
      ) : (
        <ScrollArea type="auto">
          <Table striped highlightOnHover miw={860} aria-label="Deployments">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Rings</Table.Th>
                <Table.Th>Progress</Table.Th>
                <Table.Th>Fixes</Table.Th>
                <Table.Th>Started</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/deployments/${encodeURIComponent(d.id)}`} size="sm">
                      {d.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      by {d.createdBy}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StateBadge state={d.status} />
                  </Table.Td>
                  <Table.Td>
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
                  </Table.Td>
                  <Table.Td>
                    <ProgressBar counts={d.counts} label={`Progress of ${d.name}`} />
                  </Table.Td>
                  <Table.Td>{d.bulletinIds.length}</Table.Td>
                  <Table.Td>
                    <Time iso={d.createdAt} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
    </Stack>
  );
}
