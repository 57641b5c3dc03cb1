import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from './config.js';

describe('loadServerConfig: tls', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchhive-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (json: unknown) => {
    const f = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify(json));
    return f;
  };

  it('is off by default', () => {
    expect(loadServerConfig({ env: {}, flags: {} }).tls).toBeUndefined();
  });

  it("flags set both files; one flag overrides only its key of the file's tls object", () => {
    expect(loadServerConfig({ env: {}, flags: { tls: { certFile: 'c.pem', keyFile: 'k.pem' } } }).tls).toEqual({
      certFile: 'c.pem',
      keyFile: 'k.pem',
    });
    const f = file({ tls: { certFile: 'file.pem', keyFile: 'file.key' } });
    expect(loadServerConfig({ file: f, env: {}, flags: { tls: { certFile: 'flag.pem' } } }).tls).toEqual({
      certFile: 'flag.pem',
      keyFile: 'file.key',
    });
  });

  it.each([
    [{ tls: { certFile: 'c.pem' } }, /tls\.keyFile/],
    [{ tls: { certFile: 'c.pem', keyFile: 'k.pem', ca: 'x' } }, /tls/],
  ])('refuses %j', (json, message) => {
    expect(() => loadServerConfig({ file: file(json), env: {}, flags: {} })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID', message: expect.stringMatching(message) }),
    );
  });
});
