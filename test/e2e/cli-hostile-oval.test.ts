/**
 * End to end, through the real CLI process: an OVAL document nested 100,000 levels deep (1 MB)
 * is refused with exit 2 and one located line, about as fast as the 12-definition sample is
 * scanned. Before the parser stopped at the first refusal, saxes finished the whole chunk and
 * each element of the chain cost time linear in its depth (minutes for this file).
 *
 * Timing on a shared machine: the runs alternate (sample, deep, sample, ...) and the minimum of
 * three of each is compared, so a burst of load elsewhere does not decide the result.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeTempDir, removeTempDir, runCli, stderrLines, type CliResult } from '../support/cli.js';

const DEB = 'test/fixtures/debian';
const MACHINE = ['--dpkg-status', `${DEB}/status-minbase-12-point-release.txt`, '--release', 'bookworm', '-q'];
const SAMPLE = 'catalogs/debian-oval-bookworm-sample.xml';
const DEPTH = 100_000;

let tmp: string | undefined;
let deep = '';

/** A well-formed OVAL document whose definitions hold DEPTH nested elements: 1 MB. */
function deepOval(): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><definitions>',
    '<cr >'.repeat(DEPTH) + '</cr>'.repeat(DEPTH),
    '</definitions></oval_definitions>',
    '',
  ].join('\n');
}

beforeAll(() => {
  tmp = makeTempDir('hostile-oval');
  deep = path.join(tmp, 'deep.xml');
  writeFileSync(deep, deepOval());
});

afterAll(() => removeTempDir(tmp));

describe('a 100,000-deep OVAL document', () => {
  it('is refused at once: exit 2, one line naming the file, within 3x the sample scan', async () => {
    const sampleRuns: CliResult[] = [];
    const deepRuns: CliResult[] = [];
    for (let i = 0; i < 3; i++) {
      sampleRuns.push(await runCli(['scan', ...MACHINE, '--catalog', SAMPLE], { timeoutMs: 120_000 }));
      deepRuns.push(await runCli(['scan', ...MACHINE, '--catalog', deep], { timeoutMs: 120_000 }));
    }
    for (const r of sampleRuns) expect(r.code, describeRun(r)).toBe(0);
    for (const r of deepRuns) {
      expect(r.code, describeRun(r)).toBe(2);
      expect(r.stdout, describeRun(r)).toBe('');
      const lines = stderrLines(r);
      expect(lines, describeRun(r)).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^patchhive: error: .*deep\.xml:3: elements nested deeper than 256 levels \[E_INPUT_MALFORMED\]$/,
      );
    }
    const fastest = (runs: CliResult[]) => Math.min(...runs.map((r) => r.ms));
    const ratio = fastest(deepRuns) / fastest(sampleRuns);
    console.log(
      `deep OVAL refused in ${fastest(deepRuns)} ms; sample scanned in ${fastest(sampleRuns)} ms (ratio ${ratio.toFixed(2)})`,
    );
    expect(ratio).toBeLessThanOrEqual(3);
  }, 600_000);
});
