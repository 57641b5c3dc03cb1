/** The ignore / decline dialog of a triage action: a reason always, and for an ignore the date it ends. */
import { Button, Group, Modal, Stack, Textarea, TextInput } from '@mantine/core';
import { schemaResolver, useForm } from '@mantine/form';
import { z } from 'zod';
import type { paths } from '../../../src/protocol/openapi.gen';
import { endOfDay, isDay, notPast } from './forms';

/** The action of POST /triage/actions. */
export type TriageAction =
  paths['/api/v1/triage/actions']['post']['requestBody']['content']['application/json']['action'];

const reasonForm = z
  .object({
    kind: z.enum(['ignore', 'decline']),
    reason: z
      .string()
      .trim()
      .min(1, 'Say why, for the audit trail and the other operators.')
      .max(2000, 'At most 2000 characters.'),
    until: z.string(),
  })
  .refine((v) => v.kind !== 'ignore' || isDay(v.until), {
    path: ['until'],
    message: 'Pick the date the ignore ends; the bulletin then returns to the queue.',
  })
  .refine((v) => v.kind !== 'ignore' || notPast(v.until), {
    path: ['until'],
    message: 'The date must be in the future.',
  });
type ReasonValues = z.infer<typeof reasonForm>;

/** A modal asking why (and until when, for an ignore); `what` names what the action applies to. */
export function ReasonDialog(p: {
  kind: 'ignore' | 'decline' | null;
  what: string;
  pending: boolean;
  onClose: () => void;
  onSubmit: (a: TriageAction) => void;
}) {
  return (
    <Modal
      opened={p.kind !== null}
      onClose={p.onClose}
      title={p.kind === 'ignore' ? `Ignore ${p.what}` : `Decline ${p.what}`}
    >
      {p.kind && <ReasonFields {...p} kind={p.kind} />}
    </Modal>
  );
}

function ReasonFields(p: {
  kind: 'ignore' | 'decline';
  pending: boolean;
  onClose: () => void;
  onSubmit: (a: TriageAction) => void;
}) {
  const form = useForm<ReasonValues>({
    mode: 'uncontrolled',
    initialValues: { kind: p.kind, reason: '', until: '' },
    validate: schemaResolver(reasonForm, { sync: true }),
  });
  const submit = form.onSubmit((v) =>
    p.onSubmit(
      v.kind === 'ignore'
        ? { kind: 'ignore', reason: v.reason.trim(), until: endOfDay(v.until) }
        : { kind: 'decline', reason: v.reason.trim() },
    ),
  );
  return (
    <form onSubmit={submit}>
      <Stack>
        <Textarea
          label="Reason"
          withAsterisk
          autosize
          minRows={2}
          key={form.key('reason')}
          {...form.getInputProps('reason')}
        />
        {p.kind === 'ignore' && (
          <TextInput
            type="date"
            label="Ignore until"
            description="Then the bulletin returns to the queue"
            withAsterisk
            key={form.key('until')}
            {...form.getInputProps('until')}
          />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={p.onClose}>
            Cancel
          </Button>
          <Button type="submit" color={p.kind === 'decline' ? 'red' : undefined} loading={p.pending}>
            {p.kind === 'ignore' ? 'Ignore' : 'Decline'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
