/** Builders of the scheduled messages: due-soon / overdue findings per group, and the owner's digest. Pure. */
import { severityRank, type Severity } from '../../catalog/model.js';
import {
  boundedLines,
  MAX_DATA_ROWS,
  oneLine,
  plural,
  simpleHtml,
  type NotificationMessage,
} from './message-format.js';

/** One open finding with its deadline. */
export interface DueFindingRow {
  machineName: string;
  bulletinId: string;
  severity: Severity;
  dueAt: string;
}

/** The due-soon or overdue findings of one group on one day (YYYY-MM-DD). */
export interface GroupDueInput {
  group: { id: string; name: string };
  day: string;
  rows: DueFindingRow[];
}

/**
 * 'findings.due-soon' or 'findings.overdue' for one group: one message per group per day (the key
 * holds group and day), rows ordered by deadline, most severe first; undefined when there are none.
 */
export function findingsDueMessage(
  kind: 'due-soon' | 'overdue',
  input: GroupDueInput,
): NotificationMessage | undefined {
  if (input.rows.length === 0) return undefined;
  const event = kind === 'due-soon' ? 'findings.due-soon' : 'findings.overdue';
  const rows = [...input.rows].sort(
    (a, b) =>
      cmp(a.dueAt, b.dueAt) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      cmp(a.machineName, b.machineName) ||
      cmp(a.bulletinId, b.bulletinId),
  );
  const group = oneLine(input.group.name);
  const count = plural(rows.length, 'finding');
  const lead =
    kind === 'due-soon'
      ? `${count} in group ${group} will soon pass their deadline.`
      : `${count} in group ${group} are past their deadline.`;
  const lines = rows.map(
    (r) => `${oneLine(r.machineName)}: ${oneLine(r.bulletinId, 100)} (${r.severity}) due ${r.dueAt}`,
  );
  return {
    event,
    key: `${event}:${input.group.id}:${input.day}`,
    subject: `[Patchhive] ${count} ${kind === 'due-soon' ? 'due soon' : 'overdue'} in ${group} (${input.day})`,
    text: [lead, '', ...boundedLines(lines.map((l) => `- ${l}`))].join('\n') + '\n',
    html: simpleHtml(kind === 'due-soon' ? 'Findings due soon' : 'Overdue findings', [lead], lines),
    data: {
      groupId: input.group.id,
      groupName: input.group.name,
      day: input.day,
      total: rows.length,
      truncated: rows.length > MAX_DATA_ROWS,
      findings: rows.slice(0, MAX_DATA_ROWS),
    },
  };
}

/** One group's numbers in a digest. */
export interface DigestGroup {
  name: string;
  openFindings: number;
  dueSoon: number;
  overdue: number;
  newBulletins: number;
}

/** What one owner's digest summarises. */
export interface DigestInput {
  owner: string;
  day: string;
  groups: DigestGroup[];
}

/** The 'digest' of one group owner for one day (key: owner and day); groups listed by name. */
export function digestMessage(input: DigestInput): NotificationMessage {
  const groups = [...input.groups].sort((a, b) => cmp(a.name, b.name));
  const sum = (f: (g: DigestGroup) => number) => groups.reduce((n, g) => n + f(g), 0);
  const totals = {
    openFindings: sum((g) => g.openFindings),
    dueSoon: sum((g) => g.dueSoon),
    overdue: sum((g) => g.overdue),
    newBulletins: sum((g) => g.newBulletins),
  };
  const owner = oneLine(input.owner);
  const lead = `${plural(totals.openFindings, 'open finding')}, ${totals.dueSoon} due soon, ${totals.overdue} overdue, ${plural(totals.newBulletins, 'new bulletin')} across ${plural(groups.length, 'group')}.`;
  const lines = groups.map(
    (g) =>
      `${oneLine(g.name)}: ${g.openFindings} open, ${g.dueSoon} due soon, ${g.overdue} overdue, ${g.newBulletins} new bulletins`,
  );
  return {
    event: 'digest',
    key: `digest:${input.owner}:${input.day}`,
    subject: `[Patchhive] Digest for ${owner}, ${input.day}: ${totals.overdue} overdue, ${totals.dueSoon} due soon`,
    text:
      [`Digest for ${owner} on ${input.day}`, '', lead, '', ...boundedLines(lines.map((l) => `- ${l}`))].join('\n') +
      '\n',
    html: simpleHtml(`Digest for ${owner}, ${input.day}`, [lead], lines),
    data: { owner: input.owner, day: input.day, totals, groups },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
