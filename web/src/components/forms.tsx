/** Form pieces that several pages share: a dialog form, a form's buttons, a sub-heading, date and number helpers. */
import { Button, Group, Modal, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorNotice } from './notices';

/** A page part's heading (h2) with its action (e.g. a "Create …" button) at the right. */
export function Heading({ title, action }: { title: string; action?: ReactNode }) {
  return (
    <Group justify="space-between">
      <Title order={2} size="h4">
        {title}
      </Title>
      {action}
    </Group>
  );
}

/** A form's buttons: submit (with a loader while it is sent) and Cancel. */
export function FormButtons({ submit, busy, onCancel }: { submit: string; busy: boolean; onCancel: () => void }) {
  return (
    <Group mt="md">
      <Button type="submit" loading={busy}>
        {submit}
      </Button>
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
    </Group>
  );
}

/** A form in a dialog: its fields, the API's refusal in plain words, and one button that sends it. */
export function DialogForm(p: {
  opened: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  /** The refusal of the last try, shown above the button under `errorTitle`. */
  error: unknown;
  errorTitle: string;
  submit: string;
  busy: boolean;
  /** The button is off until the required fields are filled. */
  disabled?: boolean;
  onSubmit: () => void;
}) {
  return (
    <Modal opened={p.opened} onClose={p.onClose} title={p.title} centered>
      <Stack>
        {p.children}
        {Boolean(p.error) && <ErrorNotice error={p.error} title={p.errorTitle} />}
        <Button loading={p.busy} disabled={p.disabled} onClick={p.onSubmit}>
          {p.submit}
        </Button>
      </Stack>
    </Modal>
  );
}

/** A NumberInput's value kept as a number, or '' when the field is empty. */
export const numberOrEmpty = (v: string | number): number | '' => (v === '' ? '' : Number(v));

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a date field holds a day (YYYY-MM-DD, as `<input type="date">` gives it). */
export const isDay = (v: string): boolean => DAY.test(v);

/** The end of a day picked in a date field, in the user's zone, as an ISO time for the API. */
export const endOfDay = (day: string): string => new Date(`${day}T23:59:59`).toISOString();

/** Whether a picked day has not ended yet (a field that is not a day yet is left to the format rule). */
export const notPast = (day: string): boolean => !isDay(day) || Date.parse(`${day}T23:59:59`) > Date.now();
