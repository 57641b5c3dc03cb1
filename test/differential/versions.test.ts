/**
 * Differential tests: our version comparisons against the real reference tools, on seeded,
 * adversarial generated pairs.
 *
 * - dpkg: every pair goes through `dpkg --compare-versions A lt B` (and `eq` when not lt), run by
 *   two `sh` loops in parallel. We check the order, that dpkg refuses (exit 2) exactly the strings
 *   parseDpkgVersion rejects, and that dpkg's warnings and errors match ours, reason for reason.
 * - rpm, raw: rpm 4.18's Lua `rpm.vercmp("0:"..A.."-0", "0:"..B.."-0")`. With a "0:" epoch and a
 *   "-0" release added, parseEVR takes all of A as the version (its own ':' and '-' included), so
 *   this is exactly rpmvercmp(A, B).
 * - rpm, EVR: `rpm.vercmp(A, B)` (which is rpmverCmp on parseEVR'd strings) against compareEvr,
 *   and `rpm.ver(A)`'s e/v/r fields against parseEvr. All rpm pairs run in one rpm process.
 *
 * Missing tools fail the test with a message; nothing is skipped.
 */

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareDpkgVersions, parseDpkgVersion } from '../../src/versions/dpkg.js';
import { compareEvr, parseEvr, rpmvercmp, type Evr } from '../../src/versions/rpm.js';

