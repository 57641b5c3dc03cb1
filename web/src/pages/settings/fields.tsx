/** Fields the settings forms share: a role and the groups it is limited to (users and API tokens). */
import { MultiSelect, Select } from '@mantine/core';
import { api } from '../../api';
import type { Schemas } from '../../wire';

export type Role = Schemas['User']['role'];
const ROLES: Role[] = ['viewer', 'operator', 'admin'];

export function RoleSelect({ value, onChange }: { value: Role; onChange: (r: Role) => void }) {
  return <Select label="Role" data={ROLES} value={value} allowDeselect={false} onChange={(v) => v && onChange(v)} />;
}

/** The groups a user or token is limited to; with `role` admin it is off (an admin user sees the whole fleet). */
export function GroupScope({
  label = 'Only these groups',
  value,
  onChange,
  role,
}: {
  label?: string;
  value: string[];
  onChange: (v: string[]) => void;
  role?: Role;
}) {
  const groups = api.useQuery('get', '/api/v1/groups', {});
  const admin = role === 'admin';
  return (
    <MultiSelect
      label={label}
      description={admin ? 'An admin always sees the whole fleet.' : 'Empty: the whole fleet.'}
      placeholder={value.length ? undefined : 'All groups'}
      data={(groups.data?.items ?? []).map((g) => g.name)}
      value={value}
      onChange={onChange}
      disabled={admin}
    />
  );
}
