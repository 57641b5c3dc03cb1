/** The "Window and reboot" step of a new deployment: the target's windows, deadline, reboot policy, rollback and hooks. */
import {
  Checkbox,
  NumberInput,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import type { Schemas } from '../../wire';
import type { RebootPolicy } from './new-body';

/** The part of the form this step edits. */
export interface WindowDraft {
  deadline: string;
  overrideReboot: boolean;
  reboot: RebootPolicy;
  rollbackOnHalt: boolean;
  preHook: string | null;
  postHook: string | null;
}

export function WindowStep({
  draft,
  change,
  chosenGroups,
  actionOptions,
}: {
  draft: WindowDraft;
  change: (patch: Partial<WindowDraft>) => void;
  chosenGroups: Schemas['Group'][];
  actionOptions: { value: string; label: string }[];
}) {
  const { deadline, overrideReboot, reboot, rollbackOnHalt, preHook, postHook } = draft;
  return (
    <Stack mt="md">
      <Text size="sm" fw={600}>
        Maintenance windows of the target
      </Text>
      {chosenGroups.length === 0 ? (
        <Text size="sm" c="dimmed">
          Only single machines are targeted: they install at their first check-in.
        </Text>
      ) : (
        <ScrollArea type="auto">
          <Table aria-label="Maintenance windows" miw={420}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group</Table.Th>
                <Table.Th>Window</Table.Th>
                <Table.Th>Reboot policy</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {chosenGroups.map((g) => (
                <Table.Tr key={g.id}>
                  <Table.Td>{g.name}</Table.Td>
                  <Table.Td>
                    {g.maintenanceWindow
                      ? `${g.maintenanceWindow.cron} for ${g.maintenanceWindow.durationMinutes} min (${g.maintenanceWindow.timeZone})`
                      : 'any time'}
                  </Table.Td>
                  <Table.Td>{g.rebootPolicy ? g.rebootPolicy.mode : 'server default'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
      <Text size="xs" c="dimmed">
        Windows are set per group under Settings › Groups; installs wait for them.
      </Text>
      <TextInput
        type="datetime-local"
        label="Deadline (optional, your time zone)"
        description="Machines not done by then are reported missed."
        value={deadline}
        onChange={(e) => change({ deadline: e.currentTarget.value })}
        maw={320}
      />
      <Switch
        label="Override the groups' reboot policies"
        checked={overrideReboot}
        onChange={(e) => change({ overrideReboot: e.currentTarget.checked })}
      />
      {overrideReboot && (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Reboot"
            data={[
              { value: 'never', label: 'Never' },
              { value: 'if-required', label: 'If a package requires it' },
              { value: 'always', label: 'Always' },
            ]}
            value={reboot.mode}
            allowDeselect={false}
            onChange={(v) => v && change({ reboot: { ...reboot, mode: v } })}
          />
          <NumberInput
            label="Deferrals a user may take"
            min={0}
            max={100}
            value={reboot.maxDeferrals}
            onChange={(v) => change({ reboot: { ...reboot, maxDeferrals: Number(v) || 0 } })}
          />
          <Checkbox
            mt="lg"
            label="Reboot only inside the window"
            checked={reboot.onlyInWindow}
            onChange={(e) => change({ reboot: { ...reboot, onlyInWindow: e.currentTarget.checked } })}
          />
        </SimpleGrid>
      )}
      <Switch
        label="Roll back the machines of a ring that halts"
        checked={rollbackOnHalt}
        onChange={(e) => change({ rollbackOnHalt: e.currentTarget.checked })}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label="Before installing, run (optional)"
          placeholder={actionOptions.length ? 'No action' : 'No approved actions'}
          clearable
          data={actionOptions}
          value={preHook}
          onChange={(v) => change({ preHook: v })}
        />
        <Select
          label="After installing, run (optional)"
          placeholder={actionOptions.length ? 'No action' : 'No approved actions'}
          clearable
          data={actionOptions}
          value={postHook}
          onChange={(v) => change({ postHook: v })}
        />
      </SimpleGrid>
    </Stack>
  );
}
