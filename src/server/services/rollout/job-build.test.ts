import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../catalog/native/signing.js';
import { jobBodySchema } from '../../../protocol/jobs.js';
import { signJob } from '../../../rollout/job-envelope.js';
import { verifyJob } from '../../../agent/job-verify.js';
import { createPublicKey } from 'node:crypto';
import type { MachinePlan } from '../../../store/ports.js';
import {
  buildInstallJobBody,
  buildRollbackJobBody,
  effectiveRebootPolicy,
  jobExpiry,
  rollbackTargets,
  windowGate,
} from './job-build.js';

const DEFAULT = { mode: 'if-required' as const, onlyInWindow: true, maxDeferrals: 2 };
const plan: MachinePlan = {
  manager: 'apt',
  bulletinIds: ['DSA-1', 'DSA-2'],
  packages: [
    { name: 'libssl3', version: '3.0.15-1~deb12u1', previousVersion: '3.0.13-1~deb12u1' },
    { name: 'openssl', version: '3.0.15-1~deb12u1', previousVersion: '3.0.13-1~deb12u1' },
    { name: 'newpkg', version: '1.0-1', previousVersion: null },
  ],
  notInstallable: [],
};
const header = {
  agentId: 'agent-1',
  jobId: 'job-1',
  sequence: 3,
  deploymentId: 'dep-1',
  issuedAt: '2026-11-21T10:00:00.000Z',
  expiresAt: '2026-11-22T10:00:00.000Z',
};

describe('effectiveRebootPolicy', () => {
  it.each([
    [
      'the deployment override wins',
      { mode: 'always', onlyInWindow: false, maxDeferrals: 5 },
      [{ mode: 'never', onlyInWindow: true, maxDeferrals: 0 }],
      { mode: 'always', onlyInWindow: false, maxDeferrals: 5 },
    ],
    ['no group policy: the server default', null, [null, null], DEFAULT],
    ['no groups at all: the server default', null, [], DEFAULT],
    [
      'the most conservative of the groups',
      null,
      [
        { mode: 'always', onlyInWindow: false, maxDeferrals: 3 },
        { mode: 'if-required', onlyInWindow: true, maxDeferrals: 5 },
        null,
      ],
      { mode: 'if-required', onlyInWindow: true, maxDeferrals: 3 },
    ],
    [
      'never beats everything',
      null,
      [
        { mode: 'always', onlyInWindow: false, maxDeferrals: 1 },
        { mode: 'never', onlyInWindow: false, maxDeferrals: 4 },
      ],
      { mode: 'never', onlyInWindow: false, maxDeferrals: 1 },
    ],
  ] as const)('%s', (_n, override, groups, expected) => {
    expect(effectiveRebootPolicy(override, groups, DEFAULT)).toEqual(expected);
  });
});

describe('windowGate', () => {
  const nightly = { cron: '0 22 * * *', durationMinutes: 120, timeZone: 'UTC' };
  const morning = { cron: '0 6 * * *', durationMinutes: 60, timeZone: 'UTC' };
  it('open without windows, and inside any of them', () => {
    expect(windowGate([], '2026-11-21T12:00:00Z')).toEqual({ open: true });
    expect(windowGate([nightly, morning], '2026-11-21T06:30:00Z')).toEqual({ open: true });
    expect(windowGate([nightly, morning], '2026-11-21T23:59:00Z')).toEqual({ open: true });
  });
  it('closed outside all of them, with the earliest next start', () => {
    expect(windowGate([nightly, morning], '2026-11-21T12:00:00Z')).toEqual({
      open: false,
      nextStart: '2026-11-21T22:00:00.000Z',
    });
    expect(windowGate([nightly, morning], '2026-11-21T00:30:00Z')).toEqual({
      open: false,
      nextStart: '2026-11-21T06:00:00.000Z',
    });
  });
});

describe('jobExpiry', () => {
  it('lifetime, or the deadline when sooner', () => {
    expect(jobExpiry('2026-11-21T10:00:00.000Z', 24 * 3_600_000, null)).toBe('2026-11-22T10:00:00.000Z');
    expect(jobExpiry('2026-11-21T10:00:00.000Z', 24 * 3_600_000, '2026-11-21T18:00:00.000Z')).toBe(
      '2026-11-21T18:00:00.000Z',
    );
    expect(jobExpiry('2026-11-21T10:00:00.000Z', 24 * 3_600_000, '2026-12-21T18:00:00.000Z')).toBe(
      '2026-11-22T10:00:00.000Z',
    );
  });
});

