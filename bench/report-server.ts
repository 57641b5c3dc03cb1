/** The server sections of docs/BENCHMARKS.md: scenario 4 (check-ins) and scenario 5 (re-assessment). */
import type { CheckinResults, CheckinRun, Phase } from './checkins.js';
import type { ServerBenchConfig } from './server-config.js';
import { int, kib, ms, sec, table, times } from './report-format.js';

/** What run.ts hands over: the measured runs, the sizes they used and the database versions. */
export interface ServerBenchResults extends CheckinResults {
  config: ServerBenchConfig;
  versions: { sqlite: string; postgres: string };
  catalogBulletins: number;
  totalMs: number;
}

const rate = (x: number): string => (x >= 100 ? int(x) : x.toFixed(1));
const cores = (cpuSeconds: number, wallSeconds: number): string => `${(cpuSeconds / wallSeconds).toFixed(2)} cores`;
const latencies = (p: Phase): string =>
  `${ms(p.load.latency.p50)} / ${ms(p.load.latency.p90)} / ${ms(p.load.latency.p99)} / ${ms(p.load.latency.max)}`;
const usPerRequest = (p: Phase): string => `${int((p.server.cpuSeconds * 1e6) / Math.max(1, p.load.requests))} µs`;
const failures = (p: Phase): string =>
  p.load.failures === 0 ? '0' : `**${int(p.load.failures)}** (first: ${p.load.firstFailure ?? '?'})`;

/** Both sections; `machineCores` is the core count of the machine section. */
export function serverSections(s: ServerBenchResults, machineCores: number): string {
  return [checkinSection(s, machineCores), reassessSection(s)].join('\n\n');
}

function inputs(s: ServerBenchResults): string {
  const c = s.config;
  const first = s.runs[0];
  const perAgent = first
    ? `${first.upload.load.avgPackages.toFixed(1)} packages and ${(first.upload.load.avgBodyBytes / 1024).toFixed(1)} KiB of check-in body per machine on average`
    : '';
  return `**Inputs** (bench/checkins.ts, bench/agent-fleet.ts, bench/scenarios/bench-server.ts, bench/scenarios/load-gen.ts):
- **${int(c.agents)} simulated agents.** Each machine is the real minbase-12-point-release status file (test/fixtures/debian/status-minbase-12-point-release.txt, a Debian 12 point release whose packages lag the security suite) parsed by \`collectDpkgInventory\`, with a seeded per-machine variation (each package removed with p = 0.03, older with p = 0.05, newer with p = 0.05, as in scenario 1): ${perAgent}.
- **Catalog in the server:** the index OVAL of scenario 2 (${int(s.catalogBulletins)} definitions from the real bookworm-security Packages index), configured as a file source and synced at start-up, so each check-in's answer carries the probes computed for that machine (\`probesNeeded\`, cached per inventory hash and catalog generation).
- **Server:** \`startServer\` (src/server/server.ts) with host 127.0.0.1, port 0, logLevel silent, all other settings default, in its own Node process. SQLite: the default file in the data directory (${s.versions.sqlite}). PostgreSQL: a fresh database in the local cluster over /var/run/postgresql (PostgreSQL ${s.versions.postgres}; the store's pg pool of 10 connections).
- **Load generator:** another Node process, one undici \`Pool\` with ${c.concurrency} keep-alive connections and ${c.concurrency} requests in flight (closed loop: each of ${c.concurrency} loops sends the next request when the previous answer has been read). Every latency is recorded and sorted (exact percentiles, no buckets).
- **Phases**, in one server process per database: (1) **enrollment over HTTP** — one enrollment token with maxUses ${int(c.agents)} (created through TokenService in the server process), then \`POST /api/v1/agent/enroll\` for every agent; (2) **first check-in with the inventory** for every agent (bodies built before the clock starts), after which the coordinator waits for the assessment queue to drain (every machine assessed once against the whole catalog); (3) **steady hash-only check-ins**, round-robin over the ${int(c.agents)} agents (\`{"inventoryHash", "agentVersion"}\` with each agent's own credential), ${c.warmupSeconds} s of warm-up then **${c.checkinSeconds} s measured**; then scenario 5 in the same process.
- **Peer:** a bare Fastify 5 route (\`POST /api/v1/agent/checkin\` answering a constant JSON of the same size as Patchhive's answer, no authentication, validation or storage, request logging off as in src/server/http/app.ts) in the same kind of child process, driven by the same load generator with the same concurrency, headers and bodies.
- **Measured on the server process** from /proc/<pid>: CPU seconds (utime + stime of /proc/<pid>/stat) over the phase, and peak RSS (VmHWM of /proc/<pid>/status, reset at the start of each phase through /proc/<pid>/clear_refs, and VmRSS sampled every 200 ms).`;
}

