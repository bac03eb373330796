// GET /metrics on a data plane's status listener, as Kong's prometheus plugin exports it
// (kong/plugins/prometheus/exporter.lua): the node's gauges always, per-request metrics once a
// prometheus instance is configured, samples sorted by name and labels, `kong_` prefixed.
import type { NginxStats } from '../../proxy/stats.js';
import { KONG_LATENCY_BUCKETS, UPSTREAM_LATENCY_BUCKETS } from './index.js';
import type { MetricSnapshot } from './metric-store.js';

/** The node's view across its proxy workers: counters and metrics summed. */
export interface NodeReport {
  workers: { pid: number; heapUsed: number }[];
  nginx: NginxStats;
  metrics: MetricSnapshot;
  configured: { any: boolean; upstreamHealth: boolean };
  health: [string, string, string, string][];
}

export interface NodeFacts {
  nodeId: string;
  version: string;
  cpConnected: boolean;
  /** notAfter of the cluster certificate, unix seconds (null: none loaded). */
  certExpiry: number | null;
}

interface Family { help: string; type: 'counter' | 'gauge' | 'histogram'; labels: readonly string[]; bounds?: readonly number[] }

const FAMILIES: Record<string, Family> = {
  bandwidth_bytes: { help: 'Total bandwidth (ingress/egress) throughput in bytes', type: 'counter', labels: ['service', 'route', 'direction', 'workspace', 'consumer'] },
  control_plane_connected: { help: 'Kong connected to control plane, 0 is unconnected', type: 'gauge', labels: [] },
  data_plane_cluster_cert_expiry_timestamp: { help: "Unix timestamp of Data Plane's cluster_cert expiry time", type: 'gauge', labels: [] },
  datastore_reachable: { help: 'Datastore reachable from Kong, 0 is unreachable', type: 'gauge', labels: [] },
  http_requests_total: { help: 'HTTP status codes per consumer/service/route in Kong', type: 'counter', labels: ['service', 'route', 'code', 'source', 'workspace', 'consumer'] },
  kong_latency_ms: { help: 'Latency added by Kong and enabled plugins for each service/route in Kong', type: 'histogram', labels: ['service', 'route', 'workspace'], bounds: KONG_LATENCY_BUCKETS },
  memory_workers_lua_vms_bytes: { help: 'Allocated bytes in worker Lua VM', type: 'gauge', labels: ['node_id', 'pid', 'kong_subsystem'] },
  nginx_connections_total: { help: 'Number of connections by subsystem', type: 'gauge', labels: ['node_id', 'subsystem', 'state'] },
  nginx_requests_total: { help: 'Number of requests total', type: 'gauge', labels: ['node_id', 'subsystem'] },
  node_info: { help: 'Kong Node metadata information', type: 'gauge', labels: ['node_id', 'version'] },
  request_latency_ms: { help: 'Total latency incurred during requests for each service/route in Kong', type: 'histogram', labels: ['service', 'route', 'workspace'], bounds: UPSTREAM_LATENCY_BUCKETS },
  upstream_latency_ms: { help: 'Latency added by upstream response for each service/route in Kong', type: 'histogram', labels: ['service', 'route', 'workspace'], bounds: UPSTREAM_LATENCY_BUCKETS },
  upstream_target_health: {
    help: 'Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.',
    type: 'gauge', labels: ['upstream', 'target', 'address', 'state', 'subsystem'],
  },
};

const HEALTH_STATES = ['healthchecks_off', 'healthy', 'unhealthy', 'dns_error'] as const;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (names: readonly string[], values: readonly string[], extra = '') => {
  const parts = names.map((n, i) => `${n}="${escape(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export function renderMetrics(r: NodeReport, f: NodeFacts): string {
  const samples = new Map<string, [string[], number][]>();
  const gauge = (name: string, labels: string[], v: number) => {
    const list = samples.get(name) ?? [];
    list.push([labels, v]);
    samples.set(name, list);
  };
  const n = r.nginx;
  for (const [state, v] of [['accepted', n.connections_accepted], ['active', n.connections_active], ['handled', n.connections_handled], ['reading', n.connections_reading],
    ['total', n.total_requests], ['waiting', n.connections_waiting], ['writing', n.connections_writing]] as const) {
    gauge('nginx_connections_total', [f.nodeId, 'http', state], v);
  }
  gauge('nginx_requests_total', [f.nodeId, 'http'], n.total_requests);
  // A DB-less data plane's datastore is its own memory: always reachable.
  gauge('datastore_reachable', [], 1);
  gauge('control_plane_connected', [], f.cpConnected ? 1 : 0);
  gauge('node_info', [f.nodeId, f.version], 1);
  if (f.certExpiry !== null) gauge('data_plane_cluster_cert_expiry_timestamp', [], f.certExpiry);
  for (const w of r.workers) gauge('memory_workers_lua_vms_bytes', [f.nodeId, String(w.pid), 'http'], w.heapUsed);
  if (r.configured.upstreamHealth) {
    for (const [upstream, target, address, state] of r.health) {
      for (const s of HEALTH_STATES) gauge('upstream_target_health', [upstream, target, address, s, 'http'], s === state ? 1 : 0);
    }
  }
  // Without a configured instance Kong exports the node's gauges only.
  if (r.configured.any) for (const [name, rows] of Object.entries(r.metrics.counters)) for (const row of rows) gauge(name, row[0], row[1]);

  const lines: string[] = [];
  const names = [...new Set([...samples.keys(), ...(r.configured.any ? Object.keys(r.metrics.histograms) : [])])].filter((k) => FAMILIES[k]).sort();
  for (const name of names) {
    const fam = FAMILIES[name]!;
    lines.push(`# HELP kong_${name} ${fam.help}`, `# TYPE kong_${name} ${fam.type}`);
    if (fam.type === 'histogram') {
      const rows = [...(r.metrics.histograms[name] ?? [])].sort((a, b) => a[0].join('\u0000').localeCompare(b[0].join('\u0000')));
      for (const [labels, c] of rows) {
        let cumulative = 0;
        fam.bounds!.forEach((b, i) => {
          cumulative += c.buckets[i] ?? 0;
          lines.push(`kong_${name}_bucket${labelText(fam.labels, labels, `le="${b}"`)} ${cumulative}`);
        });
        lines.push(`kong_${name}_bucket${labelText(fam.labels, labels, 'le="+Inf"')} ${c.count}`);
        lines.push(`kong_${name}_count${labelText(fam.labels, labels)} ${c.count}`, `kong_${name}_sum${labelText(fam.labels, labels)} ${c.sum}`);
      }
      continue;
    }
    const rows = [...samples.get(name)!].sort((a, b) => a[0].join('\u0000').localeCompare(b[0].join('\u0000')));
    for (const [labels, v] of rows) lines.push(`kong_${name}${labelText(fam.labels, labels)} ${v}`);
  }
  return `${lines.join('\n')}\n`;
}
