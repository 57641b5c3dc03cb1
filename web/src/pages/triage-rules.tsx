/** Approval rules: what decides routine bulletins by itself. Viewers read; admins add, disable and propose changes. */
import {
  Badge,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { schemaResolver, useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { z } from 'zod';
import { api } from '../api';
import { WHOLE } from '../components/badges';
import { isChangeRequest, PendingChanges, ProposedChange, type ChangeRequest } from '../components/change-notice';
import { FormButtons } from '../components/forms';
import { EmptyState, ErrorNotice } from '../components/notices';
import { QueryView } from '../components/query-view';
import { SimpleTable } from '../components/simple-table';
import { useCan } from '../session';
import type { ApprovalRule } from '../wire';

const SEVERITIES = ['critical', 'important', 'moderate', 'low', 'unknown'] as const;
const DECISIONS = ['approve', 'ignore', 'decline'] as const;

export function ApprovalRules() {
  const isAdmin = useCan('admin');
  const queryClient = useQueryClient();
  const rules = api.useQuery('get', '/api/v1/approval-rules', {});
  const groups = api.useQuery('get', '/api/v1/groups', {});
  const [adding, setAdding] = useState(false);
  const [proposed, setProposed] = useState<ChangeRequest | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['get'] });
  const change = api.useMutation('patch', '/api/v1/approval-rules/{id}', {
    onSuccess: async (r) => {
      setProposed(isChangeRequest(r) ? r : null);
      await refresh();
    },
  });
  const remove = api.useMutation('delete', '/api/v1/approval-rules/{id}', {
    onSuccess: async (r) => {
      setProposed(r);
      await refresh();
    },
  });
  const groupName = new Map((groups.data?.items ?? []).map((g) => [g.id, g.name]));

  return (
    <Stack>
      {isAdmin && !adding && (
        <Group>
          <Button onClick={() => setAdding(true)}>Add approval rule</Button>
        </Group>
      )}
      {isAdmin && adding && <RuleForm onDone={() => setAdding(false)} groups={groups.data?.items ?? []} />}
      {proposed && <ProposedChange change={proposed} />}
      {(change.error ?? remove.error) && (
        <ErrorNotice error={change.error ?? remove.error} title="The rule was not changed" />
      )}
      {isAdmin && <PendingChanges kinds={['approval-rule.update', 'approval-rule.delete']} />}
      <QueryView
        query={rules}
        what="approval rules"
        empty={
          <EmptyState title="No approval rules">
            {isAdmin
              ? 'Add a rule to approve routine bulletins by themselves, e.g. every low-severity fix in the lab group.'
              : 'An admin can add rules that approve routine bulletins by themselves.'}
          </EmptyState>
        }
      >
        {(d) => (
          <SimpleTable
            label="Approval rules"
            minWidth={760}
            rows={d.items}
            rowKey={(r) => r.id}
            columns={[
              { header: 'Priority', cell: (r) => r.priority },
              { header: 'Name', cell: (r) => r.name },
              {
                header: 'Group',
                cell: (r) => (r.groupId ? (groupName.get(r.groupId) ?? r.groupId) : 'every group'),
              },
              { header: 'Matches', cell: (r) => <Text size="sm">{matchText(r)}</Text> },
              {
                header: 'Decision',
                cell: (r) =>
                  `${r.decision}${r.emergency ? ' (emergency)' : ''}${r.after ? `, ${r.after.days} days after ${groupName.get(r.after.groupId) ?? r.after.groupId}` : ''}`,
              },
              {
                header: 'State',
                cell: (r) => (
                  <Badge variant="light" color={r.enabled ? 'green' : 'gray'} style={WHOLE}>
                    {r.enabled ? 'enabled' : 'disabled'}
                  </Badge>
                ),
              },
              isAdmin && {
                header: 'Actions',
                cell: (r) => (
                  <Group gap={4} wrap="nowrap">
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => change.mutate({ params: { path: { id: r.id } }, body: { enabled: !r.enabled } })}
                    >
                      {r.enabled ? 'Disable' : 'Enable…'}
                    </Button>
                    <Button
                      size="xs"
                      variant="default"
                      color="red"
                      onClick={() => remove.mutate({ params: { path: { id: r.id } } })}
                    >
                      Delete…
                    </Button>
                  </Group>
                ),
              },
            ]}
          />
        )}
      </QueryView>
      {isAdmin && (
        <Text size="xs" c="dimmed">
          Disabling a rule is immediate; enabling or deleting one waits for a second admin.
        </Text>
      )}
    </Stack>
  );
}