function steadyRow(label: string, p: Phase, peerRate: number | undefined): string[] {
  return [
    label,
    `**${rate(p.load.perSecond)}**`,
    latencies(p),
    `${p.server.cpuSeconds.toFixed(1)} s (${cores(p.server.cpuSeconds, p.server.wallSeconds)}; ${usPerRequest(p)} per request)`,
    kib(p.server.peakRssKb),
    `${p.load.cpuSeconds.toFixed(1)} s`,
    failures(p),
    peerRate ? `**${times(p.load.perSecond / peerRate)}**` : '—',
  ];
}

function setupRows(r: CheckinRun): string[][] {
  return [
    [r.database, 'start-up', `${sec(r.startMs)}`, '—', `RSS ${kib(r.startRssKb)} with the catalog loaded`],
    [
      r.database,
      'enrollment',
      `**${rate(r.enroll.load.perSecond)}/s** (${sec(r.enroll.load.seconds * 1000)})`,
      latencies(r.enroll),
      `server CPU ${r.enroll.server.cpuSeconds.toFixed(1)} s (${cores(r.enroll.server.cpuSeconds, r.enroll.server.wallSeconds)}), peak RSS ${kib(r.enroll.server.peakRssKb)}; failures ${failures(r.enroll)}`,
    ],
    [
      r.database,
      'first check-in with inventory',
      `**${rate(r.upload.load.perSecond)}/s** (${sec(r.upload.load.seconds * 1000)})`,
      latencies(r.upload),
      `server CPU ${r.upload.server.cpuSeconds.toFixed(1)} s (${cores(r.upload.server.cpuSeconds, r.upload.server.wallSeconds)}), peak RSS ${kib(r.upload.server.peakRssKb)}; failures ${failures(r.upload)}`,
    ],
    [
      r.database,
      'assessment queue drained',
      `${sec(r.drain.ms)} after the last upload`,
      '—',
      `${r.drain.pending} machines left unassessed; ${int(r.drain.openFindings)} open findings over ${int(r.enroll.load.requests)} machines; server CPU ${r.drain.server.cpuSeconds.toFixed(1)} s, peak RSS ${kib(r.drain.server.peakRssKb)}`,
    ],
    [
      r.database,
      'whole server process',
      '—',
      '—',
      `peak RSS ${kib(r.life.maxRssKb)} (ru_maxrss), CPU ${r.life.cpuSeconds.toFixed(1)} s over its life`,
    ],
  ];
}

/** A note when the load generator itself used (nearly) a whole core: then it, not the server, set the pace. */
function generatorBound(p: Phase): string {
  const share = p.load.cpuSeconds / p.load.seconds;
  if (share < 0.9) return '';
  return ` During the peer's run the load generator used ${share.toFixed(2)} cores of CPU: it was the limit there, so the bare route's figure is a lower bound of what Fastify can serve on this machine and the Patchhive / bare Fastify ratios are upper bounds.`;
}

function checkinSection(s: ServerBenchResults, machineCores: number): string {
  const peer = s.peer.steady;
  const rows = [
    ...s.runs.map((r) => steadyRow(`Patchhive, ${r.database}`, r.steady, peer.load.perSecond)),
    steadyRow('bare Fastify route (peer)', peer, undefined),
  ];
  const skipped = s.skipped.length ? `\n\nNot run: ${s.skipped.join('; ')}.` : '';
  return `## 4. Sustained check-ins from ${int(s.config.agents)} agents

${inputs(s)}

**Steady phase** (${s.config.checkinSeconds} s measured, ${s.config.concurrency} in flight; the ratio is Patchhive's requests/s over the bare route's, so 1 would mean Patchhive adds nothing to Fastify):

${table(['server', 'check-ins/s', 'latency p50 / p90 / p99 / max', 'server CPU in the window', 'server peak RSS', 'load generator CPU', 'failed answers', 'Patchhive / bare Fastify'], rows)}

**Getting there** (the same server processes, before the steady phase; latencies p50 / p90 / p99 / max):

${table(['database', 'phase', 'rate', 'latency', 'server'], s.runs.flatMap(setupRows))}

- The machine has ${machineCores} cores, shared by the server, the load generator and PostgreSQL, so the server's CPU figure is bounded by what the others leave (the load generator's own CPU is in the table) and by other processes on the machine (see the load average in the machine section).${generatorBound(peer)}
- Writes are durable before they are acknowledged: SQLite commits with synchronous = FULL (an fsync per transaction), PostgreSQL with synchronous_commit on. Enrollment and the first check-in are write-bound: each enrollment takes one use of the same enrollment-token row and creates a machine and an agent; each first check-in stores the inventory and queues an assessment (findings, machine state, daily snapshot). The assessment queue is one per server and runs one machine at a time.${skipped}`;
}

