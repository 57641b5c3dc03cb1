/** Notification channels and their delivery log, as the API shows them (secrets never leave the server). */
import { randomUUID } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';
import type { ChannelCreate, ChannelUpdate, ChannelWire, DeliveryWire } from '../../protocol/policy-api.js';
import type { ChannelRecord, Store } from '../../store/ports.js';
import { checkChannelTarget } from '../notify/senders.js';
import type { Notifier } from '../notify/notifier.js';
import type { GroupService } from './groups.js';

export class ChannelService {
  constructor(
    private readonly store: Store,
    private readonly groups: GroupService,
    private readonly notifier: Notifier,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<ChannelWire[]> {
    return (await this.store.notifications.listChannels()).map(toWire);
  }

  async create(req: ChannelCreate): Promise<ChannelWire> {
    checkTarget(req.kind, req.target);
    if (req.secret && req.kind !== 'webhook')
      throw new PatchhiveError('E_BAD_REQUEST', 'only webhook channels are signed', { path: '$.secret' });
    // Unsigned webhooks would let anyone who can reach the receiver forge Patchhive's messages.
    if (req.kind === 'webhook' && !req.secret)
      throw new PatchhiveError(
        'E_BAD_REQUEST',
        'a webhook channel needs a secret (16+ characters) to sign its messages',
        { path: '$.secret' },
      );
    if (await this.store.notifications.getChannelByName(req.name))
      throw new PatchhiveError('E_CONFLICT', `a channel named ${JSON.stringify(req.name)} exists`);
    const c: ChannelRecord = {
      id: randomUUID(),
      name: req.name,
      kind: req.kind,
      target: req.target.trim(),
      secret: req.secret ?? null,
      events: [...new Set(req.events)],
      minMachines: req.minMachines,
      groupIds: await this.groupIds(req.groups),
      enabled: req.enabled,
      createdAt: this.now().toISOString(),
    };
    await this.store.notifications.createChannel(c);
    return toWire(c);
  }

  async update(idOrName: string, patch: ChannelUpdate): Promise<ChannelWire> {
    const c = await this.resolve(idOrName);
    if (patch.target !== undefined) checkTarget(c.kind, patch.target);
    if (patch.secret && c.kind !== 'webhook')
      throw new PatchhiveError('E_BAD_REQUEST', 'only webhook channels are signed', { path: '$.secret' });
    const change: Partial<ChannelRecord> = {};
    if (patch.target !== undefined) change.target = patch.target.trim();
    if (patch.secret !== undefined) change.secret = patch.secret;
    if (patch.events !== undefined) change.events = [...new Set(patch.events)];
    if (patch.minMachines !== undefined) change.minMachines = patch.minMachines;
    if (patch.groups !== undefined) change.groupIds = await this.groupIds(patch.groups);
    if (patch.enabled !== undefined) change.enabled = patch.enabled;
    await this.store.notifications.updateChannel(c.id, change);
    return toWire((await this.store.notifications.getChannel(c.id))!);
  }

  async delete(idOrName: string): Promise<void> {
    await this.store.notifications.deleteChannel((await this.resolve(idOrName)).id);
  }

  /** Queues a test message to one channel (it goes through the same delivery path and log). */
  async test(idOrName: string): Promise<number> {
    const c = await this.resolve(idOrName);
    const at = this.now().toISOString();
    return this.notifier.queueTo(c, {
      event: 'digest',
      key: `test:${randomUUID()}`,
      subject: 'Patchhive test notification',
      text: `A test message to channel ${c.name}, queued at ${at}.`,
      data: { test: true, channel: c.name, at },
    });
  }

  async deliveries(q: {
    channel?: string | undefined;
    status?: DeliveryWire['status'] | undefined;
    limit: number;
  }): Promise<DeliveryWire[]> {
    const channelId = q.channel ? (await this.resolve(q.channel)).id : undefined;
    const rows = await this.store.notifications.listDeliveries({
      ...(channelId ? { channelId } : {}),
      ...(q.status ? { status: q.status } : {}),
      limit: q.limit,
    });
    return rows.map(({ payloadJson: _payload, ...d }) => d);
  }

  private async resolve(idOrName: string): Promise<ChannelRecord> {
    const c =
      (await this.store.notifications.getChannel(idOrName)) ??
      (await this.store.notifications.getChannelByName(idOrName));
    if (!c) throw new PatchhiveError('E_CHANNEL_NOT_FOUND', `no notification channel ${JSON.stringify(idOrName)}`);
    return c;
  }

  private async groupIds(refs: string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const ref of refs) out.add((await this.groups.resolve(ref)).id);
    return [...out];
  }
}

function checkTarget(kind: ChannelRecord['kind'], target: string): void {
  try {
    checkChannelTarget(kind, target);
  } catch (err) {
    if (err instanceof PatchhiveError) throw new PatchhiveError('E_BAD_REQUEST', err.message, { path: '$.target' });
    throw err;
  }
}

/** A URL is shown as its origin only: Slack-style URLs carry their key in the path. */
function toWire(c: ChannelRecord): ChannelWire {
  let target = c.target;
  if (c.kind !== 'email') {
    try {
      const u = new URL(c.target);
      target = `${u.origin}${u.pathname === '/' && !u.search ? '/' : '/…'}`;
    } catch {
      target = '(invalid URL)';
    }
  }
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    target,
    signed: c.secret !== null,
    events: c.events,
    minMachines: c.minMachines,
    groupIds: c.groupIds,
    enabled: c.enabled,
    createdAt: c.createdAt,
  };
}
