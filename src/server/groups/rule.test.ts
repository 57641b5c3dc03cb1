import { describe, expect, it } from 'vitest';
import { thrownError } from '../../../test/support/errors.js';
import type { MachineRecord } from '../../store/ports.js';
import { formatGroupRule, matchesGroupRule, parseGroupRule, type GroupRule } from './rule.js';

function machine(over: Partial<MachineRecord> = {}): MachineRecord {
  return {
    id: 'm-1',
    name: 'web01.example.org',
    os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
    role: 'web',
    criticality: 'high',
    owner: 'team-web',
    location: 'dc1',
    tags: ['dmz', 'PCI'],
    internetFacing: true,
    source: 'agent',
    agentId: 'a-1',
    createdAt: '2026-11-21T00:00:00Z',
    lastSeenAt: null,
    inventoryHash: null,
    inventoryAt: null,
    assessedHash: null,
    assessedAt: null,
    ...over,
  };
}

const web = machine();
const db = machine({
  name: 'db01',
  role: 'db',
  criticality: 'critical',
  tags: [],
  internetFacing: false,
  owner: null,
  location: null,
});
const bare = machine({
  name: 'new-box',
  os: null,
  role: null,
  criticality: 'low',
  owner: null,
  location: null,
  tags: [],
  internetFacing: false,
});
const win = machine({
  name: 'WIN7-PC042',
  role: 'desktop',
  owner: 'it-desk',
  criticality: 'medium',
  os: { family: 'windows', platform: 'windows', release: '6.1', arch: 'amd64' },
  tags: ['office'],
  internetFacing: false,
});
const MACHINES = { web, db, bare, win };
type Name = keyof typeof MACHINES;

describe('matchesGroupRule', () => {
  const cases: [string, Name[]][] = [
    ['role = web and internet_facing', ['web']],
    ['criticality >= high or tags has pci', ['web', 'db']],
    ['internet_facing', ['web']],
    ['not internet_facing', ['db', 'bare', 'win']],
    ['internet_facing = false', ['db', 'bare', 'win']],
    ['internet_facing != true', ['db', 'bare', 'win']],
    ['internet_facing = TRUE', ['web']],
    ['role = web', ['web']],
    ['ROLE = WEB', ['web']],
    ["role = 'web'", ['web']],
    ['role != web', ['db', 'bare', 'win']],
    ['role in (web, db)', ['web', 'db']],
    ['role in ("desktop")', ['win']],
    ['not role in (web, db)', ['bare', 'win']],
    ['owner = team-web', ['web']],
    ['owner != team-web', ['db', 'bare', 'win']],
    ['owner ~ *', ['web', 'win']],
    ['location = dc1', ['web', 'win']],
    ['name ~ web*', ['web']],
    ['name ~ *.example.org', ['web']],
    ['name ~ win7-*', ['win']],
    ['name ~ *-*', ['bare', 'win']],
    ['name ~ db0?', []],
    ['name = web*', []],
    ['criticality = high', ['web']],
    ['criticality > high', ['db']],
    ['criticality >= medium', ['web', 'db', 'win']],
    ['criticality < medium', ['bare']],
    ['criticality <= medium', ['bare', 'win']],
    ['criticality in (low, critical)', ['db', 'bare']],
    ['criticality != low', ['web', 'db', 'win']],
    ['criticality ~ *i*', ['web', 'db', 'win']],
    ['tags has dmz', ['web']],
    ['tag has DMZ', ['web']],
    ['tags has pci and tags has dmz', ['web']],
    ['tag = office', ['win']],
    ['tags != dmz', ['db', 'bare', 'win']],
    ['tags in (office, dmz)', ['web', 'win']],
    ['tags ~ p*', ['web']],
    ['os.family = windows', ['win']],
    ['os.family != windows', ['web', 'db', 'bare']],
    ['os.platform = debian and os.release = 12', ['web', 'db']],
    ['os.codename = bookworm', ['web', 'db']],
    ['os.codename != bookworm', ['bare', 'win']],
    ['os.arch in (amd64, arm64)', ['web', 'db', 'win']],
    ['os.release ~ 6.*', ['win']],
    ['not (role = web or role = db)', ['bare', 'win']],
    ['not role = web and not role = db', ['bare', 'win']],
    ['role = web or role = db and internet_facing', ['web']],
    ['(role = web or role = db) and not internet_facing', ['db']],
    ['((role = web))', ['web']],
    ['not not internet_facing', ['web']],
    ['role = web AND criticality >= high OR os.family = windows', ['web', 'win']],
    ['  role\t=\nweb  ', ['web']],
  ];

  it.each(cases)('%s → %j', (text, want) => {
    const rule = parseGroupRule(text);
    const got = (Object.keys(MACHINES) as Name[]).filter((n) => matchesGroupRule(rule, MACHINES[n]));
    expect(got).toEqual(want);
  });

  it.each(cases)('formatGroupRule(%s) parses back to the same rule', (text) => {
    const rule = parseGroupRule(text);
    const formatted = formatGroupRule(rule);
    expect(parseGroupRule(formatted)).toEqual(rule);
    expect(formatGroupRule(parseGroupRule(formatted))).toBe(formatted);
  });

  it('unset attributes equal nothing, and "!=" on them is true', () => {
    for (const text of ['role = ""', 'owner ~ *', 'os.family = unix', 'location in (dc1, "")']) {
      expect(matchesGroupRule(parseGroupRule(text), bare), text).toBe(false);
    }
    for (const text of ['role != ""', 'owner != x', 'os.family != unix', 'not location in (dc1)']) {
      expect(matchesGroupRule(parseGroupRule(text), bare), text).toBe(true);
    }
  });

  it('an empty string set on a machine is a value, not unset', () => {
    expect(matchesGroupRule(parseGroupRule('owner = ""'), machine({ owner: '' }))).toBe(true);
  });
});

