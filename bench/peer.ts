/**
 * Scenario 2 (whole processes): the Patchhive CLI beside OpenSCAP's `oscap oval eval`, each run as
 * a fresh process on the same OVAL file and dpkg status file, stdout discarded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './fixtures.js';
import { captureCommand, commandPeakRssKb, median, runOnceMeasured, timeCommand } from './measure.js';

export interface PeerRow {
  catalog: string;
  status: string;
  patchhiveMs: number[];
  oscapMs: number[];
  patchhiveMedianMs: number;
  oscapMedianMs: number;
  /** oscap median / Patchhive median: above 1 means Patchhive was faster. */
  ratio: number;
  patchhivePeakRssKb: number | undefined;
  oscapPeakRssKb: number | undefined;
  /** Patchhive findings with status missing (from a warm-up run's JSON). */
  patchhiveMissing: number;
  /** Definitions oscap reported true (from the warm-up run's stdout). */
  oscapTrue: number;
}

const CLI = join(REPO, 'dist/cli/main.js');

function patchhiveArgs(catalog: string, status: string): string[] {
  return [CLI, 'scan', '--catalog', catalog, '--dpkg-status', status, '--format', 'json', '--quiet'];
}

/** Times both tools on one (catalog, status file) pair: one warm-up each, then `runs` interleaved runs. */
export async function comparePair(
  catalog: { label: string; file: string },
  status: { label: string; file: string },
  runs: number,
): Promise<PeerRow> {
  const dir = mkdtempSync(join(tmpdir(), 'patchhive-bench-oscap-'));
  try {
    const aptConf = join(dir, 'apt.conf');
    writeFileSync(aptConf, `Dir::State::status "${status.file}";\n`);
    const env = { ...process.env, APT_CONFIG: aptConf };
    const oscapArgs = ['oval', 'eval', '--results', join(dir, 'res.xml'), catalog.file];
    const ph = patchhiveArgs(catalog.file, status.file);
    // warm-up runs double as the check of what each tool found
    const json = JSON.parse(await captureCommand(process.execPath, ph)) as { findings: { status: string }[] };
    const oscapOut = await captureCommand('oscap', oscapArgs, env);
    const patchhiveMs: number[] = [];
    const oscapMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      patchhiveMs.push((await timeCommand(process.execPath, ph)).ms);
      oscapMs.push((await timeCommand('oscap', oscapArgs, env)).ms);
    }
    const p = median(patchhiveMs);
    const o = median(oscapMs);
    return {
      catalog: catalog.label,
      status: status.label,
      patchhiveMs,
      oscapMs,
      patchhiveMedianMs: p,
      oscapMedianMs: o,
      ratio: o / p,
      patchhivePeakRssKb: await commandPeakRssKb(process.execPath, ph),
      oscapPeakRssKb: await commandPeakRssKb('oscap', oscapArgs, env),
      patchhiveMissing: json.findings.filter((f) => f.status === 'missing').length,
      oscapTrue: (oscapOut.match(/^Definition \S+: true$/gm) ?? []).length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median wall time of `node dist/cli/main.js --version`: the CLI's start-up floor. */
export async function cliStartupMs(runs: number): Promise<number> {
  await timeCommand(process.execPath, [CLI, '--version']);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push((await timeCommand(process.execPath, [CLI, '--version'])).ms);
  return median(ms);
}

export interface OnceRow {
  catalog: string;
  status: string;
  patchhiveMs: number;
  oscapMs: number;
  patchhivePeakRssKb: number | undefined;
  oscapPeakRssKb: number | undefined;
  patchhiveMissing: number;
  oscapTrue: number;
}

/** One run of each tool (no warm-up; stdout captured to compare results): for inputs too slow to repeat. */
export async function comparePairOnce(
  catalog: { label: string; file: string },
  status: { label: string; file: string },
): Promise<OnceRow> {
  const dir = mkdtempSync(join(tmpdir(), 'patchhive-bench-oscap-'));
  try {
    const aptConf = join(dir, 'apt.conf');
    writeFileSync(aptConf, `Dir::State::status "${status.file}";\n`);
    const ph = await runOnceMeasured(process.execPath, patchhiveArgs(catalog.file, status.file));
    const os = await runOnceMeasured('oscap', ['oval', 'eval', '--results', join(dir, 'res.xml'), catalog.file], {
      ...process.env,
      APT_CONFIG: aptConf,
    });
    const json = JSON.parse(ph.stdout) as { findings: { status: string }[] };
    return {
      catalog: catalog.label,
      status: status.label,
      patchhiveMs: ph.ms,
      oscapMs: os.ms,
      patchhivePeakRssKb: ph.peakRssKb,
      oscapPeakRssKb: os.peakRssKb,
      patchhiveMissing: json.findings.filter((f) => f.status === 'missing').length,
      oscapTrue: (os.stdout.match(/^Definition \S+: true$/gm) ?? []).length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
