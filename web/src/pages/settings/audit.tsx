/** The audit log (admins): every change, who made it and how it ended, with filters and paging back. */
import { Badge, Button, Code, Group, ScrollArea, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { api } from '../../api';
import { EmptyState, ErrorNotice, Loading } from '../../components/notices';
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
      <Title order={2} size="h4">
        Audit log
      </Title>
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
      {log.error ? (
        <ErrorNotice error={log.error} title="The audit log could not be read" />
      ) : log.isPending ? (
        <Loading what="the audit log" />
      ) : rows.length === 0 ? (
        <EmptyState title="No entries">Nothing matches these filters; clear them to see every change.</EmptyState>
      ) : (
        <>
          <ScrollArea type="auto">
            <Table striped miw={880} aria-label="Audit log">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>Request</Table.Th>
                  <Table.Th>Objects</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((e) => (
                  <Table.Tr key={e.seq}>
                    <Table.Td>
                      <Time iso={e.at} />
                    </Table.Td>
                    <Table.Td>
                      {e.userName ?? e.agentId ?? e.actorKind}
                      <Text size="xs" c="dimmed">
                        {e.role ?? e.actorKind} · {e.sourceIp}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Code>
                        {e.method} {e.route}
                      </Code>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
                        {e.objectIds.join(', ')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={e.status < 400 ? 'green' : 'red'}>
                        {e.status}
                        {e.errorCode ? ` ${e.errorCode}` : ''}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
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
    </Stack>
  );
}
