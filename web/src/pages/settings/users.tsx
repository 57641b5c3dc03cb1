/**
 * Users (admins): who may sign in, with which role and groups; create (optionally with a first
 * password), change role or scope, disable, and reset a password (a generated one is shown once).
 * Any change ends the user's sessions.
 */
import { Badge, Button, Modal, PasswordInput, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { DialogForm, Heading } from '../../components/forms';
import { ErrorNotice } from '../../components/notices';
import { QueryView } from '../../components/query-view';
import { SimpleTable } from '../../components/simple-table';
import { Time } from '../../components/time';
import type { Schemas } from '../../wire';
import { GroupScope, RoleSelect, type Role } from './fields';
import { refresh } from './refresh';
import { SecretOnce } from './secret';

type User = Schemas['User'];

export function UsersSection() {
  const list = api.useQuery('get', '/api/v1/users', {});
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Stack>
      <Heading title="Users" action={<Button onClick={() => setCreating(true)}>Create user</Button>} />
      <QueryView query={list} what="users" empty={<Text>No users yet: create one.</Text>}>
        {(d) => (
          <SimpleTable
            label="Users"
            minWidth={720}
            rows={d.items}
            rowKey={(u) => u.id}
            columns={[
              {
                header: 'Name',
                cell: (u) => (
                  <>
                    {u.name} {u.disabledAt && <Badge color="gray">disabled</Badge>}
                  </>
                ),
              },
              { header: 'Role', cell: (u) => u.role },
              { header: 'Groups', cell: (u) => u.groups?.join(', ') ?? 'all' },
              {
                header: 'Password',
                cell: (u) =>
                  u.hasPassword ? (
                    <>
                      set <Time iso={u.passwordChangedAt} empty="" />
                    </>
                  ) : (
                    'none'
                  ),
              },
              { header: 'Since', cell: (u) => <Time iso={u.createdAt} /> },
              {
                header: 'Actions',
                hideHeader: true,
                cell: (u) => (
                  <Button size="compact-sm" variant="subtle" onClick={() => setEditing(u)}>
                    Edit {u.name}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryView>
      <CreateUser opened={creating} onClose={() => setCreating(false)} />
      {editing && <EditUser user={editing} onClose={() => setEditing(null)} onPassword={setSecret} />}
      <SecretOnce what="password" secret={secret} onClose={() => setSecret(null)} />
    </Stack>
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
    <DialogForm
      opened={opened}
      onClose={onClose}
      title="Create user"
      error={create.error}
      errorTitle="The user was not created"
      submit="Create user"
      busy={create.isPending}
      disabled={!name.trim()}
      onSubmit={() => void submit()}
    >
      <TextInput label="User name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
      <RoleSelect value={role} onChange={setRole} />
      <GroupScope value={groups} onChange={setGroups} role={role} />
      <PasswordInput
        label="First password (optional)"
        description="12 characters or more, not the user name. Without one, reset it later."
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
      />
    </DialogForm>
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
        <RoleSelect value={role} onChange={setRole} />
        <GroupScope value={groups} onChange={setGroups} role={role} />
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
