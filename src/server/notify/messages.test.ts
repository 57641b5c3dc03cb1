import { describe, expect, it } from 'vitest';
import type { BulletinRecord } from '../../store/ports.js';
import { escapeHtml, MAX_LISTED_LINES, oneLine } from './message-format.js';
import {
  bulletinMessages,
  deploymentMessage,
  digestMessage,
  findingsDueMessage,
  type DueFindingRow,
} from './messages.js';
import { MAX_SLACK_CHARS, slackText } from './slack-text.js';

function bulletin(id: string, over: Partial<BulletinRecord> = {}): BulletinRecord {
  return {
    id,
    sourceId: 'src-1',
    title: `Security update for ${id}`,
    severity: 'critical',
    published: '2026-02-27',
    revised: null,
    cves: ['CVE-2026-1111'],
    kbs: [],
    contentHash: `hash-${id}`,
    withdrawnAt: null,
    ...over,
  };
}

const bulletins = new Map(
  [
    bulletin('DSA-1'),
    bulletin('DSA-2', { severity: 'low', title: 'line\r\nBcc: evil@example.org' }),
    bulletin('DSA-3', { revised: '2026-03-01', contentHash: 'hash-3b' }),
    bulletin('DSA-4', { withdrawnAt: '2026-03-02T07:00:00.000Z' }),
  ].map((b) => [b.id, b]),
);

describe('bulletinMessages', () => {
  const msgs = bulletinMessages({
    syncId: 'sync-9',
    sourceName: 'debian-bookworm',
    bulletins,
    diff: {
      added: [
        { id: 'DSA-1', affectedMachines: 3 },
        { id: 'DSA-2', affectedMachines: 1 },
        { id: 'DSA-0', affectedMachines: 0 },
        { id: 'DSA-X', affectedMachines: 2 },
      ],
      revised: [{ id: 'DSA-3', affectedMachines: 0 }],
      withdrawn: [{ id: 'DSA-4', affectedMachines: 5 }],
    },
  });

  it.each([
    [
      'bulletin.new',
      'DSA-1',
      'bulletin.new:DSA-1:hash-DSA-1',
      '[Patchhive] New critical bulletin DSA-1: Security update for DSA-1 (3 machines)',
      3,
    ],
    [
      'bulletin.new',
      'DSA-2',
      'bulletin.new:DSA-2:hash-DSA-2',
      '[Patchhive] New low bulletin DSA-2: line Bcc: evil@example.org (1 machine)',
      1,
    ],
    [
      'bulletin.new',
      'DSA-X',
      'bulletin.new:DSA-X:sync-9',
      '[Patchhive] New unknown bulletin DSA-X: DSA-X (2 machines)',
      2,
    ],
    [
      'bulletin.revised',
      'DSA-3',
      'bulletin.revised:DSA-3:hash-3b',
      '[Patchhive] Revised critical bulletin DSA-3: Security update for DSA-3 (0 machines)',
      0,
    ],
    [
      'bulletin.withdrawn',
      'DSA-4',
      'bulletin.withdrawn:DSA-4:sync-9',
      '[Patchhive] Withdrawn critical bulletin DSA-4: Security update for DSA-4 (5 machines)',
      5,
    ],
  ])('%s %s → key %s', (event, id, key, subject, machines) => {
    const m = msgs.find((x) => x.event === event && x.data.bulletinId === id);
    expect(m).toBeDefined();
    expect(m!.key).toBe(key);
    expect(m!.subject).toBe(subject);
    expect(m!.data).toMatchObject({ bulletinId: id, machines, source: 'debian-bookworm', syncId: 'sync-9' });
    expect(m!.text).toContain(`Bulletin: ${id}\n`);
    expect(m!.html).toContain(`bulletin ${id}</h2>`);
  });

  it('skips added bulletins that affect no machine and keeps the diff order', () => {
    expect(msgs.map((m) => `${m.event} ${String(m.data.bulletinId)}`)).toEqual([
      'bulletin.new DSA-1',
      'bulletin.new DSA-2',
      'bulletin.new DSA-X',
      'bulletin.revised DSA-3',
      'bulletin.withdrawn DSA-4',
    ]);
  });

  it('never lets feed text break a line of the subject or inject HTML', () => {
    for (const m of msgs) expect(m.subject).not.toMatch(/[\r\n]/);
    const evil = bulletinMessages({
      syncId: 's',
      sourceName: 'x',
      bulletins: new Map([['B', bulletin('B', { title: '<script>alert(1)</script>' })]]),
      diff: { added: [{ id: 'B', affectedMachines: 1 }], revised: [], withdrawn: [] },
    })[0]!;
    expect(evil.html).not.toContain('<script>');
    expect(evil.html).toContain('&lt;script&gt;');
  });

  it('is empty for an empty diff', () => {
    expect(
      bulletinMessages({
        syncId: 's',
        sourceName: 'x',
        bulletins: new Map(),
        diff: { added: [], revised: [], withdrawn: [] },
      }),
    ).toEqual([]);
  });
});

