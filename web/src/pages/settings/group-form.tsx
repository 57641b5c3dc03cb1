/**
 * Creating or editing a group. A rule is tried while it is typed (RulePreview: the server's dry
 * run); editing also shows the members the saved group has now.
 */
import {
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { ErrorNotice } from '../../components/notices';
import type { Schemas } from '../../wire';
import {
  deadlineDraftOf,
  DeadlineFields,
  deadlinePolicyOf,
  RebootFields,
  WindowFields,
  type Reboot,
  type Window,
} from './group-fields';
import { RulePreview } from './group-preview';
import { refresh } from './refresh';

type GroupWire = Schemas['Group'];

export function GroupForm({
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
  const [window, setWindow] = useState<Window | null>(group?.maintenanceWindow ?? null);
  const [reboot, setReboot] = useState<Reboot | null>(group?.rebootPolicy ?? null);
  const [deadlines, setDeadlines] = useState(deadlineDraftOf(group?.deadlinePolicy));
  const [saved, setSaved] = useState(false);

  const deadlinePolicy = deadlinePolicyOf(deadlines, group?.deadlinePolicy);
  const maintenanceWindow = window
    ? { cron: window.cron.trim(), durationMinutes: window.durationMinutes, timeZone: window.timeZone.trim() }
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
            rebootPolicy: reboot,
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
            ...(reboot ? { rebootPolicy: reboot } : {}),
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
  const ruleChanged = kind === 'rule' && rule.trim() !== (group?.rule ?? '');
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
        {kind === 'rule' && (!group || ruleChanged) && <RulePreview rule={rule} />}
        {group && (
          <Text size="sm" aria-live="polite">
            <b>Members now ({nowMembers?.length ?? '…'}):</b> {nowMembers?.slice(0, 50).join(', ') || 'none'}
            {(nowMembers?.length ?? 0) > 50 ? ', …' : ''}
            {ruleChanged && !saved && (
              <Text span c="dimmed">
                {' '}
                — the changed rule applies when saved.
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
        <WindowFields window={window} onChange={setWindow} />
        <RebootFields reboot={reboot} onChange={setReboot} />
        <DeadlineFields draft={deadlines} onChange={setDeadlines} />
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
