/** Section 7 of docs/BENCHMARKS.md: the rollout (Bench A: plan and sign; Bench B: agents through three rings). */
import { median } from './measure.js';
import { int, kib, ms, sec, table, times } from './report-format.js';
import type { RolloutBenchResults, RolloutFleetRun, RolloutPlanRun } from './rollout.js';

const loadText = (l: { start: number[]; end: number[] }) =>
  `${l.start.map((x) => x.toFixed(2)).join(' / ')} → ${l.end.map((x) => x.toFixed(2)).join(' / ')}`;
const us = (msValue: number, n: number) => `${((msValue * 1000) / Math.max(1, n)).toFixed(0)} µs`;

/** The whole section. */
export function rolloutSection(r: RolloutBenchResults): string {
  const c = r.config;
  return `## 7. Rollout: planning and signing jobs, agents through three rings

Measured on ${r.date} (${sec(r.totalMs)} for this section${r.skipped.length ? `; skipped: ${r.skipped.join('; ')}` : ''}). Load average (1/5/15 min) ${loadText(r.loadAverage)}: above the core count, other processes competed for the CPU and every time below is inflated. Run alone with \`BENCH_ONLY=rollout\` (after \`tsc -p tsconfig.bench.json\`: \`BENCH_ONLY=rollout node --expose-gc dist-bench/bench/run.js\`), which keeps the other sections' figures from the previous full run; sizes from BENCH_ROLLOUT_MACHINES (default 10000), BENCH_ROLLOUT_AGENTS (1000), BENCH_ROLLOUT_CHECKIN_SECONDS (2), BENCH_POSTGRES.

**Catalog** (bench/scenarios/rollout-fleet.ts): a native catalog (patchhive.catalog/1, synced by the server from a file) of 8 bulletins over 7 packages of the real minbase-12-point-release status file — libc6 twice (an older and a newer fix; the planner keeps the newer), libc-bin, libsystemd0, libudev1, tar, libgnutls30, gzip — each fixed in the installed version plus "+bench1"/"+bench2", so every machine misses all of them and a job installs 7 packages at exact versions.

${planPart(r.plan, c.machines)}

${r.fleet ? fleetPart(r.fleet, c) : '### Bench B\n\nNot run.'}`;
}

function planPart(runs: RolloutPlanRun[], machines: number): string {
  const first = runs[0];
  if (!first) return `### Bench A — plan and sign jobs for ${int(machines)} machines\n\nNot run.`;
  const rows = runs.map((run) => {
    const m = run.measure.result;
    const peer = median(m.bareSignMs);
    return [
      run.database,
      sec(run.seed.result.ms),
      `**${sec(m.createMs)}** (${us(m.createMs, m.planned)}/machine)`,
      `**${sec(m.jobsMs)}**`,
      `${us(m.jobsMs, m.jobs)} / ${ms(m.perJob.p50)} / ${ms(m.perJob.p99)}`,
      ms(median(m.canonicalMs)),
      `${ms(peer)} (${us(peer, m.jobs)}/job)`,
      ms(median(m.signJobMs)),
      `**${times(m.jobsMs / peer)}**`,
      `${kib(m.baselineRssKb)} → ${kib(m.afterCreateMaxRssKb)} → ${kib(m.afterJobsMaxRssKb)}`,
      `${int(m.verified)} / ${int(m.jobs)}`,
    ];
  });
  const m = first.measure.result;
  const s = first.seed.result;
  return `### Bench A — plan and sign jobs for ${int(machines)} machines

**Inputs** (bench/scenarios/rollout-plan.ts, "seed", its own process): a fresh migrated store per database; the server syncs the catalog; then ${int(s.machines)} machines, each with its agent (credential hash), an inventory of ${s.packagesPerMachine} packages (the 7 above plus base-files, dpkg, apt; Debian 12 facts of this machine) and ${int(s.openFindings / s.machines)} open findings, written in bulk over the benchmark's own Kysely connection in one transaction (the findings rows are the real engine's verdicts on the machine, mapped by the store's own \`planAssessment\`); one static group of every machine (group service) and the 8 bulletins approved for it (triage service). Seeding took the time in the table.

**Measured** in a fresh server process per database (\`startServer\`, not listening, engine tick off so nothing else runs): **POST /api/v1/deployments** through Fastify's \`inject\` (routing, validation, the planner, storing the deployment and its ${int(m.planned)} machine rows, starting ring 0, and the ${(m.createResponseBytes / 2 ** 20).toFixed(1)} MiB answer with every machine's plan) — one ring "fleet" of 100 %, soak 0 (a ring that takes everyone, so every machine gets its job); then **building and signing the jobs**: \`RolloutService.jobsFor(agentId, machineId)\`, the function the check-in handler calls, once per machine, one after the other — per machine: the agent's open jobs, the machine's runs, its deployment, its groups and their windows, the reboot policy, \`nextJobSequence\`, the job body (${m.packagesPerJob} packages, ${m.bulletinsPerJob} bulletins to verify; ${int(m.bodyBytes)} bytes of canonical JSON), \`signJob\`, storing the job and marking the machine running. No HTTP in this figure: what one check-in adds on top is in section 4. Afterwards ${int(m.running)} machines were running, and the agents' \`verifyJob\` (src/agent/job-verify.ts, the pinned public key) accepted the envelopes (*verified*; ${ms(m.verifyMs)} for all of them, the agents' side).

**Peer**, in the same process after the server closed, on the same ${int(m.jobs)} job bodies: canonical JSON of every body (column *canonical JSON*), then **bare Ed25519 signing** of those bytes with \`crypto.sign\` and a key object made once — the irreducible cost of signing ${int(m.jobs)} jobs. *signJob alone* is Patchhive's signing function on the same bodies (schema check, canonical JSON, the key parsed once from its PEM, signing). Medians of ${first.measure.result.bareSignMs.length} runs each. The ratio is Patchhive's job building and signing over the bare signing.

${table(['database', 'seed', 'POST /deployments', 'jobs built + signed', 'per job: mean / p50 / p99', 'canonical JSON', 'bare signing (peer)', 'signJob alone', 'Patchhive / peer', 'RSS: before → after POST → after jobs (peak)', 'verified'], rows)}

*RSS before* is after start-up and a full GC; the two later figures are the process's \`maxRSS\` (the peak so far). Where a job's time goes, timed alone afterwards on the first ${first.measure.result.parts.machines} machines: reading the machine's groups (\`GroupService.groupsOf\`, one indexed query for its static groups plus the group list — here one group of ${int(machines)}) ${parts(runs, 'groupsOfMs')}; one committed write (\`nextJobSequence\`; a job takes three: the sequence number, the job, the machine's state) ${parts(runs, 'nextJobSequenceMs')}; \`signJob\` alone ${runs.map((run) => `${us(median(run.measure.result.signJobMs), run.measure.result.jobs)} on ${run.database}`).join(', ')} (the bare signature: ${runs.map((run) => `${us(median(run.measure.result.bareSignMs), run.measure.result.jobs)}`).join(', ')}). So the ratio says what the bookkeeping around a signature costs, not that Ed25519 is slow.`;
}

