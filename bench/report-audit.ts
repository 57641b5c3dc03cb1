/** Section 8 of docs/BENCHMARKS.md: check-ins with the audit trail on, beside the same load with it off. */
import type { AuditBenchResults, AuditModeRun } from './audit.js';
import type { Phase } from './checkins.js';
import { int, ms, sec, table, times } from './report-format.js';

export const AUDIT_SECTION_HEADING = '## 8. Auditing: check-ins with the audit trail on and off';

const loadText = (l: { start: number[]; end: number[] }) =>
  `${l.start.map((x) => x.toFixed(2)).join(' / ')} → ${l.end.map((x) => x.toFixed(2)).join(' / ')}`;
const rate = (p: Phase) => `${int(p.load.perSecond)}/s`;
const usPerRequest = (p: Phase) => `${int((p.server.cpuSeconds * 1e6) / Math.max(1, p.load.requests))} µs`;
const failures = (r: AuditModeRun) => r.enroll.load.failures + r.upload.load.failures + r.steady.load.failures;

/** The whole section. */
export function auditSection(r: AuditBenchResults): string {
  const c = r.config;
  const rows = r.runs.map((run) => {
    const off = r.runs.find((x) => x.database === run.database && x.mode === 'off');
    const vs = (pick: (x: AuditModeRun) => Phase) =>
      off && run !== off ? times(pick(run).load.perSecond / Math.max(1e-9, pick(off).load.perSecond)) : '—';
    return [
      run.database,
      run.mode === 'off' ? 'off' : `**${run.mode}**`,
      `${rate(run.enroll)} (${vs((x) => x.enroll)})`,
      `${rate(run.upload)} (${vs((x) => x.upload)})`,
      `**${rate(run.steady)}** (${vs((x) => x.steady)})`,
      `${ms(run.steady.load.latency.p50)} / ${ms(run.steady.load.latency.p99)}`,
      usPerRequest(run.steady),
      int(run.entries),
      failures(run),
    ];
  });
  const witness = r.runs
    .filter((run) => run.mode === 'on')
    .map((run) => {
      const off = r.runs.find((x) => x.database === run.database && x.mode === 'off');
      return off
        ? `${times(run.steady.load.perSecond / Math.max(1e-9, off.steady.load.perSecond))} on ${run.database}`
        : undefined;
    })
    .filter(Boolean);
  return `${AUDIT_SECTION_HEADING}

Measured on ${r.date} (${sec(r.totalMs)} for this section${r.skipped.length ? `; skipped: ${r.skipped.join('; ')}` : ''}). Load average (1/5/15 min) ${loadText(r.loadAverage)}: above the core count, other processes competed for the CPU. Run alone with \`BENCH_ONLY=audit\` (after \`tsc -p tsconfig.bench.json\`: \`BENCH_ONLY=audit node --expose-gc dist-bench/bench/run.js\`), which rewrites only this section of docs/BENCHMARKS.md; sizes from BENCH_AUDIT_AGENTS (default 2000), BENCH_CONCURRENCY (128), BENCH_AUDIT_CHECKIN_SECONDS (20), BENCH_WARMUP_SECONDS (5), BENCH_POSTGRES.

**Inputs** (bench/audit.ts): the agents, load generator, server process and measurements of scenario 4, with ${int(c.agents)} agents, ${c.concurrency} requests in flight, and ${c.warmupSeconds} s of warm-up then ${c.checkinSeconds} s measured in the steady phase; the catalog is ${r.catalog} (${int(r.bulletins)} bulletins). For each database, three fresh servers one after the other, each through the same phases — enrollment of every agent, the first check-in with its inventory (then the assessment queue drains), steady hash-only check-ins:
- **off**: \`audit.enabled: false\`; nothing is recorded (the figure without auditing);
- **on**: the default; every enrollment and every check-in carrying an inventory is recorded (one append to the hash chain, in its own transaction, before the answer leaves), hash-only check-ins are not (docs/AUDIT.md says why);
- **every check-in**: \`audit.hashOnlyCheckins: true\`; the hash-only check-ins are recorded too — what auditing every agent request would cost.

${table(
  [
    'database',
    'auditing',
    'enrollments (vs off)',
    'first check-ins with inventory (vs off)',
    'hash-only check-ins (vs off)',
    'hash-only p50 / p99',
    'server CPU per hash-only check-in',
    'audit entries at the end',
    'failed answers',
  ],
  rows,
)}

- Each audited request adds one write transaction: on SQLite an fsync (synchronous = FULL) under the one writer, on PostgreSQL a commit (synchronous_commit on) under a transaction-scoped advisory lock that serialises appends. Under the default, a hash-only check-in writes nothing to the trail (only the hook's decision runs), so in that column the difference between **on** and **off** is this machine's run-to-run variation at its load, not auditing; enrollments and first check-ins pay the append, and under **every check-in** so do the hash-only ones.
- How far two runs differ on this machine at this load, with no difference in the work done: the hash-only column of **on** against **off** (${witness.join(', ') || 'n/a'}), where auditing writes nothing. Read every other ratio of the table against that spread; ratios inside it say nothing about auditing.
- Entries at the end: under **on**, one per enrollment and one per first check-in (2 × agents); under **every check-in**, also one per hash-only check-in of the steady phase, warm-up included.`;
}

/** Replaces section 8 in a BENCHMARKS.md text (or appends it), leaving every other section as it was. */
export function spliceAuditSection(doc: string, section: string): string {
  const start = doc.indexOf('\n## 8. ');
  if (start < 0) return doc.trimEnd() + '\n\n' + section + '\n';
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(0, start + 1) + section + '\n' + (next < 0 ? '' : doc.slice(next));
}
