/** The per-group settings of the group form: maintenance window, reboot policy and deadlines. */
import { Checkbox, Divider, NumberInput, Select, SimpleGrid, Switch, TextInput } from '@mantine/core';
import type { Schemas } from '../../wire';

export type Reboot = Schemas['RebootPolicy'];
export type Window = Schemas['MaintenanceWindow'];
export type DeadlinePolicy = Schemas['DeadlinePolicy'];
export const SEVERITIES = ['critical', 'important', 'moderate', 'low'] as const;
export type Track = 'tested' | 'emergency';
/** The deadline fields as typed: per track and severity, and "due soon" ('' = the server default). */
export type DeadlineDraft = Record<Track, Record<string, string>> & { dueSoon: string };

export function WindowFields({ window, onChange }: { window: Window | null; onChange: (w: Window | null) => void }) {
  const w = window ?? { cron: '0 22 * * 0', durationMinutes: 120, timeZone: localZone() };
  return (
    <>
      <Divider label="Maintenance window" labelPosition="left" />
      <Switch
        label="Install only inside a window"
        checked={window !== null}
        onChange={(e) => onChange(e.currentTarget.checked ? w : null)}
      />
      {window && (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label="Starts (cron)"
            value={window.cron}
            onChange={(e) => onChange({ ...window, cron: e.currentTarget.value })}
          />
          <NumberInput
            label="Length (minutes)"
            min={1}
            max={7 * 24 * 60}
            value={window.durationMinutes}
            onChange={(v) => onChange({ ...window, durationMinutes: Number(v) || 1 })}
          />
          <TextInput
            label="Time zone"
            value={window.timeZone}
            onChange={(e) => onChange({ ...window, timeZone: e.currentTarget.value })}
          />
        </SimpleGrid>
      )}
    </>
  );
}

export function RebootFields({ reboot, onChange }: { reboot: Reboot | null; onChange: (r: Reboot | null) => void }) {
  const r = reboot ?? { mode: 'if-required', onlyInWindow: true, maxDeferrals: 3 };
  return (
    <>
      <Divider label="Reboot policy" labelPosition="left" />
      <Switch
        label="Own reboot policy (otherwise the server default)"
        checked={reboot !== null}
        onChange={(e) => onChange(e.currentTarget.checked ? r : null)}
      />
      {reboot && (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Reboot"
            data={['never', 'if-required', 'always']}
            value={reboot.mode}
            allowDeselect={false}
            onChange={(v) => v && onChange({ ...reboot, mode: v })}
          />
          <NumberInput
            label="Deferrals"
            min={0}
            max={100}
            value={reboot.maxDeferrals}
            onChange={(v) => onChange({ ...reboot, maxDeferrals: Number(v) || 0 })}
          />
          <Checkbox
            mt="lg"
            label="Only in the window"
            checked={reboot.onlyInWindow}
            onChange={(e) => onChange({ ...reboot, onlyInWindow: e.currentTarget.checked })}
          />
        </SimpleGrid>
      )}
    </>
  );
}

export function DeadlineFields({ draft, onChange }: { draft: DeadlineDraft; onChange: (d: DeadlineDraft) => void }) {
  const field = (track: Track, s: string) => (
    <TextInput
      key={`${track}-${s}`}
      label={track === 'tested' ? s : `${s} (emergency)`}
      value={draft[track][s] ?? ''}
      onChange={(e) => onChange({ ...draft, [track]: { ...draft[track], [s]: e.currentTarget.value } })}
    />
  );
  return (
    <>
      <Divider label="Deadlines (ISO 8601 durations, e.g. P14D; empty: server default)" labelPosition="left" />
      <SimpleGrid cols={{ base: 2, sm: 5 }}>
        {SEVERITIES.map((s) => field('tested', s))}
        <TextInput
          label="Due soon"
          value={draft.dueSoon}
          onChange={(e) => onChange({ ...draft, dueSoon: e.currentTarget.value })}
        />
        {SEVERITIES.map((s) => field('emergency', s))}
      </SimpleGrid>
    </>
  );
}

export function deadlineDraftOf(p: DeadlinePolicy | null | undefined): DeadlineDraft {
  const of = (t: Track) => Object.fromEntries(SEVERITIES.map((s) => [s, p?.[t]?.[s] ?? '']));
  return { tested: of('tested'), emergency: of('emergency'), dueSoon: p?.dueSoon ?? '' };
}

/** The policy to save: the typed fields over what the form does not show (its time zone); null when nothing is set. */
export function deadlinePolicyOf(
  draft: DeadlineDraft,
  before: DeadlinePolicy | null | undefined,
): DeadlinePolicy | null {
  const track = (t: Track) => {
    const set: [string, string][] = SEVERITIES.filter((s) => draft[t][s]?.trim()).map((s) => [s, draft[t][s]!.trim()]);
    return set.length ? { [t]: Object.fromEntries(set) as Record<string, string> } : {};
  };
  const policy: DeadlinePolicy = {
    ...(before?.timeZone ? { timeZone: before.timeZone } : {}),
    ...track('tested'),
    ...track('emergency'),
    ...(draft.dueSoon.trim() ? { dueSoon: draft.dueSoon.trim() } : {}),
  };
  return policy.tested || policy.emergency || policy.dueSoon ? policy : null;
}

/** One line for the list: "critical P7D, important P14D; due soon P3D", or the server default. */
export function describeDeadlines(p: DeadlinePolicy | null): string {
  if (!p) return 'default';
  const parts = SEVERITIES.filter((s) => p.tested?.[s]).map((s) => `${s} ${p.tested![s]}`);
  const emergency = SEVERITIES.filter((s) => p.emergency?.[s]).map((s) => `${s} ${p.emergency![s]}`);
  return (
    [
      parts.join(', '),
      emergency.length ? `emergency: ${emergency.join(', ')}` : '',
      p.dueSoon ? `due soon ${p.dueSoon}` : '',
    ]
      .filter(Boolean)
      .join('; ') || 'default'
  );
}

export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
