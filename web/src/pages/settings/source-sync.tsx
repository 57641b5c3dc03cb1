/**
 * One sync of a catalog source as the Sources page shows it: its result with the error code, when,
 * and its diff — the bulletins added, revised and withdrawn, each a link to the bulletin with the
 * machines it affects. A caller scoped to groups gets no diff (it counts the whole fleet).
 */
import { Anchor, Badge, Group, List, ScrollArea, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { api } from '../../api';
import { ErrorNotice, Loading } from '../../components/notices';
import { Time } from '../../components/time';
import type { Schemas } from '../../wire';

type SyncRecord = Schemas['SyncRecord'];
type SyncDiff = Schemas['SyncDiff'];

const RESULT_COLOR: Record<string, string> = {
  updated: 'green',
  'not-modified': 'gray',
  failed: 'red',
  refused: 'red',
};

/** The result badge, its error code and when it finished. */
export function SyncResult({ sync }: { sync: SyncRecord }) {
  return (
    <Group gap={4} wrap="wrap">
      <Badge color={RESULT_COLOR[sync.result] ?? 'gray'} variant="light">
        {sync.result}
      </Badge>
      {sync.errorCode && (
        <Text span size="xs" c="red.9" ff="monospace">
          {sync.errorCode}
        </Text>
      )}
      <Text span size="sm">
        <Time iso={sync.finishedAt} />
      </Text>
    </Group>
  );
}

/** "+2 added, 1 revised, 0 withdrawn", or why there is no diff. */
export function diffSummary(sync: SyncRecord): string {
  if (sync.diff) {
    const { added, revised, withdrawn } = sync.diff;
    return `${added.length} added, ${revised.length} revised, ${withdrawn.length} withdrawn`;
  }
  return sync.result === 'updated' ? 'changes not shown to a scoped account' : 'no change';
}

/** The bulletins a sync added, revised and withdrew, each a link with the machines it affects. */
export function SyncDiffView({ diff }: { diff: SyncDiff }) {
  const lists: [string, SyncDiff['added']][] = [
    ['Added', diff.added],
    ['Revised', diff.revised],
    ['Withdrawn', diff.withdrawn],
  ];
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }}>
      {lists.map(([title, items]) => (
        <Stack key={title} gap={4}>
          <Title order={4} size="h6">
            {title} ({items.length})
          </Title>
          {items.length === 0 ? (
            <Text size="sm" c="dimmed">
              none
            </Text>
          ) : (
            <List size="sm" spacing={2}>
              {items.slice(0, 100).map((b) => (
                <List.Item key={b.id}>
                  <Anchor component={Link} to={`/bulletins/${encodeURIComponent(b.id)}`} size="sm" c="blue.9">
                    {b.id}
                  </Anchor>{' '}
                  <Text span size="xs">
                    {b.affectedMachines} {b.affectedMachines === 1 ? 'machine' : 'machines'}
                  </Text>
                </List.Item>
              ))}
              {items.length > 100 && <List.Item>and {items.length - 100} more</List.Item>}
            </List>
          )}
        </Stack>
      ))}
    </SimpleGrid>
  );
}

/** A sync in full: result, message, and its diff. */
export function SyncDetail({ sync }: { sync: SyncRecord }) {
  return (
    <Stack gap="xs">
      <SyncResult sync={sync} />
      {sync.message && (
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {sync.message}
        </Text>
      )}
      <Text size="sm">{diffSummary(sync)}</Text>
      {sync.diff && <SyncDiffView diff={sync.diff} />}
    </Stack>
  );
}

/** The source's syncs, newest first; the newest that changed something is shown with its diff. */
export function SyncHistory({ id }: { id: string }) {
  const syncs = api.useQuery('get', '/api/v1/sources/{id}/syncs', { params: { path: { id }, query: { limit: 20 } } });
  if (syncs.error) return <ErrorNotice error={syncs.error} title="The sync history could not be loaded" />;
  if (syncs.isPending) return <Loading what="sync history" />;
  if (syncs.data.items.length === 0) return <Text size="sm">Not synced yet: an operator uses “Sync now”.</Text>;
  const lastChange = syncs.data.items.find((s) => s.diff);
  return (
    <Stack>
      {lastChange && (
        <Stack gap="xs">
          <Title order={3} size="h5">
            Last changes
          </Title>
          <SyncDetail sync={lastChange} />
        </Stack>
      )}
      <Title order={3} size="h5">
        Every sync
      </Title>
      <ScrollArea type="auto">
        <Table aria-label="Sync history" miw={520}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>Changes</Table.Th>
              <Table.Th>Message</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {syncs.data.items.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>
                  <Time iso={s.finishedAt} />
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <Badge color={RESULT_COLOR[s.result] ?? 'gray'} variant="light">
                      {s.result}
                    </Badge>
                    {s.errorCode && (
                      <Text span size="xs" c="red.9" ff="monospace">
                        {s.errorCode}
                      </Text>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>{s.diff ? diffSummary(s) : '—'}</Table.Td>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>{s.message ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </Stack>
  );
}
