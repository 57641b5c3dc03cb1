/** A change that waits for a second admin (an API answer of 202), and the pending ones with approve / reject. */
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { useMe } from '../session';
import { ErrorNotice } from './notices';
import { Time } from './time';

export type ChangeRequest = paths['/api/v1/changes/{id}']['get']['responses'][200]['content']['application/json'];

/** True when an answer is a change request (202) rather than the changed thing (200). */
export function isChangeRequest(x: unknown): x is ChangeRequest {
  return typeof x === 'object' && x !== null && 'proposedBy' in x && 'expiresAt' in x;
}

export function ProposedChange({ change }: { change: ChangeRequest }) {
  return (
    <Alert color="blue" role="status" title="Waiting for a second admin">
      {change.summary}. Another admin approves or rejects it below; it expires <Time iso={change.expiresAt} />.
    </Alert>
  );
}

/** Pending change requests of the given kinds, each with approve / reject (admins only). */
export function PendingChanges({ kinds }: { kinds: string[] }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const changes = api.useQuery('get', '/api/v1/changes', { params: { query: { status: 'pending' } } });
  const done = { onSuccess: () => queryClient.invalidateQueries({ queryKey: ['get'] }) };
  const approve = api.useMutation('post', '/api/v1/changes/{id}/approve', done);
  const reject = api.useMutation('post', '/api/v1/changes/{id}/reject', done);
  const pending = (changes.data?.items ?? []).filter((c) => kinds.includes(c.kind));
  if (changes.error) return <ErrorNotice error={changes.error} title="The pending changes could not be read" />;
  if (pending.length === 0) return null;
  return (
    <Stack gap="xs" component="section" aria-label="Changes waiting for a second admin">
      <Text fw={600} size="sm">
        Changes waiting for a second admin
      </Text>
      {(approve.error ?? reject.error) && (
        <ErrorNotice error={approve.error ?? reject.error} title="The change was not decided" />
      )}
      {pending.map((c) => (
        <Group key={c.id} justify="space-between" wrap="wrap" gap="xs">
          <Text size="sm">
            {c.summary} — proposed by {c.proposedBy} <Time iso={c.proposedAt} />
          </Text>
          <Group gap="xs">
            {c.proposedBy !== me.user && (
              <Button size="xs" onClick={() => approve.mutate({ params: { path: { id: c.id } } })}>
                Approve change
              </Button>
            )}
            <Button size="xs" variant="default" onClick={() => reject.mutate({ params: { path: { id: c.id } } })}>
              {c.proposedBy === me.user ? 'Withdraw' : 'Reject'}
            </Button>
          </Group>
        </Group>
      ))}
    </Stack>
  );
}
