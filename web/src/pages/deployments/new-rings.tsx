/** The Rings step of a new deployment: who goes first, each ring's members, soak time and gate. */
import {
  ActionIcon,
  Button,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import type { Dispatch, SetStateAction } from 'react';
import { ring, type RingDraft } from './new-body';

export function RingsStep({
  rings,
  setRings,
  targetOptions,
}: {
  rings: RingDraft[];
  setRings: Dispatch<SetStateAction<RingDraft[]>>;
  targetOptions: { value: string; label: string }[];
}) {
  const setRing = (i: number, patch: Partial<RingDraft>) =>
    setRings((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Stack mt="md">
      <Text size="sm" c="dimmed">
        Rings run in order. A ring starts when the one before passed its gate and stayed healthy for its soak time.
        Percentages are of the whole target; a machine is in the first ring that takes it.
      </Text>
      {rings.map((r, i) => (
        <Paper key={i} withBorder p="sm">
          <Stack gap="xs">
            <Group justify="space-between">
              <Text fw={600}>Ring {i + 1}</Text>
              {rings.length > 1 && (
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove ring ${i + 1}`}
                  onClick={() => setRings((rs) => rs.filter((_, j) => j !== i))}
                >
                  ✕
                </ActionIcon>
              )}
            </Group>
            <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
              <TextInput
                label="Ring name"
                value={r.name}
                maxLength={64}
                onChange={(e) => setRing(i, { name: e.currentTarget.value })}
              />
              <Select
                label="Members"
                data={[
                  { value: 'percent', label: 'A share of the target' },
                  { value: 'explicit', label: 'Listed machines' },
                  { value: 'strategy', label: 'A strategy' },
                ]}
                value={r.kind}
                allowDeselect={false}
                onChange={(v) => v && setRing(i, { kind: v })}
              />
              {r.kind === 'percent' && (
                <NumberInput
                  label="Share of the target (%)"
                  min={0}
                  max={100}
                  value={r.percent}
                  onChange={(v) => setRing(i, { percent: Number(v) || 0 })}
                />
              )}
              {r.kind === 'strategy' && (
                <>
                  <Select
                    label="Strategy"
                    data={['least-critical-first', 'one-per-role', 'volunteers']}
                    value={r.strategy}
                    allowDeselect={false}
                    onChange={(v) => v && setRing(i, { strategy: v })}
                  />
                  <NumberInput
                    label="How many machines (optional)"
                    min={1}
                    value={r.count}
                    onChange={(v) => setRing(i, { count: v === '' ? '' : Number(v) })}
                  />
                </>
              )}
            </SimpleGrid>
            {r.kind === 'explicit' && (
              <MultiSelect
                label="Machines of this ring"
                description="From the target."
                searchable
                data={targetOptions}
                value={r.machines}
                onChange={(v) => setRing(i, { machines: v })}
              />
            )}
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <NumberInput
                label="Soak time (hours)"
                min={0}
                max={90 * 24}
                decimalScale={2}
                value={r.soakHours}
                onChange={(v) => setRing(i, { soakHours: Number(v) || 0 })}
              />
              <NumberInput
                label="Gate: at least succeeded (%)"
                min={0}
                max={100}
                value={r.minSuccessPercent}
                onChange={(v) => setRing(i, { minSuccessPercent: Number(v) || 0 })}
              />
              <NumberInput
                label="Gate: halt after more failures than"
                min={0}
                value={r.maxFailures}
                onChange={(v) => setRing(i, { maxFailures: Number(v) || 0 })}
              />
            </SimpleGrid>
          </Stack>
        </Paper>
      ))}
      {rings.length < 20 && (
        <Button
          variant="default"
          w="fit-content"
          onClick={() => setRings((rs) => [...rs, ring(`ring${rs.length + 1}`, 100, 0)])}
        >
          Add a ring
        </Button>
      )}
    </Stack>
  );
}
