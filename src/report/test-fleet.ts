/**
 * Test support for the report tests: a declarative fleet seeded into a real store through its
 * public APIs (machines, groups, bulletins, findings via applyAssessment at given times, triage
 * decisions, risk exceptions, daily snapshots). For tests only.
 */
import { randomUUID } from 'node:crypto';
import type { Severity } from '../catalog/model.js';
import type { DeadlinePolicyOverride, TriageDecision, TriageState } from '../policy/model.js';
import type { DailySnapshot, FindingInput, GroupRecord, Store } from '../store/ports.js';

/** A fleet to seed. Times are ISO strings; findings without resolvedAt stay open. */
export interface FleetSpec {
  machines: { id: string; name: string; owner: string | null }[];
  groups: {
    id: string;
    name: string;
    owner: string | null;
    members: string[];
    deadlinePolicy?: DeadlinePolicyOverride;
  }[];
  bulletins: { id: string; severity: Severity; published: string | null; title?: string }[];
  findings: { machine: string; bulletin: string; firstSeenAt: string; resolvedAt?: string }[];
  decisions: {
    bulletin: string;
    group: string;
    state: TriageState;
    emergency?: boolean;
    ignoreUntil?: string | null;
  }[];
  exceptions: { bulletin: string; machine?: string; group?: string; until: string }[];
  snapshots: DailySnapshot[];
}

const CREATED = '2024-01-01T00:00:00.000Z';

function findingInput(spec: FleetSpec, bulletinId: string, status: FindingInput['status']): FindingInput {
  const b = spec.bulletins.find((x) => x.id === bulletinId);
  if (!b) throw new Error(`test fleet: finding of unknown bulletin ${bulletinId}`);
  return {
    bulletinId,
    status,
    severity: b.severity,
    title: b.title ?? `Title of ${b.id}`,
    package: null,
    fixedVersion: null,
    reason: null,
    evidence: [],
  };
}

function decision(d: FleetSpec['decisions'][number]): TriageDecision {
  return {
    bulletinId: d.bulletin,
    groupId: d.group,
    state: d.state,
    owner: null,
    notes: null,
    reason: d.state === 'ignored' || d.state === 'declined' ? 'test' : null,
    ignoreUntil: d.ignoreUntil ?? null,
    emergency: d.emergency ?? false,
    approvals: d.state === 'approved' ? ['alice'] : [],
    createdAt: CREATED,
    updatedAt: CREATED,
    updatedBy: 'alice',
    version: 1,
  };
}

/** Seeds `spec` into `store`; returns the groups as buildComplianceReport takes them. */
export async function seedFleet(
  store: Store,
  spec: FleetSpec,
): Promise<{ record: GroupRecord; memberIds: string[] }[]> {
  for (const m of spec.machines) {
    await store.machines.create({
      id: m.id,
      name: m.name,
      os: null,
      role: null,
      criticality: 'medium',
      owner: m.owner,
      location: null,
      tags: [],
      internetFacing: false,
      source: 'import',
      agentId: null,
      createdAt: CREATED,
      lastSeenAt: null,
      inventoryHash: null,
      inventoryAt: null,
      assessedHash: null,
      assessedAt: null,
    });
  }
  const groups: { record: GroupRecord; memberIds: string[] }[] = [];
  for (const g of spec.groups) {
    const record: GroupRecord = {
      id: g.id,
      name: g.name,
      description: null,
      kind: 'static',
      rule: null,
      rescanSchedule: null,
      owner: g.owner,
      requiresSecondApprover: false,
      deadlinePolicy: g.deadlinePolicy ?? null,
      maintenanceWindow: null,
      rebootPolicy: null,
      createdAt: CREATED,
    };
    await store.groups.create(record, g.members);
    groups.push({ record: (await store.groups.get(g.id))!, memberIds: await store.groups.members(g.id) });
  }
  await store.bulletins.replaceForSource(
    'test-source',
    spec.bulletins.map((b) => ({
      id: b.id,
      sourceId: 'test-source',
      title: b.title ?? `Title of ${b.id}`,
      severity: b.severity,
      published: b.published,
      revised: null,
      cves: [],
      kbs: [],
      contentHash: b.id,
      withdrawnAt: null,
    })),
    CREATED,
  );
  for (const f of spec.findings) {
    const scope = { bulletinIds: [f.bulletin] };
    await store.findings.applyAssessment(f.machine, [findingInput(spec, f.bulletin, 'missing')], f.firstSeenAt, scope);
    if (f.resolvedAt)
      await store.findings.applyAssessment(
        f.machine,
        [findingInput(spec, f.bulletin, 'installed')],
        f.resolvedAt,
        scope,
      );
  }
  const queued = spec.decisions.filter((d) => d.state === 'new');
  await store.triage.enqueueNew(
    queued.map((d) => ({ bulletinId: d.bulletin, groupId: d.group })),
    CREATED,
  );
  for (const d of spec.decisions.filter((x) => x.state !== 'new')) {
    const event = {
      id: randomUUID(),
      bulletinId: d.bulletin,
      groupId: d.group,
      at: CREATED,
      actor: 'alice',
      action: 'approve' as const,
      fromState: null,
      toState: d.state,
      detail: {},
    };
    await store.triage.save(decision(d), event, 0);
  }
  for (const e of spec.exceptions) {
    await store.triage.createException({
      id: randomUUID(),
      bulletinId: e.bulletin,
      machineId: e.machine ?? null,
      groupId: e.group ?? null,
      owner: 'risk@example.org',
      reason: 'accepted for the test',
      until: e.until,
      createdAt: CREATED,
      createdBy: 'alice',
      revokedAt: null,
    });
  }
  for (const s of spec.snapshots) await store.findings.putSnapshot(s);
  return groups;
}
