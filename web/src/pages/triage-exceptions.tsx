/** Risk exceptions: a bulletin's risk accepted on a machine or group until a date. Viewers read; admins add and revoke. */
import { Button, Group, SegmentedControl, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { schemaResolver, useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { z } from 'zod';
import { api } from '../api';
import { endOfDay, FormButtons, isDay, notPast } from '../components/forms';
import { BulletinLink, MachineLink } from '../components/links';
import { EmptyState, ErrorNotice } from '../components/notices';
import { QueryView } from '../components/query-view';
import { SimpleTable } from '../components/simple-table';
import { Time } from '../components/time';
import { useCan } from '../session';

export function RiskExceptions() {
  const isAdmin = useCan('admin');
  const [active, setActive] = useState<'true' | 'any'>('true');
  const [adding, setAdding] = useState(false);
  const queryClient = useQueryClient();
  const list = api.useQuery('get', '/api/v1/exceptions', { params: { query: { active } } });
  const groups = api.useQuery('get', '/api/v1/groups', {});
  const groupName = new Map((groups.data?.items ?? []).map((g) => [g.id, g.name]));
  const revoke = api.useMutation('delete', '/api/v1/exceptions/{id}', {
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['get'] }),
  });
  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <SegmentedControl
          aria-label="Which exceptions"
          value={active}
          onChange={(v) => setActive(v === 'any' ? 'any' : 'true')}
          data={[
            { value: 'true', label: 'Active' },
            { value: 'any', label: 'All, with revoked and expired' },
          ]}
        />
        {isAdmin && !adding && <Button onClick={() => setAdding(true)}>Add risk exception</Button>}
      </Group>
      {isAdmin && adding && <ExceptionForm onDone={() => setAdding(false)} />}
      {revoke.error && <ErrorNotice error={revoke.error} title="The exception was not revoked" />}
      <QueryView
        query={list}
        what="risk exceptions"
        empty={
          <EmptyState title="No risk exceptions">
            {isAdmin
              ? 'When a fix cannot be installed in time, add an exception with an owner, a reason and an end date; its deadline is then relieved.'
              : 'An admin can accept a risk on a machine or group until a date.'}
          </EmptyState>
        }
      >
        {(d) => (
          <SimpleTable
            label="Risk exceptions"
            minWidth={760}
            rows={d.items}
            rowKey={(e) => e.id}
            columns={[
              { header: 'Bulletin', cell: (e) => <BulletinLink id={e.bulletinId} /> },
              {
                header: 'On',
                cell: (e) =>
                  e.machineId ? (
                    <MachineById id={e.machineId} />
                  ) : (
                    `group ${groupName.get(e.groupId ?? '') ?? e.groupId ?? ''}`
                  ),
              },
              { header: 'Owner', cell: (e) => e.owner },
              {
                header: 'Reason',
                cell: (e) => (
                  <Text size="sm" lineClamp={2}>
                    {e.reason}
                  </Text>
                ),
              },
              { header: 'Until', cell: (e) => <Time iso={e.until} /> },
              { header: 'State', cell: (e) => (e.active ? 'active' : e.revokedAt ? 'revoked' : 'expired') },
              isAdmin && {
                header: 'Actions',
                cell: (e) =>
                  e.active && (
                    <Button
                      size="xs"
                      variant="default"
                      color="red"
                      onClick={() => revoke.mutate({ params: { path: { id: e.id } } })}
                    >
                      Revoke
                    </Button>
                  ),
              },
            ]}
          />
        )}
      </QueryView>
    </Stack>
  );
}

/** A machine by its name (the exception holds its id). */
function MachineById({ id }: { id: string }) {
  const machine = api.useQuery('get', '/api/v1/machines/{id}', { params: { path: { id } } });
  const name = machine.data?.name;
  return <MachineLink name={name ?? id}>{name ? `machine ${name}` : 'machine'}</MachineLink>;
}

const exceptionForm = z
  .object({
    bulletin: z.string().trim().min(1, 'Give the bulletin id.').max(200),
    on: z.enum(['machine', 'group']),
    target: z.string().trim().min(1, 'Give the machine or group name.').max(200),
    owner: z.string().trim().min(1, 'Say who answers for the risk.').max(200, 'At most 200 characters.'),
    reason: z.string().trim().min(1, 'Say why the risk is accepted.').max(2000, 'At most 2000 characters.'),
    until: z.string().refine(isDay, 'Pick the end date.'),
  })
  .refine((v) => notPast(v.until), {
    path: ['until'],
    message: 'The end date must be in the future.',
  });
type ExceptionValues = z.infer<typeof exceptionForm>;

function ExceptionForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const form = useForm<ExceptionValues>({
    mode: 'uncontrolled',
    initialValues: { bulletin: '', on: 'machine', target: '', owner: '', reason: '', until: '' },
    validate: schemaResolver(exceptionForm, { sync: true }),
  });
  const create = api.useMutation('post', '/api/v1/exceptions', {
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['get'] });
      onDone();
    },
  });
  const submit = form.onSubmit((v) =>
    create.mutate({
      body: {
        bulletin: v.bulletin.trim(),
        [v.on]: v.target.trim(),
        owner: v.owner.trim(),
        reason: v.reason.trim(),
        until: endOfDay(v.until),
      },
    }),
  );
  return (
    <form onSubmit={submit} aria-label="New risk exception">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label="Bulletin" withAsterisk key={form.key('bulletin')} {...form.getInputProps('bulletin')} />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="exception-on">
            Accept it on
          </Text>
          <SegmentedControl
            aria-labelledby="exception-on"
            data={[
              { value: 'machine', label: 'A machine' },
              { value: 'group', label: 'A group' },
            ]}
            key={form.key('on')}
            {...form.getInputProps('on')}
          />
        </Stack>
        <TextInput
          label="Machine or group name"
          withAsterisk
          key={form.key('target')}
          {...form.getInputProps('target')}
        />
        <TextInput label="Owner" withAsterisk key={form.key('owner')} {...form.getInputProps('owner')} />
        <TextInput label="Reason" withAsterisk key={form.key('reason')} {...form.getInputProps('reason')} />
        <TextInput type="date" label="Until" withAsterisk key={form.key('until')} {...form.getInputProps('until')} />
      </SimpleGrid>
      {create.error && <ErrorNotice error={create.error} title="The exception was not added" />}
      <FormButtons submit="Add exception" busy={create.isPending} onCancel={onDone} />
    </form>
  );
}
