/** Notification channels (admins): list, add, send a test, delete. Secrets are never shown again. */
import {
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  PasswordInput,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { EmptyState, ErrorNotice, Loading } from '../../components/notices';
import type { Schemas } from '../../wire';
import { refresh } from './refresh';

type Create = Schemas['ChannelCreate'];
const EVENTS: Create['events'] = [
  'bulletin.new',
  'bulletin.revised',
  'bulletin.withdrawn',
  'findings.due-soon',
  'findings.overdue',
  'deployment.halted',
  'deployment.failed',
  'digest',
];

export function ChannelsSection() {
  const list = api.useQuery('get', '/api/v1/notification-channels', {});
  const create = api.useMutation('post', '/api/v1/notification-channels');
  const test = api.useMutation('post', '/api/v1/notification-channels/{id}/test');
  const remove = api.useMutation('delete', '/api/v1/notification-channels/{id}');
  const [form, setForm] = useState(false);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Create['kind']>('webhook');
  const [target, setTarget] = useState('');
  const [secret, setSecret] = useState('');
  const [events, setEvents] = useState<Create['events']>(['deployment.halted', 'findings.overdue']);

  async function submit() {
    try {
      await create.mutateAsync({
        body: { name: name.trim(), kind, target: target.trim(), events, ...(secret ? { secret } : {}) },
      });
      setForm(false);
      setName('');
      setTarget('');
      setSecret('');
      await refresh('/api/v1/notification-channels');
    } catch {
      // shown from create.error
    }
  }
  const error = test.error ?? remove.error;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h4">
          Notification channels
        </Title>
        <Button onClick={() => setForm(true)}>Add channel</Button>
      </Group>
      {error && <ErrorNotice error={error} title="The channel did not answer" />}
      {test.data && (
        <Text size="sm" role="status">
          Test queued ({test.data.queued} message); see the delivery log for the result.
        </Text>
      )}
      {list.error ? (
        <ErrorNotice error={list.error} title="The channels could not be listed" />
      ) : list.isPending ? (
        <Loading what="channels" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No notification channels">
          Add a webhook, a Slack-compatible hook or an e-mail address to hear of new bulletins, overdue findings and
          halted deployments.
        </EmptyState>
      ) : (
        <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
          <Table striped miw={760} aria-label="Notification channels">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Events</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    {c.name}
                    {!c.enabled && (
                      <Badge ml={4} color="gray">
                        off
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{c.kind}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{c.target}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{c.events.join(', ')}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Button
                        size="compact-sm"
                        variant="light"
                        onClick={() => void test.mutateAsync({ params: { path: { id: c.id } } }).catch(() => undefined)}
                      >
                        Send test
                      </Button>
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        color="red"
                        onClick={() =>
                          void remove
                            .mutateAsync({ params: { path: { id: c.id } } })
                            .then(() => refresh('/api/v1/notification-channels'))
                            .catch(() => undefined)
                        }
                      >
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
      <Modal opened={form} onClose={() => setForm(false)} title="Add notification channel" centered>
        <Stack>
          <TextInput label="Channel name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select
            label="Kind"
            data={[
              { value: 'webhook', label: 'Webhook (signed JSON)' },
              { value: 'slack', label: 'Slack-compatible' },
              { value: 'email', label: 'E-mail' },
            ]}
            value={kind}
            allowDeselect={false}
            onChange={(v) => v && setKind(v)}
          />
          <TextInput
            label={kind === 'email' ? 'E-mail address' : 'URL'}
            required
            value={target}
            onChange={(e) => setTarget(e.currentTarget.value)}
          />
          {kind === 'webhook' && (
            <PasswordInput
              label="Signing secret (optional)"
              value={secret}
              onChange={(e) => setSecret(e.currentTarget.value)}
            />
          )}
          <MultiSelect label="Events" data={EVENTS} value={events} onChange={(v) => setEvents(v)} />
          {create.error && <ErrorNotice error={create.error} title="The channel was not added" />}
          <Button
            loading={create.isPending}
            disabled={!name.trim() || !target.trim() || events.length === 0}
            onClick={() => void submit()}
          >
            Add channel
          </Button>
        </Stack>
      </Modal>
    </Stack>
  );
}
