/**
 * Users (admins): who may sign in, with which role and groups; create (optionally with a first
 * password), change role or scope, disable, and reset a password (a generated one is shown once).
 * Any change ends the user's sessions.
 */
import {
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  PasswordInput,
  ScrollArea,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { ErrorNotice } from '../../components/notices';
import { QueryView } from '../../components/query-view';
import { Time } from '../../components/time';
import type { Schemas } from '../../wire';
import { refresh } from './refresh';
import { SecretOnce } from './secret';

type User = Schemas['User'];
type Role = User['role'];
const ROLES: Role[] = ['viewer', 'operator', 'admin'];

export function UsersSection() {
  const list = api.useQuery('get', '/api/v1/users', {});
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h4">
          Users
        </Title>
        <Button onClick={() => setCreating(true)}>Create user</Button>
      </Group>
      <QueryView
        query={list}
        what="users"
        empty={(d) => (d.items.length === 0 ? <Text>No users yet: create one.</Text> : undefined)}
      >
        {(d) => (
          <ScrollArea type="auto">
            <Table striped miw={720} aria-label="Users">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Groups</Table.Th>
                  <Table.Th>Password</Table.Th>
                  <Table.Th>Since</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.items.map((u) => (
                  <Table.Tr key={u.id}>
                    <Table.Td>
                      {u.name} {u.disabledAt && <Badge color="gray">disabled</Badge>}
                    </Table.Td>
                    <Table.Td>{u.role}</Table.Td>
                    <Table.Td>{u.groups?.join(', ') ?? 'all'}</Table.Td>
                    <Table.Td>
                      {u.hasPassword ? (
                        <>
                          set <Time iso={u.passwordChangedAt} empty="" />
                        </>
                      ) : (
                        'none'
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Time iso={u.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <Button size="compact-sm" variant="subtle" onClick={() => setEditing(u)}>
                        Edit {u.name}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </QueryView>
      <CreateUser opened={creating} onClose={() => setCreating(false)} />
      {editing && <EditUser user={editing} onClose={() => setEditing(null)} onPassword={setSecret} />}
      <SecretOnce what="password" secret={secret} onClose={() => setSecret(null)} />
    </Stack>
  );
}

function GroupPicker({
  value,
  onChange,
  disabled,
}: {
  value: string[];
  onChange: (v: string[]) => void;
  disabled: boolean;
}) {
  const groups = api.useQuery('get', '/api/v1/groups', {});
  return (
    <MultiSelect
      label="Only these groups"
      description={disabled ? 'An admin always sees the whole fleet.' : 'Empty: the whole fleet.'}
      placeholder={value.length ? undefined : 'All groups'}
      data={(groups.data?.items ?? []).map((g) => g.name)}
      value={value}
      onChange={onChange}
      disabled={disabled}
    />
  );
}

function CreateUser({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = api.useMutation('post', '/api/v1/users');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [groups, setGroups] = useState<string[]>([]);
  const [password, setPassword] = useState('');
  const submit = async () => {
    try {
      await create.mutateAsync({
        body: {
          name: name.trim(),
          role,
          ...(role !== 'admin' && groups.length ? { groups } : {}),
          ...(password ? { password } : {}),
        },
      });
      await refresh('/api/v1/users');
      setName('');
      setPassword('');
      onClose();
    } catch {
      // shown from create.error
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Create user" centered>
      <Stack>
        <TextInput label="User name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Select label="Role" data={ROLES} value={role} allowDeselect={false} onChange={(v) => v && setRole(v)} />
        <GroupPicker value={groups} onChange={setGroups} disabled={role === 'admin'} />
        <PasswordInput
          label="First password (optional)"
          description="12 characters or more, not the user name. Without one, reset it later."
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        {create.error && <ErrorNotice error={create.error} title="The user was not created" />}
        <Button loading={create.isPending} disabled={!name.trim()} onClick={() => void submit()}>
          Create user
        </Button>
      </Stack>
    </Modal>
  );
}

function EditUser({ user, onClose, onPassword }: { user: User; onClose: () => void; onPassword: (p: string) => void }) {
  const update = api.useMutation('patch', '/api/v1/users/{id}');
  const reset = api.useMutation('post', '/api/v1/users/{id}/password');
  const [role, setRole] = useState<Role>(user.role);
  const [groups, setGroups] = useState<string[]>(user.groups ?? []);
  const [disabled, setDisabled] = useState(user.disabledAt !== null);
  const path = { id: user.id };
  const save = async () => {
    try {
      await update.mutateAsync({
        params: { path },
        body: { role, groups: role !== 'admin' && groups.length ? groups : null, disabled },
      });
      await refresh('/api/v1/users');
      onClose();
    } catch {
      // shown from update.error
    }
  };
  const resetPassword = async () => {
    try {
      const out = await reset.mutateAsync({ params: { path }, body: {} });
      await refresh('/api/v1/users');
      onClose();
      if (out.password) onPassword(out.password);
    } catch {
      // shown from reset.error
    }
  };
  return (
    <Modal opened onClose={onClose} title={`User ${user.name}`} centered>
      <Stack>
        <Text size="sm" c="dimmed">
          Saving ends the user&apos;s sessions: they sign in again with the new role and groups.
        </Text>
        <Select label="Role" data={ROLES} value={role} allowDeselect={false} onChange={(v) => v && setRole(v)} />
        <GroupPicker value={groups} onChange={setGroups} disabled={role === 'admin'} />
        <Switch
          label="Disabled (cannot sign in; its API tokens stop working)"
          checked={disabled}
          onChange={(e) => setDisabled(e.currentTarget.checked)}
        />
        {update.error && <ErrorNotice error={update.error} title="The user was not changed" />}
        <Button loading={update.isPending} onClick={() => void save()}>
          Save
        </Button>
        {reset.error && <ErrorNotice error={reset.error} title="The password was not reset" />}
        <Button variant="default" loading={reset.isPending} onClick={() => void resetPassword()}>
          Reset password (a new one is shown once)
        </Button>
      </Stack>
    </Modal>
  );
}
