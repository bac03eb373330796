// Prometheus text for the control plane (GET /metrics on the Admin API): hybridctl's own cluster
// metrics, and the hybrid-mode gauges Kong's prometheus plugin exports on a control plane
// (kong_data_plane_last_seen, kong_data_plane_config_hash, kong_data_plane_version_compatible).
import type { DataPlaneRow } from '../entities/index.js';

// Kong counts these statuses as incompatible (exporter.lua).
const INCOMPATIBLE = new Set(['kong_version_incompatible', 'plugin_set_incompatible', 'plugin_version_incompatible']);

export interface ClusterMetrics {
  connected: number;
  /** Of `connected`, those syncing over /v2/outlet (sync v2). */
  connectedV2?: number;
  validationErrors?: number;
  pushes: number;
  pushLatencyMs: number[];
  rejected: Record<string, number>;
}

const BUCKETS_MS = [5, 10, 25, 50, 100, 200, 500, 1000, 5000];

export class CpMetrics {
  private builds = 0;
  private hash = '';
  private readonly dataPlanes = new Map<string, DataPlaneRow>();

  /** Every status a data plane reports (the row the store keeps for clustering_data_planes). */
  dataPlaneSeen(row: DataPlaneRow): void {
    this.dataPlanes.set(row.id, row);
  }

  configBuilt(hash: string): void {
    this.builds += 1;
    this.hash = hash;
  }

  render(c: ClusterMetrics): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][], suffix = '') => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${suffix}${labels} ${v}`);
    };
    metric('hybridctl_data_planes_connected', 'gauge', 'Data planes connected to this control plane.', [['', c.connected]]);
    metric('hybridctl_data_planes_sync_v2', 'gauge', 'Of the connected data planes, those syncing over /v2/outlet (sync v2).', [['', c.connectedV2 ?? 0]]);
    metric('hybridctl_sync_v2_validation_errors_total', 'counter', 'Configurations sync v2 data planes reported they could not apply.', [['', c.validationErrors ?? 0]]);
    metric('hybridctl_config_builds_total', 'counter', 'Configurations exported for data planes.', [['', this.builds]]);
    metric('hybridctl_config_info', 'gauge', 'The configuration hash currently pushed.', [[`{config_hash="${this.hash}"}`, 1]]);
    metric('hybridctl_config_pushes_total', 'counter', 'Configuration messages sent to data planes.', [['', c.pushes]]);
    const sorted = [...c.pushLatencyMs].sort((a, b) => a - b);
    const buckets: [string, number][] = BUCKETS_MS.map((b) => [`{le="${b / 1000}"}`, sorted.filter((v) => v <= b).length]);
    buckets.push(['{le="+Inf"}', sorted.length]);
    metric('hybridctl_config_push_seconds', 'histogram', 'Time from a store change to the message written to a data plane.', buckets, '_bucket');
    lines.push(`hybridctl_config_push_seconds_sum ${sorted.reduce((a, b) => a + b, 0) / 1000}`, `hybridctl_config_push_seconds_count ${sorted.length}`);
    const reasons = Object.entries(c.rejected).sort(([a], [b]) => a.localeCompare(b));
    metric('hybridctl_handshakes_rejected_total', 'counter', 'Data plane connections refused, by reason.', reasons.map(([r, n]) => [`{reason="${r.replace(/["\\\n]/g, '_')}"}`, n]));
    this.kongDataPlanes(metric);
    return `${lines.join('\n')}\n`;
  }

  private kongDataPlanes(metric: (name: string, type: string, help: string, samples: [string, number][]) => void): void {
    const now = Date.now() / 1000;
    // Rows Kong would have purged (cluster_data_plane_purge_delay) are gone here too.
    for (const [id, r] of this.dataPlanes) if (r.ttl !== undefined && r.last_seen + r.ttl < now) this.dataPlanes.delete(id);
    const rows = [...this.dataPlanes.values()].sort((a, b) => a.id.localeCompare(b.id));
    if (rows.length === 0) return;
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const who = (r: DataPlaneRow) => `node_id="${esc(r.id)}",hostname="${esc(r.hostname)}",ip="${esc(r.ip)}"`;
    metric('kong_data_plane_config_hash', 'gauge', 'Config hash numeric value of the data plane', rows.map((r) => [`{${who(r)}}`, parseInt(r.config_hash || '0', 16) || 0]));
    metric('kong_data_plane_last_seen', 'gauge', 'Last time data plane contacted control plane', rows.map((r) => [`{${who(r)}}`, r.last_seen]));
    metric('kong_data_plane_version_compatible', 'gauge', 'Version compatible status of the data plane, 0 is incompatible',
      rows.map((r) => [`{${who(r)},kong_version="${esc(r.version)}"}`, INCOMPATIBLE.has(r.sync_status) ? 0 : 1]));
  }
}
