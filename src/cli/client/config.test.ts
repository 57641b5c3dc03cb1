import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrownError } from '../../../test/support/errors.js';
import {
  defaultConfigPath,
  normaliseServerUrl,
  resolveClientConfig,
  type ClientConfigSources,
  type ClientFlags,
} from './config.js';

let dir: string;
let home: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'patchhive-client-config-'));
  home = path.join(dir, 'home');
  mkdirSync(home);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a config file (mode 0600 unless told) and returns its path. */
function writeConfig(file: string, content: unknown, mode = 0o600): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  chmodSync(file, mode);
  return file;
}
const homeConfig = () => path.join(home, '.config', 'patchhive', 'config.json');
const resolve = (flags: ClientFlags, env: ClientConfigSources['env'] = {}) => resolveClientConfig({ flags, env, home });

describe('precedence: flags > environment > config file > defaults', () => {
  const FILE = { server: 'https://from-file.example', token: 'file-token', format: 'csv', timeout: 7 };
  const ENV = { PATCHHIVE_SERVER: 'https://from-env.example', PATCHHIVE_TOKEN: 'env-token' };

  it.each<{
    name: string;
    flags: ClientFlags;
    env: Record<string, string>;
    file: boolean;
    server: string;
    token: string;
    format: string;
    timeout: number;
  }>([
    {
      name: 'file only',
      flags: {},
      env: {},
      file: true,
      server: 'https://from-file.example',
      token: 'file-token',
      format: 'csv',
      timeout: 7,
    },
    {
      name: 'env over file',
      flags: {},
      env: ENV,
      file: true,
      server: 'https://from-env.example',
      token: 'env-token',
      format: 'csv',
      timeout: 7,
    },
    {
      name: 'flags over env and file',
      flags: { server: 'https://from-flag.example', token: 'flag-token', format: 'json', timeout: '9' },
      env: ENV,
      file: true,
      server: 'https://from-flag.example',
      token: 'flag-token',
      format: 'json',
      timeout: 9,
    },
    {
      name: 'env alone, defaults',
      flags: {},
      env: ENV,
      file: false,
      server: 'https://from-env.example',
      token: 'env-token',
      format: 'table',
      timeout: 30,
    },
    {
      name: 'an empty env value does not count',
      flags: {},
      env: { PATCHHIVE_SERVER: '', PATCHHIVE_TOKEN: '' },
      file: true,
      server: 'https://from-file.example',
      token: 'file-token',
      format: 'csv',
      timeout: 7,
    },
  ])('$name', ({ flags, env, file, server, token, format, timeout }) => {
    if (file) writeConfig(homeConfig(), FILE);
    const { config, warnings } = resolve(flags, env);
    expect(config).toMatchObject({ server, token, format, timeout });
    expect(warnings).toEqual([]);
  });

  it('--token-file beats PATCHHIVE_TOKEN and the file; the token is trimmed', () => {
    writeConfig(homeConfig(), FILE);
    const tokenFile = writeConfig(path.join(dir, 'tok'), 'from-token-file\n');
    const { config } = resolve({ tokenFile }, ENV);
    expect(config.token).toBe('from-token-file');
    expect(config.server).toBe('https://from-env.example');
  });

  it('"tokenFile" in the config file is read relative to the config file', () => {
    const cfg = writeConfig(path.join(dir, 'etc', 'ph.json'), {
      server: 'https://s.example',
      tokenFile: 'secret.token',
    });
    writeConfig(path.join(dir, 'etc', 'secret.token'), 'relative-token');
    expect(resolve({ config: cfg }).config.token).toBe('relative-token');
  });

  it('--config replaces the default file, which is then not read', () => {
    writeConfig(homeConfig(), { server: 'https://default.example', token: 't1' });
    const cfg = writeConfig(path.join(dir, 'other.json'), { server: 'https://other.example', token: 't2' });
    expect(resolve({ config: cfg }).config).toMatchObject({ server: 'https://other.example', token: 't2' });
  });

  it('proxy settings come from the injected environment, lower case first', () => {
    const { config } = resolve(
      { server: 'https://s.example', token: 't' },
      { HTTP_PROXY: 'http://upper:1', http_proxy: 'http://lower:1', NO_PROXY: 'corp' },
    );
    expect(config.proxy).toEqual({ httpProxy: 'http://lower:1', httpsProxy: '', noProxy: 'corp' });
  });
});

