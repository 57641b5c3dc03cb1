import { describe, expect, it } from 'vitest';
import { canonicalJson, exampleJobBody, jobBodySchema, jobEnvelopeSchema, jobSigningBytes } from './jobs.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }, true], é: 'e', Z: 0 })).toBe(
      '{"Z":0,"a":[{"c":null,"d":"x"},true],"b":1,"é":"e"}',
    );
  });

  it('is the same whatever the key order, and leaves undefined members out', () => {
    expect(canonicalJson({ x: 1, y: { p: 2, q: 3 } })).toBe(canonicalJson({ y: { q: 3, p: 2 }, x: 1, z: undefined }));
  });

  it('sorts by UTF-16 code units, as RFC 8785 does', () => {
    // U+1F600 is stored as the surrogates D83D DE00, which sort before U+FFFD
    expect(canonicalJson({ '\uFFFD': 1, '\u{1F600}': 2, a: 3 })).toBe('{"a":3,"\u{1F600}":2,"\uFFFD":1}');
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', { a: -Infinity }],
    ['undefined in an array', [1, undefined]],
    ['a bigint', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['a Date', { d: new Date(0) }],
    ['a Map', new Map()],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('refuses a cycle but accepts a shared (acyclic) object', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"k":1},"b":{"k":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it('round-trips through JSON.parse to the same value', () => {
    const job = exampleJobBody();
    expect(JSON.parse(canonicalJson(job))).toEqual(job);
    expect(jobSigningBytes(job).toString('utf8')).toBe(canonicalJson(job));
  });
});

type Mutation = (job: any) => void;
const step = (job: any, i: number) => job.steps[i];

/** Each mutation of the example job must be refused, at the path given. */
const invalid: [string, Mutation, (string | number)[]][] = [
  ['an unknown field', (j) => (j.extra = 1), []],
  ['another format', (j) => (j.format = 'patchhive.job/2'), ['format']],
  ['sequence 0', (j) => (j.sequence = 0), ['sequence']],
  ['a fractional sequence', (j) => (j.sequence = 1.5), ['sequence']],
  ['an agent id that looks like an option', (j) => (j.agentId = '-rf'), ['agentId']],
  ['a timestamp with an offset', (j) => (j.issuedAt = '2025-06-01T12:00:00+02:00'), ['issuedAt']],
  ['expiry before issue', (j) => (j.expiresAt = '2025-06-01T09:00:00Z'), ['expiresAt']],
  ['a lifetime over 30 days', (j) => (j.expiresAt = '2025-07-02T10:00:00Z'), ['expiresAt']],
  ['no steps', (j) => (j.steps = []), ['steps']],
  [
    '101 steps',
    (j) => (j.steps = Array.from({ length: 101 }, () => ({ kind: 'verify', bulletinIds: ['X'] }))),
    ['steps'],
  ],
  ['an unknown step kind', (j) => (j.steps[0] = { kind: 'shell', script: 'rm -rf /' }), ['steps', 0, 'kind']],
  ['a hook without its action name', (j) => delete step(j, 0).action, ['steps', 0, 'action']],
  ['an action name that is a path', (j) => (step(j, 0).action = '/usr/bin/id'), ['steps', 0, 'action']],
  ['an action name over 64 characters', (j) => (step(j, 0).action = 'a'.repeat(65)), ['steps', 0, 'action']],
  [
    'a script install without its action name',
    (j) => (j.steps[1] = { kind: 'install', manager: 'script', command: ['/opt/fix'], timeoutSeconds: 60 }),
    ['steps', 1, 'action'],
  ],
  ['a hook run through PATH', (j) => (step(j, 0).command = ['sh', '-c', 'id']), ['steps', 0, 'command', 0]],
  ['a NUL in an argument', (j) => (step(j, 0).command = ['/bin/echo', 'a\u0000b']), ['steps', 0, 'command', 1]],
  ['a newline in an argument', (j) => (step(j, 0).command = ['/bin/echo', 'a\nb']), ['steps', 0, 'command', 1]],
  ['65 argv items', (j) => (step(j, 0).command = ['/bin/true', ...Array(64).fill('x')]), ['steps', 0, 'command']],
  [
    'a 4097-character argument',
    (j) => (step(j, 0).command = ['/bin/echo', 'x'.repeat(4097)]),
    ['steps', 0, 'command', 1],
  ],
  ['a zero timeout', (j) => (step(j, 0).timeoutSeconds = 0), ['steps', 0, 'timeoutSeconds']],
  ['an unknown manager', (j) => (step(j, 1).manager = 'snap'), ['steps', 1, 'manager']],
  [
    'a package name that is an option',
    (j) => (step(j, 1).packages[0].name = '--reinstall'),
    ['steps', 1, 'packages', 0, 'name'],
  ],
  [
    'a package version that is an option',
    (j) => (step(j, 1).packages[0].version = '-1'),
    ['steps', 1, 'packages', 0, 'version'],
  ],
  [
    'an upper-case Debian package name',
    (j) => (step(j, 1).packages[0].name = 'OpenSSL'),
    ['steps', 1, 'packages', 0, 'name'],
  ],
  [
    'a space in a version',
    (j) => (step(j, 1).packages[0].version = '1.0 evil'),
    ['steps', 1, 'packages', 0, 'version'],
  ],
  [
    'an apt pin in a version',
    (j) => (step(j, 1).packages[0].version = '1.0/unstable'),
    ['steps', 1, 'packages', 0, 'version'],
  ],
  [
    'a package listed twice',
    (j) => step(j, 1).packages.push({ ...step(j, 1).packages[0] }),
    ['steps', 1, 'packages', 1, 'name'],
  ],
  [
    'a glob in an RPM name',
    (j) =>
      (j.steps[1] = {
        kind: 'install',
        manager: 'dnf',
        packages: [{ name: 'kernel*', version: '5.14.0-427.el9' }],
        timeoutSeconds: 60,
      }),
    ['steps', 1, 'packages', 0, 'name'],
  ],
  ['packages on an MSI install', (j) => (step(j, 2).packages = []), ['steps', 2]],
  ['an install of a missing artifact', (j) => (step(j, 2).artifactId = 'nope'), ['steps', 2, 'artifactId']],
  ['an artifact listed twice', (j) => j.artifacts.push({ ...j.artifacts[0] }), ['artifacts', 1, 'id']],
  ['an ftp artifact', (j) => (j.artifacts[0].url = 'ftp://example.com/x.msi'), ['artifacts', 0, 'url']],
  [
    'credentials in an artifact URL',
    (j) => (j.artifacts[0].url = 'https://u:p@example.com/x.msi'),
    ['artifacts', 0, 'url'],
  ],
  [
    'an upper-case hash',
    (j) => (j.artifacts[0].sha256 = j.artifacts[0].sha256.toUpperCase()),
    ['artifacts', 0, 'sha256'],
  ],
  ['a short hash', (j) => (j.artifacts[0].sha256 = 'abcd'), ['artifacts', 0, 'sha256']],
  ['an empty artifact', (j) => (j.artifacts[0].size = 0), ['artifacts', 0, 'size']],
  ['no verify bulletins', (j) => (step(j, 3).bulletinIds = []), ['steps', 3, 'bulletinIds']],
  [
    'a reboot step in a never-reboot job',
    (j) => (
      (j.reboot = 'never'),
      j.steps.push({ kind: 'reboot', graceSeconds: 0, when: 'always', maxDeferrals: 0, deferralsUsed: 0 })
    ),
    ['steps', 4],
  ],
  ['an unknown reboot policy', (j) => (j.reboot = 'maybe'), ['reboot']],
  [
    'a file edit through ".."',
    (j) => j.steps.push(fileEdit('/etc/../root/.ssh/authorized_keys')),
    ['steps', 4, 'change', 'path'],
  ],
  ['a relative file edit', (j) => j.steps.push(fileEdit('etc/motd')), ['steps', 4, 'change', 'path']],
  [
    'a DWORD that does not fit',
    (j) => j.steps.push(registry('REG_DWORD', '4294967296')),
    ['steps', 4, 'change', 'data'],
  ],
  ['a negative QWORD', (j) => j.steps.push(registry('REG_QWORD', '-1')), ['steps', 4, 'change', 'data']],
];

function fileEdit(path: string) {
  return { kind: 'config', change: { type: 'file-edit', path, content: 'x', expectedSha256: null } } as const;
}

function registry(valueType: string, data: string) {
  return {
    kind: 'config',
    change: { type: 'registry', hive: 'HKLM', key: 'SOFTWARE\\Vendor', valueName: 'Level', valueType, data },
  };
}

describe('jobBodySchema', () => {
  it('accepts the example job and every step kind', () => {
    const job: any = exampleJobBody();
    job.steps.push(
      { kind: 'post-hook', action: 'test-hook', command: ['C:\\Tools\\check.exe', '/all'], timeoutSeconds: 60 },
      fileEdit('/etc/apt/apt.conf.d/50patchhive'),
      registry('REG_QWORD', '18446744073709551615'),
      {
        kind: 'install',
        manager: 'dnf',
        packages: [{ name: 'kernel-core', version: '1:5.14.0-427.13.1.el9_4' }],
        timeoutSeconds: 60,
      },
      { kind: 'install', manager: 'wusa', artifactId: 'agent-msi', args: ['/quiet', '/norestart'], timeoutSeconds: 60 },
      { kind: 'reboot', graceSeconds: 300, when: 'if-required', maxDeferrals: 2, deferralsUsed: 0 },
    );
    job.steps[1].packages.push({ name: 'libssl3:amd64', version: '1:3.0.13-0ubuntu3.5' });
    const r = jobBodySchema.safeParse(job);
    expect(r.error?.issues).toBeUndefined();
    expect(r.data).toEqual(job);
  });

  it.each(invalid)('refuses %s', (_name, mutate, path) => {
    const job = exampleJobBody();
    mutate(job);
    const r = jobBodySchema.safeParse(job);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path)).toContainEqual(path);
  });
});

describe('jobEnvelopeSchema', () => {
  const signature = `${'A'.repeat(86)}==`;

  it('accepts a job with a 64-byte base64 signature', () => {
    expect(jobEnvelopeSchema.safeParse({ job: exampleJobBody(), signature }).success).toBe(true);
  });

  it.each([
    ['a short signature', { job: exampleJobBody(), signature: 'AAAA' }],
    ['a key offered alongside', { job: exampleJobBody(), signature, publicKey: '-----BEGIN PUBLIC KEY-----' }],
    ['no job', { signature }],
    ['a string', 'job'],
  ])('refuses %s', (_name, envelope) => {
    expect(jobEnvelopeSchema.safeParse(envelope).success).toBe(false);
  });
});
