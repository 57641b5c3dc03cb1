/**
 * Settings, one section per sub-route (/settings/groups, /settings/tokens, …): groups, catalog
 * sources, users, API and enrollment tokens, notification channels, actions and change requests, and the
 * audit log. Sections the role cannot use are not offered.
 */
import { ScrollArea, Stack, Tabs, Title } from '@mantine/core';
import { Navigate, useNavigate, useParams } from 'react-router';
import { useCan } from '../session';
import { ActionsSection } from './settings/actions';
import { AuditSection } from './settings/audit';
import { ChannelsSection } from './settings/channels';
import { GroupsSection } from './settings/groups';
import { SourcesSection } from './settings/sources';
import { TokensSection } from './settings/tokens';
import { UsersSection } from './settings/users';

const SECTIONS = [
  { value: 'groups', label: 'Groups', admin: false, Section: GroupsSection },
  { value: 'sources', label: 'Sources', admin: false, Section: SourcesSection },
  { value: 'users', label: 'Users', admin: true, Section: UsersSection },
  { value: 'tokens', label: 'Tokens', admin: true, Section: TokensSection },
  { value: 'notifications', label: 'Notifications', admin: true, Section: ChannelsSection },
  { value: 'actions', label: 'Actions', admin: false, Section: ActionsSection },
  { value: 'audit', label: 'Audit log', admin: true, Section: AuditSection },
];

export default function SettingsPage() {
  const isAdmin = useCan('admin');
  const { section } = useParams();
  const navigate = useNavigate();
  const visible = SECTIONS.filter((s) => isAdmin || !s.admin);
  const current = visible.find((s) => s.value === section);
  if (!current) return <Navigate to="/settings/groups" replace />;
  return (
    <Stack>
      <Title order={1} size="h2">
        Settings
      </Title>
      <Tabs value={current.value} onChange={(v) => v && void navigate(`/settings/${v}`)} keepMounted={false}>
        <ScrollArea type="auto" scrollbarSize={4}>
          <Tabs.List style={{ flexWrap: 'nowrap' }}>
            {visible.map((s) => (
              <Tabs.Tab key={s.value} value={s.value}>
                {s.label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </ScrollArea>
        {visible.map((s) => (
          <Tabs.Panel key={s.value} value={s.value} pt="md">
            <s.Section />
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
