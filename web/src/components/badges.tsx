/** Coloured badges for the states the console shows in many places: severity, triage, deadline. */
import { Badge } from '@mantine/core';

/**
 * Badges keep their whole text (a narrow table column grows or scrolls rather than cutting it), in the
 * body's text colour on the tinted background: coloured text on a light tint fails WCAG AA contrast.
 */
export const WHOLE = { minWidth: 'max-content', color: 'var(--mantine-color-text)' } as const;

const SEVERITY_COLOR: Record<string, string> = {
  critical: 'red',
  important: 'orange',
  moderate: 'yellow',
  low: 'blue',
  unknown: 'gray',
};

export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <Badge color={SEVERITY_COLOR[severity] ?? 'gray'} variant="light" style={WHOLE}>
      {severity}
    </Badge>
  );
}

const TRIAGE_LABEL: Record<string, string> = {
  new: 'to triage',
  'awaiting-second-approval': 'waiting for second approval',
  approved: 'approved',
  ignored: 'ignored',
  declined: 'declined',
};
const TRIAGE_COLOR: Record<string, string> = {
  new: 'blue',
  'awaiting-second-approval': 'grape',
  approved: 'green',
  ignored: 'gray',
  declined: 'dark',
};

export function triageLabel(state: string): string {
  return TRIAGE_LABEL[state] ?? state;
}

export function TriageBadge({ state }: { state: string }) {
  return (
    <Badge color={TRIAGE_COLOR[state] ?? 'gray'} variant="light" style={{ ...WHOLE, textTransform: 'none' }}>
      {triageLabel(state)}
    </Badge>
  );
}

const SLA_COLOR: Record<string, string> = { overdue: 'red', 'due-soon': 'orange', 'on-track': 'green' };

export function SlaBadge({ sla }: { sla: string }) {
  return (
    <Badge color={SLA_COLOR[sla] ?? 'gray'} variant="outline" style={{ ...WHOLE, textTransform: 'none' }}>
      {sla.replace('-', ' ')}
    </Badge>
  );
}