describe('the default config file location', () => {
  it.each([
    {
      name: 'XDG_CONFIG_HOME when absolute',
      env: { XDG_CONFIG_HOME: '/x/conf' },
      expected: '/x/conf/patchhive/config.json',
    },
    { name: '~/.config without XDG_CONFIG_HOME', env: {}, expected: '/home/ann/.config/patchhive/config.json' },
    {
      name: '~/.config when XDG_CONFIG_HOME is relative (the spec says ignore it)',
      env: { XDG_CONFIG_HOME: 'conf' },
      expected: '/home/ann/.config/patchhive/config.json',
    },
  ])('$name', ({ env, expected }) => {
    expect(defaultConfigPath(env, '/home/ann')).toBe(expected);
  });

  it('is read from XDG_CONFIG_HOME', () => {
    const xdg = path.join(dir, 'xdg');
    writeConfig(path.join(xdg, 'patchhive', 'config.json'), { server: 'https://xdg.example', token: 'x' });
    expect(resolve({}, { XDG_CONFIG_HOME: xdg }).config.server).toBe('https://xdg.example');
  });
});

describe('permissions of files holding a token', () => {
  it('warns when the config file with a token is readable by group or others, without showing the token', () => {
    const file = writeConfig(homeConfig(), { server: 'https://s.example', token: 'very-secret-token' }, 0o644);
    const { warnings } = resolve({});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain('0644');
    expect(warnings[0]).not.toContain('very-secret-token');
  });

  it('does not warn for a group-readable config file without a token', () => {
    writeConfig(homeConfig(), { server: 'https://s.example' }, 0o644);
    expect(resolve({}, { PATCHHIVE_TOKEN: 't' }).warnings).toEqual([]);
  });

  it('warns for a world-readable --token-file', () => {
    const tokenFile = writeConfig(path.join(dir, 'tok'), 'abc', 0o604);
    expect(resolve({ server: 'https://s.example', tokenFile }).warnings[0]).toMatch(
      /token file .*readable by group or others \(mode 0604\)/,
    );
  });

  it('can skip the checks (Windows)', () => {
    writeConfig(homeConfig(), { server: 'https://s.example', token: 't' }, 0o666);
    expect(resolveClientConfig({ flags: {}, env: {}, home, skipModeChecks: true }).warnings).toEqual([]);
  });
});

describe('refusals', () => {
  it.each<{
    name: string;
    flags?: ClientFlags;
    env?: Record<string, string>;
    file?: unknown;
    code: string;
    says: RegExp;
  }>([
    {
      name: 'no server anywhere',
      env: { PATCHHIVE_TOKEN: 't' },
      code: 'E_CONFIG_INVALID',
      says: /no server: give --server/,
    },
    {
      name: 'no token anywhere',
      env: { PATCHHIVE_SERVER: 'https://s.example' },
      code: 'E_CONFIG_INVALID',
      says: /no API token/,
    },
    {
      name: '--token and --token-file',
      flags: { token: 'a', tokenFile: 'b' },
      code: 'E_USAGE',
      says: /only one of --token and --token-file/,
    },
    {
      name: 'an explicit --config that does not exist',
      flags: { config: '/nonexistent/ph.json' },
      code: 'E_CONFIG_INVALID',
      says: /cannot read the config file \(ENOENT\)/,
    },
    {
      name: 'an unknown key in the file',
      file: { server: 'https://s.example', token: 't', colour: 'red' },
      code: 'E_CONFIG_INVALID',
      says: /colour/,
    },
    {
      name: 'a wrong format in the file',
      file: { server: 'https://s.example', token: 't', format: 'xml' },
      code: 'E_CONFIG_INVALID',
      says: /format|option/,
    },
    {
      name: 'token and tokenFile in the file',
      file: { server: 'https://s.example', token: 't', tokenFile: 'f' },
      code: 'E_CONFIG_INVALID',
      says: /only one of "token" and "tokenFile"/,
    },
    {
      name: 'a server URL with a password',
      flags: { server: 'https://u:p@s.example', token: 't' },
      code: 'E_CONFIG_INVALID',
      says: /must not contain a user name or password/,
    },
    {
      name: 'a server URL that is not http(s)',
      flags: { server: 'ftp://s.example', token: 't' },
      code: 'E_CONFIG_INVALID',
      says: /http:\/\/ or https:\/\//,
    },
    {
      name: 'a server that is not a URL',
      flags: { server: 's.example', token: 't' },
      code: 'E_CONFIG_INVALID',
      says: /is not a URL/,
    },
    {
      name: 'a bad --timeout',
      flags: { server: 'https://s.example', token: 't', timeout: '0' },
      code: 'E_USAGE',
      says: /--timeout/,
    },
  ])('$name', ({ flags, env, file, code, says }) => {
    if (file !== undefined) writeConfig(homeConfig(), file);
    const err = thrownError(() => resolve(flags ?? {}, env ?? {}));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(says);
  });

  it('reports malformed JSON in the config file at line:column', () => {
    const file = writeConfig(homeConfig(), '{\n  "server": "https://s.example",\n  token: 1\n}');
    const err = thrownError(() => resolve({}));
    expect(err.code).toBe('E_CONFIG_INVALID');
    expect(err.toOneLine()).toContain(`${file}:3:3`);
  });

  it('refuses a token with a space or newline inside without echoing it', () => {
    const err = thrownError(() => resolve({ server: 'https://s.example', token: 'abc def-secret' }));
    expect(err.code).toBe('E_CONFIG_INVALID');
    expect(err.message).not.toContain('secret');
  });
});

