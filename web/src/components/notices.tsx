import { Alert, Center, Loader, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError } from '../api';

/** An error in plain words with the API's error code. */
export function ErrorNotice({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <Alert color="red" title={title} role="alert">
      {message}
      {code && (
        <Text size="sm" c="dimmed" component="span">
          {' '}
          ({code})
        </Text>
      )}
    </Alert>
  );
}

/** What an empty list means and what to do next. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack align="center" gap="xs" py="xl">
      <Title order={3} size="h4">
        {title}
      </Title>
      <Text c="dimmed" ta="center" maw={520}>
        {children}
      </Text>
    </Stack>
  );
}

/** A centred loader with an accessible name. */
export function Loading({ what }: { what: string }) {
  return (
    <Center py="xl">
      <Loader role="status" aria-label={`Loading ${what}`} />
    </Center>
  );
}
