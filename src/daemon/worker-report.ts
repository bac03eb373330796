// What one proxy process tells the status listener: nginx's counters, its prometheus metrics,
// what the served config's prometheus instances ask for, its targets' health and its heap.
import type { Proxy } from '../proxy/server.js';
import { sumStats, type NginxStats } from '../proxy/stats.js';
import { mergeSnapshots, processMetrics, prometheusConfigured, type MetricSnapshot } from '../plugins/prometheus/metric-store.js';
import type { NodeReport } from '../plugins/prometheus/exposition.js';

export type { NodeReport };

export interface WorkerReport {
  pid: number;
  heapUsed: number;
  nginx: NginxStats;
  metrics: MetricSnapshot;
  configured: { any: boolean; upstreamHealth: boolean };
  health: [string, string, string, string][];
}

export function workerReport(proxies: readonly Proxy[]): WorkerReport {
  return {
    pid: process.pid,
    heapUsed: process.memoryUsage().heapUsed,
    nginx: sumStats(proxies.map((p) => p.stats())),
    metrics: processMetrics.snapshot(),
    configured: { ...prometheusConfigured },
    // Every listener serves the same config: one listener's balancers say it all.
    health: proxies[0]?.targetHealth() ?? [],
  };
}

/** A target is unhealthy when any worker found it so. */
export function mergeReports(reports: readonly WorkerReport[]): NodeReport {
  const health = new Map<string, [string, string, string, string]>();
  for (const r of reports) {
    for (const h of r.health) {
      const k = `${h[0]}\u0000${h[1]}`;
      const prev = health.get(k);
      if (!prev || h[3] === 'unhealthy') health.set(k, h);
    }
  }
  return {
    workers: reports.map((r) => ({ pid: r.pid, heapUsed: r.heapUsed })),
    nginx: sumStats(reports.map((r) => r.nginx)),
    metrics: mergeSnapshots(reports.map((r) => r.metrics)),
    configured: { any: reports.some((r) => r.configured.any), upstreamHealth: reports.some((r) => r.configured.upstreamHealth) },
    health: [...health.values()],
  };
}
