/**
 * Groups: static lists or rules over machine attributes, each with its maintenance window, reboot
 * policy and deadlines. Editing a group shows the members it has now (the server evaluates rules);
 * after saving a changed rule the list shows the new members.
 */
import {
  Badge,
  Button,
  Checkbox,
  Divider,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  ScrollArea,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { api } from '../../api';
import { EmptyState, ErrorNotice, Loading } from '../../components/notices';
import { useCan } from '../../session';
import type { Schemas } from '../../wire';
import { refresh } from './refresh';

type GroupWire = Schemas['Group'];
type Reboot = Schemas['RebootPolicy'];
const SEVERITIES = ['critical', 'important', 'moderate', 'low'] as const;

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
          <Table striped miw={820} aria-label="Groups">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Members</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Maintenance window</Table.Th>
                <Table.Th>Reboot</Table.Th>
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
                  <Table.Td>{g.rebootPolicy?.mode ?? 'default'}</Table.Td>
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

function GroupForm({
  group,
  machines,
  names,
  onClose,
}: {
  group: GroupWire | null;
  machines: string[];
  names: Map<string, string>;
  onClose: () => void;
}) {
  const create = api.useMutation('post', '/api/v1/groups');
  const update = api.useMutation('patch', '/api/v1/groups/{id}');
  // The members now, as the server evaluates the saved rule; refetched after each save.
  const current = api.useQuery(
    'get',
    '/api/v1/groups/{id}',
    { params: { path: { id: group?.id ?? '' } } },
    { enabled: group !== null },
  );
  const [name, setName] = useState(group?.name ?? '');
  const [description, setDescription] = useState(group?.description ?? '');
  const [kind, setKind] = useState<'static' | 'rule'>(group?.kind ?? 'static');
  const [rule, setRule] = useState(group?.rule ?? '');
  const [members, setMembers] = useState<string[]>((group?.members ?? []).map((id) => names.get(id) ?? id));
  const [owner, setOwner] = useState(group?.owner ?? '');
  const [hasWindow, setHasWindow] = useState(Boolean(group?.maintenanceWindow));
  const [cron, setCron] = useState(group?.maintenanceWindow?.cron ?? '0 22 * * 0');
  const [duration, setDuration] = useState<number>(group?.maintenanceWindow?.durationMinutes ?? 120);
  const [timeZone, setTimeZone] = useState(
    group?.maintenanceWindow?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
  );
  const [hasReboot, setHasReboot] = useState(Boolean(group?.rebootPolicy));
  const [reboot, setReboot] = useState<Reboot>(
    group?.rebootPolicy ?? { mode: 'if-required', onlyInWindow: true, maxDeferrals: 3 },
  );
  const [deadlines, setDeadlines] = useState<Record<string, string>>(
    Object.fromEntries(SEVERITIES.map((s) => [s, group?.deadlinePolicy?.tested?.[s] ?? ''])),
  );
  const [dueSoon, setDueSoon] = useState(group?.deadlinePolicy?.dueSoon ?? '');
  const [saved, setSaved] = useState(false);

  const tested = Object.fromEntries(
    SEVERITIES.filter((s) => deadlines[s]?.trim()).map((s) => [s, deadlines[s]!.trim()]),
  );
  const deadlinePolicy =
    Object.keys(tested).length || dueSoon.trim()
      ? { ...(Object.keys(tested).length ? { tested } : {}), ...(dueSoon.trim() ? { dueSoon: dueSoon.trim() } : {}) }
      : null;
  const maintenanceWindow = hasWindow
    ? { cron: cron.trim(), durationMinutes: duration, timeZone: timeZone.trim() }
    : null;
  const error = create.error ?? update.error;

  async function save() {
    try {
      if (group) {
        await update.mutateAsync({
          params: { path: { id: group.id } },
          body: {
            name: name.trim(),
            description: description.trim() || null,
            ...(group.kind === 'rule' ? { rule: rule.trim() } : { members }),
            owner: owner.trim() || null,
            maintenanceWindow,
            rebootPolicy: hasReboot ? reboot : null,
            deadlinePolicy,
          },
        });
        await Promise.all([refresh('/api/v1/groups'), current.refetch()]);
        setSaved(true);
      } else {
        await create.mutateAsync({
          body: {
            name: name.trim(),
            kind,
            ...(description.trim() ? { description: description.trim() } : {}),
            ...(kind === 'rule' ? { rule: rule.trim() } : { members }),
            ...(owner.trim() ? { owner: owner.trim() } : {}),
            ...(maintenanceWindow ? { maintenanceWindow } : {}),
            ...(hasReboot ? { rebootPolicy: reboot } : {}),
            ...(deadlinePolicy ? { deadlinePolicy } : {}),
          },
        });
        await refresh('/api/v1/groups');
        onClose();
      }
    } catch {
      // shown from the mutation's error
    }
  }

  const nowMembers = current.data?.members.map((id) => names.get(id) ?? id);
  return (
    <Modal opened onClose={onClose} title={group ? `Edit group ${group.name}` : 'Create group'} size="lg" centered>
      <Stack>
        <TextInput label="Group name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        {!group && (
          <SegmentedControl
            aria-label="Kind of group"
            data={[
              { value: 'static', label: 'Listed machines' },
              { value: 'rule', label: 'A rule' },
            ]}
            value={kind}
            onChange={(v) => setKind(v)}
          />
        )}
        {kind === 'rule' ? (
          <Textarea
            label="Rule"
            description="Machine attributes, e.g. role = web and internet_facing"
            value={rule}
            onChange={(e) => {
              setRule(e.currentTarget.value);
              setSaved(false);
            }}
            autosize
            minRows={2}
          />
        ) : (
          <MultiSelect label="Members" searchable data={machines} value={members} onChange={setMembers} limit={100} />
        )}
        {group && (
          <Text size="sm" aria-live="polite">
            <b>Members now ({nowMembers?.length ?? '…'}):</b> {nowMembers?.slice(0, 50).join(', ') || 'none'}
            {(nowMembers?.length ?? 0) > 50 ? ', …' : ''}
            {kind === 'rule' && !saved && rule.trim() !== (group.rule ?? '') && (
              <Text span c="dimmed">
                {' '}
                — save to see who the changed rule takes.
              </Text>
            )}
          </Text>
        )}
        <TextInput
          label="Owner"
          description="Who answers for the group; an e-mail address receives its digest."
          value={owner}
          onChange={(e) => setOwner(e.currentTarget.value)}
        />
        <Divider label="Maintenance window" labelPosition="left" />
        <Switch
          label="Install only inside a window"
          checked={hasWindow}
          onChange={(e) => setHasWindow(e.currentTarget.checked)}
        />
        {hasWindow && (
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label="Starts (cron)" value={cron} onChange={(e) => setCron(e.currentTarget.value)} />
            <NumberInput
              label="Length (minutes)"
              min={1}
              max={7 * 24 * 60}
              value={duration}
              onChange={(v) => setDuration(Number(v) || 1)}
            />
            <TextInput label="Time zone" value={timeZone} onChange={(e) => setTimeZone(e.currentTarget.value)} />
          </SimpleGrid>
        )}
        <Divider label="Reboot policy" labelPosition="left" />
        <Switch
          label="Own reboot policy (otherwise the server default)"
          checked={hasReboot}
          onChange={(e) => setHasReboot(e.currentTarget.checked)}
        />
        {hasReboot && (
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label="Reboot"
              data={['never', 'if-required', 'always']}
              value={reboot.mode}
              allowDeselect={false}
              onChange={(v) => v && setReboot({ ...reboot, mode: v })}
            />
            <NumberInput
              label="Deferrals"
              min={0}
              max={100}
              value={reboot.maxDeferrals}
              onChange={(v) => setReboot({ ...reboot, maxDeferrals: Number(v) || 0 })}
            />
            <Checkbox
              mt="lg"
              label="Only in the window"
              checked={reboot.onlyInWindow}
              onChange={(e) => setReboot({ ...reboot, onlyInWindow: e.currentTarget.checked })}
            />
          </SimpleGrid>
        )}
        <Divider label="Deadlines (ISO 8601 durations, e.g. P14D; empty: server default)" labelPosition="left" />
        <SimpleGrid cols={{ base: 2, sm: 5 }}>
          {SEVERITIES.map((s) => (
            <TextInput
              key={s}
              label={s}
              value={deadlines[s]}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setDeadlines((d) => ({ ...d, [s]: v }));
              }}
            />
          ))}
          <TextInput label="Due soon" value={dueSoon} onChange={(e) => setDueSoon(e.currentTarget.value)} />
        </SimpleGrid>
        {error && <ErrorNotice error={error} title="The group was not saved" />}
        {saved && !error && (
          <Badge color="green" variant="light">
            Saved
          </Badge>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button loading={create.isPending || update.isPending} disabled={!name.trim()} onClick={() => void save()}>
            {group ? 'Save group' : 'Create group'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
