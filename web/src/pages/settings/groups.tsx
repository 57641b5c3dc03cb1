/**
 * Groups: static lists or rules over machine attributes, each with its maintenance window, reboot
 * policy and deadlines (the form: group-form.tsx; a rule is previewed while it is typed).
 */
import { Button, Group, ScrollArea, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useMemo, useState } from 'react';
import { api } from '../../api';
import { EmptyState, ErrorNotice, Loading } from '../../components/notices';
import { useCan } from '../../session';
import type { Schemas } from '../../wire';
import { describeDeadlines } from './group-fields';
import { GroupForm } from './group-form';

type GroupWire = Schemas['Group'];

export function GroupsSection() {
  const canEdit = useCan('operator');
  const list = api.useQuery('get', '/api/v1/groups', {});
  const machines = api.useQuery('get', '/api/v1/machines', { params: { query: { limit: 1000 } } });
  const [editing, setEditing] = useState<GroupWire | 'new' | null>(null);
  const names = useMemo(() => new Map((machines.data?.items ?? []).map((m) => [m.id, m.name])), [machines.data]);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h4">
          Groups
        </Title>
        {canEdit && <Button onClick={() => setEditing('new')}>Create group</Button>}
      </Group>
      {list.error ? (
        <ErrorNotice error={list.error} title="The groups could not be listed" />
      ) : list.isPending ? (
        <Loading what="groups" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No groups yet">
          {canEdit
            ? 'Create a group for a team or an environment: triage, deadlines, windows and reports work per group.'
            : 'An operator creates groups; triage, deadlines and reports then work per group.'}
        </EmptyState>
      ) : (
        <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
          <Table striped miw={960} aria-label="Groups">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Members</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Maintenance window</Table.Th>
                <Table.Th>Reboot</Table.Th>
                <Table.Th>Deadlines</Table.Th>
                {canEdit && (
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((g) => (
                <Table.Tr key={g.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {g.name}
                    </Text>
                    <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                      {g.kind === 'rule' ? `rule: ${g.rule ?? ''}` : 'static list'}
                    </Text>
                  </Table.Td>
                  <Table.Td>{g.members.length}</Table.Td>
                  <Table.Td>{g.owner ?? '—'}</Table.Td>
                  <Table.Td>
                    {g.maintenanceWindow
                      ? `${g.maintenanceWindow.cron}, ${g.maintenanceWindow.durationMinutes} min, ${g.maintenanceWindow.timeZone}`
                      : 'any time'}
                  </Table.Td>
                  <Table.Td>
                    {g.rebootPolicy
                      ? `${g.rebootPolicy.mode}${g.rebootPolicy.onlyInWindow ? ', in the window' : ''}, ${g.rebootPolicy.maxDeferrals} deferrals`
                      : 'default'}
                  </Table.Td>
                  <Table.Td>{describeDeadlines(g.deadlinePolicy)}</Table.Td>
                  {canEdit && (
                    <Table.Td>
                      <Button size="compact-sm" variant="subtle" onClick={() => setEditing(g)}>
                        Edit
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
      {editing && (
        <GroupForm
          group={editing === 'new' ? null : editing}
          machines={machines.data?.items.map((m) => m.name) ?? []}
          names={names}
          onClose={() => setEditing(null)}
        />
      )}
    </Stack>
  );
}
