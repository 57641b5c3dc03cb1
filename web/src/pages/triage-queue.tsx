/** The triage queue per (bulletin, group): filters, row selection and bulk approve / ignore / decline. */
import { Alert, Button, Checkbox, CloseButton, Group, List, Select, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { paths } from '../../../src/protocol/openapi.gen';
import { api } from '../api';
import { SeverityBadge, TriageBadge } from '../components/badges';
import { BulletinLink } from '../components/links';
import { EmptyState, ErrorNotice } from '../components/notices';
import { QueryView } from '../components/query-view';
import { SimpleTable } from '../components/simple-table';
import { Time } from '../components/time';
import { ReasonDialog, type TriageAction as Action } from '../components/triage-reason';
import { useCan, useMe } from '../session';
import type { TriageDecision } from '../wire';

type BulkResult = paths['/api/v1/triage/actions']['post']['responses'][200]['content']['application/json'];

const LIMIT = 1000;
const STATES = [
  { value: 'new,awaiting-second-approval', label: 'Waiting for a decision' },
  { value: 'new', label: 'To triage' },
  { value: 'awaiting-second-approval', label: 'Waiting for second approval' },
  { value: 'approved', label: 'Approved' },
  { value: 'ignored', label: 'Ignored' },
  { value: 'declined', label: 'Declined' },
];
const SECOND = 'awaiting-second-approval';
const MINE = 'waiting-for-me';
const keyOf = (d: TriageDecision) => `${d.bulletinId}\u0000${d.groupId}`;

export function TriageQueue() {
  const [params, setParams] = useSearchParams();
  const group = params.get('group') ?? '';
  const bulletin = params.get('bulletin') ?? '';
  // "mine": the second approvals waiting for me (Today's link), approvals I did not give.
  const mine = params.get('waitingFor') === 'me';
  const state = mine ? SECOND : (params.get('state') ?? STATES[0]!.value);
  const canOperate = useCan('operator');
  const me = useMe();
  const groups = api.useQuery('get', '/api/v1/groups', {});
  const queue = api.useQuery('get', '/api/v1/triage', {
    params: {
      query: {
        state,
        limit: LIMIT,
        ...(group ? { group } : {}),
        ...(bulletin ? { bulletin } : {}),
        ...(mine ? { waitingFor: 'me' as const } : {}),
      },
    },
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<'ignore' | 'decline' | null>(null);
  const [result, setResult] = useState<BulkResult | null>(null);
  const queryClient = useQueryClient();
  const act = api.useMutation('post', '/api/v1/triage/actions', {
    onSuccess: async (r) => {
      setResult(r);
      setSelected(new Set());
      setDialog(null);
      await queryClient.invalidateQueries({ queryKey: ['get'] });
    },
  });
  const rows = useMemo(() => queue.data?.items ?? [], [queue.data]);
  const chosen = rows.filter((d) => selected.has(keyOf(d)));
  const set = (key: string, value: string | null) => {
    setSelected(new Set());
    setParams(
      (p) => {
        if (value) p.set(key, value);
        else p.delete(key);
        return p;
      },
      { replace: true },
    );
  };
  const chooseState = (v: string | null) => {
    setSelected(new Set());
    setParams(
      (p) => {
        p.delete('waitingFor');
        if (v === MINE) p.set('waitingFor', 'me');
        if (v && v !== MINE) p.set('state', v);
        else p.delete('state');
        return p;
      },
      { replace: true },
    );
  };
  const run = (action: Action) =>
    act.mutate({
      body: {
        items: chosen.map((d) => ({ bulletin: d.bulletinId, group: d.groupId, expectedVersion: d.version })),
        action,
      },
    });
  const toggle = (k: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });
  const all = rows.length > 0 && chosen.length === rows.length;

  return (
    <Stack>
      <Group align="end" wrap="wrap">
        <Select
          label="Group"
          placeholder="All my groups"
          clearable
          data={(groups.data?.items ?? []).map((g) => ({ value: g.name, label: g.name }))}
          value={group || null}
          onChange={(v) => set('group', v)}
          w={{ base: '100%', xs: 200 }}
        />
        <Select
          label="State"
          data={mine ? [...STATES, { value: MINE, label: 'Second approvals waiting for me' }] : STATES}
          allowDeselect={false}
          value={mine ? MINE : state}
          onChange={(v) => chooseState(v)}
          w={{ base: '100%', xs: 260 }}
        />
        {bulletin && (
          <Group gap={4} wrap="nowrap">
            <Text size="sm">
              Bulletin <b>{bulletin}</b>
            </Text>
            <CloseButton
              size="sm"
              aria-label={`Show every bulletin, not only ${bulletin}`}
              onClick={() => set('bulletin', null)}
            />
          </Group>
        )}
        {queue.data && (
          <Text size="sm" c="dimmed" aria-live="polite">
            {queue.data.total} decision{queue.data.total === 1 ? '' : 's'}
            {queue.data.total > rows.length ? ` (first ${rows.length} shown)` : ''}
          </Text>
        )}
      </Group>
      {canOperate && (
        <Group gap="xs" wrap="wrap" role="toolbar" aria-label="Bulk actions">
          <Text size="sm">{chosen.length} selected</Text>
          <Button size="sm" disabled={!chosen.length} loading={act.isPending} onClick={() => run({ kind: 'approve' })}>
            Approve
          </Button>
          <Button size="sm" variant="default" disabled={!chosen.length} onClick={() => setDialog('ignore')}>
            Ignore…
          </Button>
          <Button
            size="sm"
            variant="default"
            color="red"
            disabled={!chosen.length}
            onClick={() => setDialog('decline')}
          >
            Decline…
          </Button>
        </Group>
      )}
      {act.error && <ErrorNotice error={act.error} title="The action was refused" />}
      {result && <ResultNotice result={result} onClose={() => setResult(null)} />}
      <QueryView
        query={queue}
        what="triage queue"
        empty={
          <EmptyState
            title={
              mine
                ? 'No second approval waits for you'
                : state.startsWith('new')
                  ? 'Nothing waits for triage'
                  : 'No decision in this state'
            }
          >
            {mine
              ? 'Approvals of groups that need two approvers appear here once another operator gave the first.'
              : state.startsWith('new')
                ? 'New bulletins that hit your machines appear here after each source sync. Approval rules can decide routine ones for you (see the Approval rules tab).'
                : 'Pick another state or group.'}
          </EmptyState>
        }
      >
        {() => (
          <SimpleTable
            label="Triage queue"
            minWidth={720}
            highlightOnHover
            rows={rows}
            rowKey={keyOf}
            columns={[
              canOperate && {
                header: (
                  <Checkbox
                    aria-label="Select all"
                    checked={all}
                    indeterminate={chosen.length > 0 && !all}
                    onChange={() => setSelected(all ? new Set() : new Set(rows.map(keyOf)))}
                  />
                ),
                w: 40,
                cell: (d) => (
                  <Checkbox
                    aria-label={`Select ${d.bulletinId} in ${d.group}`}
                    checked={selected.has(keyOf(d))}
                    onChange={() => toggle(keyOf(d))}
                  />
                ),
              },
              {
                header: 'Bulletin',
                cell: (d) => (
                  <>
                    <BulletinLink id={d.bulletinId} />
                    {d.title !== d.bulletinId && (
                      <Text size="xs" c="dimmed" lineClamp={1}>
                        {d.title}
                      </Text>
                    )}
                  </>
                ),
              },
              { header: 'Severity', cell: (d) => <SeverityBadge severity={d.severity} /> },
              { header: 'Group', cell: (d) => d.group },
              { header: 'State', miw: 200, cell: (d) => <StateCell d={d} me={me.user} /> },
              { header: 'Approvals', cell: (d) => d.approvals.join(', ') || '—' },
              {
                header: 'Changed',
                cell: (d) => (
                  <>
                    <Time iso={d.updatedAt} /> · {d.updatedBy}
                  </>
                ),
              },
            ]}
          />
        )}
      </QueryView>
      <ReasonDialog
        kind={dialog}
        what={`${chosen.length} selected`}
        pending={act.isPending}
        onClose={() => setDialog(null)}
        onSubmit={(action) => run(action)}
      />
    </Stack>
  );
}

function StateCell({ d, me }: { d: TriageDecision; me: string }) {
  const mine = d.state === 'awaiting-second-approval' && d.approvals.includes(me);
  return (
    <>
      <TriageBadge state={d.state} />
      {mine && (
        <Text size="xs" c="dimmed">
          You approved; a different operator must give the second approval.
        </Text>
      )}
      {d.reason && (
        <Text size="xs" c="dimmed" lineClamp={2}>
          {d.reason}
        </Text>
      )}
    </>
  );
}

function ResultNotice({ result, onClose }: { result: BulkResult; onClose: () => void }) {
  const refused = result.items.filter((i) => !i.ok);
  return (
    <Alert
      color={refused.length ? 'orange' : 'green'}
      role="status"
      withCloseButton
      closeButtonLabel="Dismiss"
      onClose={onClose}
      title={`${result.applied} applied${refused.length ? `, ${result.refused} refused` : ''}`}
    >
      {refused.length > 0 && (
        <List size="sm">
          {refused.map((i) => (
            <List.Item key={`${i.bulletin}-${i.group}`}>
              {i.bulletin} in {i.group}: {i.error?.message} ({i.error?.code})
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
