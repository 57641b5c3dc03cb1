/**
 * Today: what changed since my last visit and what needs me now — new, revised and withdrawn
 * bulletins hitting my machines, overdue and due-soon fixes by group, triage waiting, deployments
 * that run, wait or failed, machines gone quiet, failing feeds. Every item links to where it is handled.
 */
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { SeverityBadge } from '../components/badges';
import { Time } from '../components/time';

type Today = paths['/api/v1/today']['get']['responses'][200]['content']['application/json'];
type BulletinChanges = Today['bulletins']['new'];

/** The first `since` of this browser tab: reloads keep showing the same changes. */
const SINCE_KEY = 'patchhive.today.since';

export default function TodayPage() {
  const [since] = useState(() => sessionStorage.getItem(SINCE_KEY) ?? undefined);
  const today = api.useQuery(
    'get',
    '/api/v1/today',
    { params: { query: since ? { since } : {} } },
    { refetchInterval: 60_000 },
  );
  const seen = api.useMutation('post', '/api/v1/today/seen');
  const queryClient = useQueryClient();
  const data = today.data;
  // The visit counts once the page has shown its answer; this tab keeps its `since`.
  const generatedAt = data?.generatedAt;
  const shownSince = data?.since;
  const { mutate } = seen;
  useEffect(() => {
    if (!generatedAt || !shownSince) return;
    if (!sessionStorage.getItem(SINCE_KEY)) sessionStorage.setItem(SINCE_KEY, shownSince);
    mutate({ body: { at: generatedAt } });
  }, [generatedAt, shownSince, mutate]);

  if (today.error) return <ErrorNotice error={today.error} title="Today could not be loaded" />;
  if (!data) return <Loading what="today's summary" />;
  const quiet =
    data.bulletins.new.total + data.bulletins.revised.total + data.bulletins.withdrawn.total === 0 &&
    data.deadlines.overdue + data.deadlines.dueSoon === 0 &&
    data.triage.waiting.total + data.triage.secondApprovals.total === 0 &&
    Object.values(data.deployments).every((l) => l.length === 0) &&
    data.machines.stale.total + data.machines.neverSeen.total === 0 &&
    data.sources.failing.length === 0;

  const startOver = () => {
    sessionStorage.removeItem(SINCE_KEY);
    void queryClient.invalidateQueries();
    window.location.reload();
  };

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <div>
          <Title order={1} size="h2">
            Today
          </Title>
          <Text c="dimmed" size="sm">
            Changes since <Time iso={data.since} />
          </Text>
        </div>
        <Button variant="default" size="xs" onClick={startOver}>
          Show only what is newer than now
        </Button>
      </Group>
      {quiet && (
        <EmptyState title="Nothing needs you today">
          No new bulletins hit your machines, nothing is overdue, no triage waits and every deployment and feed is fine.
          Browse{' '}
          <Anchor component={Link} to="/machines">
            machines
          </Anchor>{' '}
          or{' '}
          <Anchor component={Link} to="/bulletins">
            bulletins
          </Anchor>
          .
        </EmptyState>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title="New bulletins hitting your machines" count={data.bulletins.new.total}>
          <BulletinList list={data.bulletins.new} />
        </Section>
        <Section title="Overdue and due soon" count={data.deadlines.overdue + data.deadlines.dueSoon}>
          {data.deadlines.byGroup.length === 0 ? (
            <Text size="sm">No fix is overdue or due soon.</Text>
          ) : (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Group</Table.Th>
                  <Table.Th>Overdue</Table.Th>
                  <Table.Th>Due soon</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.deadlines.byGroup.map((g) => (
                  <Table.Tr key={g.groupId}>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/reports?view=overdue&group=${encodeURIComponent(g.group)}`}
                        size="sm"
                      >
                        {g.group}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{g.overdue > 0 ? <Badge color="red">{g.overdue}</Badge> : 0}</Table.Td>
                    <Table.Td>{g.dueSoon > 0 ? <Badge color="orange">{g.dueSoon}</Badge> : 0}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Section>
        <Section title="Triage waiting for you" count={data.triage.waiting.total + data.triage.secondApprovals.total}>
          {data.triage.waiting.total + data.triage.secondApprovals.total === 0 ? (
            <Text size="sm">No bulletin waits for a decision.</Text>
          ) : (
            <Stack gap={4}>
              <TriageLines
                title="Second approvals waiting for you"
                list={data.triage.secondApprovals}
                all="/triage?waitingFor=me"
              />
              <TriageLines title="To triage" list={data.triage.waiting} all="/triage?state=new" />
            </Stack>
          )}
        </Section>
        <Section
          title="Deployments"
          count={
            data.deployments.running.length +
            data.deployments.paused.length +
            data.deployments.halted.length +
            data.deployments.failed.length
          }
        >
          <DeploymentLines data={data} />
        </Section>
        <Section
          title="Revised and withdrawn bulletins"
          count={data.bulletins.revised.total + data.bulletins.withdrawn.total}
        >
          {data.bulletins.revised.total + data.bulletins.withdrawn.total === 0 && (
            <Text size="sm">No bulletin hitting your machines was revised or withdrawn.</Text>
          )}
          <BulletinList list={data.bulletins.revised} verb="revised" />
          <BulletinList list={data.bulletins.withdrawn} verb="withdrawn" />
        </Section>
        <Section title="Machines not heard from" count={data.machines.stale.total + data.machines.neverSeen.total}>
          {data.machines.stale.total + data.machines.neverSeen.total === 0 && (
            <Text size="sm">Every machine was heard from in the last {data.machines.staleAfterHours} hours.</Text>
          )}
          <MachineLines
            title={`Not seen for ${data.machines.staleAfterHours} hours`}
            list={data.machines.stale}
            all="/machines?status=stale"
          />
          <MachineLines title="Never seen" list={data.machines.neverSeen} all="/machines?status=never-seen" />
        </Section>
        <Section title="Feeds failing" count={data.sources.failing.length}>
          {data.sources.failing.length === 0 ? (
            <Text size="sm">Every catalog source synced at its last try.</Text>
          ) : (
            data.sources.failing.map((s) => (
              <Text key={s.id} size="sm">
                <Anchor component={Link} to="/settings/sources">
                  {s.name}
                </Anchor>{' '}
                {s.result} <Time iso={s.at} />: {s.message ?? 'no message'} (last good:{' '}
                <Time iso={s.lastGoodAt} empty="never" />)
              </Text>
            ))
          )}
        </Section>
      </SimpleGrid>
    </Stack>
  );
}

function Section({ title, count, children }: { title: string; count: number; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Group justify="space-between" mb="xs" wrap="nowrap" align="start">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Badge
          variant={count > 0 ? 'filled' : 'outline'}
          color={count > 0 ? 'indigo' : 'gray'}
          aria-label={`${count} items`}
        >
          {count}
        </Badge>
      </Group>
      {children}
    </Card>
  );
}

function BulletinList({ list, verb }: { list: BulletinChanges; verb?: string }) {
  if (list.total === 0) return verb ? null : <Text size="sm">No new bulletin hits your machines.</Text>;
  return (
    <Stack gap={4} mb="xs">
      {list.items.slice(0, 8).map((b) => (
        <Group key={b.id} gap="xs" wrap="nowrap">
          <SeverityBadge severity={b.severity} />
          <Anchor component={Link} to={`/bulletins/${encodeURIComponent(b.id)}`} size="sm" truncate>
            {b.id} {b.title}
          </Anchor>
          <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
            {verb ? `${verb}, ` : ''}
            {b.machines} machine{b.machines === 1 ? '' : 's'}
          </Text>
        </Group>
      ))}
      {list.total > 8 && (
        <Anchor component={Link} to="/bulletins?affecting=true" size="sm">
          All {list.total}
        </Anchor>
      )}
    </Stack>
  );
}

function DeploymentLines({ data }: { data: Today }) {
  const rows = [
    ...data.deployments.failed.map((d) => ({ d, label: 'failed', color: 'red' })),
    ...data.deployments.halted.map((d) => ({ d, label: 'halted', color: 'red' })),
    ...data.deployments.paused.map((d) => ({ d, label: 'paused', color: 'orange' })),
    ...data.deployments.running.map((d) => ({ d, label: 'running', color: 'blue' })),
  ];
  if (rows.length === 0)
    return (
      <Text size="sm">
        No deployment is running or needs attention.{' '}
        <Anchor component={Link} to="/deployments">
          Deployments
        </Anchor>
      </Text>
    );
  return (
    <Stack gap={4}>
      {rows.map(({ d, label, color }) => (
        <Group key={d.id} gap="xs" wrap="nowrap">
          <Badge color={color} variant="light">
            {label}
          </Badge>
          <Anchor component={Link} to={`/deployments/${encodeURIComponent(d.id)}`} size="sm" truncate>
            {d.name}
          </Anchor>
          <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
            {d.currentRing ? `ring ${d.currentRing}, ` : ''}
            {d.failedMachines > 0 ? `${d.failedMachines} of ${d.machines} failed` : `${d.machines} machines`}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

function MachineLines({ title, list, all }: { title: string; list: Today['machines']['stale']; all: string }) {
  if (list.total === 0) return null;
  return (
    <Stack gap={2} mb="xs">
      <Anchor component={Link} to={all} size="sm" fw={600}>
        {title} ({list.total})
      </Anchor>
      {list.items.slice(0, 6).map((m) => (
        <Text key={m.id} size="sm">
          <Anchor component={Link} to={`/machines/${encodeURIComponent(m.name)}`}>
            {m.name}
          </Anchor>{' '}
          <Text span size="xs" c="dimmed">
            last seen <Time iso={m.lastSeenAt} empty="never" />
          </Text>
        </Text>
      ))}
    </Stack>
  );
}

/** One kind of triage waiting: its title links to the queue filtered to it, each pair to its row there. */
function TriageLines({ title, list, all }: { title: string; list: Today['triage']['waiting']; all: string }) {
  if (list.total === 0) return null;
  const filter = all.slice(all.indexOf('?') + 1);
  return (
    <Stack gap={2} mb="xs">
      <Anchor component={Link} to={all} size="sm" fw={600}>
        {title} ({list.total})
      </Anchor>
      {list.items.slice(0, 6).map((t) => (
        <Group key={`${t.bulletinId}/${t.groupId}`} gap="xs" wrap="nowrap">
          {t.severity && <SeverityBadge severity={t.severity} />}
          <Anchor
            component={Link}
            to={`/triage?${filter}&group=${encodeURIComponent(t.group)}&bulletin=${encodeURIComponent(t.bulletinId)}`}
            size="sm"
            truncate
          >
            {t.bulletinId} in {t.group}
          </Anchor>
        </Group>
      ))}
    </Stack>
  );
}
