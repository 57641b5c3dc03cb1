/** Machines: the whole fleet (or the caller's groups) as one searchable, virtual list. */
import { Anchor, Badge, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { createColumnHelper } from '@tanstack/react-table';
import { useCallback, useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { Time } from '../components/time';
import { VirtualTable } from '../components/virtual-table';

type Machine = paths['/api/v1/machines']['get']['responses'][200]['content']['application/json']['items'][number];

const PAGE = 500;
const col = createColumnHelper<Machine>();

const columns = [
  col.accessor('name', {
    header: 'Name',
    cell: (c) => (
      <Anchor component={Link} to={`/machines/${encodeURIComponent(c.getValue())}`} size="sm">
        {c.getValue()}
      </Anchor>
    ),
  }),
  col.accessor((m) => (m.os ? [m.os.platform, m.os.release].filter(Boolean).join(' ') : ''), {
    id: 'os',
    header: 'OS',
    cell: (c) =>
      c.getValue() || (
        <Text span c="dimmed" size="sm">
          unknown
        </Text>
      ),
  }),
  col.accessor('owner', { header: 'Owner', cell: (c) => c.getValue() ?? '' }),
  col.accessor('openFindings', {
    header: 'Open findings',
    cell: (c) =>
      c.getValue() > 0 ? (
        <Badge color="red" variant="light">
          {c.getValue()}
        </Badge>
      ) : (
        <Badge color="green" variant="light">
          0
        </Badge>
      ),
  }),
  col.accessor('lastSeenAt', {
    header: 'Last seen',
    cell: (c) => <Time iso={c.getValue()} empty={c.row.original.source === 'import' ? 'imported' : 'never'} />,
  }),
];

export default function MachinesPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const group = params.get('group') ?? '';
  const [debouncedQ] = useDebouncedValue(q, 250);
  const groups = api.useQuery('get', '/api/v1/groups', {});
  const set = useCallback(
    (key: string, value: string | null) =>
      setParams(
        (p) => {
          if (value) p.set(key, value);
          else p.delete(key);
          return p;
        },
        { replace: true },
      ),
    [setParams],
  );

  const list = api.useInfiniteQuery(
    'get',
    '/api/v1/machines',
    { params: { query: { limit: PAGE, ...(debouncedQ ? { q: debouncedQ } : {}), ...(group ? { group } : {}) } } },
    {
      pageParamName: 'offset',
      initialPageParam: 0,
      getNextPageParam: (last, all) => {
        const loaded = all.reduce((n, p) => n + p.items.length, 0);
        return loaded < last.total ? loaded : undefined;
      },
    },
  );
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const total = list.data?.pages.at(-1)?.total ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={1} size="h2">
          Machines
        </Title>
        {list.data && (
          <Text c="dimmed" size="sm" aria-live="polite">
            {total.toLocaleString()} machine{total === 1 ? '' : 's'}
          </Text>
        )}
      </Group>
      <Group align="end">
        <TextInput
          label="Search"
          placeholder="Name, owner, role…"
          value={q}
          onChange={(e) => set('q', e.currentTarget.value)}
          w={280}
        />
        <Select
          label="Group"
          placeholder="All groups"
          clearable
          data={(groups.data?.items ?? []).map((g) => ({ value: g.name, label: g.name }))}
          value={group || null}
          onChange={(v) => set('group', v)}
          w={220}
        />
      </Group>
      {list.error ? (
        <ErrorNotice error={list.error} title="The machines could not be listed" />
      ) : list.isPending ? (
        <Loading what="machines" />
      ) : total === 0 ? (
        q || group ? (
          <EmptyState title="No machine matches">Clear the search or pick another group.</EmptyState>
        ) : (
          <EmptyState title="No machines yet">
            Create an enrollment token under Settings and install the agent on a machine, or import an inventory with{' '}
            <code>patchhive machines import</code>.
          </EmptyState>
        )
      ) : (
        <VirtualTable
          label="Machines"
          columns={columns}
          rows={rows}
          total={total}
          onNeedMore={more}
          rowKey={(m) => m.id}
          template="minmax(160px, 2fr) minmax(140px, 1.5fr) minmax(100px, 1fr) 120px 140px"
        />
      )}
    </Stack>
  );
}
