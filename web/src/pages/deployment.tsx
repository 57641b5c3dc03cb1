/**
 * One deployment, live: its rings and gates, every machine's state and planned packages, the jobs
 * with the agents' step logs, and the operator's pause, resume, abort and rollback. The page polls
 * while the deployment is unfinished, so progress appears without a reload.
 */
import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { api } from '../api';
import { ConfirmDialog } from '../components/confirm';
import { MachineLink } from '../components/links';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { QueryView } from '../components/query-view';
import { SimpleTable } from '../components/simple-table';
import { Time } from '../components/time';
import { useCan } from '../session';
import type { Schemas } from '../wire';
import { JobDrawer } from '../components/job-drawer';
import { isFinished, ProgressBar, StateBadge } from './deployments/status';

type Detail = Schemas['DeploymentDetail'];
type Job = Schemas['Job'];
type Skipped = { bulletinId: string; reason: string }[];

const LIVE_MS = 3_000;

export default function DeploymentPage() {
  const { id = '' } = useParams();
  const location = useLocation();
  const skipped = (location.state as { skipped?: Skipped } | null)?.skipped ?? [];
  const canOperate = useCan('operator');
  const [jobId, setJobId] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'abort' | 'rollback' | null>(null);
  const path = { params: { path: { id } } };
  const live = (finished: boolean | undefined) => (finished ? false : LIVE_MS);
  const detail = api.useQuery('get', '/api/v1/deployments/{id}', path, {
    refetchInterval: (q) => live(q.state.data && isFinished(q.state.data.status)),
  });
  const finished = detail.data ? isFinished(detail.data.status) : false;
  const jobs = api.useQuery('get', '/api/v1/deployments/{id}/jobs', path, {
    refetchInterval: live(finished),
  });
  const pause = api.useMutation('post', '/api/v1/deployments/{id}/pause');
  const resume = api.useMutation('post', '/api/v1/deployments/{id}/resume');
  const abort = api.useMutation('post', '/api/v1/deployments/{id}/abort');
  const rollback = api.useMutation('post', '/api/v1/deployments/{id}/rollback');
  const actionError = pause.error ?? resume.error ?? abort.error ?? rollback.error;

  if (detail.error) return <ErrorNotice error={detail.error} title="The deployment could not be loaded" />;
  if (detail.isPending) return <Loading what="the deployment" />;
  const d = detail.data;
  const refresh = async () => {
    await Promise.all([detail.refetch(), jobs.refetch()]);
  };
  const act = async (m: typeof pause, reason?: string) => {
    try {
      await m.mutateAsync({ params: { path: { id } }, body: reason ? { reason } : {} });
      await refresh();
    } catch {
      // shown from the mutation's error
    }
  };
  const rollbackable = d.machines.some(
    (m) => m.jobId && ['succeeded', 'failed', 'validating'].includes(m.state) && !m.rollback,
  );

  return (
    <Stack>
      <Anchor component={Link} to="/deployments" size="sm">
        ← Deployments
      </Anchor>
      <Group justify="space-between" align="start">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={1} size="h2">
              {d.name}
            </Title>
            <StateBadge state={d.status} />
            {!finished && (
              <Text size="xs" c="dimmed" aria-live="off">
                live
              </Text>
            )}
          </Group>
          <Text size="sm" c="dimmed">
            Started <Time iso={d.createdAt} /> by {d.createdBy}
            {d.deadline && (
              <>
                {' '}
                · deadline <Time iso={d.deadline} />
              </>
            )}
            {d.finishedAt && (
              <>
                {' '}
                · finished <Time iso={d.finishedAt} />
              </>
            )}
          </Text>
          {d.statusReason && <Text size="sm">{d.statusReason}</Text>}
        </Stack>
        {canOperate && (
          <Group gap="xs">
            {d.status === 'running' && (
              <Button variant="default" loading={pause.isPending} onClick={() => void act(pause)}>
                Pause
              </Button>
            )}
            {d.status === 'paused' && (
              <Button loading={resume.isPending} onClick={() => void act(resume)}>
                Resume
              </Button>
            )}
            {!finished && (
              <Button color="red.9" variant="outline" onClick={() => setConfirm('abort')}>
                Abort
              </Button>
            )}
            {rollbackable && (
              <Button variant="default" onClick={() => setConfirm('rollback')}>
                Roll back
              </Button>
            )}
          </Group>
        )}
      </Group>
      {actionError && <ErrorNotice error={actionError} title="The deployment did not change" />}
      {skipped.length > 0 && (
        <Alert color="yellow" title="Left out of this deployment">
          No machine of the target can install: {skipped.map((s) => `${s.bulletinId} (${s.reason})`).join('; ')}.
        </Alert>
      )}
      {d.unplaced.length > 0 && (
        <Alert color="yellow" title="Machines no ring took">
          {d.unplaced.join(', ')}
        </Alert>
      )}
      <ProgressBar counts={d.counts} label="Overall progress" />
      <Rings d={d} />
      <Tabs defaultValue="machines">
        <Tabs.List>
          <Tabs.Tab value="machines">Machines ({d.machines.length})</Tabs.Tab>
          <Tabs.Tab value="jobs">Jobs ({jobs.data?.items.length ?? '…'})</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="machines" pt="sm">
          <Machines d={d} onJob={setJobId} />
        </Tabs.Panel>
        <Tabs.Panel value="jobs" pt="sm">
          <QueryView query={jobs} what="jobs" errorTitle="The jobs could not be listed">
            {(j) => <Jobs jobs={j.items} onJob={setJobId} />}
          </QueryView>
        </Tabs.Panel>
      </Tabs>
      <JobDrawer id={jobId} onClose={() => setJobId(null)} />
      <ConfirmDialog
        opened={confirm === 'abort'}
        title="Abort this deployment?"
        confirmLabel="Abort deployment"
        withReason
        busy={abort.isPending}
        onClose={() => setConfirm(null)}
        onConfirm={(reason) => void act(abort, reason).then(() => setConfirm(null))}
      >
        Queued jobs are cancelled and no machine starts installing. Machines already installing finish; nothing is
        rolled back. An aborted deployment cannot be resumed.
      </ConfirmDialog>
      <ConfirmDialog
        opened={confirm === 'rollback'}
        title="Roll back this deployment?"
        confirmLabel="Roll back every changed machine"
        color="orange"
        withReason
        busy={rollback.isPending}
        onClose={() => setConfirm(null)}
        onConfirm={(reason) => void act(rollback, reason).then(() => setConfirm(null))}
      >
        Every machine that ran an install job gets a rollback job that returns its packages to the versions they had
        before.
      </ConfirmDialog>
    </Stack>
  );
}

