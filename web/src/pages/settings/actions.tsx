/**
 * Actions: the approved commands hooks and script steps may name. Admins propose and remove; a
 * proposal takes effect when a second admin approves its change request, listed here too.
 */
import {
  Badge,
  Button,
  Code,
  Group,
  Modal,
  NumberInput,
  ScrollArea,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { EmptyState, ErrorNotice, Loading } from '../../components/notices';
import { Time } from '../../components/time';
import { useCan, useMe } from '../../session';
import { refresh } from './refresh';

export function ActionsSection() {
  const isAdmin = useCan('admin');
  return (
    <Stack gap="xl">
      <Actions isAdmin={isAdmin} />
      {isAdmin && <Changes />}
    </Stack>
  );
}

function Actions({ isAdmin }: { isAdmin: boolean }) {
  const list = api.useQuery('get', '/api/v1/actions', {});
  const propose = api.useMutation('post', '/api/v1/actions');
  const remove = api.useMutation('delete', '/api/v1/actions/{name}');
  const [form, setForm] = useState(false);
  const [name, setName] = useState('');
  const [argv, setArgv] = useState('');
  const [description, setDescription] = useState('');
  const [timeout, setTimeoutSeconds] = useState<number | ''>(300);

  async function submit() {
    try {
      await propose.mutateAsync({
        body: {
          name: name.trim(),
          argv: argv
            .split('\n')
            .map((a) => a.trim())
            .filter(Boolean),
          ...(description.trim() ? { description: description.trim() } : {}),
          ...(timeout === '' ? {} : { timeoutSeconds: timeout }),
        },
      });
      setForm(false);
      await refresh('/api/v1/actions', '/api/v1/changes');
    } catch {
      // shown from propose.error
    }
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h4">
          Actions
        </Title>
        {isAdmin && <Button onClick={() => setForm(true)}>Propose action</Button>}
      </Group>
      {remove.error && <ErrorNotice error={remove.error} title="The action was not removed" />}
      {list.error ? (
        <ErrorNotice error={list.error} title="The actions could not be listed" />
      ) : list.isPending ? (
        <Loading what="actions" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No actions">
          {isAdmin
            ? 'Propose one (e.g. a snapshot before installing); it applies once a second admin approves it.'
            : 'Administrators define the commands deployments may run before and after installing.'}
        </EmptyState>
      ) : (
        <ScrollArea type="auto">
          <Table striped miw={720} aria-label="Actions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Command</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Approved</Table.Th>
                {isAdmin && <Table.Th>Actions</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((a) => (
                <Table.Tr key={`${a.name}@${a.version}`}>
                  <Table.Td>
                    {a.name}{' '}
                    <Text span size="xs" c="dimmed">
                      v{a.version}
                    </Text>
                    {a.description && (
                      <Text size="xs" c="dimmed">
                        {a.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Code>{a.argv.join(' ')}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={a.status === 'active' ? 'green' : 'yellow'}>
                      {a.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{a.approvedBy ? <>by {a.approvedBy}</> : 'waiting for a second admin'}</Table.Td>
                  {isAdmin && (
                    <Table.Td>
                      {a.status === 'active' && (
                        <Button
                          size="compact-sm"
                          color="red"
                          variant="subtle"
                          onClick={() =>
                            void remove
                              .mutateAsync({ params: { path: { name: a.name } } })
                              .then(() => refresh('/api/v1/actions'))
                              .catch(() => undefined)
                          }
                        >
                          Remove
                        </Button>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
      <Modal opened={form} onClose={() => setForm(false)} title="Propose an action" centered>
        <Stack>
          <TextInput label="Action name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Textarea
            label="Command, one argument per line"
            description="Run without a shell; a second admin must approve it."
            required
            autosize
            minRows={3}
            value={argv}
            onChange={(e) => setArgv(e.currentTarget.value)}
          />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <NumberInput
            label="Time limit (seconds)"
            min={1}
            value={timeout}
            onChange={(v) => setTimeoutSeconds(v === '' ? '' : Number(v))}
          />
          {propose.error && <ErrorNotice error={propose.error} title="The action was not proposed" />}
          <Button loading={propose.isPending} disabled={!name.trim() || !argv.trim()} onClick={() => void submit()}>
            Propose
          </Button>
        </Stack>
      </Modal>
    </Stack>
  );
}

function Changes() {
  const me = useMe();
  const list = api.useQuery('get', '/api/v1/changes', { params: { query: { status: 'pending' } } });
  const approve = api.useMutation('post', '/api/v1/changes/{id}/approve');
  const reject = api.useMutation('post', '/api/v1/changes/{id}/reject');
  const done = () => refresh('/api/v1/changes', '/api/v1/actions', '/api/v1/groups');
  const error = approve.error ?? reject.error;
  return (
    <Stack>
      <Title order={2} size="h4">
        Change requests waiting for a second admin
      </Title>
      {error && <ErrorNotice error={error} title="The change request did not change" />}
      {list.error ? (
        <ErrorNotice error={list.error} title="The change requests could not be listed" />
      ) : list.isPending ? (
        <Loading what="change requests" />
      ) : list.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing waits. Changes to actions, approval rules and second-approver settings appear here for another admin
          to approve.
        </Text>
      ) : (
        <ScrollArea type="auto">
          <Table striped miw={720} aria-label="Pending change requests">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Change</Table.Th>
                <Table.Th>Proposed</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>Decision</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((c) => {
                const own = c.proposedBy === me.user;
                return (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Text size="sm">{c.summary}</Text>
                      <Text size="xs" c="dimmed">
                        {c.kind} · {c.target}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      by {c.proposedBy}, <Time iso={c.proposedAt} />
                    </Table.Td>
                    <Table.Td>
                      <Time iso={c.expiresAt} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        {!own && (
                          <Button
                            size="compact-sm"
                            onClick={() =>
                              void approve
                                .mutateAsync({ params: { path: { id: c.id } } })
                                .then(done)
                                .catch(() => undefined)
                            }
                          >
                            Approve
                          </Button>
                        )}
                        <Button
                          size="compact-sm"
                          variant="subtle"
                          color="red"
                          onClick={() =>
                            void reject
                              .mutateAsync({ params: { path: { id: c.id } } })
                              .then(done)
                              .catch(() => undefined)
                          }
                        >
                          {own ? 'Withdraw' : 'Reject'}
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
    </Stack>
  );
}
