/** API tokens and enrollment tokens (admins): create — the secret is shown once — and revoke. */
import { Badge, Button, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { ConfirmDialog } from '../../components/confirm';
import { DialogForm, Heading, numberOrEmpty } from '../../components/forms';
import { EmptyState, ErrorNotice } from '../../components/notices';
import { QueryView } from '../../components/query-view';
import { SimpleTable } from '../../components/simple-table';
import { Time } from '../../components/time';
import { GroupScope, RoleSelect, type Role } from './fields';
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

/** The last cell of both token tables: Revoke, or that the token is revoked. */
function Revoke({ revokedAt, onClick, busy }: { revokedAt: string | null; onClick: () => void; busy?: boolean }) {
  if (revokedAt) return <Badge color="gray">revoked</Badge>;
  return (
    <Button size="compact-sm" color="red" variant="subtle" loading={busy} onClick={onClick}>
      Revoke
    </Button>
  );
}
const ACTIONS = { header: 'Actions', hideHeader: true };

function ApiTokens() {
  const list = api.useQuery('get', '/api/v1/tokens', {});
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
      <Heading title="API tokens" action={<Button onClick={() => setForm(true)}>Create API token</Button>} />
      <QueryView
        query={list}
        what="API tokens"
        errorTitle="The API tokens could not be listed"
        empty={<EmptyState title="No API tokens">Create one for a script, the CLI or a colleague.</EmptyState>}
      >
        {(d) => (
          <SimpleTable
            label="API tokens"
            minWidth={760}
            rows={d.items}
            rowKey={(t) => t.id}
            columns={[
              { header: 'Name', cell: (t) => t.name },
              { header: 'User', cell: (t) => t.user },
              { header: 'Role', cell: (t) => t.role },
              { header: 'Groups', cell: (t) => t.groups?.join(', ') ?? 'all' },
              { header: 'Last used', cell: (t) => <Time iso={t.lastUsedAt} empty="never" /> },
              { header: 'Expires', cell: (t) => <Time iso={t.expiresAt} empty="never" /> },
              { ...ACTIONS, cell: (t) => <Revoke revokedAt={t.revokedAt} onClick={() => setRevoking(t)} /> },
            ]}
          />
        )}
      </QueryView>
      {revoke.error && <ErrorNotice error={revoke.error} title="The token was not revoked" />}
      <DialogForm
        opened={form}
        onClose={() => setForm(false)}
        title="Create API token"
        error={create.error}
        errorTitle="The token was not created"
        submit="Create token"
        busy={create.isPending}
        disabled={!name.trim() || !user.trim()}
        onSubmit={() => void submit()}
      >
        <TextInput label="Token name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <TextInput
          label="User"
          description="Who acts with it (created when new)."
          required
          value={user}
          onChange={(e) => setUser(e.currentTarget.value)}
        />
        <RoleSelect value={role} onChange={setRole} />
        <GroupScope label="Only these groups (optional)" value={scope} onChange={setScope} />
        <NumberInput
          label="Expires after (days; empty: never)"
          min={1}
          max={3650}
          value={days}
          onChange={(v) => setDays(numberOrEmpty(v))}
        />
      </DialogForm>
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
      <Heading
        title="Enrollment tokens"
        action={<Button onClick={() => setForm(true)}>Create enrollment token</Button>}
      />
      <QueryView
        query={list}
        what="enrollment tokens"
        errorTitle="The enrollment tokens could not be listed"
        empty={
          <EmptyState title="No enrollment tokens">
            Create one, then enroll each machine with it: <code>patchhive-agent enroll --server … --token-file …</code>
          </EmptyState>
        }
      >
        {(d) => (
          <SimpleTable
            label="Enrollment tokens"
            minWidth={640}
            rows={d.items}
            rowKey={(t) => t.id}
            columns={[
              { header: 'Note', cell: (t) => t.note ?? '—' },
              { header: 'Uses', cell: (t) => `${t.uses} / ${t.maxUses}` },
              { header: 'Expires', cell: (t) => <Time iso={t.expiresAt} /> },
              { header: 'Created by', cell: (t) => t.createdBy },
              {
                ...ACTIONS,
                cell: (t) => (
                  <Revoke
                    revokedAt={t.revokedAt}
                    busy={revoke.isPending && revoke.variables?.params.path.id === t.id}
                    onClick={() =>
                      void revoke
                        .mutateAsync({ params: { path: { id: t.id } } })
                        .then(() => refresh('/api/v1/enrollment-tokens'))
                        .catch(() => undefined)
                    }
                  />
                ),
              },
            ]}
          />
        )}
      </QueryView>
      {revoke.error && <ErrorNotice error={revoke.error} title="The token was not revoked" />}
      <DialogForm
        opened={form}
        onClose={() => setForm(false)}
        title="Create enrollment token"
        error={create.error}
        errorTitle="The token was not created"
        submit="Create token"
        busy={create.isPending}
        onSubmit={() => void submit()}
      >
        <TextInput label="Note" value={note} onChange={(e) => setNote(e.currentTarget.value)} />
        <NumberInput
          label="Valid for (hours)"
          min={1}
          max={24 * 365}
          value={hours}
          onChange={(v) => setHours(numberOrEmpty(v))}
        />
        <NumberInput label="Machines it may enroll" min={1} value={uses} onChange={(v) => setUses(numberOrEmpty(v))} />
      </DialogForm>
      <SecretOnce what="enrollment token" secret={secret} onClose={() => setSecret(null)} />
    </Stack>
  );
}
