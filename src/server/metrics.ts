/** Prometheus metrics: check-ins, stale agents, assessment durations, sync results, HTTP requests. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Values read from the store when /metrics is scraped. */
export interface MetricSources {
  /** Agents (not revoked) that report they have seen no fresh signed server time for too long. */
  staleAgents(): Promise<number>;
}

export class Metrics {
  private readonly registry = new Registry();
  private readonly checkins = new Counter({
    name: 'patchhive_checkins_total',
    help: 'Agent check-ins by kind (inventory or hash-only).',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly assessments = new Histogram({
    name: 'patchhive_assessment_duration_seconds',
    help: 'Time to assess one machine against the whole catalog.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly syncs = new Counter({
    name: 'patchhive_catalog_syncs_total',
    help: 'Catalog syncs by source and result.',
    labelNames: ['source', 'result'],
    registers: [this.registry],
  });
  private readonly requests = new Histogram({
    name: 'patchhive_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  constructor(sources?: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'patchhive_' });
    if (sources) {
      new Gauge({
        name: 'patchhive_agents_stale',
        help: 'Agents that report no fresh signed server time for longer than their --stale-after (frozen or replayed answers).',
        registers: [this.registry],
        async collect() {
          this.set(await sources.staleAgents());
        },
      });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
  checkin(kind: 'inventory' | 'hash-only'): void {
    this.checkins.inc({ kind });
  }
  assessed(seconds: number): void {
    this.assessments.observe(seconds);
  }
  synced(source: string, result: string): void {
    this.syncs.inc({ source, result });
  }
  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.observe({ route, method, status: String(status) }, seconds);
  }
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
