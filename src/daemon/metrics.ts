// Prometheus text for the control plane (GET /metrics on the Admin API).
export interface ClusterMetrics {
  connected: number;
  pushes: number;
  pushLatencyMs: number[];
  rejected: Record<string, number>;
}

const BUCKETS_MS = [5, 10, 25, 50, 100, 200, 500, 1000, 5000];

export class CpMetrics {
  private builds = 0;
  private hash = '';

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
    return `${lines.join('\n')}\n`;
  }
}
