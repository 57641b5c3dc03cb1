import { describe, expect, it } from 'vitest';
import { checkServerUrl, isLoopbackHost } from './server-url.js';

describe('checkServerUrl', () => {
  it.each([
    ['https://patch.example.org', 'https://patch.example.org', false],
    ['https://patch.example.org/', 'https://patch.example.org', false],
    ['https://patch.example.org:8443/ph/', 'https://patch.example.org:8443/ph', false],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080', false],
    ['http://localhost:8080', 'http://localhost:8080', false],
    ['http://[::1]:8080', 'http://[::1]:8080', false],
    ['http://patch.example.org', 'http://patch.example.org', true],
    ['http://10.0.0.5', 'http://10.0.0.5', true],
  ])('%s → %s (warning %s)', (raw, base, warns) => {
    const r = checkServerUrl(raw);
    expect(r.base).toBe(base);
    expect(r.warning !== undefined).toBe(warns);
  });

  it.each([
    ['patch.example.org', /absolute/],
    ['ftp://patch.example.org', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['https://user:hunter2@patch.example.org', /user name or password/],
    ['https://user@patch.example.org', /user name or password/],
    ['https://patch.example.org/?token=x', /query/],
    ['https://patch.example.org/#x', /fragment/],
  ])('%s is refused', (raw, message) => {
    let err: unknown;
    try {
      checkServerUrl(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(message) });
    expect(String((err as Error).message)).not.toContain('hunter2');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['localhost.example.org', false],
    ['10.0.0.1', false],
  ])('%s → %s', (h, yes) => {
    expect(isLoopbackHost(h)).toBe(yes);
  });
});