describe('parseGroupRule: the tree', () => {
  it.each<[string, GroupRule]>([
    ['internet_facing', { kind: 'flag', attribute: 'internet_facing' }],
    ['internet_facing = false', { kind: 'not', rule: { kind: 'flag', attribute: 'internet_facing' } }],
    ['tag = x', { kind: 'compare', attribute: 'tags', operator: '=', value: 'x' }],
    ['criticality >= HIGH', { kind: 'compare', attribute: 'criticality', operator: '>=', value: 'high' }],
    [
      'role = "a \\"quoted\\" \\\\ value"',
      { kind: 'compare', attribute: 'role', operator: '=', value: 'a "quoted" \\ value' },
    ],
    ['role = "and"', { kind: 'compare', attribute: 'role', operator: '=', value: 'and' }],
    [
      'os.release = 1 or role = 2',
      {
        kind: 'or',
        rules: [
          { kind: 'compare', attribute: 'os.release', operator: '=', value: '1' },
          { kind: 'compare', attribute: 'role', operator: '=', value: '2' },
        ],
      },
    ],
    [
      'role = a or role = b and role = c',
      {
        kind: 'or',
        rules: [
          { kind: 'compare', attribute: 'role', operator: '=', value: 'a' },
          {
            kind: 'and',
            rules: [
              { kind: 'compare', attribute: 'role', operator: '=', value: 'b' },
              { kind: 'compare', attribute: 'role', operator: '=', value: 'c' },
            ],
          },
        ],
      },
    ],
    ['tags has "two words"', { kind: 'has', attribute: 'tags', value: 'two words' }],
    ['role in (a, "b c")', { kind: 'in', attribute: 'role', values: ['a', 'b c'] }],
  ])('%s', (text, want) => {
    expect(parseGroupRule(text)).toEqual(want);
  });

  it('formats values that need it in quotes', () => {
    expect(formatGroupRule(parseGroupRule('role = "and" or owner = "a b" or location = ""'))).toBe(
      'role = "and" or owner = "a b" or location = ""',
    );
    expect(formatGroupRule(parseGroupRule('(role = a or role = b) and not (tags has x and tags has y)'))).toBe(
      '(role = a or role = b) and not (tags has x and tags has y)',
    );
  });
});

