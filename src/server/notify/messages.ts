/**
 * Builders of notification messages about catalog changes and deployments. Pure: the caller
 * passes everything in (sync diff, bulletin records, deployment facts); nothing reads a clock.
 */
import type { BulletinRecord, NotificationEvent } from '../../store/ports.js';
import type { SyncDiff } from '../../protocol/api.js';
import { oneLine, plural, simpleHtml, type NotificationMessage } from './message-format.js';

export type { NotificationMessage } from './message-format.js';

/** What a finished sync hands the builders: its id, the source's name, the diff and the bulletins it names. */
export interface SyncNotificationInput {
  syncId: string;
  sourceName: string;
  diff: SyncDiff;
  /** Records of the diff's bulletins by id (withdrawn ones included); a missing one is named by id only. */
  bulletins: ReadonlyMap<string, BulletinRecord>;
}

type BulletinEvent = Extract<NotificationEvent, `bulletin.${string}`>;

const VERB: Record<BulletinEvent, string> = {
  'bulletin.new': 'New',
  'bulletin.revised': 'Revised',
  'bulletin.withdrawn': 'Withdrawn',
};

/**
 * One message per added bulletin that affects at least one machine, per revised and per withdrawn
 * bulletin. Keys: new and revised carry the bulletin's content hash (one message per content
 * version), withdrawn carries the sync id; so publishing the same sync twice queues nothing new.
 */
export function bulletinMessages(input: SyncNotificationInput): NotificationMessage[] {
  const out: NotificationMessage[] = [];
  for (const c of input.diff.added)
    if (c.affectedMachines >= 1) out.push(bulletinMessage('bulletin.new', c.id, c.affectedMachines, input));
  for (const c of input.diff.revised) out.push(bulletinMessage('bulletin.revised', c.id, c.affectedMachines, input));
  for (const c of input.diff.withdrawn)
    out.push(bulletinMessage('bulletin.withdrawn', c.id, c.affectedMachines, input));
  return out;
}

function bulletinMessage(
  event: BulletinEvent,
  id: string,
  machines: number,
  input: SyncNotificationInput,
): NotificationMessage {
  const b = input.bulletins.get(id);
  const title = oneLine(b?.title ?? id);
  const severity = b?.severity ?? 'unknown';
  const version = event === 'bulletin.withdrawn' || !b ? input.syncId : b.contentHash;
  const subject = `[Patchhive] ${VERB[event]} ${severity} bulletin ${oneLine(id, 100)}: ${title} (${plural(machines, 'machine')})`;
  const facts = [
    `Bulletin: ${id}`,
    `Title: ${title}`,
    `Severity: ${severity}`,
    `Machines affected: ${machines}`,
    `Source: ${oneLine(input.sourceName)}`,
    ...(b?.cves.length ? [`CVEs: ${b.cves.join(', ')}`] : []),
    ...(b?.published ? [`Published: ${b.published}`] : []),
    ...(b?.revised ? [`Revised: ${b.revised}`] : []),
  ];
  const lead = {
    'bulletin.new': `A new ${severity} bulletin affects ${plural(machines, 'machine')}.`,
    'bulletin.revised': `A bulletin was revised; it affects ${plural(machines, 'machine')}.`,
    'bulletin.withdrawn': `A bulletin was withdrawn by its source; it affected ${plural(machines, 'machine')}.`,
  }[event];
  return {
    event,
    key: `${event}:${id}:${version}`,
    subject,
    text: [lead, '', ...facts].join('\n') + '\n',
    html: simpleHtml(`${VERB[event]} bulletin ${id}`, [lead], facts),
    data: {
      bulletinId: id,
      title,
      severity,
      machines,
      source: input.sourceName,
      syncId: input.syncId,
      cves: b?.cves ?? [],
      published: b?.published ?? null,
      revised: b?.revised ?? null,
    },
  };
}

/** What the rollout reports when a deployment stops. */
export interface DeploymentStop {
  deploymentId: string;
  name: string;
  reason: string;
  /** The ring it stopped in. */
  ring: string;
  /** When it stopped; part of the key so a second halt of the same ring is a new message. */
  at?: string;
}

/** 'deployment.halted' (a gate stopped it; it can resume) or 'deployment.failed' (it gave up). */
export function deploymentMessage(kind: 'halted' | 'failed', d: DeploymentStop): NotificationMessage {
  const event: NotificationEvent = kind === 'halted' ? 'deployment.halted' : 'deployment.failed';
  const name = oneLine(d.name);
  const reason = oneLine(d.reason, 500);
  const lead =
    kind === 'halted'
      ? `Deployment ${name} was halted in ring ${oneLine(d.ring)}.`
      : `Deployment ${name} failed in ring ${oneLine(d.ring)}.`;
  const facts = [
    `Deployment: ${name} (${d.deploymentId})`,
    `Ring: ${oneLine(d.ring)}`,
    `Reason: ${reason}`,
    ...(d.at ? [`At: ${d.at}`] : []),
  ];
  return {
    event,
    key: [event, d.deploymentId, d.ring, ...(d.at ? [d.at] : [])].join(':'),
    subject: `[Patchhive] Deployment ${name} ${kind} in ring ${oneLine(d.ring)}`,
    text: [lead, '', ...facts].join('\n') + '\n',
    html: simpleHtml(`Deployment ${kind}`, [lead], facts),
    data: { deploymentId: d.deploymentId, name, ring: d.ring, reason, at: d.at ?? null },
  };
}

export {
  digestMessage,
  findingsDueMessage,
  type DigestGroup,
  type DigestInput,
  type DueFindingRow,
  type GroupDueInput,
} from './reminder-messages.js';
