/**
 * The console's shell: who is signed in, the navigation, and the pages. Each page is loaded when it
 * is first opened, so the first page ships only the shell and itself.
 */
import { AppShell, Burger, Group, NavLink, ScrollArea, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { lazy, Suspense, type ReactNode } from 'react';
import { NavLink as RouterLink, Route, Routes, useLocation } from 'react-router';
import { api, ApiError } from './api';
import { ErrorNotice, Loading } from './components/notices';
import { MeContext, type Me } from './session';

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
  { to: '/machines', label: 'Machines' },
  { to: '/bulletins', label: 'Bulletins' },
  { to: '/triage', label: 'Triage' },
  { to: '/deployments', label: 'Deployments' },
  { to: '/reports', label: 'Reports' },
  { to: '/settings', label: 'Settings' },
];

export function App() {
  const me = api.useQuery('get', '/api/v1/me', {}, { retry: false, staleTime: 60_000 });
  if (me.isPending) return <Loading what="your session" />;
  if (me.error) {
    if (me.error instanceof ApiError && me.error.status === 401) return <SignedOut />;
    return <ErrorNotice error={me.error} title="The server cannot be reached" />;
  }
  return (
    <MeContext.Provider value={me.data}>
      <Shell me={me.data}>
        <Suspense fallback={<Loading what="the page" />}>
          <Routes>
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

function SignedOut() {
  return (
    <main>
      <Text p="xl">You are not signed in.</Text>
    </main>
  );
}

function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
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
          <Text size="sm" c="dimmed">
            {me.user} · {me.role}
            {me.groups ? ` · ${me.groups.join(', ')}` : ''}
          </Text>
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
              active={location.pathname === n.to || location.pathname.startsWith(`${n.to}/`)}
              onClick={close}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