const PAIRS = 10_000;
const SEED = 0x2026_0b0b;
const dir = mkdtempSync(join(tmpdir(), 'patchhive-versions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---------- seeded generator ----------

class Gen {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  digits(n: number): string {
    let s = '';
    for (let k = 0; k < n; k++) s += String(this.int(10));
    return s;
  }
  /** Short, zero-padded, zero, or very long (> 20 digit) numeric runs. */
  digitRun(): string {
    const r = this.next();
    if (r < 0.5) return this.digits(1);
    if (r < 0.72) return String(1 + this.int(999));
    if (r < 0.82) return '0'.repeat(1 + this.int(3)) + this.digits(1 + this.int(2));
    if (r < 0.9) return this.pick(['0', '00', '000']);
    return String(1 + this.int(9)) + this.digits(20 + this.int(20));
  }
  letters(): string {
    if (this.chance(0.5))
      return this.pick([
        'rc',
        'alpha',
        'beta',
        'dfsg',
        'deb',
        'u',
        'ubuntu',
        'git',
        'el',
        'fc',
        'bpo',
        'b',
        'a',
        'Z',
        'A',
        'pre',
      ]);
    let s = '';
    for (let k = 1 + this.int(3); k > 0; k--) s += this.pick([...'abcxyzABXZ']);
    return s;
  }
  /** A run of segments: alternating digit runs / letters with separators drawn from seps. */
  segments(seps: readonly string[], max: number, firstDigit = 0.9): string {
    let s = this.chance(firstDigit) ? this.digitRun() : this.letters();
    for (let k = this.int(max + 1); k > 0; k--) {
      s += this.pick(seps);
      s += this.chance(0.65) ? this.digitRun() : this.letters();
    }
    return s;
  }
}

type Pair = [string, string];

/** Some pairs every comparison must get right; they also run through the real tools. */
const CURATED: Pair[] = [
  ['1.0~rc1', '1.0'],
  ['1:0.1', '2.0'],
  ['1.0-1', '1.0-1+b1'],
  ['2.6.1', '2.6.2'],
  ['5.4.1-1+deb12u1', '5.4.1-1+deb12u2'],
  ['10.42-1', '10.42-1+deb12u2'],
  ['2026b-0+deb12u1', '2026f-0+deb12u1'],
  ['1.0^', '1.0'],
  ['1.0~', '1.0'],
  ['1.0^git1', '1.0~rc1'],
  ['1.0', '1.0-0'],
  ['1.01', '1.1'],
  ['0:1.0', '1.0'],
  ['1.0a', '1.0+'],
  ['1.0', '1.0.'],
  ['1.0~~', '1.0~'],
  ['1.0_1', '1.0.1'],
  ['a', '1'],
  ['1.0-', '1.0'],
  ['12345678901234567890123', '12345678901234567890124'],
  ['0001', '1'],
  ['1.0-1~bpo11+1', '1.0-1'],
  ['1:2:3', '1:2.3'],
  ['2147483647:1', '1'],
  ['2147483648:1', '1'],
  [':1', '0:1'],
  ['1 2', '1'],
  [' 1.0', '1.0 '],
  ['1é', '1a'],
  ['1.0é', '1.0+'],
  ['-0:1', '0:1'],
  ['+1:1', '1:1'],
  ['1.0-a-b', '1.0-a.b'],
];

/** Shared mutations producing near-misses, equal-after-normalisation and long-shared-prefix pairs. */
function mutate(g: Gen, s: string, alphabet: readonly string[]): string {
  const at = g.int(s.length + 1);
  switch (g.int(7)) {
    case 0:
      return s.slice(0, at) + g.pick(alphabet) + s.slice(at + 1);
    case 1:
      return s.slice(0, at) + g.pick(alphabet) + s.slice(at);
    case 2:
      return s.slice(0, at) + s.slice(at + 1);
    case 3:
      return s.replace(/[0-9]+/g, (d) => (g.chance(0.4) ? '0'.repeat(1 + g.int(2)) + d : d));
    case 4:
      return s.replace(/(^|[^0-9])0+(?=[0-9])/g, '$1');
    case 5:
      return s + g.pick(['~rc1', '~', '^', '^1', '+b1', '.1', '.0', 'a', '0', '-1', '.', '+', '~~']);
    default:
      return s.replace(/[0-9](?=[^0-9]*$)/, (d) => String((Number(d) + 1 + g.int(8)) % 10));
  }
}

/** n pairs: 30% independent, 45% mutated (once or twice), 10% identical, 15% long shared prefix. */
function pairs(g: Gen, n: number, one: () => string, alphabet: readonly string[]): Pair[] {
  const out: Pair[] = [];
  while (out.length < n) {
    const a = one();
    const r = g.next();
    let b: string;
    if (r < 0.3) b = one();
    else if (r < 0.65) b = mutate(g, a, alphabet);
    else if (r < 0.75) b = mutate(g, mutate(g, a, alphabet), alphabet);
    else if (r < 0.85) b = a;
    else {
      const prefix = a + g.pick(['.', '~', '+', '']) + one();
      const tail = one();
      out.push([prefix + tail, prefix + (g.chance(0.5) ? mutate(g, tail, alphabet) : one())]);
      continue;
    }
    out.push(g.chance(0.5) ? [a, b] : [b, a]);
  }
  return out;
}

function dpkgVersion(g: Gen): string {
  let s = '';
  if (g.chance(0.25)) s += g.pick(['0', '1', '2', '10', '00', '01', '3', '2147483647']) + ':';
  else if (g.chance(0.02))
    s += g.pick(['', 'a', '-1', '-0', '+1', '2147483648', '99999999999999999999', '1a', '\r1']) + ':';
  s += g.segments(['.', '.', '.', '+', '~', '~', '~~', '', '.', ...(s ? [':'] : [])], 5, 0.95);
  if (g.chance(0.6)) s += '-' + g.segments(['.', '+', '~', '+deb', 'ubuntu', '.', ''], 3);
  if (g.chance(0.03)) s = s.replace(/[.+~]/, g.pick(['_', '!', '%', '@', 'é', '^', ' ', '\r', '-']));
  if (g.chance(0.01)) s = g.pick([' ', '\t', '']) + s + g.pick([' ', ' \t', '-', ':']);
  return s;
}

function rpmPart(g: Gen, firstDigit = 0.85): string {
  return g.segments(['.', '.', '.', '_', '+', '~', '^', '~', '^', '', '%', '/', 'é', ' ', '..'], 5, firstDigit);
}

function rpmEvr(g: Gen): string {
  let s = '';
  const e = g.next();
  if (e < 0.25) s += g.pick(['0', '1', '2', '10', '00', '01', '007']) + ':';
  else if (e < 0.3) s += g.pick(['', 'a', '1a', '99999999999999999999999', '-1']) + ':';
  s += rpmPart(g, 0.9);
  if (g.chance(0.7)) s += '-' + rpmPart(g);
  if (g.chance(0.04)) s += '-' + rpmPart(g);
  if (g.chance(0.02)) s = g.pick(['', '-', ':', '1:', '-1', s + '-']);
  return s;
}

// ---------- running the tools ----------

function requireTool(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `reference tool '${cmd}' is not usable (${r.error?.message ?? r.stderr}); ` +
        `install it with scripts/setup-test-deps.sh (Debian packages dpkg, rpm)`,
    );
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} exited ${code}: ${Buffer.concat(err).toString('utf8')}`));
    });
  });
}

/** What dpkg prints for one version string (warning or error), and whether it refuses it. */
function dpkgDiag(s: string): { line?: string; fatal: boolean } {
  const reason = (e: unknown): string =>
    e instanceof Error ? e.message.slice(e.message.lastIndexOf(': ') + 2) : String(e);
  try {
    parseDpkgVersion(s);
  } catch (e) {
    return { line: `dpkg: error: version '${s}' has bad syntax: ${reason(e)}`, fatal: true };
  }
  try {
    parseDpkgVersion(s, { strict: true });
    return { fatal: false };
  } catch (e) {
    return { line: `dpkg: warning: version '${s}' has bad syntax: ${reason(e)}`, fatal: false };
  }
}

function report(tool: string, total: number, bad: string[]): void {
  if (bad.length > 0) {
    throw new Error(
      `${bad.length} of ${total} pairs disagree with ${tool}; first ones:\n  ${bad.slice(0, 8).join('\n  ')}`,
    );
  }
}

const show = (s: string): string => JSON.stringify(s);

describe('versions vs real tools', () => {
  it(`dpkg --compare-versions agrees on ${PAIRS}+ generated pairs`, async () => {
    requireTool('dpkg', ['--version']);
    const g = new Gen(SEED);
    const alphabet = [...'0123456789.+~-:abzAZ', '~~', '_', 'é'];
    // A line holds "A<US>B" (US = \x1f, a non-blank IFS, so read keeps spaces and tabs). dpkg reads
    // "" and "<unknown>" as a "blank" version, a special case out of scope here.
    const blank = (s: string): boolean => s === '' || s === '<unknown>';
    const all = [...CURATED, ...pairs(g, PAIRS, () => dpkgVersion(g), alphabet)].filter(
      ([a, b]) => !blank(a) && !blank(b) && !/[\n\0\x1f]/.test(a + b),
    );
    expect(all.length).toBeGreaterThanOrEqual(PAIRS);

    const script = [
      "US=$(printf '\\037')",
      'while IFS=$US read -r a b; do',
      '  dpkg --compare-versions -- "$a" lt "$b" 2>&1; lt=$?',
      '  eq=-; if [ $lt = 1 ]; then dpkg --compare-versions -- "$a" eq "$b" 2>/dev/null; eq=$?; fi',
      '  echo "@@ $lt $eq"',
      'done < "$1"',
    ].join('\n');
    const chunks = [all.slice(0, all.length >> 1), all.slice(all.length >> 1)];
    const started = Date.now();
    const outputs = await Promise.all(
      chunks.map((chunk, k) => {
        const file = join(dir, `dpkg-${k}.txt`);
        writeFileSync(file, chunk.map(([a, b]) => `${a}\x1f${b}\n`).join(''));
        return run('sh', ['-c', script, 'sh', file]);
      }),
    );
    const ms = Date.now() - started;

    const bad: string[] = [];
    let k = 0;
    let diags: string[] = [];
    for (const line of outputs.join('').split('\n')) {
      if (!line.startsWith('@@ ')) {
        if (line) diags.push(line);
        continue;
      }
      const [a, b] = all[k++]!;
      const [, lt, eq] = line.split(' ');
      const want = lt === '0' ? '-1' : lt === '2' ? 'E' : eq === '0' ? '0' : eq === '1' ? '1' : `?${lt}/${eq}`;
      const da = dpkgDiag(a);
      const db = da.fatal ? { fatal: false } : dpkgDiag(b);
      const ours = da.fatal || db.fatal ? 'E' : String(compareDpkgVersions(a, b));
      const ourDiags = [da.line, db.line].filter((x): x is string => x !== undefined);
      if (ours !== want || ourDiags.join('\n') !== diags.join('\n')) {
        bad.push(
          `${show(a)} vs ${show(b)}: dpkg ${want} [${diags.join(' | ')}], ours ${ours} [${ourDiags.join(' | ')}]`,
        );
      }
      diags = [];
    }
    expect(k).toBe(all.length);
    console.log(`dpkg: ${all.length} pairs compared with the real dpkg in ${ms} ms`);
    report('dpkg --compare-versions', all.length, bad);
  });

  it(`rpm 4.18 rpm.vercmp / rpm.ver agree on ${PAIRS}+ raw and ${PAIRS}+ EVR pairs`, async () => {
    requireTool('rpm', ['--version']);
    const g = new Gen(SEED ^ 0x7e7e);
    const alphabet = [...'0123456789.~^_+-:abzAZ', '~~', '^^', 'é', '%'];
    const clean = (ps: Pair[]): Pair[] => ps.filter(([a, b]) => !/[\t\n\0\x01]/.test(a + b));
    const raw = clean([...CURATED, ...pairs(g, PAIRS, () => (g.chance(0.02) ? '' : rpmPart(g)), alphabet)]);
    const evr = clean([...CURATED, ...pairs(g, PAIRS, () => rpmEvr(g), alphabet)]);
    expect(raw.length).toBeGreaterThanOrEqual(PAIRS);
    expect(evr.length).toBeGreaterThanOrEqual(PAIRS);

    const input = join(dir, 'rpm.txt');
    writeFileSync(
      input,
      [...raw.map(([a, b]) => `R\t0:${a}-0\t0:${b}-0\n`), ...evr.map(([a, b]) => `V\t${a}\t${b}\n`)].join(''),
    );
    const lua = join(dir, 'rpm.lua');
    writeFileSync(
      lua,
      `local function f(x) if x == nil then return "\\1" end return x end
for line in io.lines(${JSON.stringify(input)}) do
  local kind, a, b = line:match("^(%u)\\t([^\\t]*)\\t([^\\t]*)$")
  local ok, r = pcall(rpm.vercmp, a, b)
  io.write(ok and tostring(r) or "E")
  if kind == "V" then
    for _, s in ipairs({a, b}) do
      local v = rpm.ver(s)
      if v == nil then io.write("\\tE\\tE\\tE") else io.write("\\t", f(v.e), "\\t", f(v.v), "\\t", f(v.r)) end
    end
  end
  io.write("\\n")
end
io.stdout:flush()
`,
    );
    const started = Date.now();
    const out = await run('rpm', ['--eval', `%{lua: dofile(${JSON.stringify(lua)})}`]);
    const ms = Date.now() - started;
    const lines = out.split('\n').slice(0, raw.length + evr.length);
    expect(lines.length).toBe(raw.length + evr.length);

    const badRaw: string[] = [];
    raw.forEach(([a, b], k) => {
      const ours = String(rpmvercmp(a, b));
      if (ours !== lines[k]) badRaw.push(`rpmvercmp(${show(a)}, ${show(b)}): rpm ${lines[k]}, ours ${ours}`);
    });
    const badEvr: string[] = [];
    const fields = (e: Evr | 'E'): string[] =>
      e === 'E' ? ['E', 'E', 'E'] : [e.epoch ?? '\x01', e.version, e.release ?? '\x01'];
    const tryParse = (s: string): Evr | 'E' => {
      try {
        return parseEvr(s);
      } catch {
        return 'E';
      }
    };
    evr.forEach(([a, b], k) => {
      const theirs = lines[raw.length + k]!.split('\t');
      let ours: string;
      try {
        ours = String(compareEvr(a, b));
      } catch {
        ours = 'E';
      }
      const mine = [ours, ...fields(tryParse(a)), ...fields(tryParse(b))];
      if (mine.join('\t') !== theirs.join('\t')) {
        badEvr.push(`${show(a)} vs ${show(b)}: rpm ${show(theirs.join(' '))}, ours ${show(mine.join(' '))}`);
      }
    });
    console.log(`rpm: ${raw.length} raw + ${evr.length} EVR pairs compared with the real rpm in ${ms} ms`);
    report('rpm rpmvercmp', raw.length, badRaw);
    report('rpm rpm.vercmp/rpm.ver', evr.length, badEvr);
  });
});
