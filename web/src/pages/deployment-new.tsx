/**
 * A new deployment, step by step: the fixes, the target, the rings, the window and reboot policy,
 * then a review of exactly what is sent. The server plans machine by machine when it creates the
 * deployment (the API has no dry run); the plan is shown on the deployment's page right after.
 */
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Code,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Radio,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Stepper,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { useCan } from '../session';
import type { Schemas } from '../wire';

type Create = Schemas['DeploymentCreate'];
type RebootPolicy = Schemas['RebootPolicy'];
type MembersKind = 'percent' | 'explicit' | 'strategy';
type Strategy = 'least-critical-first' | 'one-per-role' | 'volunteers';

interface RingDraft {
  name: string;
  kind: MembersKind;
  percent: number;
  machines: string[];
  strategy: Strategy;
  count: number | '';
  soakHours: number;
  minSuccessPercent: number;
  maxFailures: number;
}

const ring = (name: string, percent: number, soakHours: number): RingDraft => ({
  name,
  kind: 'percent',
  percent,
  machines: [],
  strategy: 'least-critical-first',
  count: '',
  soakHours,
  minSuccessPercent: 100,
  maxFailures: 0,
});

/** The request body exactly as the form describes it. */
function toBody(d: {
  name: string;
  allFixes: boolean;
  bulletins: string[];
  groups: string[];
  machines: string[];
  rings: RingDraft[];
  deadline: string;
  overrideReboot: boolean;
  reboot: RebootPolicy;
  rollbackOnHalt: boolean;
  preHook: string | null;
  postHook: string | null;
}): Create {
  return {
    name: d.name.trim(),
    target: { groups: d.groups, machines: d.machines },
    ...(d.allFixes ? {} : { bulletins: d.bulletins }),
    rings: d.rings.map((r) => ({
      name: r.name.trim(),
      members:
        r.kind === 'percent'
          ? { kind: 'percent', percent: r.percent }
          : r.kind === 'explicit'
            ? { kind: 'explicit', machines: r.machines }
            : { kind: 'strategy', strategy: r.strategy, ...(r.count === '' ? {} : { count: r.count }) },
      soakSeconds: Math.round(r.soakHours * 3600),
      gate: { minSuccessRatio: r.minSuccessPercent / 100, maxFailures: r.maxFailures },
    })),
    deadline: d.deadline ? new Date(d.deadline).toISOString() : null,
    rebootPolicy: d.overrideReboot ? d.reboot : null,
    rollbackOnHalt: d.rollbackOnHalt,
    preHook: d.preHook,
    postHook: d.postHook,
  };
}

