/** One bulletin: what it is, the machines it hits and the fixes they miss, and its triage per group with history. */
import { Alert, Anchor, Badge, Group, ScrollArea, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { api } from '../api';
import { SeverityBadge, TriageBadge, triageLabel, WHOLE } from '../components/badges';
import { FindingList } from '../components/findings';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { Fact, Section } from '../components/sections';
import { Time } from '../components/time';
import type { Bulletin, Finding } from '../wire';

const MACHINES_SHOWN = 200;
const CVE = /^CVE-\d{4}-\d{4,}$/;

export default function BulletinPage() {
  const { id = '' } = useParams();
  const bulletin = api.useQuery('get', '/api/v1/bulletins/{id}', { params: { path: { id } } });
  if (bulletin.error) return <ErrorNotice error={bulletin.error} title={`Bulletin ${id} could not be shown`} />;
  if (bulletin.isPending) return <Loading what="the bulletin" />;
  return <BulletinView b={bulletin.data} />;
}

function BulletinView({ b }: { b: Bulletin }) {
  const sources = api.useQuery('get', '/api/v1/sources', {});
  const source = sources.data?.items.find((s) => s.id === b.sourceId);
  return (
    <Stack>
      <div>
        <Text size="sm">
          <Anchor component={Link} to="/bulletins">
            Bulletins
          </Anchor>
        </Text>
        <Group gap="sm" align="center" wrap="wrap">
          <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }}>
            {b.id}
          </Title>
          <SeverityBadge severity={b.severity} />
        </Group>
        <Text size="lg">{b.title}</Text>
      </div>
      {b.withdrawnAt && (
        <Alert color="gray" title="Withdrawn">
          The source withdrew this bulletin <Time iso={b.withdrawnAt} />.
        </Alert>
      )}
      <Section title="Details">
        <SimpleGrid cols={{ base: 2, md: 4 }} component="dl" m={0} spacing="sm">
          <Fact label="Source">{source?.name ?? b.sourceId}</Fact>
          <Fact label="Published">{b.published?.slice(0, 10) ?? '—'}</Fact>
          <Fact label="Revised">{b.revised?.slice(0, 10) ?? '—'}</Fact>
          <Fact label="Affected machines">
            <Badge color={b.affectedMachines > 0 ? 'red' : 'green'} variant="light" style={WHOLE}>
              {b.affectedMachines}
            </Badge>
          </Fact>
        </SimpleGrid>
        <Group gap="xs" mt="sm" wrap="wrap">
          <Text size="sm" fw={500}>
            CVEs:
          </Text>
          {b.cves.length === 0 && (
            <Text size="sm" c="dimmed">
              none listed
            </Text>
          )}
          {b.cves.map((c) =>
            CVE.test(c) ? (
              <Anchor
                key={c}
                size="sm"
                href={`https://www.cve.org/CVERecord?id=${encodeURIComponent(c)}`}
                target="_blank"
                rel="noopener noreferrer"
              >
                {c}
              </Anchor>
            ) : (
              <Text key={c} size="sm">
                {c}
              </Text>
            ),
          )}
        </Group>
        {b.kbs.length > 0 && (
          <Text size="sm" mt="xs">
            <b>KBs:</b> {b.kbs.join(', ')}
          </Text>
        )}
      </Section>
      <Section title="Triage per group">
        <Triage id={b.id} />
      </Section>
      <Section title="Affected machines and their fixes">
        <Affected id={b.id} />
      </Section>
    </Stack>
  );
}

function Triage({ id }: { id: string }) {
  const triage = api.useQuery('get', '/api/v1/bulletins/{id}/triage', { params: { path: { id } } });
  if (triage.error) return <ErrorNotice error={triage.error} title="The triage could not be read" />;
  if (triage.isPending) return <Loading what="triage" />;
  const { decisions, history } = triage.data;
  if (decisions.length === 0)
    return (
      <EmptyState title="Not in any triage queue">
        A bulletin enters a group's queue once it hits one of the group's machines.
      </EmptyState>
    );
  const groupName = new Map(decisions.map((d) => [d.groupId, d.group]));
  return (
    <Stack>
      <ScrollArea type="auto">
        <Table miw={560} aria-label="Triage per group" striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Group</Table.Th>
              <Table.Th miw={190}>State</Table.Th>
              <Table.Th>Approvals</Table.Th>
              <Table.Th>Reason</Table.Th>
              <Table.Th>Changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {decisions.map((d) => (
              <Table.Tr key={d.groupId}>
                <Table.Td>
                  <Anchor component={Link} to={`/triage?group=${encodeURIComponent(d.group)}`} size="sm">
                    {d.group}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <TriageBadge state={d.state} />
                  {d.ignoreUntil && (
                    <Text size="xs" c="dimmed">
                      until <Time iso={d.ignoreUntil} />
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{d.approvals.join(', ') || '—'}</Table.Td>
                <Table.Td>{d.reason ?? '—'}</Table.Td>
                <Table.Td>
                  <Time iso={d.updatedAt} /> by {d.updatedBy}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {history.length > 0 && (
        <details>
          <summary>
            <Text span size="sm" fw={500}>
              History ({history.length})
            </Text>
          </summary>
          <Stack gap={4} mt="xs" component="ol" pl="md">
            {history.map((e) => (
              <Text component="li" size="sm" key={e.id}>
                <Time iso={e.at} /> · {groupName.get(e.groupId) ?? e.groupId} · {e.actor} {e.action}:{' '}
                {e.fromState ? `${triageLabel(e.fromState)} → ` : ''}
                {triageLabel(e.toState)}
              </Text>
            ))}
          </Stack>
        </details>
      )}
    </Stack>
  );
}

function Affected({ id }: { id: string }) {
  const findings = api.useQuery('get', '/api/v1/findings', {
    params: { query: { bulletin: id, limit: MACHINES_SHOWN } },
  });
  if (findings.error) return <ErrorNotice error={findings.error} title="The affected machines could not be listed" />;
  if (findings.isPending) return <Loading what="affected machines" />;
  const { items, total } = findings.data;
  if (total === 0)
    return (
      <EmptyState title="No machine is affected">
        None of the machines you can see misses this bulletin's fixes.
      </EmptyState>
    );
  return (
    <Stack gap="xs">
      <Fixes items={items} />
      {total > items.length && (
        <Text size="sm" c="dimmed">
          The first {items.length} of {total} machines are shown.
        </Text>
      )}
      <FindingList findings={items} show="machine" />
    </Stack>
  );
}

/** The fixes the affected machines miss: each package and version once. */
function Fixes({ items }: { items: Finding[] }) {
  const fixes = new Map<string, number>();
  for (const f of items) {
    if (!f.package) continue;
    const k = `${f.package}${f.fixedVersion ? ` ${f.fixedVersion}` : ''}`;
    fixes.set(k, (fixes.get(k) ?? 0) + 1);
  }
  if (fixes.size === 0) return null;
  return (
    <Group gap="xs" wrap="wrap">
      <Text size="sm" fw={500}>
        Fixes:
      </Text>
      {[...fixes].map(([k, n]) => (
        <Badge key={k} variant="outline" style={{ ...WHOLE, textTransform: 'none' }}>
          {k} ({n} machine{n === 1 ? '' : 's'})
        </Badge>
      ))}
    </Group>
  );
}
