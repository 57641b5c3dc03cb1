/**
 * One bulletin: what it is (description, references, supersedence, fixes), the machines it hits
 * grouped by group, and its triage per group with history.
 */
import { Alert, Anchor, Badge, Group, List, ScrollArea, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { api } from '../api';
import { SeverityBadge, WHOLE } from '../components/badges';
import { ErrorNotice, Loading } from '../components/notices';
import { Fact, Section } from '../components/sections';
import { Time } from '../components/time';
import type { Bulletin } from '../wire';
import { BulletinMachines } from './bulletin-machines';
import { BulletinTriage } from './bulletin-triage';

const CVE = /^CVE-\d{4}-\d{4,}$/;

export default function BulletinPage() {
  const { id = '' } = useParams();
  const bulletin = api.useQuery('get', '/api/v1/bulletins/{id}', { params: { path: { id } } });
  if (bulletin.error) return <ErrorNotice error={bulletin.error} title={`Bulletin ${id} could not be shown`} />;
  if (bulletin.isPending) return <Loading what="the bulletin" />;
  return <BulletinView b={bulletin.data} />;
}

/** A link only for an http(s) address: a feed's `javascript:` or `data:` reference stays plain text. */
function safeHref(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

const bulletinPath = (id: string) => `/bulletins/${encodeURIComponent(id)}`;

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
      {(b.withdrawnAt ?? !b.inCatalog) && (
        <Alert color="gray" title="Withdrawn">
          {b.withdrawnAt ? (
            <>
              The source withdrew this bulletin <Time iso={b.withdrawnAt} />.
            </>
          ) : (
            'No loaded catalog holds this bulletin any more.'
          )}
        </Alert>
      )}
      {b.supersededBy.length > 0 && (
        <Alert color="yellow" title="Superseded">
          Replaced by <BulletinLinks ids={b.supersededBy} />: deploy that one instead.
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
          {b.class && <Fact label="Class">{b.class}</Fact>}
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
      <Section title="Description">
        <Description b={b} />
      </Section>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title="References">
          <References refs={b.references} />
        </Section>
        <Section title="Supersedence">
          <Stack gap="xs">
            <Text size="sm">
              <b>Supersedes:</b> {b.supersedes.length ? <BulletinLinks ids={b.supersedes} /> : 'no other bulletin'}
            </Text>
            <Text size="sm">
              <b>Superseded by:</b>{' '}
              {b.supersededBy.length ? <BulletinLinks ids={b.supersededBy} /> : 'no loaded bulletin'}
            </Text>
          </Stack>
        </Section>
      </SimpleGrid>
      <Section title="Fixes">
        <Fixes b={b} />
      </Section>
      <Section title="Triage per group">
        <BulletinTriage id={b.id} />
      </Section>
      <Section title="Affected machines by group">
        <BulletinMachines id={b.id} />
      </Section>
    </Stack>
  );
}

function Description({ b }: { b: Bulletin }) {
  if (!b.description && !b.manualRemediation && b.notes.length === 0)
    return (
      <Text size="sm" c="dimmed">
        The source gives no description; see the references.
      </Text>
    );
  return (
    <Stack gap="xs">
      {b.description && (
        <Text size="sm" style={{ whiteSpace: 'pre-line', overflowWrap: 'anywhere' }}>
          {b.description}
        </Text>
      )}
      {b.manualRemediation && (
        <Text size="sm" style={{ whiteSpace: 'pre-line' }}>
          <b>Manual remediation:</b> {b.manualRemediation}
        </Text>
      )}
      {b.notes.length > 0 && (
        <List size="sm">
          {b.notes.map((n) => (
            <List.Item key={n}>{n}</List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

function References({ refs }: { refs: Bulletin['references'] }) {
  if (refs.length === 0)
    return (
      <Text size="sm" c="dimmed">
        The source lists no references.
      </Text>
    );
  return (
    <List size="sm" spacing={2} style={{ overflowWrap: 'anywhere' }}>
      {refs.map((r, i) => {
        const href = safeHref(r.url);
        const label = `${r.source}: ${r.id}`;
        return (
          <List.Item key={`${r.source}/${r.id}/${i}`}>
            {href ? (
              <Anchor href={href} target="_blank" rel="noopener noreferrer" size="sm">
                {label}
              </Anchor>
            ) : (
              label
            )}
          </List.Item>
        );
      })}
    </List>
  );
}

function BulletinLinks({ ids }: { ids: string[] }) {
  return (
    <>
      {ids.map((id, i) => (
        <span key={id}>
          {i > 0 && ', '}
          <Anchor component={Link} to={bulletinPath(id)} size="sm">
            {id}
          </Anchor>
        </span>
      ))}
    </>
  );
}

function Fixes({ b }: { b: Bulletin }) {
  if (b.fixes.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {b.manualRemediation ? 'No package fixes it; see the manual remediation above.' : 'The source lists no fix.'}
      </Text>
    );
  return (
    <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
      <Table fz="sm" verticalSpacing={4} striped aria-label="Fixes">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Fix</Table.Th>
            <Table.Th>Version</Table.Th>
            <Table.Th>Product</Table.Th>
            <Table.Th>Available</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {b.fixes.map((f) => (
            <Table.Tr key={f.id}>
              <Table.Td>
                {f.package ? (
                  <>
                    {f.package.name}{' '}
                    <Text span size="xs" c="dimmed">
                      ({f.package.manager})
                    </Text>
                  </>
                ) : f.kb ? (
                  f.kb.toUpperCase().startsWith('KB') ? (
                    f.kb
                  ) : (
                    `KB${f.kb}`
                  )
                ) : (
                  'manual remediation'
                )}
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>{f.package?.version ?? '—'}</Table.Td>
              <Table.Td>{f.product ?? '—'}</Table.Td>
              <Table.Td>{f.available ? 'yes' : 'not yet'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