export default function NewDeploymentPage() {
  const canCreate = useCan('operator');
  const phone = useMediaQuery('(max-width: 48em)');
  const navigate = useNavigate();
  const [step, setStep] = useState(0);
  const [name, setName] = useState('');
  const [allFixes, setAllFixes] = useState(false);
  const [bulletins, setBulletins] = useState<string[]>([]);
  const [groups, setGroups] = useState<string[]>([]);
  const [machines, setMachines] = useState<string[]>([]);
  const [rings, setRings] = useState<RingDraft[]>([ring('pilot', 10, 1), ring('broad', 100, 0)]);
  const [deadline, setDeadline] = useState('');
  const [overrideReboot, setOverrideReboot] = useState(false);
  const [reboot, setReboot] = useState<RebootPolicy>({ mode: 'if-required', onlyInWindow: true, maxDeferrals: 3 });
  const [rollbackOnHalt, setRollbackOnHalt] = useState(true);
  const [preHook, setPreHook] = useState<string | null>(null);
  const [postHook, setPostHook] = useState<string | null>(null);

  const approved = api.useQuery('get', '/api/v1/triage', { params: { query: { state: 'approved', limit: 1000 } } });
  const groupList = api.useQuery('get', '/api/v1/groups', {});
  const machineList = api.useQuery('get', '/api/v1/machines', { params: { query: { limit: 1000 } } });
  const actions = api.useQuery('get', '/api/v1/actions', {});
  const create = api.useMutation('post', '/api/v1/deployments');

  /** Approved fixes, each with the groups it is approved for. */
  const fixes = useMemo(() => {
    const by = new Map<string, string[]>();
    for (const d of approved.data?.items ?? []) by.set(d.bulletinId, [...(by.get(d.bulletinId) ?? []), d.group]);
    return [...by].map(([id, gs]) => ({ id, groups: gs.sort() })).sort((a, b) => a.id.localeCompare(b.id));
  }, [approved.data]);
  const machineName = useMemo(
    () => new Map((machineList.data?.items ?? []).map((m) => [m.id, m.name])),
    [machineList.data],
  );
  const chosenGroups = (groupList.data?.items ?? []).filter((g) => groups.includes(g.name));
  /** The target's machine ids: members of the chosen groups and the machines named. */
  const targetIds = useMemo(() => {
    const ids = new Set(chosenGroups.flatMap((g) => g.members));
    for (const m of machineList.data?.items ?? []) if (machines.includes(m.name)) ids.add(m.id);
    return [...ids];
  }, [chosenGroups, machines, machineList.data]);
  const notApprovedForTarget = allFixes
    ? []
    : bulletins.filter((b) => !fixes.find((f) => f.id === b)?.groups.some((g) => groups.includes(g)));

  const body = toBody({
    name,
    allFixes,
    bulletins,
    groups,
    machines,
    rings,
    deadline,
    overrideReboot,
    reboot,
    rollbackOnHalt,
    preHook,
    postHook,
  });
  const problems: (string | null)[] = [
    allFixes || bulletins.length > 0 ? null : 'Pick at least one fix, or deploy every approved fix the target misses.',
    groups.length + machines.length > 0 ? null : 'Name at least one group or machine.',
    rings.every((r) => r.name.trim()) && new Set(rings.map((r) => r.name.trim())).size === rings.length
      ? rings.every((r) => r.kind !== 'explicit' || r.machines.length > 0)
        ? null
        : 'A ring of listed machines needs at least one machine.'
      : 'Every ring needs its own name.',
    null,
    name.trim() ? null : 'Give the deployment a name.',
  ];
  const problem = problems[step] ?? null;

  if (!canCreate)
    return (
      <EmptyState title="Operators start deployments">
        Your role can follow deployments but not start them. <Link to="/deployments">Back to deployments</Link>
      </EmptyState>
    );
  const loading = approved.isPending || groupList.isPending || machineList.isPending;
  const loadError = approved.error ?? groupList.error ?? machineList.error;

  const setRing = (i: number, patch: Partial<RingDraft>) =>
    setRings((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const targetOptions = targetIds.map((id) => ({ value: id, label: machineName.get(id) ?? id }));
  const actionOptions = (actions.data?.items ?? [])
    .filter((a) => a.status === 'active')
    .map((a) => ({ value: a.name, label: a.description ? `${a.name} — ${a.description}` : a.name }));

  async function submit() {
    try {
      const created = await create.mutateAsync({ body });
      void navigate(`/deployments/${encodeURIComponent(created.id)}`, {
        state: { skipped: created.skippedBulletins ?? [] },
      });
    } catch {
      // shown below from create.error
    }
  }

  return (
    <Stack>
      <Title order={1} size="h2">
        New deployment
      </Title>
      {loadError ? (
        <ErrorNotice error={loadError} title="What a deployment needs could not be loaded" />
      ) : loading ? (
        <Loading what="approved fixes, groups and machines" />
      ) : (
        <>
          <Stepper
            active={step}
            onStepClick={(s) => s < step && setStep(s)}
            orientation={phone ? 'vertical' : 'horizontal'}
            size="sm"
          >
            <Stepper.Step label="Fixes" description="What to install">
              <Stack mt="md">
                <Radio.Group
                  label="Which fixes"
                  value={allFixes ? 'all' : 'some'}
                  onChange={(v) => setAllFixes(v === 'all')}
                >
                  <Stack gap="xs" mt="xs">
                    <Radio value="some" label="The fixes I pick" />
                    <Radio value="all" label="Every approved fix each machine of the target misses" />
                  </Stack>
                </Radio.Group>
                {!allFixes &&
                  (fixes.length === 0 ? (
                    <EmptyState title="No approved fixes">
                      Approve bulletins for a group in Triage first; only approved fixes can be deployed.
                    </EmptyState>
                  ) : (
                    <MultiSelect
                      label="Approved fixes"
                      description="Each fix shows the groups it is approved for."
                      placeholder="Search bulletins"
                      searchable
                      data={fixes.map((f) => ({ value: f.id, label: `${f.id} (${f.groups.join(', ')})` }))}
                      value={bulletins}
                      onChange={setBulletins}
                      maxDropdownHeight={260}
                    />
                  ))}
              </Stack>
            </Stepper.Step>
            <Stepper.Step label="Target" description="Groups and machines">
              <Stack mt="md">
                <MultiSelect
                  label="Groups"
                  placeholder="Pick groups"
                  searchable
                  data={(groupList.data?.items ?? []).map((g) => ({
                    value: g.name,
                    label: `${g.name} (${g.members.length} machines)`,
                  }))}
                  value={groups}
                  onChange={setGroups}
                />
                <MultiSelect
                  label="Machines"
                  description="Single machines beside the groups."
                  placeholder="Pick machines"
                  searchable
                  limit={100}
                  data={(machineList.data?.items ?? []).map((m) => m.name)}
                  value={machines}
                  onChange={setMachines}
                />
                <Text size="sm" aria-live="polite">
                  Target: {targetIds.length} machine{targetIds.length === 1 ? '' : 's'}.
                </Text>
                {notApprovedForTarget.length > 0 && (
                  <Alert color="yellow" title="Not approved for these groups">
                    {notApprovedForTarget.join(', ')} {notApprovedForTarget.length === 1 ? 'is' : 'are'} approved for
                    none of the chosen groups; the server refuses fixes not approved for a machine of the target.
                  </Alert>
                )}
              </Stack>
            </Stepper.Step>
            <Stepper.Step label="Rings" description="Who goes first">
              <Stack mt="md">
                <Text size="sm" c="dimmed">
                  Rings run in order. A ring starts when the one before passed its gate and stayed healthy for its soak
                  time. Percentages are of the whole target; a machine is in the first ring that takes it.
                </Text>
                {rings.map((r, i) => (
                  <Paper key={i} withBorder p="sm">
                    <Stack gap="xs">
                      <Group justify="space-between">
                        <Text fw={600}>Ring {i + 1}</Text>
                        {rings.length > 1 && (
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label={`Remove ring ${i + 1}`}
                            onClick={() => setRings((rs) => rs.filter((_, j) => j !== i))}
                          >
                            ✕
                          </ActionIcon>
                        )}
                      </Group>
                      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
                        <TextInput
                          label="Ring name"
                          value={r.name}
                          maxLength={64}
                          onChange={(e) => setRing(i, { name: e.currentTarget.value })}
                        />
                        <Select
                          label="Members"
                          data={[
                            { value: 'percent', label: 'A share of the target' },
                            { value: 'explicit', label: 'Listed machines' },
                            { value: 'strategy', label: 'A strategy' },
                          ]}
                          value={r.kind}
                          allowDeselect={false}
                          onChange={(v) => v && setRing(i, { kind: v })}
                        />
                        {r.kind === 'percent' && (
                          <NumberInput
                            label="Share of the target (%)"
                            min={0}
                            max={100}
                            value={r.percent}
                            onChange={(v) => setRing(i, { percent: Number(v) || 0 })}
                          />
                        )}
                        {r.kind === 'strategy' && (
                          <>
                            <Select
                              label="Strategy"
                              data={['least-critical-first', 'one-per-role', 'volunteers']}
                              value={r.strategy}
                              allowDeselect={false}
                              onChange={(v) => v && setRing(i, { strategy: v })}
                            />
                            <NumberInput
                              label="How many machines (optional)"
                              min={1}
                              value={r.count}
                              onChange={(v) => setRing(i, { count: v === '' ? '' : Number(v) })}
                            />
                          </>
                        )}
                      </SimpleGrid>
                      {r.kind === 'explicit' && (
                        <MultiSelect
                          label="Machines of this ring"
                          description="From the target."
                          searchable
                          data={targetOptions}
                          value={r.machines}
                          onChange={(v) => setRing(i, { machines: v })}
                        />
                      )}
                      <SimpleGrid cols={{ base: 1, sm: 3 }}>
                        <NumberInput
                          label="Soak time (hours)"
                          min={0}
                          max={90 * 24}
                          decimalScale={2}
                          value={r.soakHours}
                          onChange={(v) => setRing(i, { soakHours: Number(v) || 0 })}
                        />
                        <NumberInput
                          label="Gate: at least succeeded (%)"
                          min={0}
                          max={100}
                          value={r.minSuccessPercent}
                          onChange={(v) => setRing(i, { minSuccessPercent: Number(v) || 0 })}
                        />
                        <NumberInput
                          label="Gate: halt after more failures than"
                          min={0}
                          value={r.maxFailures}
                          onChange={(v) => setRing(i, { maxFailures: Number(v) || 0 })}
                        />
                      </SimpleGrid>
                    </Stack>
                  </Paper>
                ))}
                {rings.length < 20 && (
                  <Button
                    variant="default"
                    w="fit-content"
                    onClick={() => setRings((rs) => [...rs, ring(`ring${rs.length + 1}`, 100, 0)])}
                  >
                    Add a ring
                  </Button>
                )}
              </Stack>
            </Stepper.Step>
            <Stepper.Step label="Window and reboot" description="When and how">
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
                  onChange={(e) => setDeadline(e.currentTarget.value)}
                  maw={320}
                />
                <Switch
                  label="Override the groups' reboot policies"
                  checked={overrideReboot}
                  onChange={(e) => setOverrideReboot(e.currentTarget.checked)}
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
                      onChange={(v) => v && setReboot({ ...reboot, mode: v })}
                    />
                    <NumberInput
                      label="Deferrals a user may take"
                      min={0}
                      max={100}
                      value={reboot.maxDeferrals}
                      onChange={(v) => setReboot({ ...reboot, maxDeferrals: Number(v) || 0 })}
                    />
                    <Checkbox
                      mt="lg"
                      label="Reboot only inside the window"
                      checked={reboot.onlyInWindow}
                      onChange={(e) => setReboot({ ...reboot, onlyInWindow: e.currentTarget.checked })}
                    />
                  </SimpleGrid>
                )}
                <Switch
                  label="Roll back the machines of a ring that halts"
                  checked={rollbackOnHalt}
                  onChange={(e) => setRollbackOnHalt(e.currentTarget.checked)}
                />
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <Select
                    label="Before installing, run (optional)"
                    placeholder={actionOptions.length ? 'No action' : 'No approved actions'}
                    clearable
                    data={actionOptions}
                    value={preHook}
                    onChange={setPreHook}
                  />
                  <Select
                    label="After installing, run (optional)"
                    placeholder={actionOptions.length ? 'No action' : 'No approved actions'}
                    clearable
                    data={actionOptions}
                    value={postHook}
                    onChange={setPostHook}
                  />
                </SimpleGrid>
              </Stack>
            </Stepper.Step>
            <Stepper.Step label="Review" description="Check and start">
              <Stack mt="md">
                <TextInput
                  label="Deployment name"
                  required
                  maxLength={200}
                  value={name}
                  onChange={(e) => setName(e.currentTarget.value)}
                  maw={420}
                />
                <Review body={body} targetCount={targetIds.length} machineName={machineName} />
                <Alert color="blue" title="The plan per machine">
                  The server works out each machine&apos;s packages when the deployment is created, and it starts at
                  once: the next page shows the plan machine by machine, and anything it left out. Pause it there if the
                  plan is not what you expect.
                </Alert>
                <details>
                  <summary>
                    <Text span size="sm">
                      The request as sent
                    </Text>
                  </summary>
                  <Code block>{JSON.stringify(body, null, 2)}</Code>
                </details>
                {create.error && <ErrorNotice error={create.error} title="The deployment was not created" />}
              </Stack>
            </Stepper.Step>
          </Stepper>
          {problem && step < 4 && (
            <Text size="sm" c="red.9" role="status">
              {problem}
            </Text>
          )}
          <Group justify="space-between">
            <Button variant="default" disabled={step === 0} onClick={() => setStep((s) => s - 1)}>
              Back
            </Button>
            {step < 4 ? (
              <Button disabled={problem !== null} onClick={() => setStep((s) => s + 1)}>
                Next
              </Button>
            ) : (
              <Button disabled={problem !== null} loading={create.isPending} onClick={() => void submit()}>
                Start deployment
              </Button>
            )}
          </Group>
        </>
      )}
    </Stack>
  );
}

