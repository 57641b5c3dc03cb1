/**
 * Actions: the approved commands hooks and script steps may name. Admins propose and remove; a
 * proposal takes effect when a second admin approves its change request, listed here too.
 */
import { Badge, Button, Code, Group, NumberInput, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { DialogForm, Heading, numberOrEmpty } from '../../components/forms';
import { EmptyState, ErrorNotice } from '../../components/notices';
import { QueryView } from '../../components/query-view';
import { SimpleTable } from '../../components/simple-table';
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
      <Heading title="Actions" action={isAdmin && <Button onClick={() => setForm(true)}>Propose action</Button>} />
      {remove.error && <ErrorNotice error={remove.error} title="The action was not removed" />}
      <QueryView
        query={list}
        what="actions"
        errorTitle="The actions could not be listed"
        empty={
          <EmptyState title="No actions">
            {isAdmin
              ? 'Propose one (e.g. a snapshot before installing); it applies once a second admin approves it.'
              : 'Administrators define the commands deployments may run before and after installing.'}
          </EmptyState>
        }
      >
        {(d) => (
          <SimpleTable
            label="Actions"
            minWidth={720}
            rows={d.items}
            rowKey={(a) => `${a.name}@${a.version}`}
            columns={[
              {
                header: 'Name',
                cell: (a) => (
                  <>
                    {a.name}{' '}
                    <Text span size="xs" c="dimmed">
                      v{a.version}
                    </Text>
                    {a.description && (
                      <Text size="xs" c="dimmed">
                        {a.description}
                      </Text>
                    )}
                  </>
                ),
              },
              { header: 'Command', cell: (a) => <Code>{a.argv.join(' ')}</Code> },
              {
                header: 'Status',
                cell: (a) => (
                  <Badge variant="light" color={a.status === 'active' ? 'green' : 'yellow'}>
                    {a.status}
                  </Badge>
                ),
              },
              {
                header: 'Approved',
                cell: (a) => (a.approvedBy ? `by ${a.approvedBy}` : 'waiting for a second admin'),
              },
              isAdmin && {
                header: 'Actions',
                cell: (a) =>
                  a.status === 'active' && (
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
                  ),
              },
            ]}
          />
        )}
      </QueryView>
      <DialogForm
        opened={form}
        onClose={() => setForm(false)}
        title="Propose an action"
        error={propose.error}
        errorTitle="The action was not proposed"
        submit="Propose"
        busy={propose.isPending}
        disabled={!name.trim() || !argv.trim()}
        onSubmit={() => void submit()}
      >
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
          onChange={(v) => setTimeoutSeconds(numberOrEmpty(v))}
        />
      </DialogForm>
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
      <Heading title="Change requests waiting for a second admin" />
      {error && <ErrorNotice error={error} title="The change request did not change" />}
      <QueryView
        query={list}
        what="change requests"
        errorTitle="The change requests could not be listed"
        empty={
          <Text size="sm" c="dimmed">
            Nothing waits. Changes to actions, approval rules and second-approver settings appear here for another admin
            to approve.
          </Text>
        }
      >
        {(d) => (
          <SimpleTable
            label="Pending change requests"
            minWidth={720}
            rows={d.items}
            rowKey={(c) => c.id}
            columns={[
              {
                header: 'Change',
                cell: (c) => (
                  <>
                    <Text size="sm">{c.summary}</Text>
                    <Text size="xs" c="dimmed">
                      {c.kind} · {c.target}
                    </Text>
                  </>
                ),
              },
              {
                header: 'Proposed',
                cell: (c) => (
                  <>
                    by {c.proposedBy}, <Time iso={c.proposedAt} />
                  </>
                ),
              },
              { header: 'Expires', cell: (c) => <Time iso={c.expiresAt} /> },
              {
                header: 'Decision',
                cell: (c) => {
                  const own = c.proposedBy === me.user;
                  return (
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
                  );
                },
              },
            ]}
          />
        )}
      </QueryView>
    </Stack>
  );
}