function reassessSection(s: ServerBenchResults): string {
  const rows = s.runs.flatMap((r) => {
    const x = r.reassess;
    const restrictedRate = x.restricted.machinesReevaluated / (x.restricted.reassessMs / 1000);
    const fullRate = x.full.machines / (x.full.ms / 1000);
    return [
      [
        r.database,
        `restricted: sync of the changed source`,
        `**${sec(x.restricted.reassessMs)}** (whole sync ${sec(x.restricted.syncMs)})`,
        `${int(x.restricted.machinesReevaluated)} × ${int(x.changed.bulletins)}`,
        rate(restrictedRate),
        `${x.restricted.server.cpuSeconds.toFixed(1)} s`,
        kib(x.restricted.server.peakRssKb),
        `**${times(x.full.ms / x.restricted.reassessMs)}**`,
      ],
      [
        r.database,
        'peer: full re-assessment',
        sec(x.full.ms),
        `${int(x.full.machines)} × ${int(x.full.bulletins)}`,
        rate(fullRate),
        `${x.full.server.cpuSeconds.toFixed(1)} s`,
        kib(x.full.server.peakRssKb),
        '1×',
      ],
    ];
  });
  const first = s.runs[0]?.reassess;
  const checks = s.runs
    .map(
      (r) =>
        `${r.database}: the sync reported ${r.reassess.restricted.revised} revised bulletins (${r.reassess.restricted.revisedAreTheChanged ? 'exactly the changed ones' : '**not exactly the changed ones**'}), open findings of the changed bulletins ${int(r.reassess.restricted.openBefore)} → ${int(r.reassess.restricted.openAfter)}`,
    )
    .join('; ');
  return `## 5. Re-assessment of ${int(s.config.agents)} machines after a catalog change

**Inputs** (bench/reassess.ts, bench/catalog-change.ts): the ${int(s.config.agents)} machines of scenario 4, in the same server process right after its steady phase — stored by their agents' first check-ins and assessed once by the server's queue (the drain time above), so the per-machine index keys that \`reassessForChange\` uses were cached as in a running server. **The change:** ${first ? `${first.changed.bulletins} definitions of the index OVAL get a newer fixed version (the published version + "+bench1", as if bookworm-security had published new updates): ${first.changed.aboutInstalled} about packages of the machines' base inventory (they become missing wherever the package is installed) and ${first.changed.aboutOthers} about other packages (seeded choice)` : 'none'}. The source's file is replaced and the source synced with \`SourceService.sync\` (read, import, diff by content hash, swap the catalog, \`AssessmentService.reassessForChange\` of the revised ids, count affected machines, record the sync); reassessForChange is timed on its own inside it. **Peer:** right after, every machine queued for a full assessment against all ${int(s.catalogBulletins)} bulletins (\`AssessmentService.enqueue\` + \`whenIdle\`), i.e. what the server would do without restricting re-assessment to the change. Server CPU and peak RSS are the server process's during each step (/proc, as in scenario 4).

${table(['database', 'step', 'time', 'machines × bulletins evaluated', 'machines/s', 'server CPU', 'server peak RSS', 'full / restricted'], rows)}

Checks: ${checks || 'none'}.

- Per machine, both steps read and parse the stored inventory, evaluate, write the findings (one transaction) and the daily snapshot (a read of the machine's findings and an upsert), one machine at a time; the full step also marks the machine assessed, and the restricted step first reads every unresolved finding of the changed bulletins and every machine. With ${int(s.catalogBulletins)} bulletins and ~90-package machines the evaluation itself takes well under a millisecond per machine (scenario 2's in-process table), so that per-machine storage work is most of both steps, and evaluating 100 bulletins instead of all of them changes the total little. The restricted step re-evaluated ${first ? (first.restricted.machinesReevaluated === s.config.agents ? 'every machine, because the change includes bulletins about packages every machine has' : 'only the machines whose packages the changed bulletins name or that had findings for them') : '—'}.`;
}