function matchText(r: ApprovalRule): string {
  const parts = [
    r.match.severities?.length ? `severity ${r.match.severities.join('/')}` : '',
    r.match.sources?.length ? `source ${r.match.sources.join(', ')}` : '',
    r.match.products?.length ? `product ${r.match.products.join(', ')}` : '',
    r.match.packages?.length ? `package ${r.match.packages.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'every bulletin';
}

const ruleForm = z.object({
  name: z.string().trim().min(1, 'Give the rule a name.').max(100, 'At most 100 characters.'),
  priority: z
    .number('Give a number.')
    .int('A whole number.')
    .min(0, 'At least 0.')
    .max(1_000_000, 'At most 1,000,000.'),
  group: z.string().nullable(),
  severities: z.array(z.enum(SEVERITIES)),
  packages: z.array(z.string().trim().min(1).max(200, 'A package name is at most 200 characters.')).max(1000),
  decision: z.enum(DECISIONS, 'Pick a decision.'),
  reason: z.string().max(2000, 'At most 2000 characters.'),
  emergency: z.boolean(),
});
type RuleValues = z.infer<typeof ruleForm>;

function RuleForm({ onDone, groups }: { onDone: () => void; groups: { id: string; name: string }[] }) {
  const queryClient = useQueryClient();
  const form = useForm<RuleValues>({
    mode: 'uncontrolled',
    initialValues: {
      name: '',
      priority: 100,
      group: null,
      severities: [],
      packages: [],
      decision: 'approve',
      reason: '',
      emergency: false,
    },
    validate: schemaResolver(ruleForm, { sync: true }),
  });
  const create = api.useMutation('post', '/api/v1/approval-rules', {
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['get', '/api/v1/approval-rules'] });
      onDone();
    },
  });
  const submit = form.onSubmit((v) =>
    create.mutate({
      body: {
        name: v.name.trim(),
        priority: v.priority,
        group: v.group,
        match: {
          ...(v.severities.length ? { severities: v.severities } : {}),
          ...(v.packages.length ? { packages: v.packages } : {}),
        },
        decision: v.decision,
        ...(v.reason.trim() ? { reason: v.reason.trim() } : {}),
        emergency: v.emergency,
      },
    }),
  );
  return (
    <form onSubmit={submit} aria-label="New approval rule">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label="Name" withAsterisk key={form.key('name')} {...form.getInputProps('name')} />
        <NumberInput
          label="Priority"
          description="Lower is tried first"
          key={form.key('priority')}
          {...form.getInputProps('priority')}
        />
        <Select
          label="Group"
          placeholder="Every group"
          clearable
          data={groups.map((g) => ({ value: g.id, label: g.name }))}
          key={form.key('group')}
          {...form.getInputProps('group')}
        />
        <Select
          label="Decision"
          data={[...DECISIONS]}
          allowDeselect={false}
          key={form.key('decision')}
          {...form.getInputProps('decision')}
        />
        <MultiSelect
          label="Severities"
          placeholder="Any severity"
          data={[...SEVERITIES]}
          key={form.key('severities')}
          {...form.getInputProps('severities')}
        />
        <TagsInput
          label="Packages"
          placeholder="Any package"
          key={form.key('packages')}
          {...form.getInputProps('packages')}
        />
        <TextInput label="Reason" key={form.key('reason')} {...form.getInputProps('reason')} />
        <Checkbox
          label="Emergency (untested) approval"
          mt={{ base: 0, sm: 'xl' }}
          key={form.key('emergency')}
          {...form.getInputProps('emergency', { type: 'checkbox' })}
        />
      </SimpleGrid>
      {create.error && <ErrorNotice error={create.error} title="The rule was not added" />}
      <FormButtons submit="Add rule" busy={create.isPending} onCancel={onDone} />
    </form>
  );
}