function Rings({ d }: { d: Detail }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: Math.min(4, Math.max(2, d.rings.length)) }}>
      {d.rings.map((r) => (
        <Card key={r.index} withBorder padding="sm" aria-label={`Ring ${r.name}`}>
          <Group justify="space-between" mb={4}>
            <Text fw={600}>
              {r.index + 1}. {r.name}
            </Text>
            <StateBadge state={r.status} />
          </Group>
          <ProgressBar counts={r.counts} label={`Progress of ring ${r.name}`} />
          <Text size="xs" c="dimmed" mt={4}>
            {r.members} machine{r.members === 1 ? '' : 's'} · soak {formatSoak(r.soakSeconds)} · gate ≥{' '}
            {Math.round(r.gate.minSuccessRatio * 100)} % succeeded, ≤ {r.gate.maxFailures} failures
          </Text>
          <Text size="xs" c="dimmed">
            Success now {Math.round(r.successRatio * 100)} %
            {r.startedAt && (
              <>
                {' '}
                · started <Time iso={r.startedAt} />
              </>
            )}
          </Text>
        </Card>
      ))}
    </SimpleGrid>
  );
}

function formatSoak(s: number): string {
  if (s === 0) return 'none';
  if (s % 3600 === 0) return `${s / 3600} h`;
  return `${Math.round(s / 60)} min`;
}

function Machines({ d, onJob }: { d: Detail; onJob: (id: string) => void }) {
  return (
    <SimpleTable
      label="Machines of the deployment"
      minWidth={820}
      rows={d.machines}
      rowKey={(m) => m.machineId}
      empty={
        <EmptyState title="No machine needs these fixes">
          Every machine of the target already has them, or none can install them. Check the target&apos;s findings.
        </EmptyState>
      }
      columns={[
        {
          header: 'Machine',
          cell: (m) => (
            <>
              <MachineLink name={m.machineName} />
              {m.message && (
                <Text size="xs" c="dimmed">
                  {m.message}
                </Text>
              )}
            </>
          ),
        },
        { header: 'Ring', cell: (m) => m.ring },
        {
          header: 'State',
          cell: (m) => (
            <Group gap={4}>
              <StateBadge state={m.state} />
              {m.rollback && <Badge variant="outline">rollback {m.rollback}</Badge>}
            </Group>
          ),
        },
        {
          header: 'Planned packages',
          cell: (m) => (
            <>
              <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
                {m.packages.map((p) => `${p.name} ${p.previousVersion ?? '?'} → ${p.version}`).join(', ') || '—'}
              </Text>
              {m.notInstallable.length > 0 && (
                <Text size="xs" c="orange.8">
                  Cannot install: {m.notInstallable.map((n) => `${n.bulletinId} (${n.reason})`).join('; ')}
                </Text>
              )}
            </>
          ),
        },
        {
          header: 'Job',
          cell: (m) =>
            m.jobId ? (
              <StepLogButton onClick={() => onJob(m.jobId!)} />
            ) : (
              <Text size="xs" c="dimmed">
                not issued
              </Text>
            ),
        },
        { header: 'Updated', cell: (m) => <Time iso={m.updatedAt} /> },
      ]}
    />
  );
}

function StepLogButton({ onClick }: { onClick: () => void }) {
  return (
    <Button size="compact-xs" variant="subtle" onClick={onClick}>
      Step log
    </Button>
  );
}

function Jobs({ jobs, onJob }: { jobs: Job[]; onJob: (id: string) => void }) {
  return (
    <SimpleTable
      label="Jobs of the deployment"
      minWidth={720}
      rows={jobs}
      rowKey={(j) => j.id}
      empty={
        <EmptyState title="No jobs yet">
          A machine gets its job at its next check-in once its ring runs and its maintenance window is open.
        </EmptyState>
      }
      columns={[
        { header: 'Machine', cell: (j) => j.machineName },
        { header: 'Kind', cell: (j) => j.kind },
        { header: 'State', cell: (j) => <StateBadge state={j.state} /> },
        { header: 'Issued', cell: (j) => <Time iso={j.issuedAt} /> },
        { header: 'Reported', cell: (j) => <Time iso={j.reportedAt} empty="not yet" /> },
        { header: 'Log', cell: (j) => <StepLogButton onClick={() => onJob(j.id)} /> },
      ]}
    />
  );
}