describe('buildInstallJobBody', () => {
  it('pre-hook → one install with every package in order → post-hook → reboot → verify, and it signs and verifies', () => {
    const preHook = {
      action: 'snapshot',
      version: 3,
      command: ['/usr/local/sbin/snapshot', '--quick'],
      timeoutSeconds: 900,
    };
    const postHook = { action: 'health-check', version: 1, command: ['/usr/bin/true'], timeoutSeconds: 60 };
    const body = buildInstallJobBody(header, plan, { policy: DEFAULT, preHook, postHook, deferralsUsed: 1 });
    expect(body.steps.map((s) => s.kind)).toEqual(['pre-hook', 'install', 'post-hook', 'reboot', 'verify']);
    expect(body.steps[0]).toEqual({
      kind: 'pre-hook',
      action: 'snapshot',
      command: ['/usr/local/sbin/snapshot', '--quick'],
      timeoutSeconds: 900,
    });
    expect(body.steps[2]).toEqual({
      kind: 'post-hook',
      action: 'health-check',
      command: ['/usr/bin/true'],
      timeoutSeconds: 60,
    });
    expect(body.steps[1]).toMatchObject({
      manager: 'apt',
      packages: plan.packages.map((p) => ({ name: p.name, version: p.version })),
    });
    expect(body.steps[3]).toMatchObject({ when: 'if-required', maxDeferrals: 2, deferralsUsed: 1 });
    expect(body.steps[4]).toEqual({ kind: 'verify', bulletinIds: ['DSA-1', 'DSA-2'] });
    expect(body.reboot).toBe('if-required');
    expect(jobBodySchema.safeParse(body).success).toBe(true);
    const keys = generateKeyPair();
    const envelope = signJob(body, keys.privateKeyPem);
    const pub = createPublicKey(keys.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    expect(
      verifyJob(envelope, {
        agentId: 'agent-1',
        pinnedPublicKeyPem: pub,
        lastSequence: 2,
        now: '2026-11-21T10:00:01Z',
      }),
    ).toMatchObject({ ok: true });
  });

  it('policy never: no reboot step, no hooks when none are set', () => {
    const body = buildInstallJobBody(header, plan, {
      policy: { mode: 'never', onlyInWindow: false, maxDeferrals: 0 },
      preHook: null,
      postHook: null,
      deferralsUsed: 0,
    });
    expect(body.steps.map((s) => s.kind)).toEqual(['install', 'verify']);
    expect(body.reboot).toBe('never');
    expect(jobBodySchema.safeParse(body).success).toBe(true);
  });
});

describe('rollback', () => {
  it('from the plan: previous versions back, new packages removed', () => {
    expect(rollbackTargets(plan, null)).toEqual({
      packages: [
        { name: 'libssl3', version: '3.0.13-1~deb12u1' },
        { name: 'openssl', version: '3.0.13-1~deb12u1' },
      ],
      remove: ['newpkg'],
    });
  });

  it("from the agent's kept packages when it reported them (only this plan's packages)", () => {
    const kept = [
      { name: 'openssl', version: '3.0.11-1~deb12u2' },
      { name: 'stranger', version: '1' },
    ];
    expect(rollbackTargets(plan, kept)).toEqual({
      packages: [{ name: 'openssl', version: '3.0.11-1~deb12u2' }],
      remove: ['newpkg'],
    });
  });

  it('a rollback job body is a valid job', () => {
    const body = buildRollbackJobBody(header, 'apt', 'job-0', rollbackTargets(plan, null));
    expect(body.steps).toEqual([
      {
        kind: 'rollback',
        manager: 'apt',
        fromJobId: 'job-0',
        packages: [
          { name: 'libssl3', version: '3.0.13-1~deb12u1' },
          { name: 'openssl', version: '3.0.13-1~deb12u1' },
        ],
        remove: ['newpkg'],
        timeoutSeconds: 3600,
      },
    ]);
    expect(jobBodySchema.safeParse(body).success).toBe(true);
  });
});
