/**
 * The Review step's plan: the server's dry run of the deployment (POST /deployments/plan), ring by
 * ring and machine by machine — what each machine installs, what it will not get and why, its
 * window and reboot policy — with the bulletins left out and the warnings. The server plans it with
 * the same step that creates, so this is what Create stores (with the plan's seed).
 */
import { Alert, Badge, List, Paper, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { api } from '../../api';
import { ErrorNotice, Loading } from '../../components/notices';
import { Time } from '../../components/time';
import type { Schemas } from '../../wire';
import type { Create } from './new-body';

type Plan = Schemas['DeploymentPlan'];
type PlannedMachine = Schemas['PlannedMachine'];

/** A long ring shows this many machines; the rest are counted (the CLI's --dry-run --format csv lists all). */
const MACHINES_SHOWN = 200;

/** The dry run of `body`, asked while `enabled` (the Review step is open). The name does not change the plan. */
export function usePlan(body: Create, enabled: boolean) {
  return api.useQuery(
    'post',
    '/api/v1/deployments/plan',
    { body: { ...body, name: 'review' } },
    { enabled, staleTime: 0, gcTime: 0, retry: false },
  );
}

const START: Record<string, string> = {
  pending: 'installs',
  succeeded: 'nothing to do',
  failed: 'fails at once',
};

function rebootText(p: Schemas['RebootPolicy']): string {
  const mode = p.mode === 'if-required' ? 'if a package requires it' : p.mode;
  return `${mode}${p.onlyInWindow ? ', only in the window' : ''}, ${p.maxDeferrals} deferral${p.maxDeferrals === 1 ? '' : 's'}`;
}

function WindowCell({ window: w }: { window: PlannedMachine['window'] }) {
  if (w.status === 'none') return <>any time (no window)</>;
  if (w.status === 'open') return <>open now</>;
  return w.nextOpening ? (
    <>
      closed; opens <Time iso={w.nextOpening} />
    </>
  ) : (
    <>closed; no window opens again</>
  );
}

function MachineRow({ m }: { m: PlannedMachine }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" fw={600}>
        {m.machineName}
        <Badge ml="xs" size="sm" variant="light" color={m.state === 'failed' ? 'red' : 'gray'}>
          {START[m.state] ?? m.state}
        </Badge>
      </Table.Th>
      <Table.Td>
        {m.packages.length === 0 ? (
          <Text size="sm" c="dimmed">
            nothing
          </Text>
        ) : (
          <List size="sm" listStyleType="none" spacing={2}>
            {m.packages.map((p) => (
              <List.Item key={p.name}>
                {p.name} {p.previousVersion ? `${p.previousVersion} → ` : ''}
                {p.version}
              </List.Item>
            ))}
          </List>
        )}
        {m.bulletinIds.length > 0 && (
          <Text size="xs" c="dimmed">
            fixes {m.bulletinIds.join(', ')}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {m.notInstallable.length === 0 ? (
          <Text size="sm" c="dimmed">
            —
          </Text>
        ) : (
          <List size="sm" spacing={2}>
            {m.notInstallable.map((n) => (
              <List.Item key={n.bulletinId}>
                {n.bulletinId}: {n.reason}
              </List.Item>
            ))}
          </List>
        )}
      </Table.Td>
      <Table.Td>
        <WindowCell window={m.window} />
      </Table.Td>
      <Table.Td>{rebootText(m.rebootPolicy)}</Table.Td>
    </Table.Tr>
  );
}

function RingPlan({ ring }: { ring: Plan['rings'][number] }) {
  const shown = ring.machines.slice(0, MACHINES_SHOWN);
  const soak = ring.soakSeconds === 0 ? 'no soak' : `soak ${Math.round((ring.soakSeconds / 3600) * 100) / 100} h`;
  return (
    <Paper withBorder p="sm">
      <Title order={3} size="h5">
        Ring {ring.index + 1}: {ring.name}
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        {ring.machines.length} machine{ring.machines.length === 1 ? '' : 's'}; {soak}; gate ≥{' '}
        {Math.round(ring.gate.minSuccessRatio * 100)} % succeeded, halt after {ring.gate.maxFailures} failures
      </Text>
      {ring.machines.length === 0 ? (
        <Text size="sm">No machine falls in this ring.</Text>
      ) : (
        <ScrollArea
          type="auto"
          viewportProps={{ tabIndex: 0, role: 'region', 'aria-label': `Plan of ring ${ring.name}, scrollable` }}
        >
          <Table aria-label={`Plan of ring ${ring.name}`} miw={760} verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Machine</Table.Th>
                <Table.Th>Installs</Table.Th>
                <Table.Th>Will not get</Table.Th>
                <Table.Th>Window</Table.Th>
                <Table.Th>Reboot</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((m) => (
                <MachineRow key={m.machineId} m={m} />
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
      {ring.machines.length > shown.length && (
        <Text size="sm" mt="xs">
          And {ring.machines.length - shown.length} more machines (the CLI&apos;s <code>deploy create --dry-run</code>{' '}
          lists them all).
        </Text>
      )}
    </Paper>
  );
}

/** The plan, or why the server refused it. */
export function PlanView({ plan }: { plan: ReturnType<typeof usePlan> }) {
  if (plan.error) return <ErrorNotice error={plan.error} title="The server refused this deployment" />;
  if (!plan.data) return <Loading what="the plan per machine" />;
  const p = plan.data;
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        The plan per machine
      </Title>
      <Text size="sm">
        What the server will create now: {p.bulletinIds.join(', ')}
        {p.deadline ? (
          <>
            , before <Time iso={p.deadline} />
          </>
        ) : null}
        . It starts at once; a machine installs in its window.
      </Text>
      {p.warnings.length > 0 && (
        <Alert color="yellow" title="Check before you start">
          <List size="sm">
            {p.warnings.map((w) => (
              <List.Item key={w}>{w}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {p.skippedBulletins.length > 0 && (
        <Alert color="gray" title="Left out: no target machine can install them">
          <List size="sm">
            {p.skippedBulletins.map((s) => (
              <List.Item key={s.bulletinId}>
                {s.bulletinId}: {s.reason}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {p.rings.map((r) => (
        <RingPlan key={r.index} ring={r} />
      ))}
    </Stack>
  );
}
