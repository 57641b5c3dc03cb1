/** Catalog sources: their last sync, "sync now" (operators) and each one's sync history. */
import { Badge, Button, Group, Modal, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { EmptyState, ErrorNotice, Loading } from '../../components/notices';
import { Time } from '../../components/time';
import { useCan } from '../../session';
import { refresh } from './refresh';

const RESULT_COLOR: Record<string, string> = {
  updated: 'green',
  'not-modified': 'gray',
  failed: 'red',
  refused: 'red',
};

export function SourcesSection() {
  const canSync = useCan('operator');
  const list = api.useQuery('get', '/api/v1/sources', {});
  const sync = api.useMutation('post', '/api/v1/sources/{id}/sync');
  const [history, setHistory] = useState<{ id: string; name: string } | null>(null);

  return (
    <Stack>
      <Title order={2} size="h4">
        Catalog sources
      </Title>
      {sync.error && <ErrorNotice error={sync.error} title="The sync did not run" />}
      {sync.data && (
        <Text size="sm" role="status">
          Last sync: {sync.data.result}
          {sync.data.diff
            ? ` — ${sync.data.diff.added.length} added, ${sync.data.diff.revised.length} revised, ${sync.data.diff.withdrawn.length} withdrawn`
            : ''}
          {sync.data.message ? ` (${sync.data.message})` : ''}
        </Text>
      )}
      {list.error ? (
        <ErrorNotice error={list.error} title="The sources could not be listed" />
      ) : list.isPending ? (
        <Loading what="sources" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No catalog sources">
          Add a vendor feed with <code>patchhive sources add</code> (an administrator); bulletins arrive with the first
          sync.
        </EmptyState>
      ) : (
        <ScrollArea type="auto">
          <Table striped miw={820} aria-label="Catalog sources">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Format</Table.Th>
                <Table.Th>Bulletins</Table.Th>
                <Table.Th>Last sync</Table.Th>
                <Table.Th>Last good</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {s.name}
                    </Text>
                    <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                      {s.url}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {s.format ?? 'auto'}
                    {!s.enabled && (
                      <Badge ml={4} color="gray">
                        disabled
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{s.bulletins}</Table.Td>
                  <Table.Td>
                    {s.lastSync ? (
                      <Group gap={4}>
                        <Badge color={RESULT_COLOR[s.lastSync.result] ?? 'gray'} variant="light">
                          {s.lastSync.result}
                        </Badge>
                        <Time iso={s.lastSync.finishedAt} />
                      </Group>
                    ) : (
                      'never'
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Time iso={s.lastGoodAt} empty="never" />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      {canSync && (
                        <Button
                          size="compact-sm"
                          loading={sync.isPending && sync.variables?.params.path.id === s.id}
                          onClick={() =>
                            void sync
                              .mutateAsync({ params: { path: { id: s.id } } })
                              .then(() => refresh('/api/v1/sources', '/api/v1/sources/{id}/syncs'))
                              .catch(() => undefined)
                          }
                        >
                          Sync now
                        </Button>
                      )}
                      <Button size="compact-sm" variant="subtle" onClick={() => setHistory(s)}>
                        History
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
      <Modal
        opened={history !== null}
        onClose={() => setHistory(null)}
        title={`Syncs of ${history?.name ?? ''}`}
        size="lg"
      >
        {history && <SyncHistory id={history.id} />}
      </Modal>
    </Stack>
  );
}

function SyncHistory({ id }: { id: string }) {
  const syncs = api.useQuery('get', '/api/v1/sources/{id}/syncs', { params: { path: { id }, query: { limit: 20 } } });
  if (syncs.error) return <ErrorNotice error={syncs.error} title="The sync history could not be loaded" />;
  if (syncs.isPending) return <Loading what="sync history" />;
  if (syncs.data.items.length === 0) return <Text size="sm">Not synced yet: use “Sync now”.</Text>;
  return (
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
                <Badge color={RESULT_COLOR[s.result] ?? 'gray'} variant="light">
                  {s.result}
                </Badge>
              </Table.Td>
              <Table.Td>
                {s.diff ? `+${s.diff.added.length} ~${s.diff.revised.length} −${s.diff.withdrawn.length}` : '—'}
              </Table.Td>
              <Table.Td>{s.message ?? ''}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
