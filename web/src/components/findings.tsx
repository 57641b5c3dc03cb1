/** Open findings with their evidence: what was expected, what the machine has, and why it counts. */
import { Accordion, Anchor, Group, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { Finding } from '../wire';
import { SeverityBadge, SlaBadge, TriageBadge } from './badges';
import { Time } from './time';

export function FindingList({ findings, show }: { findings: Finding[]; show: 'bulletin' | 'machine' }) {
  return (
    <Accordion variant="separated" multiple chevronPosition="left">
      {findings.map((f) => {
        const key = `${f.machineId}/${f.bulletinId}`;
        return (
          <Accordion.Item key={key} value={key}>
            <Accordion.Control>
              <Group gap="xs" wrap="wrap">
                <SeverityBadge severity={f.severity} />
                <Text fw={600} size="sm">
                  {show === 'bulletin' ? f.bulletinId : f.machineName}
                </Text>
                <Text size="sm" lineClamp={1} style={{ flex: '1 1 200px' }}>
                  {f.title}
                </Text>
                <SlaBadge sla={f.sla} />
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <Stack gap="xs">
                <Group gap="lg" wrap="wrap">
                  {show === 'bulletin' ? (
                    <Anchor component={Link} to={`/bulletins/${encodeURIComponent(f.bulletinId)}`} size="sm">
                      Open bulletin {f.bulletinId}
                    </Anchor>
                  ) : (
                    <Anchor component={Link} to={`/machines/${encodeURIComponent(f.machineName)}`} size="sm">
                      Open machine {f.machineName}
                    </Anchor>
                  )}
                  <Text size="sm">
                    Status: <b>{f.status}</b>
                  </Text>
                  {f.package && (
                    <Text size="sm">
                      Fix: {f.package} {f.fixedVersion ? `→ ${f.fixedVersion}` : ''}
                    </Text>
                  )}
                  <Text size="sm">
                    Due: <Time iso={f.dueAt} empty="no deadline" />
                  </Text>
                  <Group gap={4}>
                    <Text size="sm">Triage:</Text>
                    <TriageBadge state={f.triage} />
                  </Group>
                  <Text size="sm">
                    First seen <Time iso={f.firstSeenAt} />
                  </Text>
                  {f.resolvedAt && (
                    <Text size="sm">
                      Resolved <Time iso={f.resolvedAt} />
                    </Text>
                  )}
                </Group>
                {f.reason && (
                  <Text size="sm">
                    <b>Reason:</b> {f.reason}
                  </Text>
                )}
                <Evidence items={f.evidence} />
              </Stack>
            </Accordion.Panel>
          </Accordion.Item>
        );
      })}
    </Accordion>
  );
}

function Evidence({ items }: { items: Finding['evidence'] }) {
  if (items.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No evidence recorded.
      </Text>
    );
  return (
    <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
      <Table striped withTableBorder fz="sm" miw={520} aria-label="Evidence">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Checked</Table.Th>
            <Table.Th>Expected</Table.Th>
            <Table.Th>Actual</Table.Th>
            <Table.Th>Result</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((e, i) => (
            <Table.Tr key={`${e.ref}-${i}`}>
              <Table.Td title={e.message}>{e.subject}</Table.Td>
              <Table.Td>
                <code>{e.expected ?? '—'}</code>
              </Table.Td>
              <Table.Td>
                <code>{e.actual ?? '—'}</code>
              </Table.Td>
              <Table.Td>{e.result}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
