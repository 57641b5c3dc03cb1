/** API tokens and enrollment tokens (admins): create — the secret is shown once — and revoke. */
import {
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { ConfirmDialog } from '../../components/confirm';
import { EmptyState, ErrorNotice, Loading } from '../../components/notices';
import { Time } from '../../components/time';
import { refresh } from './refresh';
import { SecretOnce } from './secret';

export function TokensSection() {
  return (
    <Stack gap="xl">
      <ApiTokens />
      <EnrollmentTokens />
    </Stack>
  );
}

type Role = 'viewer' | 'operator' | 'admin';

function ApiTokens() {
  const list = api.useQuery('get', '/api/v1/tokens', {});
  const groups = api.useQuery('get', '/api/v1/groups', {});
  const create = api.useMutation('post', '/api/v1/tokens');
  const revoke = api.useMutation('delete', '/api/v1/tokens/{id}');
  const [form, setForm] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const [name, setName] = useState('');
  const [user, setUser] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [scope, setScope] = useState<string[]>([]);
  const [days, setDays] = useState<number | ''>(90);

  async function submit() {
    try {
      const out = await create.mutateAsync({
        body: {
          name: name.trim(),
          user: user.trim(),
          role,
          ...(scope.length ? { groups: scope } : {}),
          ...(days === '' ? {} : { expiresInDays: days }),
        },
      });
      setForm(false);
      setName('');
      setUser('');
      setSecret(out.secret);
      await refresh('/api/v1/tokens');
    } catch {
      // shown from create.error
    }
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h4">
          API tokens
        </Title>
        <Button onClick={() => setForm(true)}>Create API token</Button>
      </Group>
      {list.error ? (
        <ErrorNotice error={list.error} title="The API tokens could not be listed" />
      ) : list.isPending ? (
        <Loading what="API tokens" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No API tokens">Create one for a script, the CLI or a colleague.</EmptyState>
      ) : (
        <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
          <Table striped miw={760} aria-label="API tokens">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>User</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Groups</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{t.user}</Table.Td>
                  <Table.Td>{t.role}</Table.Td>
                  <Table.Td>{t.groups?.join(', ') ?? 'all'}</Table.Td>
                  <Table.Td>
                    <Time iso={t.lastUsedAt} empty="never" />
                  </Table.Td>
                  <Table.Td>
                    <Time iso={t.expiresAt} empty="never" />
                  </Table.Td>
                  <Table.Td>
                    {t.revokedAt ? (
                      <Badge color="gray">revoked</Badge>
                    ) : (
                      <Button size="compact-sm" color="red" variant="subtle" onClick={() => setRevoking(t)}>
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
      {revoke.error && <ErrorNotice error={revoke.error} title="The token was not revoked" />}
      <Modal opened={form} onClose={() => setForm(false)} title="Create API token" centered>
        <Stack>
          <TextInput label="Token name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput
            label="User"
            description="Who acts with it (created when new)."
            required
            value={user}
            onChange={(e) => setUser(e.currentTarget.value)}
          />
          <Select
            label="Role"
            data={['viewer', 'operator', 'admin']}
            value={role}
            allowDeselect={false}
            onChange={(v) => v && setRole(v)}
          />
          <MultiSelect
            label="Only these groups (optional)"
            placeholder="All groups"
            data={(groups.data?.items ?? []).map((g) => g.name)}
            value={scope}
            onChange={setScope}
          />
          <NumberInput
            label="Expires after (days; empty: never)"
            min={1}
            max={3650}
            value={days}
            onChange={(v) => setDays(v === '' ? '' : Number(v))}
          />
          {create.error && <ErrorNotice error={create.error} title="The token was not created" />}
          <Button loading={create.isPending} disabled={!name.trim() || !user.trim()} onClick={() => void submit()}>
            Create token
          </Button>
        </Stack>
      </Modal>
      <SecretOnce what="API token" secret={secret} onClose={() => setSecret(null)} />
      <ConfirmDialog
        opened={revoking !== null}
        title="Revoke this API token?"
        confirmLabel="Revoke token"
        busy={revoke.isPending}
        onClose={() => setRevoking(null)}
        onConfirm={() => {
          if (!revoking) return;
          void revoke
            .mutateAsync({ params: { path: { id: revoking.id } } })
            .then(() => refresh('/api/v1/tokens'))
            .catch(() => undefined)
            .finally(() => setRevoking(null));
        }}
      >
        <Text span>Everything using “{revoking?.name}” stops working at once.</Text>
      </ConfirmDialog>
    </Stack>
  );
}

function EnrollmentTokens() {
  const list = api.useQuery('get', '/api/v1/enrollment-tokens', {});
  const create = api.useMutation('post', '/api/v1/enrollment-tokens');
  const revoke = api.useMutation('delete', '/api/v1/enrollment-tokens/{id}');
  const [form, setForm] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [hours, setHours] = useState<number | ''>(24);
  const [uses, setUses] = useState<number | ''>(10);

  async function submit() {
    try {
      const out = await create.mutateAsync({
        body: {
          ...(note.trim() ? { note: note.trim() } : {}),
          ...(hours === '' ? {} : { expiresInHours: hours }),
          ...(uses === '' ? {} : { maxUses: uses }),
        },
      });
      setForm(false);
      setNote('');
      setSecret(out.secret);
      await refresh('/api/v1/enrollment-tokens');
    } catch {
      // shown from create.error
    }
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h4">
          Enrollment tokens
        </Title>
        <Button onClick={() => setForm(true)}>Create enrollment token</Button>
      </Group>
      {list.error ? (
        <ErrorNotice error={list.error} title="The enrollment tokens could not be listed" />
      ) : list.isPending ? (
        <Loading what="enrollment tokens" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No enrollment tokens">
          Create one, then enroll each machine with it: <code>patchhive-agent enroll --server … --token-file …</code>
        </EmptyState>
      ) : (
        <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
          <Table striped miw={640} aria-label="Enrollment tokens">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Note</Table.Th>
                <Table.Th>Uses</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>Created by</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.note ?? '—'}</Table.Td>
                  <Table.Td>
                    {t.uses} / {t.maxUses}
                  </Table.Td>
                  <Table.Td>
                    <Time iso={t.expiresAt} />
                  </Table.Td>
                  <Table.Td>{t.createdBy}</Table.Td>
                  <Table.Td>
                    {t.revokedAt ? (
                      <Badge color="gray">revoked</Badge>
                    ) : (
                      <Button
                        size="compact-sm"
                        color="red"
                        variant="subtle"
                        loading={revoke.isPending && revoke.variables?.params.path.id === t.id}
                        onClick={() =>
                          void revoke
                            .mutateAsync({ params: { path: { id: t.id } } })
                            .then(() => refresh('/api/v1/enrollment-tokens'))
                            .catch(() => undefined)
                        }
                      >
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
      {revoke.error && <ErrorNotice error={revoke.error} title="The token was not revoked" />}
      <Modal opened={form} onClose={() => setForm(false)} title="Create enrollment token" centered>
        <Stack>
          <TextInput label="Note" value={note} onChange={(e) => setNote(e.currentTarget.value)} />
          <NumberInput
            label="Valid for (hours)"
            min={1}
            max={24 * 365}
            value={hours}
            onChange={(v) => setHours(v === '' ? '' : Number(v))}
          />
          <NumberInput
            label="Machines it may enroll"
            min={1}
            value={uses}
            onChange={(v) => setUses(v === '' ? '' : Number(v))}
          />
          {create.error && <ErrorNotice error={create.error} title="The token was not created" />}
          <Button loading={create.isPending} onClick={() => void submit()}>
            Create token
          </Button>
        </Stack>
      </Modal>
      <SecretOnce what="enrollment token" secret={secret} onClose={() => setSecret(null)} />
    </Stack>
  );
}
