import { Alert, Button, CopyButton, Group, Modal, Stack, Text, TextInput } from '@mantine/core';

/** A new secret, shown this once, with a copy button and a warning. */
export function SecretOnce({ what, secret, onClose }: { what: string; secret: string | null; onClose: () => void }) {
  return (
    <Modal opened={secret !== null} onClose={onClose} title={`Your new ${what}`} centered closeOnClickOutside={false}>
      <Stack>
        <Alert color="yellow" title="Copy it now">
          This is the only time the secret is shown. Store it somewhere safe; if it is lost, revoke it and create
          another.
        </Alert>
        <TextInput label="Secret" value={secret ?? ''} readOnly onFocus={(e) => e.currentTarget.select()} data-secret />
        <Group justify="space-between">
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => (
              <Button color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : 'Copy secret'}
              </Button>
            )}
          </CopyButton>
          <Button variant="default" onClick={onClose}>
            I have stored it
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          The server keeps only a hash of it.
        </Text>
      </Stack>
    </Modal>
  );
}
