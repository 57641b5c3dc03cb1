/**
 * A new deployment, step by step: the fixes, the target, the rings, the window and reboot policy,
 * then a review of the exact plan machine by machine — the server's dry run of this very request —
 * before it is started. The steps' forms live in ./deployments/new-*.tsx.
 */
import { Alert, Button, Code, Group, MultiSelect, Radio, Stack, Stepper, Text, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { useCan } from '../session';
import { ring, toBody, type RingDraft } from './deployments/new-body';
import { PlanView, usePlan } from './deployments/new-plan';
import { RingsStep } from './deployments/new-rings';
import { Review } from './deployments/new-summary';
import { WindowStep, type WindowDraft } from './deployments/new-window';

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
  const [when, setWhen] = useState<WindowDraft>({
    deadline: '',
    overrideReboot: false,
    reboot: { mode: 'if-required', onlyInWindow: true, maxDeferrals: 3 },
    rollbackOnHalt: true,
    preHook: null,
    postHook: null,
  });

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

  const body = toBody({ name, allFixes, bulletins, groups, machines, rings, ...when });
  const plan = usePlan(body, canCreate && step === 4);
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

  const targetOptions = targetIds.map((id) => ({ value: id, label: machineName.get(id) ?? id }));
  const actionOptions = (actions.data?.items ?? [])
    .filter((a) => a.status === 'active')
    .map((a) => ({ value: a.name, label: a.description ? `${a.name} — ${a.description}` : a.name }));

  async function submit() {
    try {
      // The plan's seed places the machines in the rings the review showed.
      const created = await create.mutateAsync({ body: { ...body, ...(plan.data ? { seed: plan.data.seed } : {}) } });
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
              <RingsStep rings={rings} setRings={setRings} targetOptions={targetOptions} />
            </Stepper.Step>
            <Stepper.Step label="Window and reboot" description="When and how">
              <WindowStep
                draft={when}
                change={(patch) => setWhen((w) => ({ ...w, ...patch }))}
                chosenGroups={chosenGroups}
                actionOptions={actionOptions}
              />
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
                <PlanView plan={plan} />
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
              <Button
                disabled={problem !== null || !plan.data}
                loading={create.isPending}
                onClick={() => void submit()}
              >
                Start deployment
              </Button>
            )}
          </Group>
        </>
      )}
    </Stack>
  );
}
