/**
 * Sign-in: a user name and password, an API token (automation, break-glass), or the organisation's
 * OpenID Connect provider when the server has one. The fields are named username, password and
 * token so password managers and scripts find them.
 */
import {
  Alert,
  Button,
  Card,
  Center,
  Divider,
  PasswordInput,
  Stack,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { OIDC_SIGNIN_ERRORS } from '../../../src/protocol/oidc-errors';
import { api, setCsrfToken } from '../api';
import { ErrorNotice } from '../components/notices';

const OIDC_ERRORS: Record<string, string> = OIDC_SIGNIN_ERRORS;

export default function SignInPage() {
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const methods = api.useQuery('get', '/api/v1/auth/methods', {}, { retry: false });
  const signIn = api.useMutation('post', '/api/v1/session', {
    onSuccess: async (session) => {
      setCsrfToken(session.csrfToken);
      if (window.location.pathname === '/signin') window.history.replaceState(null, '', returnTo);
      await queryClient.invalidateQueries();
    },
  });
  const [tab, setTab] = useState<string | null>('password');
  // Back to the page that asked for sign-in (a deep link), never to another site.
  const here = `${window.location.pathname}${window.location.search}`;
  const returnTo = params.get('returnTo') ?? (window.location.pathname === '/signin' ? '/' : here);
  const oidcError = params.get('error');

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const field = (name: string) => {
      const v = form.get(name);
      return typeof v === 'string' ? v : '';
    };
    const body =
      tab === 'token' ? { token: field('token') } : { username: field('username'), password: field('password') };
    signIn.mutate({ body });
  };

  const oidc = methods.data?.oidc;
  return (
    <Center mih="100dvh" p="md" component="main">
      <Card withBorder shadow="sm" w={400} maw="100%" padding="lg">
        <Stack>
          <Title order={1} size="h2">
            Sign in to Patchhive
          </Title>
          {oidcError && (
            <Alert color="red" title="Single sign-on failed" role="alert">
              {OIDC_ERRORS[oidcError] ?? 'The single sign-on service did not sign you in.'} ({oidcError})
            </Alert>
          )}
          {signIn.error && <ErrorNotice error={signIn.error} title="Not signed in" />}
          {oidc && (
            <>
              <Button component="a" href={`${oidc.loginUrl}?returnTo=${encodeURIComponent(returnTo)}`} size="md">
                {oidc.label}
              </Button>
              <Divider label="or" labelPosition="center" />
            </>
          )}
          <Tabs value={tab} onChange={setTab} aria-label="Sign in with">
            <Tabs.List grow>
              <Tabs.Tab value="password">Password</Tabs.Tab>
              <Tabs.Tab value="token">API token</Tabs.Tab>
            </Tabs.List>
          </Tabs>
          <form onSubmit={submit} method="post" action="/api/v1/session">
            <Stack>
              {tab === 'token' ? (
                <PasswordInput
                  name="token"
                  label="API token"
                  autoComplete="off"
                  required
                  description="A token made with patchhive tokens create; the session gets its role and groups."
                />
              ) : (
                <>
                  <TextInput name="username" label="User name" autoComplete="username" required autoFocus />
                  <PasswordInput name="password" label="Password" autoComplete="current-password" required />
                </>
              )}
              <Button type="submit" loading={signIn.isPending}>
                Sign in
              </Button>
            </Stack>
          </form>
          <Text size="sm" c="dimmed">
            Forgot your password? An administrator can reset it (Settings → Users, or{' '}
            <code>patchhive users reset-password</code>
            ).
          </Text>
        </Stack>
      </Card>
    </Center>
  );
}
