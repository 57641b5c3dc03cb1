/**
 * Catalog sources: each one's last sync (result, error code, counts), "sync now" (operators) with
 * the bulletins it added, revised and withdrew, and each one's sync history (source-sync.tsx).
 */
import { Badge, Button, Group, Modal, Paper, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { EmptyState, ErrorNotice, Loading } from '../../components/notices';
import { Time } from '../../components/time';
import { useCan } from '../../session';
import { refresh } from './refresh';
import { diffSummary, SyncDetail, SyncHistory, SyncResult } from './source-sync';

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
        <Paper withBorder p="sm" role="status">
          <Text size="sm" fw={500} mb={4}>
            Sync of {list.data?.items.find((x) => x.id === sync.variables?.params.path.id)?.name ?? 'the source'}
          </Text>
          <SyncDetail sync={sync.data} />
        </Paper>
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
                      <Stack gap={2}>
                        <SyncResult sync={s.lastSync} />
                        <Text size="xs" c="dimmed">
                          {diffSummary(s.lastSync)}
                        </Text>
                      </Stack>
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
                        History and changes
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