describe('parseGroupRule: broken rules', () => {
  it.each<[string, string, RegExp]>([
    ['empty', '', /^column 1: expected a condition .*found end of rule/],
    ['blank', '   ', /^column 4: expected a condition/],
    [
      'unknown attribute',
      'colour = red',
      /^column 1: unknown attribute 'colour'; expected one of name, role, .*os\.arch.*tag/,
    ],
    ['unknown dotted attribute', 'os.kernel = 6', /^column 1: unknown attribute 'os\.kernel'/],
    ['missing value', 'role =', /^column 7: expected a value after '=', found end of rule/],
    ['missing operator', 'role web', /^column 6: expected an operator after 'role'.*found 'web'/],
    ['bare non-boolean attribute', 'role', /^column 5: expected an operator after 'role'/],
    ['double equals', 'role == web', /^column 7: expected a value after '=', found '='/],
    ['dangling and', 'role = web and', /^column 15: expected a condition/],
    ['dangling or', 'role = web or ', /^column 15: expected a condition/],
    [
      'two conditions without and',
      'role = web owner = x',
      /^column 12: expected 'and', 'or' or the end of the rule, found 'owner'/,
    ],
    [
      'unclosed parenthesis',
      '(role = web',
      /^column 12: expected '\)' to close the '\(' at column 1, found end of rule/,
    ],
    ['stray closing parenthesis', 'role = web)', /^column 11: expected 'and', 'or' or the end/],
    ['empty parentheses', '()', /^column 2: expected a condition .*found '\)'/],
    ['unterminated string', 'role = "web', /^column 8: unterminated quoted string; expected a closing "/],
    ['bang alone', '!internet_facing', /^column 1: unexpected character '!'/],
    ['control character', 'role = a\u0001b', /^column 9: unexpected character U\+0001/],
    ['ordering on a string', 'role >= web', /^column 6: '>=' applies only to criticality/],
    ['ordering on tags', 'tags < x', /^column 6: '<' applies only to criticality; expected =, !=, ~, in or has/],
    [
      'bad criticality',
      'criticality >= urgent',
      /^column 16: expected a criticality \(low, medium, high, critical\), found 'urgent'/,
    ],
    ['bad criticality in a list', 'criticality in (low, severe)', /^column 22: expected a criticality/],
    ['has on a scalar', 'role has web', /^column 6: 'has' applies only to tags/],
    ['in without a list', 'role in web', /^column 9: expected '\(' after 'in', found 'web'/],
    ['empty list', 'role in ()', /^column 10: expected a value after '\(', found '\)'/],
    ['trailing comma', 'role in (a,)', /^column 12: expected a value after ',', found '\)'/],
    ['list without commas', 'role in (a b)', /^column 12: expected ',' or '\)' in the list, found 'b'/],
    [
      'internet_facing compared to a word',
      'internet_facing = maybe',
      /^column 19: expected true or false for internet_facing, found 'maybe'/,
    ],
    ['internet_facing ordered', 'internet_facing > false', /^column 17: '>' does not apply to internet_facing/],
    ['keyword as an attribute', 'and = x', /^column 1: expected a condition .*found 'and'/],
    ['quoted attribute', '"role" = web', /^column 1: expected a condition .*found "role"/],
    ['second line', 'role = web and\n  owner', /^line 2, column 8: expected an operator after 'owner'/],
  ])('%s: %j', (_name, text, message) => {
    const err = thrownError(() => parseGroupRule(text));
    expect(err.code).toBe('E_RULE_INVALID');
    expect(err.message).toMatch(message);
  });

  it('puts the column in the error location', () => {
    expect(thrownError(() => parseGroupRule('role = web and colour = red')).location).toEqual({ line: 1, column: 16 });
  });

  it('refuses rules longer than 2000 characters, and accepts 2000', () => {
    const long = 'role = ' + 'x'.repeat(1993);
    expect(long).toHaveLength(2000);
    expect(parseGroupRule(long)).toMatchObject({ kind: 'compare' });
    expect(thrownError(() => parseGroupRule(long + 'x')).message).toMatch(/2001 characters long; at most 2000/);
  });

  it('refuses nesting deeper than 50, and accepts 50', () => {
    const parens = (n: number) => '('.repeat(n) + 'internet_facing' + ')'.repeat(n);
    expect(parseGroupRule(parens(50))).toEqual({ kind: 'flag', attribute: 'internet_facing' });
    expect(thrownError(() => parseGroupRule(parens(51))).message).toMatch(/^column 51: nesting deeper than 50/);
    const nots = (n: number) => 'not '.repeat(n) + 'internet_facing';
    expect(matchesGroupRule(parseGroupRule(nots(50)), web)).toBe(true);
    expect(thrownError(() => parseGroupRule(nots(51))).code).toBe('E_RULE_INVALID');
    expect(thrownError(() => parseGroupRule('not ('.repeat(26) + 'internet_facing' + ')'.repeat(26))).message).toMatch(
      /nesting deeper than 50/,
    );
  });

  it('a glob with many stars against a long name stays fast and correct', () => {
    const rule = parseGroupRule(`name ~ ${'*a'.repeat(40)}*b`);
    expect(matchesGroupRule(rule, machine({ name: 'a'.repeat(1000) }))).toBe(false);
    expect(matchesGroupRule(rule, machine({ name: 'a'.repeat(1000) + 'b' }))).toBe(true);
  });
});
