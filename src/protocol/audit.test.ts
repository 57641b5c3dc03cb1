import { describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS_HASH,
  AuditChainVerifier,
  auditEntryHash,
  chainAuditEntry,
  verifyAuditChain,
  type AuditDraft,
  type AuditEntry,
} from './audit.js';

const draft = (n: number): AuditDraft => ({
  at: `2026-12-01T00:00:0${n}.000Z`,
  actorKind: 'user',
  userId: 'u',
  userName: 'alice',
  tokenId: 't',
  agentId: null,
  role: 'admin',
  method: 'POST',
  route: '/api/v1/groups',
  objectIds: [`g${n}`],
  summary: { name: `g${n}` },
  sourceIp: '10.0.0.1',
  status: 201,
  errorCode: null,
  requestId: `r${n}`,
});

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 1; i <= n; i++) out.push(chainAuditEntry(draft(i), out.at(-1)));
  return out;
}

describe('audit chain', () => {
  it('links entries from the genesis hash, and the hash covers every field', () => {
    const c = chain(3);
    expect(c[0]).toMatchObject({ seq: 1, prevHash: AUDIT_GENESIS_HASH });
    expect(c[2]!.prevHash).toBe(c[1]!.hash);
    expect(verifyAuditChain(c, true)).toEqual({ ok: true, count: 3, firstSeq: 1, lastSeq: 3, headHash: c[2]!.hash });
    for (const field of Object.keys(c[1]!).filter((k) => k !== 'hash')) {
      const changed = {
        ...c[1]!,
        [field]:
          field === 'seq' || field === 'status' ? 9 : field === 'objectIds' ? [] : field === 'summary' ? {} : 'x',
      };
      expect(auditEntryHash(changed), field).not.toBe(c[1]!.hash);
    }
  });

  it('names the first bad entry', () => {
    const c = chain(5);
    expect(verifyAuditChain([...c.slice(0, 2), { ...c[2]!, status: 200 }, ...c.slice(3)], true)).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/hash mismatch/),
    });
    expect(verifyAuditChain([...c.slice(0, 2), ...c.slice(3)], true)).toMatchObject({
      ok: false,
      seq: 4,
      reason: expect.stringMatching(/gap after entry 2: 1 entry deleted/),
    });
    expect(verifyAuditChain(c.slice(1), true)).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/starts at entry 2/),
    });
    expect(verifyAuditChain([c[0]!, c[1]!, c[1]!], true)).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/out of order/),
    });
    const rehashed = { ...c[1]!, summary: { name: 'other' } };
    rehashed.hash = auditEntryHash(rehashed);
    expect(verifyAuditChain([c[0]!, rehashed, ...c.slice(2)], true)).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/previous-hash mismatch: entry 2/),
    });
  });

  it('verifies a run that starts mid-chain from its first entry, and an empty run', () => {
    const c = chain(5);
    expect(verifyAuditChain(c.slice(2), false)).toMatchObject({ ok: true, count: 3, firstSeq: 3 });
    expect(verifyAuditChain([], true)).toMatchObject({ ok: true, count: 0, lastSeq: null });
    const v = new AuditChainVerifier(true);
    expect(v.push({ ...c[0]!, hash: 'f'.repeat(64) })).toMatchObject({ seq: 1 });
    expect(v.push(c[1]!)).toMatchObject({ seq: 1 });
  });
});
