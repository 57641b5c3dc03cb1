/**
 * A bulletin's triage in each group: the state, who decided and why, the whole history (who changed
 * it, when, from what to what, with the reason and the end of an ignore), and for operators the
 * approve / ignore / decline / reopen actions.
 */
import { Alert, Anchor, Button, Card, Group, List, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { TriageBadge, triageLabel } from '../components/badges';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { Time } from '../components/time';
import { ReasonDialog, type TriageAction } from '../components/triage-reason';
import { useCan, useMe } from '../session';

type Answer = paths['/api/v1/bulletins/{id}/triage']['get']['responses'][200]['content']['application/json'];
type Event = Answer['history'][number];
type BulkResult = paths['/api/v1/triage/actions']['post']['responses'][200]['content']['application/json'];
type Decision = Answer['decisions'][number];

/** The triage per group of bulletin `id`, each group with its history. */
export function BulletinTriage({ id }: { id: string }) {
  const triage = api.useQuery('get', '/api/v1/bulletins/{id}/triage', { params: { path: { id } } });
  if (triage.error) return <ErrorNotice error={triage.error} title="The triage could not be read" />;
  if (triage.isPending) return <Loading what="triage" />;
  const { decisions, history } = triage.data;
  if (decisions.length === 0)
    return (
      <EmptyState title="Not in any triage queue">
        A bulletin enters a group&apos;s queue once it hits one of the group&apos;s machines.
      </EmptyState>
    );
  return (
    <Stack>
      {decisions.map((d) => (
        <GroupTriage key={d.groupId} bulletinId={id} d={d} history={history.filter((e) => e.groupId === d.groupId)} />
      ))}
    </Stack>
  );
}

function GroupTriage({ bulletinId, d, history }: { bulletinId: string; d: Decision; history: Event[] }) {
  return (
    <Card withBorder padding="sm" component="article" aria-label={`Triage in ${d.group}`}>
      <Group justify="space-between" align="start" wrap="wrap" gap="xs">
        <div>
          <Group gap="xs" wrap="wrap">
            <Title order={3} size="h5">
              <Anchor
                component={Link}
                to={`/triage?group=${encodeURIComponent(d.group)}&bulletin=${encodeURIComponent(bulletinId)}`}
              >
                {d.group}
              </Anchor>
            </Title>
            <TriageBadge state={d.state} />
            {d.emergency && (
              <Text span size="xs" fw={600}>
                emergency track
              </Text>
            )}
          </Group>
          <Text size="sm" c="dimmed">
            Changed <Time iso={d.updatedAt} /> by {d.updatedBy}
            {d.approvals.length > 0 && <> · approved by {d.approvals.join(', ')}</>}
            {d.owner && <> · owner {d.owner}</>}
          </Text>
          {d.reason && <Text size="sm">Reason: {d.reason}</Text>}
          {d.ignoreUntil && (
            <Text size="sm">
              Ignored until <Time iso={d.ignoreUntil} />
            </Text>
          )}
        </div>
        <TriageActions bulletinId={bulletinId} d={d} />
      </Group>
      <History history={history} />
    </Card>
  );
}

type Kind = 'approve' | 'ignore' | 'decline' | 'reopen';
/** The actions the state machine allows from each state (src/policy/triage.ts). */
const ALLOWED: Record<string, Kind[]> = {
  new: ['approve', 'ignore', 'decline'],
  'awaiting-second-approval': ['approve', 'ignore', 'decline', 'reopen'],
  approved: ['ignore', 'decline', 'reopen'],
  ignored: ['decline', 'reopen'],
  declined: ['reopen'],
};

/** Operators' buttons; a viewer sees none. */
function TriageActions({ bulletinId, d }: { bulletinId: string; d: Decision }) {
  const canOperate = useCan('operator');
  const me = useMe();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<'ignore' | 'decline' | null>(null);
  const [refused, setRefused] = useState<BulkResult['items']>([]);
  const act = api.useMutation('post', '/api/v1/triage/actions', {
    onSuccess: async (r) => {
      setRefused(r.items.filter((i) => !i.ok));
      setDialog(null);
      await queryClient.invalidateQueries({ queryKey: ['get'] });
    },
  });
  if (!canOperate) return null;
  const allowed = ALLOWED[d.state] ?? [];
  const iApproved = d.state === 'awaiting-second-approval' && d.approvals.includes(me.user);
  const run = (action: TriageAction) =>
    act.mutate({ body: { items: [{ bulletin: bulletinId, group: d.groupId, expectedVersion: d.version }], action } });
  return (
    <Stack gap={4} align="end">
      <Group gap="xs" wrap="wrap" role="toolbar" aria-label={`Triage actions in ${d.group}`}>
        {allowed.includes('approve') && (
          <Button
            size="xs"
            disabled={iApproved}
            title={iApproved ? 'You gave the first approval; another operator gives the second.' : undefined}
            loading={act.isPending}
            onClick={() => run({ kind: 'approve' })}
          >
            {d.state === 'awaiting-second-approval' ? 'Give second approval' : 'Approve'}
          </Button>
        )}
        {allowed.includes('ignore') && (
          <Button size="xs" variant="default" onClick={() => setDialog('ignore')}>
            Ignore…
          </Button>
        )}
        {allowed.includes('decline') && (
          <Button size="xs" variant="default" color="red" onClick={() => setDialog('decline')}>
            Decline…
          </Button>
        )}
        {allowed.includes('reopen') && (
          <Button size="xs" variant="subtle" loading={act.isPending} onClick={() => run({ kind: 'reopen' })}>
            Reopen
          </Button>
        )}
      </Group>
      {act.error && <ErrorNotice error={act.error} title="The action was refused" />}
      {refused.length > 0 && (
        <Alert color="orange" role="status" title="Refused" withCloseButton onClose={() => setRefused([])}>
          <List size="sm">
            {refused.map((i) => (
              <List.Item key={i.group}>
                {i.error?.message} ({i.error?.code})
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      <ReasonDialog
        kind={dialog}
        what={`${bulletinId} in ${d.group}`}
        pending={act.isPending}
        onClose={() => setDialog(null)}
        onSubmit={run}
      />
    </Stack>
  );
}

/** The group's history, oldest first: when, who, the change and its reason, note, owner or end. */
function History({ history }: { history: Event[] }) {
  if (history.length === 0)
    return (
      <Text size="sm" c="dimmed" mt="xs">
        No change recorded yet.
      </Text>
    );
  return (
    <ScrollArea type="auto" mt="xs" viewportProps={{ tabIndex: 0 }}>
      <Table fz="sm" verticalSpacing={4} aria-label="History">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When, who</Table.Th>
            <Table.Th>Change</Table.Th>
            <Table.Th>Details</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {history.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>
                <Time iso={e.at} />
                <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                  {e.actor}
                </Text>
              </Table.Td>
              <Table.Td>
                {e.action}: {e.fromState ? `${triageLabel(e.fromState)} → ` : ''}
                {triageLabel(e.toState)}
              </Table.Td>
              <Table.Td>
                <Details detail={e.detail} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

function Details({ detail }: { detail: Event['detail'] }) {
  const parts: ReactNode[] = [];
  if (typeof detail.reason === 'string') parts.push(<span key="reason">reason: {detail.reason}</span>);
  if (typeof detail.until === 'string')
    parts.push(
      <span key="until">
        until <Time iso={detail.until} />
      </span>,
    );
  if (detail.emergency === true) parts.push(<span key="emergency">emergency track</span>);
  if ('owner' in detail) parts.push(<span key="owner">owner: {detail.owner ?? 'none'}</span>);
  if (typeof detail.note === 'string') parts.push(<span key="note">note: {detail.note}</span>);
  if (typeof detail.text === 'string') parts.push(<span key="text">{detail.text}</span>);
  if (parts.length === 0) return <>—</>;
  return (
    <Stack gap={0} component="span">
      {parts}
    </Stack>
  );
}
