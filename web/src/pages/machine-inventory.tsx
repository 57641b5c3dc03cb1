/** A machine's installed packages (searchable) and its jobs with their step logs. */
import { Anchor, Button, Group, ScrollArea, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api';
import { JobDrawer } from '../components/job-drawer';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { Time } from '../components/time';
import { StateBadge } from './deployments/status';

const PACKAGES_PAGE = 100;

export function Packages({ id }: { id: string }) {
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const [limit, setLimit] = useState(PACKAGES_PAGE);
  const list = api.useQuery(
    'get',
    '/api/v1/machines/{id}/packages',
    { params: { path: { id }, query: { limit, ...(debounced ? { q: debounced } : {}) } } },
    { placeholderData: (previous) => previous },
  );
  return (
    <>
      <TextInput
        label="Find a package"
        placeholder="openssl"
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        maw={320}
        mb="sm"
      />
      {list.error ? (
        <ErrorNotice error={list.error} title="The packages could not be read" />
      ) : list.isPending ? (
        <Loading what="packages" />
      ) : list.data.total === 0 ? (
        <EmptyState title={debounced ? 'No package matches' : 'No packages known'}>
          {debounced
            ? 'No installed package has that in its name.'
            : 'The machine has not sent an inventory yet: it appears after the agent’s next check-in or an import.'}
        </EmptyState>
      ) : (
        <>
          <ScrollArea type="auto">
            <Table miw={560} striped aria-label="Installed packages">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Architecture</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Other machines with it</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((p) => (
                  <Table.Tr key={`${p.kind}/${p.name}/${p.arch ?? ''}`}>
                    <Table.Td>{p.name}</Table.Td>
                    <Table.Td>
                      {p.version ?? '—'}
                      {p.release ? `-${p.release}` : ''}
                    </Table.Td>
                    <Table.Td>{p.arch ?? '—'}</Table.Td>
                    <Table.Td>{p.kind}</Table.Td>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        size="sm"
                        to={`/machines?package=${encodeURIComponent(p.name)}${p.version ? `&version=${encodeURIComponent(p.version)}` : ''}`}
                      >
                        who has {p.name} {p.version ?? ''}
                      </Anchor>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          <Group justify="space-between" mt="xs">
            <Text size="sm" c="dimmed">
              {list.data.items.length} of {list.data.total.toLocaleString()} shown
            </Text>
            {list.data.items.length < list.data.total && limit < 1000 && (
              <Button variant="default" size="xs" onClick={() => setLimit((n) => Math.min(1000, n + 300))}>
                Show more
              </Button>
            )}
          </Group>
        </>
      )}
    </>
  );
}

export function Jobs({ id }: { id: string }) {
  const [open, setOpen] = useState<string | null>(null);
  const list = api.useQuery('get', '/api/v1/machines/{id}/jobs', { params: { path: { id }, query: { limit: 50 } } });
  if (list.error) return <ErrorNotice error={list.error} title="The jobs could not be read" />;
  if (list.isPending) return <Loading what="jobs" />;
  if (list.data.total === 0)
    return (
      <EmptyState title="No jobs yet">Jobs appear when a deployment that includes this machine reaches it.</EmptyState>
    );
  return (
    <>
      <ScrollArea type="auto">
        <Table miw={560} striped aria-label="Jobs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Issued</Table.Th>
              <Table.Th>Kind</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Deployment</Table.Th>
              <Table.Th>Step log</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((j) => (
              <Table.Tr key={j.id}>
                <Table.Td>
                  <Time iso={j.issuedAt} />
                </Table.Td>
                <Table.Td>{j.kind}</Table.Td>
                <Table.Td>
                  <StateBadge state={j.state} />
                </Table.Td>
                <Table.Td>
                  {j.deploymentId ? (
                    <Anchor component={Link} to={`/deployments/${encodeURIComponent(j.deploymentId)}`} size="sm">
                      open
                    </Anchor>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>
                  <Button variant="subtle" size="compact-sm" onClick={() => setOpen(j.id)}>
                    Step log
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {list.data.total > list.data.items.length && (
        <Text size="sm" c="dimmed" mt="xs">
          The newest {list.data.items.length} of {list.data.total} jobs.
        </Text>
      )}
      <JobDrawer id={open} onClose={() => setOpen(null)} />
    </>
  );
}
