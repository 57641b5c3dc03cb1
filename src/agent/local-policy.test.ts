import { chmod, chown, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../inventory/test-support.js';
import type { JobStep } from '../protocol/jobs.js';
import {
  AGENT_POLICY_FORMAT,
  checkJobAgainstPolicy,
  createPolicySource,
  DEFAULT_LOCAL_POLICY,
  loadLocalPolicy,
  localPolicySchema,
  parsePolicyText,
  type LocalPolicy,
} from './local-policy.js';

afterAll(removeRoots);

const hook = (action: string, command: string[], kind: 'pre-hook' | 'post-hook' = 'pre-hook'): JobStep => ({
  kind,
  action,
  command,
  timeoutSeconds: 60,
});
const script = (action: string, command: string[]): JobStep => ({
  kind: 'install',
  manager: 'script',
  action,
  command,
  timeoutSeconds: 60,
});
const APT: JobStep = {
  kind: 'install',
  manager: 'apt',
  packages: [{ name: 'openssl', version: '3.0.17-1~deb12u2' }],
  timeoutSeconds: 60,
};
const DNF: JobStep = {
  kind: 'install',
  manager: 'dnf',
  packages: [{ name: 'openssl', version: '3.0.7-27.el9' }],
  timeoutSeconds: 60,
};
const MSI: JobStep = { kind: 'install', manager: 'msiexec', artifactId: 'fix', args: ['/qn'], timeoutSeconds: 60 };
const ROLLBACK: JobStep = {
  kind: 'rollback',
  manager: 'apt',
  fromJobId: 'job-1',
  packages: [],
  remove: ['x1'],
  timeoutSeconds: 60,
};
const WUSA_ROLLBACK: JobStep = {
  kind: 'rollback',
  manager: 'wusa',
  fromJobId: 'job-1',
  kb: 'KB5034441',
  timeoutSeconds: 60,
};
const REBOOT: JobStep = { kind: 'reboot', graceSeconds: 0, when: 'if-required', maxDeferrals: 0, deferralsUsed: 0 };
const VERIFY: JobStep = { kind: 'verify', bulletinIds: ['DSA-1'] };
const FILE_EDIT: JobStep = {
  kind: 'config',
  change: { type: 'file-edit', path: '/etc/motd', content: 'x', expectedSha256: null },
};
const REGISTRY: JobStep = {
  kind: 'config',
  change: { type: 'registry', hive: 'HKLM', key: 'SOFTWARE\\V', valueName: 'L', valueType: 'REG_SZ', data: '1' },
};

const policy = (over: Partial<Omit<LocalPolicy, 'schema'>>): LocalPolicy =>
  localPolicySchema.parse({ schema: AGENT_POLICY_FORMAT, ...over });
const fromFile = (p: LocalPolicy) => ({
  policy: p,
  source: 'file' as const,
  file: '/etc/patchhive/agent-policy.json',
  problem: null,
});
const allowed = (p: LocalPolicy, step: JobStep) =>
  checkJobAgainstPolicy({ jobId: 'job-1', steps: [step] }, fromFile(p)).ok;

describe('checkJobAgainstPolicy', () => {
  const RULES = policy({
    actions: [
      { name: 'snapshot' },
      { argvPrefix: ['/usr/local/sbin/drain-node'] },
      { name: 'restart-web', argvPrefix: ['/usr/bin/systemctl', 'restart', 'nginx.service'] },
    ],
  });
  it.each<[string, LocalPolicy, JobStep, boolean]>([
    ['default: apt install', DEFAULT_LOCAL_POLICY, APT, true],
    ['default: dnf install', DEFAULT_LOCAL_POLICY, DNF, true],
    ['default: an MSI', DEFAULT_LOCAL_POLICY, MSI, true],
    ['default: rollback', DEFAULT_LOCAL_POLICY, ROLLBACK, true],
    ['default: wusa rollback', DEFAULT_LOCAL_POLICY, WUSA_ROLLBACK, true],
    ['default: reboot', DEFAULT_LOCAL_POLICY, REBOOT, true],
    ['default: verify', DEFAULT_LOCAL_POLICY, VERIFY, true],
    ['default: a pre-hook', DEFAULT_LOCAL_POLICY, hook('snapshot', ['/usr/local/sbin/snapshot']), false],
    ['default: a post-hook', DEFAULT_LOCAL_POLICY, hook('snapshot', ['/usr/local/sbin/snapshot'], 'post-hook'), false],
    ['default: an install script', DEFAULT_LOCAL_POLICY, script('vendor-fix', ['/opt/fix.sh']), false],
    ['default: a file edit', DEFAULT_LOCAL_POLICY, FILE_EDIT, false],
    ['default: a registry value', DEFAULT_LOCAL_POLICY, REGISTRY, false],
    ['by name: listed, any argv', RULES, hook('snapshot', ['/opt/anything', '--x']), true],
    ['by name: a name not listed', RULES, hook('snapshots', ['/usr/local/sbin/snapshot']), false],
    ['by name: a script install', RULES, script('snapshot', ['/opt/x']), true],
    [
      'by prefix: exact program, any arguments',
      RULES,
      hook('drain', ['/usr/local/sbin/drain-node', '--timeout', '300']),
      true,
    ],
    ['by prefix: the program alone', RULES, hook('whatever', ['/usr/local/sbin/drain-node']), true],
    [
      'by prefix: a longer program name is not a prefix match',
      RULES,
      hook('drain', ['/usr/local/sbin/drain-node2']),
      false,
    ],
    ['by prefix: a different path to the same name', RULES, hook('drain', ['/usr/sbin/drain-node']), false],
    [
      'name and prefix: both match',
      RULES,
      hook('restart-web', ['/usr/bin/systemctl', 'restart', 'nginx.service']),
      true,
    ],
    [
      'name and prefix: the name with another argv',
      RULES,
      hook('restart-web', ['/usr/bin/systemctl', 'stop', 'nginx.service']),
      false,
    ],
    [
      'name and prefix: the argv under another name',
      RULES,
      hook('web', ['/usr/bin/systemctl', 'restart', 'nginx.service']),
      false,
    ],
    [
      'name and prefix: argv shorter than the prefix',
      RULES,
      hook('restart-web', ['/usr/bin/systemctl', 'restart']),
      false,
    ],
    ['installs: apt only refuses dnf', policy({ installs: ['apt'] }), DNF, false],
    ['installs: apt only refuses an MSI', policy({ installs: ['apt'] }), MSI, false],
    ['installs: no apt refuses an apt rollback', policy({ installs: ['dnf'] }), ROLLBACK, false],
    ['rollback: false', policy({ rollback: false }), ROLLBACK, false],
    ['reboot: false', policy({ reboot: false }), REBOOT, false],
    ['config: true allows a file edit', policy({ config: true }), FILE_EDIT, true],
    ['config: true allows a registry value', policy({ config: true }), REGISTRY, true],
    ['config: true does not allow hooks', policy({ config: true }), hook('snapshot', ['/x']), false],
    ['verify even when nothing else is', policy({ installs: [], rollback: false, reboot: false }), VERIFY, true],
  ])('%s', (_name, p, step, ok) => {
    expect(allowed(p, step)).toBe(ok);
  });

  it('one refused step refuses the job and names it, with where the policy came from', () => {
    const steps = [APT, hook('touch-marker', ['/usr/bin/touch', '/root/m']), VERIFY];
    expect(
      checkJobAgainstPolicy(
        { jobId: 'job-9', steps },
        { policy: DEFAULT_LOCAL_POLICY, source: 'default', file: '/etc/patchhive/agent-policy.json', problem: null },
      ),
    ).toEqual({
      ok: false,
      stepIndex: 1,
      message:
        'job job-9: step 1: pre-hook action "touch-marker" (/usr/bin/touch) is not in the local policy\'s actions; refused by the default local policy (no /etc/patchhive/agent-policy.json)',
    });
    const unusable = checkJobAgainstPolicy(
      { jobId: 'job-9', steps },
      {
        policy: DEFAULT_LOCAL_POLICY,
        source: 'default',
        file: '/p.json',
        problem: '/p.json is owned by uid 1000, not root',
      },
    );
    expect(unusable.ok === false && unusable.message).toMatch(
      /refused by the default local policy \(\/p\.json is owned by uid 1000, not root\)$/,
    );
  });
});

describe('parsePolicyText', () => {
  it('a minimal file is the default; omitted keys take the default', () => {
    expect(parsePolicyText(`{"schema":"${AGENT_POLICY_FORMAT}"}`, '/p.json')).toEqual({
      policy: DEFAULT_LOCAL_POLICY,
      source: 'file',
      file: '/p.json',
      problem: null,
    });
    expect(
      parsePolicyText(JSON.stringify({ schema: AGENT_POLICY_FORMAT, actions: [{ name: 'snapshot' }] }), '/p.json')
        .policy,
    ).toMatchObject({
      installs: ['apt', 'dnf', 'wusa', 'msiexec', 'exe'],
      config: false,
      actions: [{ name: 'snapshot' }],
    });
  });

  it('the packaged example is a valid policy that allows its two actions only with their programs', async () => {
    const text = await readFile(new URL('../../packaging/agent-policy.example.json', import.meta.url), 'utf8');
    const r = parsePolicyText(text, '/etc/patchhive/agent-policy.json');
    expect(r).toMatchObject({ source: 'file', problem: null, policy: { installs: ['apt', 'dnf'], config: false } });
    expect(allowed(r.policy, hook('snapshot', ['/usr/local/sbin/snapshot', '--all']))).toBe(true);
    expect(allowed(r.policy, hook('snapshot', ['/bin/sh']))).toBe(false);
    expect(allowed(r.policy, MSI)).toBe(false);
  });

  it('the policy the packages install is the Linux part of the default: apt and dnf, rollbacks, reboots, no actions, no config edits', async () => {
    const text = await readFile(new URL('../../packaging/etc/agent-policy.json', import.meta.url), 'utf8');
    const r = parsePolicyText(text, '/etc/patchhive/agent-policy.json');
    expect(r).toMatchObject({ source: 'file', problem: null });
    expect(r.policy).toEqual({ ...DEFAULT_LOCAL_POLICY, installs: ['apt', 'dnf'] });
  });

  it.each([
    ['not JSON', '{schema:', /is not JSON/],
    ['another schema', '{"schema":"patchhive.agent-policy/2"}', /invalid at schema/],
    [
      'an unknown key (a typo must not pass silently)',
      `{"schema":"${AGENT_POLICY_FORMAT}","action":[{"name":"x"}]}`,
      /invalid at \(root\)/,
    ],
    ['an unknown manager', `{"schema":"${AGENT_POLICY_FORMAT}","installs":["snap"]}`, /invalid at installs\.0/],
    [
      'an empty action rule',
      `{"schema":"${AGENT_POLICY_FORMAT}","actions":[{}]}`,
      /needs "name", "argvPrefix" or both/,
    ],
    [
      'a relative argv prefix',
      `{"schema":"${AGENT_POLICY_FORMAT}","actions":[{"argvPrefix":["touch"]}]}`,
      /invalid at actions\.0\.argvPrefix\.0/,
    ],
    [
      'an empty argv prefix (would match everything)',
      `{"schema":"${AGENT_POLICY_FORMAT}","actions":[{"argvPrefix":[]}]}`,
      /invalid at actions\.0\.argvPrefix/,
    ],
    [
      'an upper-case action name',
      `{"schema":"${AGENT_POLICY_FORMAT}","actions":[{"name":"Snapshot"}]}`,
      /invalid at actions\.0\.name/,
    ],
    ['config as a string', `{"schema":"${AGENT_POLICY_FORMAT}","config":"yes"}`, /invalid at config/],
  ])('%s → the default, with where it is wrong', (_name, text, problem) => {
    const r = parsePolicyText(text, '/p.json');
    expect(r).toMatchObject({ policy: DEFAULT_LOCAL_POLICY, source: 'default' });
    expect(r.problem).toMatch(problem);
  });
});

describe('loadLocalPolicy (the file, its owner and modes)', () => {
  const GOOD = JSON.stringify({ schema: AGENT_POLICY_FORMAT, actions: [{ name: 'snapshot' }] });
  const isRoot = process.getuid?.() === 0;

  async function policyFile(
    opts: { mode?: number; dirMode?: number; text?: string; uid?: number; dirUid?: number } = {},
  ): Promise<string> {
    const dir = path.join(await makeRoot({}), 'etc-patchhive');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, opts.dirMode ?? 0o755);
    const file = path.join(dir, 'agent-policy.json');
    await writeFile(file, opts.text ?? GOOD);
    await chmod(file, opts.mode ?? 0o644);
    if (opts.uid !== undefined) await chown(file, opts.uid, 0);
    if (opts.dirUid !== undefined) await chown(dir, opts.dirUid, 0);
    return file;
  }

  it('absent: the default, no problem', async () => {
    const file = path.join(await makeRoot({}), 'none.json');
    expect(await loadLocalPolicy(file)).toEqual({
      policy: DEFAULT_LOCAL_POLICY,
      source: 'default',
      file,
      problem: null,
    });
  });

  it.skipIf(!isRoot)('root-owned, 0644 in a 0755 directory: used', async () => {
    const file = await policyFile();
    expect(await loadLocalPolicy(file)).toMatchObject({
      source: 'file',
      problem: null,
      policy: { actions: [{ name: 'snapshot' }] },
    });
    expect(await loadLocalPolicy(await policyFile({ mode: 0o600 }))).toMatchObject({ source: 'file' });
  });

  it.skipIf(!isRoot).each<[string, Parameters<typeof policyFile>[0], RegExp]>([
    ['owned by another user', { uid: 1000 }, /is owned by uid 1000, not root/],
    ['writable by its group', { mode: 0o664 }, /writable by its group \(mode 664\)/],
    ['writable by others', { mode: 0o646 }, /writable by others \(mode 646\)/],
    ['in a directory others can write', { dirMode: 0o757 }, /the directory .*etc-patchhive is writable by others/],
    [
      'in a directory its group can write',
      { dirMode: 0o775 },
      /the directory .*etc-patchhive is writable by its group/,
    ],
    ['in a directory owned by another user', { dirUid: 1000 }, /the directory .*etc-patchhive is owned by uid 1000/],
    ['malformed', { text: '{"schema": "patchhive.agent-policy/1", "actions": [' }, /is not JSON/],
  ])('%s: the default, and why', async (_name, opts, problem) => {
    const r = await loadLocalPolicy(await policyFile(opts));
    expect(r).toMatchObject({ policy: DEFAULT_LOCAL_POLICY, source: 'default' });
    expect(r.problem).toMatch(problem);
  });

  it.skipIf(!isRoot)('a symbolic link (even to a good file), a directory, a relative path: the default', async () => {
    const good = await policyFile();
    const link = path.join(path.dirname(good), 'link.json');
    await symlink(good, link);
    expect((await loadLocalPolicy(link)).problem).toMatch(/is a symbolic link/);
    expect((await loadLocalPolicy(path.dirname(good))).problem).toMatch(/is not a regular file/);
    expect((await loadLocalPolicy('etc/agent-policy.json')).problem).toMatch(/is not absolute/);
  });

  it('a non-root test may trust its own uid explicitly (ownerUid), never by default', async () => {
    const uid = process.getuid?.() ?? 0;
    const file = await policyFile();
    expect(await loadLocalPolicy(file, { ownerUid: uid })).toMatchObject({ source: 'file' });
    if (uid === 0)
      expect((await loadLocalPolicy(file, { ownerUid: 4242 })).problem).toMatch(/owned by uid 0, not uid 4242/);
  });

  it.skipIf(!isRoot)('createPolicySource re-reads the file for every job and warns once per new problem', async () => {
    const file = await policyFile({ mode: 0o666 });
    const warnings: string[] = [];
    const source = createPolicySource(file, (l) => warnings.push(l));
    expect((await source()).source).toBe('default');
    expect((await source()).source).toBe('default');
    expect(warnings).toEqual([
      expect.stringMatching(
        /^patchhive agent: the local policy file is not used: .* writable by its group and others \(mode 666\); the default applies/,
      ),
    ]);
    await chmod(file, 0o644);
    expect(await source()).toMatchObject({ source: 'file', problem: null });
    expect(warnings).toHaveLength(1);
  });
});
