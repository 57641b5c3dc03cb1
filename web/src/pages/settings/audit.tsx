/** The audit log (admins): every change, who made it and how it ended, with filters and paging back. */
import { Badge, Button, Code, Group, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { api } from '../../api';
import { Heading } from '../../components/forms';
import { EmptyState } from '../../components/notices';
import { QueryView } from '../../components/query-view';
import { SimpleTable } from '../../components/simple-table';
import { Time } from '../../components/time';

const PAGE = 100;

export function AuditSection() {
  const [actor, setActor] = useState('');
  const [object, setObject] = useState('');
  const [since, setSince] = useState('');
  const [filters] = useDebouncedValue({ actor: actor.trim(), object: object.trim(), since }, 300);
  const query = {
    limit: PAGE,
    ...(filters.actor ? { actor: filters.actor } : {}),
    ...(filters.object ? { object: filters.object } : {}),
    ...(filters.since ? { since: new Date(filters.since).toISOString() } : {}),
  };
  const log = api.useInfiniteQuery(
    'get',
    '/api/v1/audit',
    { params: { query } },
    {
      pageParamName: 'before',
      initialPageParam: Number.MAX_SAFE_INTEGER,
      getNextPageParam: (last) => last.nextBefore ?? undefined,
    },
  );
  const rows = log.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack>
      <Heading title="Audit log" />
      <Group align="end">
        <TextInput
          label="Actor"
          placeholder="User name"
          value={actor}
          onChange={(e) => setActor(e.currentTarget.value)}
        />
        <TextInput
          label="Object"
          placeholder="Id of a machine, group…"
          value={object}
          onChange={(e) => setObject(e.currentTarget.value)}
        />
        <TextInput
          type="datetime-local"
          label="Since"
          value={since}
          onChange={(e) => setSince(e.currentTarget.value)}
        />
      </Group>
      <QueryView
        query={log}
        what="audit log"
        isEmpty={() => rows.length === 0}
        empty={
          <EmptyState title="No entries">Nothing matches these filters; clear them to see every change.</EmptyState>
        }
      >
        {() => (
          <>
            <SimpleTable
              label="Audit log"
              minWidth={880}
              rows={rows}
              rowKey={(e) => String(e.seq)}
              columns={[
                { header: 'When', cell: (e) => <Time iso={e.at} /> },
                {
                  header: 'Who',
                  cell: (e) => (
                    <>
                      {e.userName ?? e.agentId ?? e.actorKind}
                      <Text size="xs" c="dimmed">
                        {e.role ?? e.actorKind} · {e.sourceIp}
                      </Text>
                    </>
                  ),
                },
                {
                  header: 'Request',
                  cell: (e) => (
                    <Code>
                      {e.method} {e.route}
                    </Code>
                  ),
                },
                {
                  header: 'Objects',
                  cell: (e) => (
                    <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
                      {e.objectIds.join(', ')}
                    </Text>
                  ),
                },
                {
                  header: 'Outcome',
                  cell: (e) => (
                    <Badge variant="light" color={e.status < 400 ? 'green' : 'red'}>
                      {e.status}
                      {e.errorCode ? ` ${e.errorCode}` : ''}
                    </Badge>
                  ),
                },
              ]}
            />
            {log.hasNextPage && (
              <Button
                variant="default"
                w="fit-content"
                loading={log.isFetchingNextPage}
                onClick={() => void log.fetchNextPage()}
              >
                Older entries
              </Button>
            )}
          </>
        )}
      </QueryView>
    </Stack>
  );
}
