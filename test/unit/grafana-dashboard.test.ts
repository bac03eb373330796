// The Grafana dashboard in examples/ queries only metrics the daemons export: a renamed metric
// breaks this test, not an operator's dashboard.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../src/plugins/prometheus/exposition.js';
import { CpMetrics } from '../../src/daemon/metrics.js';

const dash = JSON.parse(readFileSync(new URL('../../examples/grafana/hybridctl-dashboard.json', import.meta.url), 'utf8'));

describe('examples/grafana/hybridctl-dashboard.json', () => {
  it('queries only metric names a data plane or control plane exports', () => {
    const dp = renderMetrics({
      workers: [{ pid: 1, heapUsed: 1 }],
      nginx: { connections_accepted: 1, connections_handled: 1, connections_active: 1, connections_reading: 0, connections_writing: 1, connections_waiting: 0, total_requests: 1 },
      metrics: {
        counters: { http_requests_total: [[['s', 'r', '200', 'service', 'default', ''], 1]], bandwidth_bytes: [[['s', 'r', 'egress', 'default', ''], 10]] },
        histograms: Object.fromEntries(['request_latency_ms', 'kong_latency_ms', 'upstream_latency_ms'].map((n) => [n, [[['s', 'r', 'default'], { buckets: new Array(17).fill(0), sum: 1, count: 1 }]]])),
      },
      configured: { any: true, upstreamHealth: true },
      health: [['u', 't:80', 't:80', 'healthy']],
    }, { nodeId: 'n', version: '3.10.0', cpConnected: true, certExpiry: 1 });
    const cp = new CpMetrics();
    cp.dataPlaneSeen({ id: 'n', hostname: 'h', ip: '127.0.0.1', last_seen: Date.now() / 1000, config_hash: 'a'.repeat(32), version: '3.10.0', sync_status: 'normal', labels: {}, cert_details: { expiry_timestamp: 0 } });
    const exported = new Set(`${dp}\n${cp.render({ connected: 1, pushes: 0, pushLatencyMs: [], rejected: {} })}`.split('\n')
      .filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]!));
    const exprs: string[] = dash.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const e of exprs) {
      const names = [...e.matchAll(/\b(kong_[a-z_]+)/g)].map((m) => m[1]!);
      expect(names.length, e).toBeGreaterThan(0);
      for (const n of names) expect(exported, `${n} in ${e}`).toContain(n);
    }
  });
});
