/**
 * The console's shell: who is signed in, the navigation, and the pages. Each page is loaded when it
 * is first opened, so the first page ships only the shell and itself.
 */
import { AppShell, Burger, Group, Menu, NavLink, ScrollArea, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Navigate, NavLink as RouterLink, Route, Routes, useLocation } from 'react-router';
import { api, ApiError, setCsrfToken } from './api';
import { ErrorNotice, Loading } from './components/notices';
import { MeContext, type Me } from './session';

const TodayPage = lazy(() => import('./pages/today'));
const SignInPage = lazy(() => import('./pages/signin'));
const MachinesPage = lazy(() => import('./pages/machines'));
const MachinePage = lazy(() => import('./pages/machine'));
const BulletinsPage = lazy(() => import('./pages/bulletins'));
const BulletinPage = lazy(() => import('./pages/bulletin'));
const TriagePage = lazy(() => import('./pages/triage'));
const NotFoundPage = lazy(() => import('./pages/not-found'));
const DeploymentsPage = lazy(() => import('./pages/deployments'));
const NewDeploymentPage = lazy(() => import('./pages/deployment-new'));
const DeploymentPage = lazy(() => import('./pages/deployment'));
const ReportsPage = lazy(() => import('./pages/reports'));
const SettingsPage = lazy(() => import('./pages/settings'));

/** The pages in the navigation, in the order of an administrator's day. */
const NAV: { to: string; label: string }[] = [
  { to: '/', label: 'Today' },
  { to: '/machines', label: 'Machines' },
  { to: '/bulletins', label: 'Bulletins' },
  { to: '/triage', label: 'Triage' },
  { to: '/deployments', label: 'Deployments' },
  { to: '/reports', label: 'Reports' },
  { to: '/settings', label: 'Settings' },
];

export function App() {
  const me = api.useQuery('get', '/api/v1/me', {}, { retry: false, staleTime: 60_000 });
  // A cookie session carries the CSRF token every change sends; an API token sent by a script has none.
  const session = api.useQuery(
    'get',
    '/api/v1/session',
    {},
    { retry: false, enabled: me.isSuccess, staleTime: 60_000 },
  );
  const csrf = session.data?.csrfToken;
  useEffect(() => setCsrfToken(csrf), [csrf]);
  if (me.isPending) return <Loading what="your session" />;
  if (me.error) {
    if (me.error instanceof ApiError && me.error.status === 401)
      return (
        <Suspense fallback={<Loading what="the sign-in page" />}>
          <SignInPage />
        </Suspense>
      );
    return <ErrorNotice error={me.error} title="The server cannot be reached" />;
  }
  return (
    <MeContext.Provider value={me.data}>
      <Shell me={me.data} cookieSession={session.isSuccess}>
        <Suspense fallback={<Loading what="the page" />}>
          <Routes>
            <Route path="/" element={<TodayPage />} />
            <Route path="/signin" element={<Navigate to="/" replace />} />
            <Route path="/machines" element={<MachinesPage />} />
            <Route path="/machines/:name" element={<MachinePage />} />
            <Route path="/bulletins" element={<BulletinsPage />} />
            <Route path="/bulletins/:id" element={<BulletinPage />} />
            <Route path="/triage" element={<TriagePage />} />
            <Route path="/deployments" element={<DeploymentsPage />} />
            <Route path="/deployments/new" element={<NewDeploymentPage />} />
            <Route path="/deployments/:id" element={<DeploymentPage />} />
            <Route path="/reports" element={<ReportsPage />} />
            <Route path="/settings/:section?" element={<SettingsPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Suspense>
      </Shell>
    </MeContext.Provider>
  );
}

function Shell({ me, cookieSession, children }: { me: Me; cookieSession: boolean; children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const queryClient = useQueryClient();
  const signedOut = () => {
    setCsrfToken(undefined);
    queryClient.clear();
    window.location.assign('/');
  };
  const signOut = api.useMutation('delete', '/api/v1/session', { onSuccess: signedOut });
  const everywhere = api.useMutation('post', '/api/v1/session/sign-out-everywhere', { onSuccess: signedOut });
  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Navigation" />
            <UnstyledButton component={RouterLink} to="/" fw={700}>
              Patchhive
            </UnstyledButton>
          </Group>
          {cookieSession ? (
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton title="Account: sign out">
                  <Text size="sm" c="dimmed">
                    {me.user} · {me.role}
                    {me.groups ? ` · ${me.groups.join(', ')}` : ''} ▾
                  </Text>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item onClick={() => signOut.mutate({})}>Sign out</Menu.Item>
                <Menu.Item onClick={() => everywhere.mutate({})}>Sign out everywhere</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          ) : (
            <Text size="sm" c="dimmed">
              {me.user} · {me.role}
              {me.groups ? ` · ${me.groups.join(', ')}` : ''}
            </Text>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Pages">
        <ScrollArea>
          {NAV.map((n) => (
            <NavLink
              key={n.to}
              component={RouterLink}
              to={n.to}
              label={n.label}
              active={location.pathname === n.to || (n.to !== '/' && location.pathname.startsWith(`${n.to}/`))}
              onClick={close}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
