/**
 * Measures the console's machine search on a 10,000-machine bench fleet (SQLite): "who has
 * openssl <version>?" through the API (GET /machines?package=…&version=…), a status filter and a
 * sort by open findings. A measurement, not an assertion: `npx tsx bench/machine-search.ts`.
 */
import { performance } from 'node:perf_hooks';
import { inventoryHash } from '../src/protocol/inventory-hash.js';
import { osSummaryOf } from '../src/server/services/machines.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { serverConfigSchema } from '../src/server/config.js';
import { startServer } from '../src/server/server.js';
import { baseInventories, BENCH_NOW } from './fixtures.js';
import { DEFAULT_FLEET, fleetMachine } from './fleet.js';

const MACHINES = Number(process.env.BENCH_MACHINES ?? 10_000);
const CALLS = 20;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'patchhive-bench-search-'));
  const cfg = serverConfigSchema.parse({ dataDir, port: 0, logLevel: 'silent', triageSweepSchedule: '' });
  const server = await startServer(cfg, { listen: false, logger: pino({ level: 'silent' }), now: () => BENCH_NOW });
  const token = (await server.services.tokens.createApiToken({ name: 'bench', user: 'bench', role: 'viewer' }, 'bench'))
    .secret;
  const callApi = async (url: string) => {
    const res = await server.app.inject({
      method: 'GET',
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.statusCode, text: res.body, body: JSON.parse(res.body) as { total: number } };
  };
  try {
    const bases = await baseInventories();
    const started = performance.now();
    let rows = 0;
    const versions = new Map<string, number>();
    for (let i = 0; i < MACHINES; i++) {
      const inv = fleetMachine(bases, i, { seed: 42, ...DEFAULT_FLEET });
      const id = `bench-${i}`;
      await server.store.machines.create({
        id,
        name: inv.machine.name,
        os: osSummaryOf(inv),
        role: null,
        criticality: 'medium',
        owner: `team-${i % 20}@example.org`,
        location: null,
        tags: i % 3 === 0 ? ['prod'] : ['lab'],
        internetFacing: false,
        source: 'import',
        agentId: null,
        createdAt: BENCH_NOW.toISOString(),
        lastSeenAt: null,
        inventoryHash: null,
        inventoryAt: null,
        assessedHash: null,
        assessedAt: null,
      });
      await server.store.machines.putInventory(id, inventoryHash(inv), JSON.stringify(inv), BENCH_NOW.toISOString());
      rows += inv.packages?.items.length ?? 0;
      const ssl = inv.packages?.items.find((p) => p.name === 'openssl');
      if (ssl) versions.set(ssl.version, (versions.get(ssl.version) ?? 0) + 1);
    }
    const [version, holders] = [...versions].sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
    console.log(
      `fleet: ${MACHINES} machines, ${rows} package rows, stored in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(`openssl ${version} on ${holders} machines`);
    const time = async (label: string, url: string) => {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < CALLS; i++) {
        const t = performance.now();
        const res = await callApi(url);
        times.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.text}`);
        total = res.body.total;
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      console.log(
        `${label}: ${total} matches; median ${median.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms per call`,
      );
    };
    const v = encodeURIComponent(version);
    await time('GET /machines?package=openssl&version=…&limit=100', `/machines?package=openssl&version=${v}&limit=100`);
    await time('GET /machines?package=openssl&limit=100', '/machines?package=openssl&limit=100');
    await time(
      'GET /machines?status=stale,never-seen&tag=prod&limit=100',
      '/machines?status=stale,never-seen&tag=prod&limit=100',
    );
    await time(
      'GET /machines?os=debian&sort=openFindings&limit=100',
      '/machines?os=debian&sort=openFindings&limit=100',
    );
    await time('GET /machines/bench-7/packages?q=lib', '/machines/bench-7/packages?q=lib');
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
