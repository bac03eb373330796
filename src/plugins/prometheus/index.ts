// prometheus (Kong 3.10 kong/plugins/prometheus): per-request metrics in the log phase, by
// service, route, status and consumer as the instance's flags ask; the status listener's
// /metrics renders them with the node's own gauges (see src/status/metrics.ts).
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import { bool } from '../schema/types.js';
import { processMetrics } from './metric-store.js';

interface Conf {
  per_consumer: boolean;
  status_code_metrics: boolean;
  latency_metrics: boolean;
  bandwidth_metrics: boolean;
}

// Kong's exporter.lua buckets, in ms.
export const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000] as const;
export const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000] as const;
const WORKSPACE = 'default';

export const prometheus: PluginModule<Conf> = {
  name: 'prometheus',
  version: KONG_PROTOCOL_VERSION,
  priority: 13,
  schema: {
    fields: [
      ['per_consumer', bool({ default: false })],
      ['status_code_metrics', bool({ default: false })],
      ['ai_metrics', bool({ default: false })],
      ['latency_metrics', bool({ default: false })],
      ['bandwidth_metrics', bool({ default: false })],
      ['upstream_health_metrics', bool({ default: false })],
      ['wasm_metrics', bool({ default: false })],
    ],
  },
  compile: (c) => ({
    per_consumer: c.per_consumer === true,
    status_code_metrics: c.status_code_metrics === true,
    latency_metrics: c.latency_metrics === true,
    bandwidth_metrics: c.bandwidth_metrics === true,
  }),
  log(kong, conf) {
    const route = kong.router.getRoute();
    // Kong records nothing for a request no route took.
    if (!route) return;
    const service = kong.router.getService();
    const serviceName = service ? String(service.name ?? service.host ?? '') : '';
    const routeName = String(route.name ?? route.id);
    const consumer = conf.per_consumer ? String(kong.client.getConsumer()?.username ?? '') : '';
    if (conf.status_code_metrics) {
      const source = kong.response.getSource() === 'service' ? 'service' : 'kong';
      processMetrics.inc('http_requests_total', [serviceName, routeName, String(kong.response.getStatus()), source, WORKSPACE, consumer]);
    }
    if (!conf.latency_metrics && !conf.bandwidth_metrics) return;
    const m = kong.measure();
    if (conf.bandwidth_metrics) {
      if (m.requestBytes > 0) processMetrics.inc('bandwidth_bytes', [serviceName, routeName, 'ingress', WORKSPACE, consumer], m.requestBytes);
      if (m.responseBytes > 0) processMetrics.inc('bandwidth_bytes', [serviceName, routeName, 'egress', WORKSPACE, consumer], m.responseBytes);
    }
    if (conf.latency_metrics) {
      const labels = [serviceName, routeName, WORKSPACE];
      if (m.requestMs >= 0) processMetrics.observe('request_latency_ms', UPSTREAM_LATENCY_BUCKETS, labels, m.requestMs);
      if (m.upstreamMs >= 0) processMetrics.observe('upstream_latency_ms', UPSTREAM_LATENCY_BUCKETS, labels, m.upstreamMs);
      if (m.kongMs >= 0) processMetrics.observe('kong_latency_ms', KONG_LATENCY_BUCKETS, labels, m.kongMs);
    }
  },
};
