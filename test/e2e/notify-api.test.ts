/**
 * Notifications end to end through a real server (SQLite and PostgreSQL) with an injected clock:
 * channels made over the API; a catalog sync notifies a signed webhook (HMAC checked by the
 * receiver) about new bulletins affecting enough machines; a failing receiver is retried with
 * backoff until it takes the message, and the delivery log says so; overdue findings and the
 * group owner's digest arrive by e-mail on a real SMTP server (smtp-server on loopback).
 */
import { createHmac } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryWire } from '../../src/protocol/policy-api.js';
import { mailHeader, startHttpReceiver, startSmtpReceiver } from '../../src/server/notify/notify-test-support.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import {
  callApi,
  debianInventory,
  expectApi,
  expectRefused,
  nativeCatalog,
  removeInventoryRoots,
  tempDir,
  TestClock,
  whyNoPostgres,
} from './server-test-helpers.js';

const noPostgres = await whyNoPostgres();
const SECRET = 'a-webhook-secret-of-some-length';

for (const database of ['sqlite', 'postgres'] as TestDatabase[]) {
  describe.skipIf(database === 'postgres' && noPostgres !== undefined)(
    `notifications through the server on ${database}`,
    () => {
      const clock = new TestClock(Date.parse('2026-11-21T10:00:00.000Z'));
      let server: TestServer;
      let work: { dir: string; remove(): Promise<void> };
      let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
      let hook: Awaited<ReturnType<typeof startHttpReceiver>>;
      let flaky: Awaited<ReturnType<typeof startHttpReceiver>>;
      let chat: Awaited<ReturnType<typeof startHttpReceiver>>;

      const deliveries = async (channel: string) =>
        (await expectApi<{ items: DeliveryWire[] }>(server, 'GET', `/notification-deliveries?channel=${channel}`, 200))
          .items;

      beforeAll(async () => {
        work = await tempDir('patchhive-notify-');
        smtp = await startSmtpReceiver();
        hook = await startHttpReceiver({ secret: SECRET });
        flaky = await startHttpReceiver({ statuses: [500, 500, 500, 500, 200] }); // two deliveries: fail, fail, succeed
        chat = await startHttpReceiver();
        server = (await startTestServer({
          database,
          now: clock.now,
          // Scheduled, but on a day the test does not run (1 January): the test runs the jobs itself.
          config: {
            triageSweepSchedule: '0 7 1 1 *',
            notify: {
              smtp: { host: '127.0.0.1', port: smtp.port, from: 'patchhive@example.org' },
              retry: { maxAttempts: 5, baseSeconds: 30, maxSeconds: 3600 },
              dueSoonSchedule: '0 7 1 1 *',
              digestSchedule: '0 7 1 1 *',
            },
          },
        }))!;
        for (const [name, status] of [
          ['web1', 'status-host-node-image.txt'],
          ['web2', 'status-minbase-12-point-release.txt'],
        ] as const) {
          await expectApi(server, 'POST', '/machines/import', 201, {
            body: { inventory: await debianInventory(status, name, clock.now()) },
          });
        }
        await expectApi(server, 'POST', '/groups', 201, {
          body: { name: 'lab', kind: 'static', members: ['web1'], owner: 'lab-owner@example.org' },
        });
        await expectApi(server, 'POST', '/groups', 201, { body: { name: 'prod', kind: 'static', members: ['web2'] } });
        await expectApi(server, 'POST', '/notification-channels', 201, {
          body: {
            name: 'ops-hook',
            kind: 'webhook',
            target: hook.url,
            secret: SECRET,
            events: ['bulletin.new', 'findings.overdue'],
            minMachines: 2,
          },
        });
        await expectApi(server, 'POST', '/notification-channels', 201, {
          body: {
            name: 'flaky',
            kind: 'webhook',
            target: flaky.url,
            secret: 'another-secret-0123456789',
            events: ['bulletin.new'],
          },
        });
        await expectApi(server, 'POST', '/notification-channels', 201, {
          body: { name: 'chat', kind: 'slack', target: chat.url, events: ['bulletin.new'], minMachines: 3 },
        });
        await expectApi(server, 'POST', '/notification-channels', 201, {
          body: {
            name: 'lab-mail',
            kind: 'email',
            target: 'lab-owner@example.org',
            events: ['findings.overdue', 'digest'],
            groups: ['lab'],
          },
        });
      });
      afterAll(async () => {
        await server?.destroy();
        await Promise.all([smtp?.close(), hook?.close(), flaky?.close(), chat?.close()]);
        await work?.remove();
        await removeInventoryRoots();
      });

      it('channels: a webhook needs a secret, only admins manage them, secrets and URL paths are never shown', async () => {
        await expectRefused(server, 'POST', '/notification-channels', 400, 'E_BAD_REQUEST', {
          body: { name: 'nosig', kind: 'webhook', target: hook.url, events: ['digest'] },
        });
        await expectRefused(server, 'POST', '/notification-channels', 400, 'E_BAD_REQUEST', {
          body: { name: 'ftp', kind: 'slack', target: 'ftp://example.org/x', events: ['digest'] },
        });
        await expectRefused(server, 'GET', '/notification-channels', 403, 'E_FORBIDDEN', {
          token: await server.tokenFor('operator'),
        });
        const list = await callApi(server, 'GET', '/notification-channels');
        expect(list.body.items.map((c: { name: string }) => c.name).sort()).toEqual([
          'chat',
          'flaky',
          'lab-mail',
          'ops-hook',
        ]);
        expect(list.text).not.toContain(SECRET);
        expect(list.text).not.toContain('/hook');
      });

      it('a catalog sync notifies the signed webhook of each new bulletin affecting enough machines', async () => {
        const file = path.join(work.dir, 'inhouse.json');
        await writeFile(
          file,
          nativeCatalog('inhouse', [
            { id: 'PH-APT', pkg: 'apt', fixed: '9999', severity: 'important' },
            { id: 'PH-LZMA', pkg: 'liblzma5', fixed: '9999', severity: 'critical' },
            { id: 'PH-NONE', pkg: 'no-such-package', fixed: '1', severity: 'critical' },
          ]),
        );
        const source = await expectApi(server, 'POST', '/sources', 201, {
          body: { name: 'inhouse', url: file, format: 'native', allowUnsigned: true },
        });
        await expectApi(server, 'POST', `/sources/${source.id}/sync`, 200);
        await server.notifier.deliverDue();
        const got = hook.requests.filter((r) => r.headers['x-patchhive-event'] === 'bulletin.new');
        expect(got.map((r) => JSON.parse(r.body).data.bulletinId).sort()).toEqual(['PH-APT', 'PH-LZMA']);
        for (const r of got) {
          // The receiver verified it; check again here from the raw body and the timestamp header.
          const want =
            'sha256=' +
            createHmac('sha256', SECRET)
              .update(`${String(r.headers['x-patchhive-timestamp'])}.${r.body}`)
              .digest('hex');
          expect(r.headers['x-patchhive-signature']).toBe(want);
          expect(r.verified).toBe(true);
          expect(JSON.parse(r.body)).toMatchObject({ event: 'bulletin.new', data: { machines: 2 } });
        }
        expect(chat.requests).toHaveLength(0); // minMachines 3
        expect((await deliveries('ops-hook')).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
      });

      it('a failing receiver is retried with backoff until it accepts; every failure is in the delivery log', async () => {
        let log = await deliveries('flaky');
        expect(log).toHaveLength(2);
        expect(log.every((d) => d.status === 'pending' && d.attempts === 1 && d.lastError === 'HTTP 500')).toBe(true);
        const next = Date.parse(log[0]!.nextAttemptAt!) - clock.now().getTime();
        expect(next).toBeGreaterThanOrEqual(24_000); // 30 s ± 20 %
        expect(next).toBeLessThanOrEqual(36_000);
        await server.notifier.deliverDue(); // not due yet: nothing sent
        expect(flaky.requests).toHaveLength(2);
        clock.advance(40_000);
        await server.notifier.deliverDue();
        log = await deliveries('flaky');
        expect(log.map((d) => `${d.status}/${d.attempts}`).sort()).toEqual(['pending/2', 'pending/2']);
        clock.advance(2 * 60_000);
        await server.notifier.deliverDue();
        log = await deliveries('flaky');
        expect(log.map((d) => `${d.status}/${d.attempts}`).sort()).toEqual(['delivered/3', 'delivered/3']);
        expect(log.every((d) => d.lastError !== null && d.deliveredAt !== null)).toBe(true);
      });

      it("overdue findings reach the group's mail channel and the webhook; the owner's digest arrives by e-mail", async () => {
        await server.services.triage.sweep();
        expect(await server.services.channels.test('lab-mail')).toBe(1);
        // The scheduler runs these on their cron schedules; run here by hand.
        const jobs = server.scheduler.planned().map((j) => j.name);
        expect(jobs).toEqual(
          expect.arrayContaining(['triage sweep', 'due-soon and overdue reminders', 'owner digests']),
        );
        expect(await server.alerts.remindDue()).toBe(3); // lab and prod to the webhook, lab to the mail channel
        expect(await server.alerts.digests()).toBe(1);
        await server.notifier.deliverDue();
        const overdueHooks = hook.requests
          .filter((r) => r.headers['x-patchhive-event'] === 'findings.overdue')
          .map((r) => JSON.parse(r.body));
        expect(overdueHooks.map((m) => m.data.groupName).sort()).toEqual(['lab', 'prod']);
        expect(
          overdueHooks
            .find((m) => m.data.groupName === 'prod')
            .data.findings.map((f: { bulletinId: string }) => f.bulletinId),
        ).toEqual(['PH-LZMA']);
        const subjects = smtp.mails.map((m) => mailHeader(m.raw, 'Subject') ?? '');
        expect(
          smtp.mails.every((m) => m.to.join(',') === 'lab-owner@example.org' && m.from === 'patchhive@example.org'),
        ).toBe(true);
        expect(subjects.some((s) => /test notification/i.test(s))).toBe(true);
        expect(subjects.some((s) => /overdue/i.test(s) && /lab/.test(s))).toBe(true);
        expect(subjects.some((s) => /prod/.test(s))).toBe(false); // the mail channel is limited to lab
        const digest = smtp.mails.find((m) => /digest/i.test(mailHeader(m.raw, 'Subject') ?? ''));
        expect(digest?.raw).toContain('lab');
        expect((await deliveries('lab-mail')).every((d) => d.status === 'delivered')).toBe(true);
      });
    },
  );
}