function Review({
  body,
  targetCount,
  machineName,
}: {
  body: Create;
  targetCount: number;
  machineName: Map<string, string>;
}) {
  const rows: [string, string][] = [
    ['Fixes', body.bulletins ? body.bulletins.join(', ') : 'every approved fix each machine misses'],
    [
      'Target',
      [
        body.target.groups?.length ? `groups ${body.target.groups.join(', ')}` : '',
        body.target.machines?.length ? `machines ${body.target.machines.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ') + ` — ${targetCount} machines`,
    ],
    ...body.rings.map((r, i): [string, string] => [
      `Ring ${i + 1}: ${r.name}`,
      `${
        r.members.kind === 'percent'
          ? `${r.members.percent} % of the target`
          : r.members.kind === 'explicit'
            ? r.members.machines.map((m) => machineName.get(m) ?? m).join(', ')
            : `${r.members.strategy}${r.members.count ? ` (${r.members.count})` : ''}`
      }; soak ${(r.soakSeconds ?? 0) / 3600} h; gate ≥ ${Math.round((r.gate?.minSuccessRatio ?? 1) * 100)} % succeeded, halt after ${r.gate?.maxFailures ?? 0} failures`,
    ]),
    ['Deadline', body.deadline ? new Date(body.deadline).toLocaleString() : 'none'],
    [
      'Reboot',
      body.rebootPolicy
        ? `${body.rebootPolicy.mode}${body.rebootPolicy.onlyInWindow ? ', only in the window' : ''}, ${body.rebootPolicy.maxDeferrals} deferrals`
        : "each group's policy",
    ],
    ['On a halted ring', body.rollbackOnHalt ? 'roll its machines back' : 'leave them as they are'],
    [
      'Hooks',
      [body.preHook && `before: ${body.preHook}`, body.postHook && `after: ${body.postHook}`]
        .filter(Boolean)
        .join(', ') || 'none',
    ],
  ];
  return (
    <Table aria-label="Review" variant="vertical" layout="fixed" withTableBorder>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={{ base: 110, sm: 180 }}>{k}</Table.Th>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
