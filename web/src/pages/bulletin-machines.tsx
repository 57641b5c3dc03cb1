/** The machines a bulletin hits, grouped by group: each group's counts and triage, each machine linked to its page. */
import { Badge, Button, Card, Group, ScrollArea, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { SlaBadge, TriageBadge, WHOLE } from '../components/badges';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { Time } from '../components/time';
import { MachineLink } from '../components/links';

type Answer = paths['/api/v1/bulletins/{id}/machines']['get']['responses'][200]['content']['application/json'];
type MachineGroup = Answer['groups'][number];

const FIRST = 50;
const MOST = 1000;

/** The affected machines of bulletin `id` by group; "all statuses" adds the resolved and not-applicable ones. */
export function BulletinMachines({ id }: { id: string }) {
  const [limit, setLimit] = useState(FIRST);
  const [status, setStatus] = useState<'open' | 'all'>('open');
  const machines = api.useQuery('get', '/api/v1/bulletins/{id}/machines', {
    params: { path: { id }, query: { limit, ...(status === 'all' ? { status: 'all' } : {}) } },
  });
  return (
    <Stack>
      <Group gap="sm" wrap="wrap">
        <Text size="sm" fw={500} id="machine-status-label">
          Findings
        </Text>
        <SegmentedControl
          size="xs"
          aria-labelledby="machine-status-label"
          value={status}
          onChange={(v) => setStatus(v === 'all' ? 'all' : 'open')}
          data={[
            { value: 'open', label: 'Open' },
            { value: 'all', label: 'All statuses' },
          ]}
        />
        {machines.data && (
          <Text size="sm" c="dimmed" aria-live="polite">
            {machines.data.machines} machine{machines.data.machines === 1 ? '' : 's'} in {machines.data.groups.length}{' '}
            group{machines.data.groups.length === 1 ? '' : 's'}
          </Text>
        )}
      </Group>
      {machines.error ? (
        <ErrorNotice error={machines.error} title="The affected machines could not be listed" />
      ) : machines.isPending ? (
        <Loading what="affected machines" />
      ) : machines.data.groups.length === 0 ? (
        <EmptyState title={status === 'open' ? 'No machine is affected' : 'No machine has a finding for it'}>
          {status === 'open'
            ? 'None of the machines you can see misses this bulletin’s fixes. Choose “All statuses” to see those that installed them.'
            : 'None of the machines you can see has this bulletin’s packages.'}
        </EmptyState>
      ) : (
        machines.data.groups.map((g) => (
          <MachineGroupCard
            key={g.groupId ?? ''}
            g={g}
            more={g.total > g.items.length && limit < MOST ? () => setLimit(MOST) : undefined}
          />
        ))
      )}
    </Stack>
  );
}

function MachineGroupCard({ g, more }: { g: MachineGroup; more: (() => void) | undefined }) {
  const complete = g.items.length === g.total;
  const overdue = g.items.filter((m) => m.sla === 'overdue').length;
  return (
    <Card withBorder padding="sm" component="article" aria-label={`Machines in ${g.group}`}>
      <Group gap="xs" wrap="wrap" mb="xs">
        <Title order={3} size="h5">
          {g.group}
        </Title>
        <Badge variant="light" color={g.total > 0 ? 'red' : 'gray'} style={{ ...WHOLE, textTransform: 'none' }}>
          {g.total} machine{g.total === 1 ? '' : 's'}
        </Badge>
        {complete && overdue > 0 && (
          <Badge variant="outline" color="red" style={{ ...WHOLE, textTransform: 'none' }}>
            {overdue} overdue
          </Badge>
        )}
        {g.triage ? (
          <TriageBadge state={g.triage.state} />
        ) : (
          g.groupId && (
            <Text span size="xs" c="dimmed">
              not triaged yet
            </Text>
          )
        )}
      </Group>
      <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
        <Table miw={640} fz="sm" verticalSpacing={4} striped aria-label={`Affected machines in ${g.group}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Machine</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Package</Table.Th>
              <Table.Th>Fixed in</Table.Th>
              <Table.Th>Deadline</Table.Th>
              <Table.Th>First seen</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {g.items.map((m) => (
              <Table.Tr key={m.machineId}>
                <Table.Td>
                  <MachineLink name={m.name} />
                </Table.Td>
                <Table.Td title={m.reason ?? undefined}>{m.status}</Table.Td>
                <Table.Td>{m.package ?? '—'}</Table.Td>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>{m.fixedVersion ?? '—'}</Table.Td>
                <Table.Td>
                  {m.resolvedAt ? (
                    <>
                      resolved <Time iso={m.resolvedAt} />
                    </>
                  ) : (
                    <Group gap={4} wrap="nowrap">
                      <SlaBadge sla={m.sla} />
                      <Time iso={m.dueAt} empty="" />
                    </Group>
                  )}
                </Table.Td>
                <Table.Td>
                  <Time iso={m.firstSeenAt} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {!complete && (
        <Group gap="xs" mt="xs">
          <Text size="sm" c="dimmed">
            The first {g.items.length} of {g.total} are shown.
          </Text>
          {more && (
            <Button size="xs" variant="default" onClick={more}>
              Show up to {MOST}
            </Button>
          )}
        </Group>
      )}
    </Card>
  );
}
