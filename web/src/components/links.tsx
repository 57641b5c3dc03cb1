/** Links to the console's own pages (client-side navigation, names escaped in the path). */
import { Anchor } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

/** A link in a table or text to another page of the console. */
export function PageLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Anchor component={Link} to={to} size="sm">
      {children}
    </Anchor>
  );
}

/** A bulletin's page, named by its id unless `children` say otherwise. */
export function BulletinLink({ id, children }: { id: string; children?: ReactNode }) {
  return <PageLink to={`/bulletins/${encodeURIComponent(id)}`}>{children ?? id}</PageLink>;
}

/** A machine's page (by its name). */
export function MachineLink({ name, children }: { name: string; children?: ReactNode }) {
  return <PageLink to={`/machines/${encodeURIComponent(name)}`}>{children ?? name}</PageLink>;
}

/** A deployment's page. */
export function DeploymentLink({ id, children }: { id: string; children: ReactNode }) {
  return <PageLink to={`/deployments/${encodeURIComponent(id)}`}>{children}</PageLink>;
}
