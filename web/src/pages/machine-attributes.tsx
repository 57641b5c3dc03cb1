/** A machine's attributes (owner, role, criticality, location, tags, internet-facing): shown to all, edited by operators. */
import { Alert, Select, SimpleGrid, Switch, TagsInput, TextInput } from '@mantine/core';
import { schemaResolver, useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { z } from 'zod';
import { api } from '../api';
import { FormButtons } from '../components/forms';
import { ErrorNotice } from '../components/notices';
import { Fact } from '../components/sections';
import type { Machine } from '../wire';

const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
const optionalText = (what: string) => z.string().trim().max(200, `${what} is at most 200 characters.`);

const attributesForm = z.object({
  owner: optionalText('The owner'),
  role: z.string().trim().max(100, 'The role is at most 100 characters.'),
  location: optionalText('The location'),
  criticality: z.enum(CRITICALITIES, 'Pick a criticality.'),
  tags: z
    .array(
      z
        .string()
        .max(64, 'A tag is at most 64 characters.')
        .regex(/^[A-Za-z0-9_.:-]+$/, 'Tags use letters, digits and _ . : - only (no spaces).'),
    )
    .max(100, 'At most 100 tags.'),
  internetFacing: z.boolean(),
});
type Values = z.infer<typeof attributesForm>;

const valuesOf = (m: Machine): Values => ({
  owner: m.owner ?? '',
  role: m.role ?? '',
  location: m.location ?? '',
  criticality: m.criticality,
  tags: m.tags,
  internetFacing: m.internetFacing,
});

/** The attributes as read-only facts. */
export function AttributesView({ machine }: { machine: Machine }) {
  const rows: [string, string][] = [
    ['Owner', machine.owner ?? '—'],
    ['Role', machine.role ?? '—'],
    ['Criticality', machine.criticality],
    ['Location', machine.location ?? '—'],
    ['Tags', machine.tags.length ? machine.tags.join(', ') : '—'],
    ['Internet-facing', machine.internetFacing ? 'yes' : 'no'],
  ];
  return (
    <SimpleGrid cols={2} spacing="xs" component="dl" m={0}>
      {rows.map(([k, v]) => (
        <Fact key={k} label={k}>
          <span data-testid={`attr-${k.toLowerCase()}`}>{v}</span>
        </Fact>
      ))}
    </SimpleGrid>
  );
}

/** The attributes form for operators; saves through PATCH /machines/{id} and shows the API's refusal. */
export function AttributesForm({ machine, onDone }: { machine: Machine; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const form = useForm<Values>({
    mode: 'uncontrolled',
    initialValues: valuesOf(machine),
    validate: schemaResolver(attributesForm, { sync: true }),
  });
  const save = api.useMutation('patch', '/api/v1/machines/{id}', {
    onSuccess: async () => {
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: ['get', '/api/v1/machines/{id}'] });
      await queryClient.invalidateQueries({ queryKey: ['get', '/api/v1/machines'] });
      onDone();
    },
  });
  const submit = form.onSubmit((v) => {
    setSaved(false);
    save.mutate({
      params: { path: { id: machine.id } },
      body: {
        owner: v.owner.trim() || null,
        role: v.role.trim() || null,
        location: v.location.trim() || null,
        criticality: v.criticality,
        tags: v.tags,
        internetFacing: v.internetFacing,
      },
    });
  });
  return (
    <form onSubmit={submit} aria-label="Machine attributes">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          label="Owner"
          placeholder="team or e-mail"
          key={form.key('owner')}
          {...form.getInputProps('owner')}
        />
        <TextInput label="Role" placeholder="e.g. web" key={form.key('role')} {...form.getInputProps('role')} />
        <Select
          label="Criticality"
          data={[...CRITICALITIES]}
          allowDeselect={false}
          key={form.key('criticality')}
          {...form.getInputProps('criticality')}
        />
        <TextInput label="Location" key={form.key('location')} {...form.getInputProps('location')} />
        <TagsInput
          label="Tags"
          description="Press Enter after each tag"
          key={form.key('tags')}
          {...form.getInputProps('tags')}
        />
        <Switch
          label="Internet-facing"
          mt={{ base: 0, sm: 'xl' }}
          key={form.key('internetFacing')}
          {...form.getInputProps('internetFacing', { type: 'checkbox' })}
        />
      </SimpleGrid>
      {save.error && <ErrorNotice error={save.error} title="The attributes were not saved" />}
      {saved && !save.error && (
        <Alert color="green" mt="sm" role="status">
          Saved.
        </Alert>
      )}
      <FormButtons submit="Save attributes" busy={save.isPending} onCancel={onDone} />
    </form>
  );
}
