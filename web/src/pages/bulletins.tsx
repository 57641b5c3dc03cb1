/**
 * Bulletins: every synced bulletin as one virtual list, filtered by severity, source, text, publication
 * dates, CVE, KB and whether it hits machines; every filter is kept in the address.
 */
import { Anchor, Badge, Group, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { createColumnHelper } from '@tanstack/react-table';
import { useCallback, useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { SeverityBadge, WHOLE } from '../components/badges';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { VirtualTable } from '../components/virtual-table';
import { isDay } from '../components/forms';

type Bulletin = paths['/api/v1/bulletins']['get']['responses'][200]['content']['application/json']['items'][number];
type Query = NonNullable<paths['/api/v1/bulletins']['get']['parameters']['query']>;

const PAGE = 500;
/** Two filters a row on a phone (the Group's gap is 16 px). */
const HALF = 'calc(50% - 8px)';
const SEVERITIES = ['critical', 'important', 'moderate', 'low', 'unknown'] as const;
const col = createColumnHelper<Bulletin>();
const CVE_ID = /^CVE-\d{4}-\d{4,}$/i;
const KB_ID = /^(KB)?\d{1,10}$/i;
/** A typed filter sent once it is well formed (a half-typed CVE is not an error yet, just not sent). */
const valid = (value: string, re: RegExp) => (re.test(value.trim()) ? value.trim() : '');

const columns = [
  col.accessor('id', {
    header: 'Bulletin',
    cell: (c) => (
      <Anchor component={Link} to={`/bulletins/${encodeURIComponent(c.getValue())}`} size="sm">
        {c.getValue()}
      </Anchor>
    ),
  }),
  col.accessor('severity', { header: 'Severity', cell: (c) => <SeverityBadge severity={c.getValue()} /> }),
  col.accessor('title', { header: 'Title', cell: (c) => <span title={c.getValue()}>{c.getValue()}</span> }),
  col.accessor('affectedMachines', {
    header: 'Machines',
    cell: (c) =>
      c.getValue() > 0 ? (
        <Badge color="red" variant="light" style={WHOLE}>
          {c.getValue()}
        </Badge>
      ) : (
        <Text span size="sm" c="dimmed">
          0
        </Text>
      ),
  }),
  col.accessor((b) => b.revised ?? b.published ?? '', {
    id: 'date',
    header: 'Published',
    cell: (c) => (c.getValue() ? c.getValue().slice(0, 10) : ''),
  }),
];

export default function BulletinsPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const severity = params.get('severity') ?? '';
  const source = params.get('source') ?? '';
  const affecting = params.get('affecting') ?? 'any';
  const cve = params.get('cve') ?? '';
  const kb = params.get('kb') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const [debouncedQ] = useDebouncedValue(q, 250);
  const [cveSent] = useDebouncedValue(valid(cve, CVE_ID), 250);
  const [kbSent] = useDebouncedValue(valid(kb, KB_ID), 250);
  const sources = api.useQuery('get', '/api/v1/sources', {});
  const set = useCallback(
    (key: string, value: string | null) =>
      setParams(
        () => {
          // From the address as it is now: two quick changes (one render apart) must both stay.
          const p = new URLSearchParams(window.location.search);
          if (value && !(key === 'affecting' && value === 'any')) p.set(key, value);
          else p.delete(key);
          return p;
        },
        { replace: true },
      ),
    [setParams],
  );
  const query: Query = {
    limit: PAGE,
    ...(debouncedQ ? { q: debouncedQ } : {}),
    ...(severity ? { severity: severity as Query['severity'] } : {}),
    ...(source ? { source } : {}),
    ...(affecting !== 'any' ? { affecting: affecting as Query['affecting'] } : {}),
    ...(cveSent ? { cve: cveSent } : {}),
    ...(kbSent ? { kb: kbSent } : {}),
    ...(isDay(from) ? { publishedFrom: from } : {}),
    ...(isDay(to) ? { publishedTo: to } : {}),
  };
  const list = api.useInfiniteQuery(
    'get',
    '/api/v1/bulletins',
    { params: { query } },
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
  const filtered = Boolean(q || severity || source || affecting !== 'any' || cve || kb || from || to);

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={1} size="h2">
          Bulletins
        </Title>
        {list.data && (
          <Text c="dimmed" size="sm" aria-live="polite">
            {total.toLocaleString()} bulletin{total === 1 ? '' : 's'}
          </Text>
        )}
      </Group>
      <Group align="end" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="Id, title or CVE…"
          value={q}
          onChange={(e) => set('q', e.currentTarget.value)}
          w={{ base: '100%', xs: 240 }}
        />
        <Select
          label="Severity"
          placeholder="Any severity"
          clearable
          data={[...SEVERITIES]}
          value={severity || null}
          onChange={(v) => set('severity', v)}
          w={{ base: HALF, xs: 160 }}
        />
        <Select
          label="Source"
          placeholder="All sources"
          clearable
          data={(sources.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
          value={source || null}
          onChange={(v) => set('source', v)}
          w={{ base: HALF, xs: 180 }}
        />
        <TextInput
          label="CVE"
          placeholder="CVE-2024-3094"
          value={cve}
          onChange={(e) => set('cve', e.currentTarget.value)}
          error={cve && !valid(cve, CVE_ID) ? 'Like CVE-2024-3094' : undefined}
          w={{ base: HALF, xs: 170 }}
        />
        <TextInput
          label="KB"
          placeholder="KB5034441"
          value={kb}
          onChange={(e) => set('kb', e.currentTarget.value)}
          error={kb && !valid(kb, KB_ID) ? 'Like KB5034441' : undefined}
          w={{ base: HALF, xs: 130 }}
        />
        <TextInput
          type="date"
          label="Published from"
          value={from}
          onChange={(e) => set('from', e.currentTarget.value)}
          w={{ base: HALF, xs: 160 }}
        />
        <TextInput
          type="date"
          label="Published to"
          value={to}
          onChange={(e) => set('to', e.currentTarget.value)}
          w={{ base: HALF, xs: 160 }}
        />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="affecting-label">
            Affecting machines
          </Text>
          <SegmentedControl
            aria-labelledby="affecting-label"
            value={affecting}
            onChange={(v) => set('affecting', v)}
            data={[
              { value: 'any', label: 'All' },
              { value: 'true', label: 'Affecting' },
              { value: 'false', label: 'Not affecting' },
            ]}
          />
        </Stack>
      </Group>
      {list.error ? (
        <ErrorNotice error={list.error} title="The bulletins could not be listed" />
      ) : list.isPending ? (
        <Loading what="bulletins" />
      ) : total === 0 ? (
        filtered ? (
          <EmptyState title="No bulletin matches">Clear the search or loosen the filters.</EmptyState>
        ) : (
          <EmptyState title="No bulletins yet">
            Add a catalog source under Settings (or with <code>patchhive sources add</code>) and sync it.
          </EmptyState>
        )
      ) : (
        <VirtualTable
          label="Bulletins"
          columns={columns}
          rows={rows}
          total={total}
          onNeedMore={more}
          rowKey={(b) => b.id}
          template="minmax(140px, 1.2fr) 130px minmax(200px, 3fr) 90px 110px"
        />
      )}
    </Stack>
  );
}
