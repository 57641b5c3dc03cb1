/** One machine: facts, attributes, open findings with evidence, those resolved, the daily history, and its pending work. */
import { Alert, Anchor, Button, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api';
import { SeverityBadge, SlaBadge } from '../components/badges';
import { FindingList } from '../components/findings';
import { BulletinLink } from '../components/links';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { QueryView } from '../components/query-view';
import { Fact, Section } from '../components/sections';
import { SimpleTable } from '../components/simple-table';
import { Time } from '../components/time';
import { useCan } from '../session';
import type { Machine, WorkItem } from '../wire';
import { AttributesForm, AttributesView } from './machine-attributes';
import { Jobs, Packages } from './machine-inventory';

const FINDINGS_SHOWN = 500;
// The chart library is the page's largest part: the facts and findings show while it loads.
const HistoryChart = lazy(() => import('../components/history-chart').then((m) => ({ default: m.HistoryChart })));

export default function MachinePage() {
  const { name = '' } = useParams();
  const machine = api.useQuery('get', '/api/v1/machines/{id}', { params: { path: { id: name } } });
  return (
    <QueryView query={machine} what="machine" errorTitle={`Machine ${name} could not be shown`}>
      {(m) => <MachineView machine={m} />}
    </QueryView>
  );
}

function MachineView({ machine: m }: { machine: Machine }) {
  const canOperate = useCan('operator');
  const [editing, setEditing] = useState(false);
  const queryClient = useQueryClient();
  const assess = api.useMutation('post', '/api/v1/machines/{id}/assess', {
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['get'] }),
  });
  const os = m.os
    ? [m.os.platform, m.os.release, m.os.codename && `(${m.os.codename})`, m.os.arch].filter(Boolean).join(' ')
    : 'unknown';
  return (
    <Stack>
      <Group justify="space-between" align="end" wrap="wrap">
        <div>
          <Text size="sm">
            <Anchor component={Link} to="/machines">
              Machines
            </Anchor>
          </Text>
          <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }}>
            {m.name}
          </Title>
        </div>
        {canOperate && (
          <Button
            onClick={() => assess.mutate({ params: { path: { id: m.id } } })}
            loading={assess.isPending}
            variant="light"
          >
            Assess now
          </Button>
        )}
      </Group>
      {assess.error && <ErrorNotice error={assess.error} title="The assessment was not started" />}
      {assess.isSuccess && (
        <Alert color="green" role="status">
          Assessed again from the stored inventory.
        </Alert>
      )}
      {m.agentStale && (
        <Alert color="orange" title="The agent may be seeing stale answers" role="alert">
          Since <Time iso={m.agentStale.since} /> the agent has had no fresh signed server time: {m.agentStale.reason}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title="Facts">
          <SimpleGrid cols={2} spacing="xs" component="dl" m={0}>
            <Fact label="Operating system">{os}</Fact>
            <Fact label="Agent">{m.source === 'agent' ? (m.agentId ?? 'enrolled') : 'none (imported inventory)'}</Fact>
            <Fact label="Last seen">
              <Time iso={m.lastSeenAt} empty={m.source === 'import' ? 'imported' : 'never'} />
            </Fact>
            <Fact label="Inventory">
              <Time iso={m.inventoryAt} empty="none yet" />
            </Fact>
            <Fact label="Assessed">
              {m.assessmentPending ? 'pending…' : <Time iso={m.assessedAt} empty="not yet" />}
            </Fact>
            <Fact label="Open findings">{m.openFindings}</Fact>
          </SimpleGrid>
        </Section>
        <Section
          title="Attributes"
          action={
            canOperate && !editing ? (
              <Button size="xs" variant="default" onClick={() => setEditing(true)}>
                Edit attributes
              </Button>
            ) : undefined
          }
        >
          {editing && canOperate ? (
            <AttributesForm machine={m} onDone={() => setEditing(false)} />
          ) : (
            <AttributesView machine={m} />
          )}
        </Section>
      </SimpleGrid>
      <Section title="Open findings per day">
        <History id={m.id} />
      </Section>
      <Section title={`Open findings (${m.openFindings})`}>
        <Findings machine={m} />
      </Section>
      <Section title="Resolved findings">
        <ResolvedFindings id={m.id} />
      </Section>
      <Section title="Pending work">
        <Work id={m.id} />
      </Section>
      <Section title="Jobs">
        <Jobs id={m.id} />
      </Section>
      <Section title="Installed packages">
        <Packages id={m.id} />
      </Section>
    </Stack>
  );
}

