/** Triage: the queue per (bulletin, group), the approval rules that decide by themselves, and risk exceptions. */
import { Stack, Tabs, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { RiskExceptions } from './triage-exceptions';
import { TriageQueue } from './triage-queue';
import { ApprovalRules } from './triage-rules';

const TABS = ['queue', 'rules', 'exceptions'] as const;

export default function TriagePage() {
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((t) => t === params.get('tab')) ?? 'queue';
  return (
    <Stack>
      <Title order={1} size="h2">
        Triage
      </Title>
      <Tabs
        value={tab}
        onChange={(v) =>
          setParams(
            (p) => {
              if (v && v !== 'queue') p.set('tab', v);
              else p.delete('tab');
              return p;
            },
            { replace: true },
          )
        }
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="queue">Queue</Tabs.Tab>
          <Tabs.Tab value="rules">Approval rules</Tabs.Tab>
          <Tabs.Tab value="exceptions">Risk exceptions</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="queue" pt="md">
          <TriageQueue />
        </Tabs.Panel>
        <Tabs.Panel value="rules" pt="md">
          <ApprovalRules />
        </Tabs.Panel>
        <Tabs.Panel value="exceptions" pt="md">
          <RiskExceptions />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
