import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord, Store } from '../../store/ports.js';
import { createTestSqliteStore } from '../../store/test-support.js';
import { hashPassword, type ScryptParams } from '../auth/passwords.js';
import { isLive, SessionService } from './sessions.js';
import { TokenService } from './tokens.js';
import { TouchBuffer } from './touch-buffer.js';
import { UserService } from './users.js';

const light: ScryptParams = { ln: 10, r: 8, p: 3 };
const MIN = 60_000;

function record(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: 'h',
    userId: 'u',
    role: 'viewer',
    scopeGroupIds: null,
    via: 'password',
    tokenId: null,
    csrfSecret: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    lastSeenAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T12:00:00.000Z',
    revokedAt: null,
    userAgent: null,
    sourceIp: null,
    ...over,
  };
}

describe('isLive', () => {
  const at = (iso: string) => new Date(iso);
  it('is live until idle or absolute expiry or revocation, whichever comes first', () => {
    expect(isLive(record(), at('2026-01-01T00:29:59Z'), 30 * MIN)).toBe(true);
    expect(isLive(record(), at('2026-01-01T00:30:00Z'), 30 * MIN)).toBe(false);
    const active = record({ lastSeenAt: '2026-01-01T11:50:00.000Z' });
    expect(isLive(active, at('2026-01-01T11:59:59Z'), 30 * MIN)).toBe(true);
    expect(isLive(active, at('2026-01-01T12:00:00Z'), 30 * MIN)).toBe(false);
    expect(isLive(record({ revokedAt: '2026-01-01T00:01:00.000Z' }), at('2026-01-01T00:02:00Z'), 30 * MIN)).toBe(false);
  });
});

describe('SessionService and UserService', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let t = Date.parse('2026-01-01T00:00:00Z');
  const now = () => new Date(t);
  let sessions: SessionService;
  let users: UserService;

  beforeAll(async () => {
    ({ store, cleanup } = await createTestSqliteStore());
    const tokens = new TokenService(store, now, new TouchBuffer(store));
    sessions = new SessionService(store, tokens, now, {
      cookieName: 'c',
      idleMs: 30 * MIN,
      absoluteMs: 12 * 60 * MIN,
      scrypt: light,
    });
    users = new UserService(store, tokens, sessions, now);
  });
  afterAll(() => cleanup());

  it('a password sign-in fails with one message whatever failed', async () => {
    await users.create({ name: 'frank', role: 'operator', password: 'frank has a long password' });
    await users.create({ name: 'nopass', role: 'viewer' });
    const messages = await Promise.all(
      [
        ['frank', 'the wrong password'],
        ['nobody', 'the wrong password'],
        ['nopass', 'the wrong password'],
      ].map(([u, p]) =>
        sessions.signInWithPassword(u!, p!).then(
          () => 'signed in',
          (e: Error) => e.message,
        ),
      ),
    );
    expect(new Set(messages)).toEqual(new Set(['wrong user name or password']));
    const who = await sessions.signInWithPassword('frank', 'frank has a long password');
    expect(who).toMatchObject({ role: 'operator', scopeGroupIds: null, via: 'password', tokenId: null });
  });

  it('replaces a hash made with other parameters at the next sign-in', async () => {
    const old = await hashPassword('grace has a long password', { ln: 11, r: 8, p: 1 });
    await store.users.createUser({
      id: 'grace-id',
      name: 'grace',
      role: 'viewer',
      createdAt: now().toISOString(),
      passwordHash: old,
      scopeGroupIds: null,
      disabledAt: null,
      passwordChangedAt: null,
    });
    await sessions.signInWithPassword('grace', 'grace has a long password');
    const after = (await store.users.getUser('grace-id'))!.passwordHash!;
    expect(after).not.toBe(old);
    expect(after).toMatch(/^\$scrypt\$ln=10,r=8,p=3\$/);
    await sessions.signInWithPassword('grace', 'grace has a long password');
  });

  it('opens a session, touches it at most every 30 s, ends it; signInAs creates and updates OIDC users', async () => {
    const who = await sessions.signInAs({ userName: 'heidi', role: 'viewer', scopeGroupIds: null, via: 'oidc' });
    expect(who.user).toMatchObject({ name: 'heidi', role: 'viewer', passwordHash: null });
    const rec = await sessions.open('hash-1', who, { userAgent: 'x'.repeat(500), ip: '192.0.2.1' }, null);
    expect(rec.userAgent).toHaveLength(200);
    expect(rec.expiresAt).toBe('2026-01-01T12:00:00.000Z');
    t += 10_000;
    const caller = await sessions.callerOf((await sessions.live('hash-1'))!);
    expect(caller).toMatchObject({
      kind: 'user',
      userName: 'heidi',
      role: 'viewer',
      tokenId: null,
      sessionId: 'hash-1',
    });
    expect((await store.sessions.getSession('hash-1'))!.lastSeenAt).toBe(rec.lastSeenAt);
    t += 30_000;
    await sessions.callerOf((await sessions.live('hash-1'))!);
    expect((await store.sessions.getSession('hash-1'))!.lastSeenAt).toBe(now().toISOString());
    const promoted = await sessions.signInAs({ userName: 'heidi', role: 'operator', scopeGroupIds: null, via: 'oidc' });
    expect(promoted.user.role).toBe('operator');
    await sessions.end('hash-1');
    expect(await sessions.live('hash-1')).toBeUndefined();
    await users.update('heidi', { disabled: true });
    await expect(
      sessions.signInAs({ userName: 'heidi', role: 'operator', scopeGroupIds: null, via: 'oidc' }),
    ).rejects.toMatchObject({ code: 'E_UNAUTHENTICATED' });
  });

  it('an admin cannot be scoped, and an unknown user is E_USER_NOT_FOUND', async () => {
    await expect(users.update('frank', { role: 'admin', groups: ['x'] })).rejects.toMatchObject({
      code: 'E_BAD_REQUEST',
    });
    await expect(users.update('nobody', { role: 'viewer' })).rejects.toMatchObject({ code: 'E_USER_NOT_FOUND' });
    await expect(users.create({ name: 'ivan', role: 'viewer', password: 'ivan' })).rejects.toMatchObject({
      code: 'E_BAD_REQUEST',
    });
  });
});
