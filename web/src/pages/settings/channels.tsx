/** Notification channels (admins): list, add, send a test, delete. Secrets are never shown again. */
import { Badge, Button, Group, MultiSelect, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { DialogForm, Heading } from '../../components/forms';
import { EmptyState, ErrorNotice } from '../../components/notices';
import { QueryView } from '../../components/query-view';
import { SimpleTable } from '../../components/simple-table';
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
      <Heading title="Notification channels" action={<Button onClick={() => setForm(true)}>Add channel</Button>} />
      {error && <ErrorNotice error={error} title="The channel did not answer" />}
      {test.data && (
        <Text size="sm" role="status">
          Test queued ({test.data.queued} message); see the delivery log for the result.
        </Text>
      )}
      <QueryView
        query={list}
        what="channels"
        errorTitle="The channels could not be listed"
        empty={
          <EmptyState title="No notification channels">
            Add a webhook, a Slack-compatible hook or an e-mail address to hear of new bulletins, overdue findings and
            halted deployments.
          </EmptyState>
        }
      >
        {(d) => (
          <SimpleTable
            label="Notification channels"
            minWidth={760}
            rows={d.items}
            rowKey={(c) => c.id}
            columns={[
              {
                header: 'Name',
                cell: (c) => (
                  <>
                    {c.name}
                    {!c.enabled && (
                      <Badge ml={4} color="gray">
                        off
                      </Badge>
                    )}
                  </>
                ),
              },
              { header: 'Kind', cell: (c) => c.kind },
              { header: 'Target', cell: (c) => c.target, style: { overflowWrap: 'anywhere' } },
              { header: 'Events', cell: (c) => <Text size="xs">{c.events.join(', ')}</Text> },
              {
                header: 'Actions',
                cell: (c) => (
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
                ),
              },
            ]}
          />
        )}
      </QueryView>
      <DialogForm
        opened={form}
        onClose={() => setForm(false)}
        title="Add notification channel"
        error={create.error}
        errorTitle="The channel was not added"
        submit="Add channel"
        busy={create.isPending}
        disabled={!name.trim() || !target.trim() || events.length === 0}
        onSubmit={() => void submit()}
      >
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
      </DialogForm>
    </Stack>
  );
}
