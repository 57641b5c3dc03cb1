/** Machines: the whole fleet (or the caller's groups) as one searchable, virtual list. */
import { Badge, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQueries } from '@tanstack/react-query';
import { createColumnHelper, type OnChangeFn, type SortingState } from '@tanstack/react-table';
import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { MachineLink } from '../components/links';
import { EmptyState } from '../components/notices';
import { QueryView } from '../components/query-view';
import { Time } from '../components/time';
import { VirtualTable } from '../components/virtual-table';

type Machine = paths['/api/v1/machines']['get']['responses'][200]['content']['application/json']['items'][number];

const PAGE = 500;
/** The columns the server sorts by (the others are not sortable). */
const SORT_KEYS = ['name', 'lastSeenAt', 'openFindings'] as const;
const SORTABLE = new Set<string>(SORT_KEYS);
const STATUSES = [
  { value: 'open-findings', label: 'Open findings' },
  { value: 'stale', label: 'Not seen lately' },
  { value: 'never-seen', label: 'Never seen' },
  { value: 'assessment-pending', label: 'Assessment pending' },
  { value: 'agent-stale', label: 'Agent sees stale answers' },
];
/** Filters typed in, kept in the address: "who has openssl 3.0.11?" is /machines?package=openssl&version=3.0.11. */
const TEXT_FILTERS = [
  { key: 'package', label: 'Package', placeholder: 'openssl' },
  { key: 'version', label: 'Version', placeholder: 'exact version' },
  { key: 'os', label: 'OS', placeholder: 'debian 12' },
  { key: 'owner', label: 'Owner', placeholder: 'team' },
  { key: 'tag', label: 'Tag', placeholder: 'prod' },
] as const;
type TextFilters = Record<(typeof TEXT_FILTERS)[number]['key'], string>;
const col = createColumnHelper<Machine>();

const columns = [
  col.accessor('name', {
    header: 'Name',
    cell: (c) => <MachineLink name={c.getValue()} />,
  }),
  col.accessor((m) => (m.os ? [m.os.platform, m.os.release].filter(Boolean).join(' ') : ''), {
    id: 'os',
    header: 'OS',
    enableSorting: false,
    cell: (c) =>
      c.getValue() || (
        <Text span c="dimmed" size="sm">
          unknown
        </Text>
      ),
  }),
  col.accessor('owner', { header: 'Owner', enableSorting: false, cell: (c) => c.getValue() ?? '' }),
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
  const status = params.get('status') ?? '';
  const text = Object.fromEntries(TEXT_FILTERS.map((f) => [f.key, params.get(f.key) ?? ''])) as TextFilters;
  const [debouncedQ] = useDebouncedValue(q, 250);
  // Debounced as one string: a new object each render would restart the timer forever.
  const [debouncedKey] = useDebouncedValue(JSON.stringify(text), 250);
  const debouncedText = useMemo(() => JSON.parse(debouncedKey) as TextFilters, [debouncedKey]);
  const sortBy = params.get('sort');
  const sorting: SortingState = SORTABLE.has(sortBy ?? '')
    ? [{ id: sortBy!, desc: params.get('order') === 'desc' }]
    : [{ id: 'name', desc: false }];
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

  // The pages the visible rows are on (and page 0, which tells the total): scrolling to row 50,000
  // loads the page it lands on, not the 99 pages before it.
  const [range, setRange] = useState<[number, number]>([0, 0]);
  const onRangeChange = useCallback(
    (first: number, last: number) => setRange((r) => (r[0] === first && r[1] === last ? r : [first, last])),
    [],
  );
  const { os, owner, tag, package: pkg, version } = debouncedText;
  const sort = sorting[0]!;
  const filter = useMemo(
    () => ({
      ...(debouncedQ ? { q: debouncedQ } : {}),
      ...(group ? { group } : {}),
      ...(status ? { status } : {}),
      ...(os ? { os } : {}),
      ...(owner ? { owner } : {}),
      ...(tag ? { tag } : {}),
      ...(pkg ? { package: pkg } : {}),
      ...(pkg && version ? { version } : {}),
      sort: sort.id as (typeof SORT_KEYS)[number],
      order: sort.desc ? ('desc' as const) : ('asc' as const),
    }),
    [debouncedQ, group, status, os, owner, tag, pkg, version, sort.id, sort.desc],
  );
  const onSortingChange: OnChangeFn<SortingState> = (updater) => {
    const next = typeof updater === 'function' ? updater(sorting) : updater;
    const first = next[0];
    setParams(
      (p) => {
        if (first) {
          p.set('sort', first.id);
          p.set('order', first.desc ? 'desc' : 'asc');
        }
        return p;
      },
      { replace: true },
    );
  };
  const filtered = Boolean(q || group || status || Object.values(text).some(Boolean));
  const pageNumbers = useMemo(() => {
    const from = Math.floor(range[0] / PAGE);
    const to = Math.floor(range[1] / PAGE);
    return [...new Set([0, ...Array.from({ length: to - from + 1 }, (_, i) => from + i)])];
  }, [range]);
  const pages = useQueries({
    queries: pageNumbers.map((n) =>
      api.queryOptions(
        'get',
        '/api/v1/machines',
        { params: { query: { limit: PAGE, offset: n * PAGE, ...filter } } },
        // Page 0 keeps showing the previous search's answer until the new one arrives (no flash).
        n === 0 ? { placeholderData: keepPreviousData } : {},
      ),
    ),
  });
  const head = pages[0]!;
  const total = head.data?.total ?? 0;
  // The loaded rows around the window: from the first visible page up to the first one not loaded yet.
  const firstPage = Math.floor(range[0] / PAGE);
  // (At most two pages of 500: cheap enough to gather on every render.)
  const rows: Machine[] = [];
  for (let n = firstPage; ; n++) {
    const i = pageNumbers.indexOf(n);
    const data = i < 0 ? undefined : pages[i]!.data;
    if (!data || data.items.length === 0 || (n === 0 && head.isPlaceholderData)) break;
    rows.push(...data.items);
  }
  const error = pages.find((q) => q.error)?.error;
  const list = { data: head.data, isPending: head.isPending, error };

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
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={STATUSES}
          value={status || null}
          onChange={(v) => set('status', v)}
          w={200}
        />
        {TEXT_FILTERS.map((f) => (
          <TextInput
            key={f.key}
            label={f.label}
            placeholder={f.placeholder}
            value={text[f.key]}
            onChange={(e) => set(f.key, e.currentTarget.value)}
            w={f.key === 'version' ? 160 : 180}
            disabled={f.key === 'version' && !text.package}
          />
        ))}
      </Group>
      <QueryView
        query={list}
        what="machines"
        errorTitle="The machines could not be listed"
        isEmpty={() => total === 0}
        empty={
          filtered ? (
            <EmptyState title="No machine matches">Clear a filter or pick another group.</EmptyState>
          ) : (
            <EmptyState title="No machines yet">
              Create an enrollment token under Settings and install the agent on a machine, or import an inventory with{' '}
              <code>patchhive machines import</code>.
            </EmptyState>
          )
        }
      >
        {() => (
          <VirtualTable
            label="Machines"
            columns={columns}
            rows={rows}
            rowsOffset={firstPage * PAGE}
            total={total}
            onRangeChange={onRangeChange}
            sorting={sorting}
            onSortingChange={onSortingChange}
            rowKey={(m) => m.id}
            template="minmax(160px, 2fr) minmax(140px, 1.5fr) minmax(100px, 1fr) 130px 140px"
          />
        )}
      </QueryView>
    </Stack>
  );
}
