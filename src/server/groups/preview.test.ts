import { describe, expect, it } from 'vitest';
import type { MachineRecord } from '../../store/ports.js';
import type { GroupPreviewRequest } from '../../protocol/group-preview-api.js';
import { previewGroup } from './preview.js';

function machine(id: string, name: string, role: string | null): MachineRecord {
  return {
    id,
    name,
    os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
    role,
    criticality: 'medium',
    owner: null,
    location: null,
    tags: [],
    internetFacing: false,
    source: 'import',
    agentId: null,
    createdAt: '2026-11-21T00:00:00Z',
    lastSeenAt: null,
    inventoryHash: null,
    inventoryAt: null,
    assessedHash: null,
    assessedAt: null,
  };
}

const fleet = [
  machine('m-10', 'web10', 'web'),
  machine('m-2', 'web2', 'web'),
  machine('m-3', 'db1', 'db'),
  machine('m-4', 'spare', null),
];
const many = Array.from({ length: 120 }, (_, i) => machine(`x-${i}`, `node${i}`, 'web'));

describe('previewGroup', () => {
  const cases: [string, GroupPreviewRequest, number, string[]][] = [
    [
      'a rule: the machines it matches, names in natural order',
      { kind: 'rule', rule: 'role = web' },
      2,
      ['web2', 'web10'],
    ],
    ['a rule matching nothing', { kind: 'rule', rule: 'role = mail' }, 0, []],
    [
      'a list by name and id, each machine once',
      { kind: 'static', members: ['db1', 'm-4', 'spare'] },
      2,
      ['db1', 'spare'],
    ],
    ['an empty list', { kind: 'static', members: [] }, 0, []],
    ['a static group without a list', { kind: 'static' }, 0, []],
  ];
  it.each(cases)('%s', (_, req, count, names) => {
    expect(previewGroup(req, fleet)).toEqual({ count, machines: names, error: null });
  });

  it('lists the first 50 names and counts them all', () => {
    const p = previewGroup({ kind: 'rule', rule: 'role = web' }, many);
    expect(p.count).toBe(120);
    expect(p.machines).toHaveLength(50);
    expect(p.machines.slice(0, 3)).toEqual(['node0', 'node1', 'node2']);
  });

  const refusals: [string, GroupPreviewRequest, string, RegExp][] = [
    ['a rule that does not parse', { kind: 'rule', rule: 'role = ' }, 'E_RULE_INVALID', /^column 8: /],
    ['a rule group without a rule', { kind: 'rule', rule: '' }, 'E_BAD_REQUEST', /needs a rule/],
    ['a rule group with members', { kind: 'rule', rule: 'role = web', members: [] }, 'E_BAD_REQUEST', /no member list/],
    ['a static group with a rule', { kind: 'static', rule: 'role = web' }, 'E_BAD_REQUEST', /no rule/],
    ['a member not visible', { kind: 'static', members: ['web2', 'db9'] }, 'E_MACHINE_NOT_FOUND', /"db9"/],
  ];
  it.each(refusals)('%s: the refusal as data, with its code', (_, req, code, message) => {
    const p = previewGroup(req, fleet);
    expect(p).toMatchObject({ count: 0, machines: [], error: { code } });
    expect(p.error?.message).toMatch(message);
  });

  it('names the list entry that is unknown', () => {
    expect(previewGroup({ kind: 'static', members: ['web2', 'db9'] }, fleet).error?.path).toBe('$.members[1]');
  });
});