describe('server URL', () => {
  it.each([
    ['https://ph.example/', 'https://ph.example'],
    ['https://ph.example:8443/patchhive/', 'https://ph.example:8443/patchhive'],
    ['HTTP://LOCALHOST:8060', 'http://localhost:8060'],
  ])('%s → %s', (raw, expected) => {
    expect(normaliseServerUrl(raw)).toBe(expected);
  });

  it('warns about plain http to another host, not to loopback', () => {
    expect(resolve({ server: 'http://ph.example', token: 't' }).warnings[0]).toMatch(/unencrypted/);
    expect(resolve({ server: 'http://127.0.0.1:8060', token: 't' }).warnings).toEqual([]);
    expect(resolve({ server: 'http://[::1]:8060', token: 't' }).warnings).toEqual([]);
  });
});

describe('caFile: the CA bundle that verifies the server', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const base = { server: 'https://ph.example', token: 'tok' };

  it('none by default: the built-in CAs', () => {
    expect(resolve(base).config.ca).toBeUndefined();
  });

  it('--ca-file > PATCHHIVE_CA_FILE > "caFile" (relative to the config file)', () => {
    const pem = (name: string) => writeConfig(path.join(dir, 'certs', name), PEM.replace('MIIB', name), 0o644);
    pem('flag.pem');
    pem('env.pem');
    writeConfig(path.join(dir, 'cfg', 'ca.pem'), PEM.replace('MIIB', 'file.pem'), 0o644);
    // the config file's caFile resolves against the config file's directory (~/.config/patchhive/)
    writeConfig(homeConfig(), {
      ...base,
      caFile: path.relative(path.dirname(homeConfig()), path.join(dir, 'cfg', 'ca.pem')),
    });
    expect(resolve({}).config.ca).toContain('file.pem');
    expect(resolve({}, { PATCHHIVE_CA_FILE: path.join(dir, 'certs', 'env.pem') }).config.ca).toContain('env.pem');
    expect(
      resolve(
        { caFile: path.join(dir, 'certs', 'flag.pem') },
        { PATCHHIVE_CA_FILE: path.join(dir, 'certs', 'env.pem') },
      ).config.ca,
    ).toContain('flag.pem');
  });

  it.each([
    ['a missing file', (): string => path.join(dir, 'nope.pem'), /cannot read the CA file \(ENOENT\)/],
    [
      'a file without a certificate',
      (): string => writeConfig(path.join(dir, 'x.pem'), 'hello'),
      /holds no PEM certificate/,
    ],
  ])('refuses %s', (_what, file, message) => {
    expect(thrownError(() => resolve({ ...base, caFile: file() }))).toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringMatching(message),
    });
  });
});