/** "x ms per machine on sqlite, y ms on postgres" for one part of the breakdown. */
function parts(runs: RolloutPlanRun[], key: 'groupsOfMs' | 'nextJobSequenceMs'): string {
  return runs
    .map((run, i) => `${ms(run.measure.result.parts[key])}${i === 0 ? ' per machine' : ''} on ${run.database}`)
    .join(', ');
}

function fleetPart(f: RolloutFleetRun, c: RolloutBenchResults['config']): string {
  const { checkinSeconds, tickSeconds } = c;
  const ro = f.rollout;
  const pe = f.peer;
  const rings = f.rings
    .map(
      (r) =>
        `${r.name} (${int(r.members)} machine${r.members === 1 ? '' : 's'}) started ${r.startedAfterSeconds === null ? 'never' : `at +${r.startedAfterSeconds.toFixed(1)} s`}, ${r.status}`,
    )
    .join('; ');
  const counts = Object.entries(f.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${int(n)}`)
    .join(', ');
  const refusals =
    Object.entries(ro.agents.refusals)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const cpuRatio = pe.server.cpuSeconds > 0 ? times(ro.server.cpuSeconds / pe.server.cpuSeconds) : 'n/a';
  const perCheckin = (p: typeof ro) => (p.agents.checkins > 0 ? (1000 * p.server.cpuSeconds) / p.agents.checkins : NaN);
  const perRatio = perCheckin(pe) > 0 ? times(perCheckin(ro) / perCheckin(pe)) : 'n/a';
  const lat = (p: typeof ro) => `${ms(p.latency.p50)} / ${ms(p.latency.p99)} / ${ms(p.latency.max)}`;
  const pacing = 3 * (checkinSeconds + tickSeconds);
  return `### Bench B — ${int(f.agents)} simulated agents through three rings

**Setup** (bench/rollout.ts): the server in its own process (bench/scenarios/rollout-server.ts; ${f.database}, rollout tick ${tickSeconds} s, the catalog above, ${f.bulletins} bulletins), the agents in another (bench/scenarios/rollout-agents.ts). ${int(f.agents)} agents enrolled (${f.enroll.perSecond.toFixed(0)}/s) and uploaded their inventories (${f.upload.perSecond.toFixed(0)}/s; the real minbase-12 status file, a few packages removed, older or newer per machine as in section 4); the assessment queue drained ${ms(f.drainMs)} later. Then every agent checks in every ${checkinSeconds} s (spread evenly, ${c.connections} keep-alive connections shared), and at once again after running a job. On each answer the agent checks every envelope with the real \`verifyJob\` against the key it pinned at enrollment and its last accepted sequence; an accepted install job is "run" in memory (its packages move to the target versions) and the next check-in carries the job report (every step succeeded, the replaced versions as kept packages) **and** the new inventory, so the server's validation by rescan can pass; reports are resent until acknowledged.

**Measured**: from the first approval request — a static group of every machine (POST /groups) and the 8 bulletins approved for it (POST /triage/actions) — through POST /deployments (rings lab 1 %, pilot 10 %, broad the rest; soak 0; gate: success ratio 1, at most 0 failures) until \`GET /deployments\` (polled every 250 ms) shows the deployment completed. The server's CPU (user + system, /proc/<pid>/stat) and peak RSS (VmHWM reset at the start, plus VmRSS sampled every 200 ms) cover that whole phase. **Peer**: right after (once the check-ins held up during the rollout were answered: ${sec(f.settleMs)}), the same agents go on with plain hash-only check-ins (nothing left to deploy, the poller still running) for the same wall time; the ratio is the server's CPU during the rollout over its CPU during the peer.

${table(
  ['figure', 'rollout', 'peer (hash-only check-ins)'],
  [
    ['approval (group + triage, REST)', ms(f.approvalMs), '—'],
    [`POST /deployments (${int(f.agents)} machines planned)`, ms(f.createMs), '—'],
    ['**creation → completed**', `**${sec(f.createToCompletedMs)}**`, '—'],
    ['approval → completed (wall time of the phase)', sec(f.approvalToCompletedMs), sec(pe.server.wallSeconds * 1000)],
    [
      'check-ins answered (with an inventory)',
      `${int(ro.agents.checkins)} (${int(ro.agents.inventories)})`,
      `${int(pe.agents.checkins)} (${int(pe.agents.inventories)})`,
    ],
    [
      'envelopes received / verified / refused / re-delivered',
      `${int(ro.agents.envelopes)} / ${int(ro.agents.verified)} / ${int(ro.agents.refused)} / ${int(ro.agents.redelivered)}`,
      `${int(pe.agents.envelopes)} / ${int(pe.agents.verified)} / ${int(pe.agents.refused)} / ${int(pe.agents.redelivered)}`,
    ],
    [
      'job reports sent / acknowledged',
      `${int(ro.agents.reportsSent)} / ${int(ro.agents.acknowledged)}`,
      `${int(pe.agents.reportsSent)} / ${int(pe.agents.acknowledged)}`,
    ],
    ['check-in latency p50 / p99 / max', lat(ro), lat(pe)],
    [
      'check-in errors',
      `${ro.agents.errors}${ro.agents.firstError ? ` (first: ${ro.agents.firstError.slice(0, 120)})` : ''}`,
      String(pe.agents.errors),
    ],
    [
      '**server CPU (user + system)**',
      `**${ro.server.cpuSeconds.toFixed(2)} s** (${((100 * ro.server.cpuSeconds) / ro.server.wallSeconds).toFixed(0)} % of one core)`,
      `${pe.server.cpuSeconds.toFixed(2)} s (${((100 * pe.server.cpuSeconds) / pe.server.wallSeconds).toFixed(0)} % of one core)`,
    ],
    ['**server CPU, rollout / peer**', `**${cpuRatio}**`, '1'],
    ['server CPU per check-in answered', ms(perCheckin(ro)), ms(perCheckin(pe))],
    ['**server CPU per check-in, rollout / peer**', `**${perRatio}**`, '1'],
    ['server peak RSS', kib(ro.server.peakRssKb), kib(pe.server.peakRssKb)],
    ['agents: verifyJob time (all envelopes)', ms(ro.agents.verifyMicros / 1000), '—'],
  ],
)}

**Rings** (times after the deployment's creation, from the server's \`startedAt\`): ${rings}. **End state**: ${f.status}; machines: ${counts}. Refusals by reason: ${refusals} (a refusal would mean the server signed a job the agent cannot trust). The server process used ${f.life.cpuSeconds.toFixed(1)} s of CPU and peaked at ${kib(f.life.maxRssKb)} over its whole life (enrollment and uploads included).

With these settings the protocol's own pacing allows about ${pacing} s for three rings at worst (each ring waits up to one check-in period, ${checkinSeconds} s, for its machines' next check-in, the report follows at once, the rescan validates it, and the next ring starts at the engine's next tick, up to ${tickSeconds} s); the time above that is the server's, and the check-in latencies show where the agents waited. The peer ran for the same wall time, so the phase ratio compares the server's CPU over equal times; when the two phases answered very different numbers of check-ins (the agents wait for each answer before scheduling the next), the per-check-in ratio is the fairer one.`;
}