function History({ id }: { id: string }) {
  const history = api.useQuery('get', '/api/v1/machines/{id}/history', { params: { path: { id } } });
  return (
    <QueryView query={history} what="history">
      {(d) => (
        <Suspense fallback={<Loading what="the chart" />}>
          <HistoryChart snapshots={d.items} />
        </Suspense>
      )}
    </QueryView>
  );
}

function Findings({ machine }: { machine: Machine }) {
  return (
    <FindingsRead
      machine={machine.id}
      what="findings"
      empty={
        machine.inventoryAt ? (
          <EmptyState title="Nothing open">
            Every bulletin of the synced sources is installed or does not apply. New bulletins are checked at each sync.
          </EmptyState>
        ) : (
          <EmptyState title="No inventory yet">
            Findings appear once the agent sends its first inventory (or one is imported).
          </EmptyState>
        )
      }
    />
  );
}

/** Findings this machine no longer has because the fix is installed (or superseded), with the evidence that closed them. */
function ResolvedFindings({ id }: { id: string }) {
  return (
    <FindingsRead
      machine={id}
      what="resolved findings"
      resolved
      empty={
        <EmptyState title="Nothing resolved yet">
          A finding is resolved here when a deployment (or anything else) installs its fix and the next inventory shows
          it.
        </EmptyState>
      }
    />
  );
}

/** The machine's open (or resolved) findings, the first FINDINGS_SHOWN with the total. */
function FindingsRead(p: { machine: string; what: string; resolved?: boolean; empty: ReactNode }) {
  const findings = api.useQuery('get', '/api/v1/findings', {
    params: {
      query: {
        machine: p.machine,
        limit: FINDINGS_SHOWN,
        ...(p.resolved ? { status: 'installed,superseded', resolved: 'true' as const } : {}),
      },
    },
  });
  return (
    <QueryView
      query={findings}
      what={p.what}
      errorTitle={`The ${p.what} could not be listed`}
      isEmpty={(d) => d.total === 0}
      empty={p.empty}
    >
      {({ items, total }) => (
        <Stack gap="xs">
          {total > items.length && (
            <Text size="sm" c="dimmed">
              The first {items.length} of {total} are shown.
            </Text>
          )}
          <FindingList findings={items} show="bulletin" />
        </Stack>
      )}
    </QueryView>
  );
}

function Work({ id }: { id: string }) {
  const work = api.useQuery('get', '/api/v1/machines/{id}/work', { params: { path: { id } } });
  return (
    <QueryView
      query={work}
      what="pending work"
      empty={
        <EmptyState title="No approved fix is missing">
          Approve bulletins on the Triage page; approved fixes this machine lacks are listed here.
        </EmptyState>
      }
    >
      {(d) => (
        <SimpleTable
          label="Pending work"
          minWidth={560}
          rows={d.items}
          rowKey={(w: WorkItem) => `${w.bulletinId}-${w.package ?? ''}`}
          columns={[
            {
              header: 'Bulletin',
              cell: (w) => (
                <>
                  <BulletinLink id={w.bulletinId} />
                  <Text size="xs" c="dimmed" lineClamp={1}>
                    {w.title}
                  </Text>
                </>
              ),
            },
            { header: 'Severity', cell: (w) => <SeverityBadge severity={w.severity} /> },
            { header: 'Fix', cell: (w) => `${w.package ?? '—'} ${w.fixedVersion ? `→ ${w.fixedVersion}` : ''}` },
            {
              header: 'Due',
              cell: (w) => (
                <Group gap={4} wrap="nowrap">
                  <Time iso={w.dueAt} empty="no deadline" />
                  <SlaBadge sla={w.sla} />
                </Group>
              ),
            },
          ]}
        />
      )}
    </QueryView>
  );
}
