// Differential checks of the oscap runner: Debian's sample OVAL against recorded oscap output, and the
// OVAL built from the real bookworm-security Packages index against three real dpkg status files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndexOval, parsePackagesIndex, readXz, type ParsedIndex } from './index-oval.js';
import { oscapValidate, oscapVersion, parseOscapEvalOutput, runOscapEval } from './oscap.js';
import { compareDpkgVersions } from '../../src/versions/index.js';

const DEB = fileURLToPath(new URL('../fixtures/debian/', import.meta.url));
const STATUS_NAMES = ['minbase-12-point-release', 'minbase-12-security-upgraded', 'host-node-image'] as const;
const statusFile = (s: string): string => join(DEB, `status-${s}.txt`);
// The release test reads the HOST's /etc/debian_version (oscap has no way to point it elsewhere).
const hostRelease = /^(\d+)\./.exec(readFileSync('/etc/debian_version', 'utf8'))?.[1];

/** Installed package name → version from a dpkg status file (stanzas whose Status ends in "installed"). */
function installedVersions(path: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of readFileSync(path, 'utf8').split(/\n\s*\n/)) {
    const f = (k: string): string | undefined => new RegExp(`^${k}: (.+)$`, 'm').exec(block)?.[1];
    const name = f('Package');
    const version = f('Version');
    if (name !== undefined && version !== undefined && / installed$/.test(f('Status') ?? '')) out.set(name, version);
  }
  return out;
}

/** `apt list --upgradable` lines → name → candidate version. */
function aptUpgradable(path: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of readFileSync(path, 'utf8').matchAll(/^([^/\s]+)\/\S+ (\S+) \S+ \[upgradable from: [^\]]+\]$/gm)) {
    out.set(m[1]!, m[2]!);
  }
  return out;
}

describe('runOscapEval on Debian sample OVAL', () => {
  it('oscap is present', async () => {
    console.log(`oscap ${await oscapVersion()}; host /etc/debian_version release ${hostRelease}`);
  });
  it('throws on error/unknown results, naming the definition', () => {
    expect(() => parseOscapEvalOutput('Definition oval:x:def:7: error\n')).toThrow(/oval:x:def:7.*"error"/);
    expect(() => parseOscapEvalOutput('Definition oval:x:def:8: unknown\n')).toThrow(/oval:x:def:8.*"unknown"/);
  });
  it('fails clearly when oscap is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(oscapVersion()).rejects.toThrow(/oscap not found on PATH/);
    } finally {
      process.env.PATH = path;
    }
  });
  for (const s of STATUS_NAMES) {
    it(`reproduces recorded oscap-status-${s}.txt`, async () => {
      const expected = parseOscapEvalOutput(readFileSync(join(DEB, `oscap-status-${s}.txt`), 'utf8'));
      expect(expected.size).toBe(12);
      const actual = await runOscapEval(join(DEB, 'oval-bookworm-sample.xml'), { statusFile: statusFile(s) });
      expect(actual).toEqual(expected);
      expect([...actual.values()].filter(Boolean)).toEqual([]);
    });
  }
});

describe('OVAL built from bookworm-security Packages index', () => {
  let dir = '';
  let ovalPath = '';
  let index: ParsedIndex;
  let validation: Promise<Error | undefined>;

  beforeAll(() => {
    const t0 = performance.now();
    const text = readXz(join(DEB, 'bookworm-security-main-amd64-Packages.xz'));
    const xml = buildIndexOval(text, { release: '12' });
    index = parsePackagesIndex(text);
    dir = mkdtempSync(join(tmpdir(), 'patchhive-index-oval-'));
    ovalPath = join(dir, 'index-oval.xml');
    writeFileSync(ovalPath, xml);
    console.log(
      `index: ${index.stanzas} stanzas, ${index.packages.length} definitions, repeated names ` +
        `${index.duplicateNames.join(' ')}; XML ${Buffer.byteLength(xml)} bytes; built in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    // Schema validation takes ~30 s on 2 cores; start it now so it overlaps the evaluations.
    const tv = performance.now();
    validation = oscapValidate(ovalPath).then(
      () => void console.log(`oscap oval validate: ${((performance.now() - tv) / 1000).toFixed(1)} s`),
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  });
  afterAll(async () => {
    await validation;
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the highest version of repeated names, as dpkg --compare-versions orders them', () => {
    expect(index.packages.length).toBe(new Set(index.packages.map((p) => p.name)).size);
    const text = readXz(join(DEB, 'bookworm-security-main-amd64-Packages.xz'));
    for (const name of index.duplicateNames) {
      const chosen = index.packages.find((p) => p.name === name)!.version;
      const all = [
        ...text.matchAll(
          new RegExp(`^Package: ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n(?:.+\\n)*?Version: (.+)$`, 'gm'),
        ),
      ].map((m) => m[1]!);
      expect(all.length).toBeGreaterThan(1);
      for (const v of all) {
        expect(() => execFileSync('dpkg', ['--compare-versions', chosen, 'ge', v])).not.toThrow();
        expect(compareDpkgVersions(chosen, v)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('the apt-upgradable-minbase.txt names are the packages older than the index (independent of oscap)', () => {
    const upgradable = aptUpgradable(join(DEB, 'apt-upgradable-minbase.txt'));
    expect(upgradable.size).toBe(6);
    const versions = new Map(index.packages.map((p) => [p.name, p.version]));
    for (const [name, candidate] of upgradable) expect(versions.get(name)).toBe(candidate);
    const installed = installedVersions(statusFile('minbase-12-point-release'));
    const older = index.packages.filter((p) => {
      const v = installed.get(p.name);
      return v !== undefined && compareDpkgVersions(v, p.version) < 0;
    });
    expect(older.map((p) => p.name).sort()).toEqual([...upgradable.keys()].sort());
  });

  // oscap's verdicts on this document are compared with Patchhive's, definition by definition and
  // on all three status files, in test/differential/oval-vs-oscap.test.ts.

  it('passes oscap oval validate', async () => {
    expect(await validation).toBeUndefined();
  }, 120_000);
});
