import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link, useLocation } from 'react-router';

export default function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <Stack>
      <Title order={1} size="h2">
        No such page
      </Title>
      <Text>
        The console has no page at <code>{pathname}</code>.{' '}
        <Anchor component={Link} to="/">
          Go to Today
        </Anchor>
        .
      </Text>
    </Stack>
  );
}
