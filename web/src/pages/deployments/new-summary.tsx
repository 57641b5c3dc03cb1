/** The settings of a new deployment on one table, as the Review step shows them beside the plan. */
import { Table } from '@mantine/core';
import type { Create } from './new-body';

export function Review({
  body,
  targetCount,
  machineName,
}: {
  body: Create;
  targetCount: number;
  machineName: Map<string, string>;
}) {
  const rows: [string, string][] = [
    ['Fixes', body.bulletins ? body.bulletins.join(', ') : 'every approved fix each machine misses'],
    [
      'Target',
      [
        body.target.groups?.length ? `groups ${body.target.groups.join(', ')}` : '',
        body.target.machines?.length ? `machines ${body.target.machines.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ') + ` — ${targetCount} machines`,
    ],
    ...body.rings.map((r, i): [string, string] => [
      `Ring ${i + 1}: ${r.name}`,
      `${
        r.members.kind === 'percent'
          ? `${r.members.percent} % of the target`
          : r.members.kind === 'explicit'
            ? r.members.machines.map((m) => machineName.get(m) ?? m).join(', ')
            : `${r.members.strategy}${r.members.count ? ` (${r.members.count})` : ''}`
      }; soak ${(r.soakSeconds ?? 0) / 3600} h; gate ≥ ${Math.round((r.gate?.minSuccessRatio ?? 1) * 100)} % succeeded, halt after ${r.gate?.maxFailures ?? 0} failures`,
    ]),
    ['Deadline', body.deadline ? new Date(body.deadline).toLocaleString() : 'none'],
    [
      'Reboot',
      body.rebootPolicy
        ? `${body.rebootPolicy.mode}${body.rebootPolicy.onlyInWindow ? ', only in the window' : ''}, ${body.rebootPolicy.maxDeferrals} deferrals`
        : "each group's policy",
    ],
    ['On a halted ring', body.rollbackOnHalt ? 'roll its machines back' : 'leave them as they are'],
    [
      'Hooks',
      [body.preHook && `before: ${body.preHook}`, body.postHook && `after: ${body.postHook}`]
        .filter(Boolean)
        .join(', ') || 'none',
    ],
  ];
  return (
    <Table aria-label="Review" variant="vertical" layout="fixed" withTableBorder>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={{ base: 110, sm: 180 }}>{k}</Table.Th>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
