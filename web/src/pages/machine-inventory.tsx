/** A machine's installed packages (searchable) and its jobs with their step logs. */
import { Button, Group, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { api } from '../api';
import { JobDrawer } from '../components/job-drawer';
import { DeploymentLink, PageLink } from '../components/links';
import { EmptyState } from '../components/notices';
import { QueryView } from '../components/query-view';
import { SimpleTable } from '../components/simple-table';
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
      <QueryView
        query={list}
        what="packages"
        empty={
          <EmptyState title={debounced ? 'No package matches' : 'No packages known'}>
            {debounced
              ? 'No installed package has that in its name.'
              : 'The machine has not sent an inventory yet: it appears after the agent’s next check-in or an import.'}
          </EmptyState>
        }
      >
        {(d) => (
          <>
            <SimpleTable
              label="Installed packages"
              minWidth={560}
              rows={d.items}
              rowKey={(p) => `${p.kind}/${p.name}/${p.arch ?? ''}`}
              columns={[
                { header: 'Name', cell: (p) => p.name },
                { header: 'Version', cell: (p) => `${p.version ?? '—'}${p.release ? `-${p.release}` : ''}` },
                { header: 'Architecture', cell: (p) => p.arch ?? '—' },
                { header: 'Kind', cell: (p) => p.kind },
                {
                  header: 'Other machines with it',
                  cell: (p) => (
                    <PageLink
                      to={`/machines?package=${encodeURIComponent(p.name)}${p.version ? `&version=${encodeURIComponent(p.version)}` : ''}`}
                    >
                      who has {p.name} {p.version ?? ''}
                    </PageLink>
                  ),
                },
              ]}
            />
            <Group justify="space-between" mt="xs">
              <Text size="sm" c="dimmed">
                {d.items.length} of {d.total.toLocaleString()} shown
              </Text>
              {d.items.length < d.total && limit < 1000 && (
                <Button variant="default" size="xs" onClick={() => setLimit((n) => Math.min(1000, n + 300))}>
                  Show more
                </Button>
              )}
            </Group>
          </>
        )}
      </QueryView>
    </>
  );
}

export function Jobs({ id }: { id: string }) {
  const [open, setOpen] = useState<string | null>(null);
  const list = api.useQuery('get', '/api/v1/machines/{id}/jobs', { params: { path: { id }, query: { limit: 50 } } });
  return (
    <QueryView
      query={list}
      what="jobs"
      empty={
        <EmptyState title="No jobs yet">
          Jobs appear when a deployment that includes this machine reaches it.
        </EmptyState>
      }
    >
      {(d) => (
        <>
          <SimpleTable
            label="Jobs"
            minWidth={560}
            rows={d.items}
            rowKey={(j) => j.id}
            columns={[
              { header: 'Issued', cell: (j) => <Time iso={j.issuedAt} /> },
              { header: 'Kind', cell: (j) => j.kind },
              { header: 'State', cell: (j) => <StateBadge state={j.state} /> },
              {
                header: 'Deployment',
                cell: (j) => (j.deploymentId ? <DeploymentLink id={j.deploymentId}>open</DeploymentLink> : '—'),
              },
              {
                header: 'Step log',
                cell: (j) => (
                  <Button variant="subtle" size="compact-sm" onClick={() => setOpen(j.id)}>
                    Step log
                  </Button>
                ),
              },
            ]}
          />
          {d.total > d.items.length && (
            <Text size="sm" c="dimmed" mt="xs">
              The newest {d.items.length} of {d.total} jobs.
            </Text>
          )}
          <JobDrawer id={open} onClose={() => setOpen(null)} />
        </>
      )}
    </QueryView>
  );
}