describe('findingsDueMessage', () => {
  const rows: DueFindingRow[] = [
    { machineName: 'web-2', bulletinId: 'DSA-2', severity: 'moderate', dueAt: '2026-03-05T00:00:00.000Z' },
    { machineName: 'web-1', bulletinId: 'DSA-1', severity: 'critical', dueAt: '2026-03-04T00:00:00.000Z' },
    { machineName: 'db-1', bulletinId: 'DSA-3', severity: 'low', dueAt: '2026-03-04T00:00:00.000Z' },
  ];
  const group = { id: 'g-web', name: 'Web servers' };

  it.each([
    [
      'due-soon',
      'findings.due-soon',
      'findings.due-soon:g-web:2026-03-02',
      '[Patchhive] 3 findings due soon in Web servers (2026-03-02)',
    ],
    [
      'overdue',
      'findings.overdue',
      'findings.overdue:g-web:2026-03-02',
      '[Patchhive] 3 findings overdue in Web servers (2026-03-02)',
    ],
  ] as const)('%s: one message per group and day', (kind, event, key, subject) => {
    const m = findingsDueMessage(kind, { group, day: '2026-03-02', rows })!;
    expect(m).toMatchObject({ event, key, subject });
    expect(m.data).toMatchObject({
      groupId: 'g-web',
      groupName: 'Web servers',
      day: '2026-03-02',
      total: 3,
      truncated: false,
    });
    // by deadline, then most severe first
    expect((m.data.findings as DueFindingRow[]).map((r) => r.bulletinId)).toEqual(['DSA-1', 'DSA-3', 'DSA-2']);
    expect(m.text.split('\n').slice(2, 5)).toEqual([
      '- web-1: DSA-1 (critical) due 2026-03-04T00:00:00.000Z',
      '- db-1: DSA-3 (low) due 2026-03-04T00:00:00.000Z',
      '- web-2: DSA-2 (moderate) due 2026-03-05T00:00:00.000Z',
    ]);
  });

  it('is undefined without rows and bounds long lists', () => {
    expect(findingsDueMessage('overdue', { group, day: '2026-03-02', rows: [] })).toBeUndefined();
    const many = Array.from({ length: 70 }, (_, i) => ({
      ...rows[0]!,
      machineName: `m-${String(i).padStart(3, '0')}`,
    }));
    const m = findingsDueMessage('overdue', { group, day: '2026-03-02', rows: many })!;
    expect(m.text.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(MAX_LISTED_LINES);
    expect(m.text).toContain('… and 20 more');
    expect(m.data.total).toBe(70);
  });
});

describe('deploymentMessage', () => {
  it.each([
    [
      'halted',
      'deployment.halted',
      'deployment.halted:dep-7:pilot',
      '[Patchhive] Deployment March patches halted in ring pilot',
    ],
    [
      'failed',
      'deployment.failed',
      'deployment.failed:dep-7:pilot',
      '[Patchhive] Deployment March patches failed in ring pilot',
    ],
  ] as const)('%s', (kind, event, key, subject) => {
    const m = deploymentMessage(kind, {
      deploymentId: 'dep-7',
      name: 'March patches',
      reason: 'gate: 2 of 10 jobs failed',
      ring: 'pilot',
    });
    expect(m).toMatchObject({ event, key, subject });
    expect(m.data).toEqual({
      deploymentId: 'dep-7',
      name: 'March patches',
      ring: 'pilot',
      reason: 'gate: 2 of 10 jobs failed',
      at: null,
    });
    expect(m.text).toContain('Reason: gate: 2 of 10 jobs failed');
  });

  it('puts the time in the key when given, so a second halt is a new message', () => {
    const m = deploymentMessage('halted', {
      deploymentId: 'd',
      name: 'n',
      reason: 'r',
      ring: 'broad',
      at: '2026-03-02T08:00:00.000Z',
    });
    expect(m.key).toBe('deployment.halted:d:broad:2026-03-02T08:00:00.000Z');
  });
});

describe('digestMessage', () => {
  it('sums the groups, lists them by name, keys by owner and day', () => {
    const m = digestMessage({
      owner: 'alice@example.org',
      day: '2026-03-02',
      groups: [
        { name: 'web', openFindings: 10, dueSoon: 2, overdue: 1, newBulletins: 3 },
        { name: 'db', openFindings: 4, dueSoon: 0, overdue: 2, newBulletins: 1 },
      ],
    });
    expect(m.event).toBe('digest');
    expect(m.key).toBe('digest:alice@example.org:2026-03-02');
    expect(m.subject).toBe('[Patchhive] Digest for alice@example.org, 2026-03-02: 3 overdue, 2 due soon');
    expect(m.data.totals).toEqual({ openFindings: 14, dueSoon: 2, overdue: 3, newBulletins: 4 });
    expect(m.text).toContain('14 open findings, 2 due soon, 3 overdue, 4 new bulletins across 2 groups.');
    expect(m.text.indexOf('- db:')).toBeLessThan(m.text.indexOf('- web:'));
  });

  it('handles an owner with no groups', () => {
    const m = digestMessage({ owner: 'bob@example.org', day: '2026-03-02', groups: [] });
    expect(m.data.totals).toEqual({ openFindings: 0, dueSoon: 0, overdue: 0, newBulletins: 0 });
    expect(m.text).toContain('0 open findings');
  });
});

describe('text helpers', () => {
  it.each([
    ['a\r\nb\tc', 'a b c'],
    ['  x  ', 'x'],
    ['y'.repeat(250), 'y'.repeat(199) + '…'],
  ])('oneLine(%j)', (input, out) => expect(oneLine(input)).toBe(out));

  it('escapes HTML', () =>
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'));

  it('keeps Slack text under the limit, cut at a line end', () => {
    expect(slackText('S', 'one\ntwo\n')).toBe('*S*\none\ntwo');
    const long = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(20)}`).join('\n');
    const t = slackText('S', long);
    expect(t.length).toBeLessThanOrEqual(MAX_SLACK_CHARS);
    expect(t.endsWith('\n…')).toBe(true);
    expect(
      t
        .split('\n')
        .slice(1, -1)
        .every((l) => /^line \d+ x{20}$/.test(l)),
    ).toBe(true);
  });
});
