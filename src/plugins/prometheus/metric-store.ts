// Counters and histograms of one proxy process, as Kong's prometheus plugin keeps them per nginx
// worker; the status listener sums every worker's snapshot before rendering. Label values are
// kept in the order the metric declares them, as Kong's library does.

export interface HistogramCell { buckets: number[]; sum: number; count: number }

export interface MetricSnapshot {
  counters: Record<string, [string[], number][]>;
  histograms: Record<string, [string[], HistogramCell][]>;
}

const SEP = '\u0000';

export class MetricStore {
  private counters = new Map<string, Map<string, number>>();
  private histograms = new Map<string, { bounds: readonly number[]; cells: Map<string, HistogramCell> }>();

  inc(name: string, labels: readonly string[], by = 1): void {
    let m = this.counters.get(name);
    if (!m) this.counters.set(name, (m = new Map()));
    const k = labels.join(SEP);
    m.set(k, (m.get(k) ?? 0) + by);
  }

  observe(name: string, bounds: readonly number[], labels: readonly string[], value: number): void {
    let h = this.histograms.get(name);
    if (!h) this.histograms.set(name, (h = { bounds, cells: new Map() }));
    const k = labels.join(SEP);
    let c = h.cells.get(k);
    if (!c) h.cells.set(k, (c = { buckets: new Array<number>(bounds.length).fill(0), sum: 0, count: 0 }));
    // Buckets are cumulative when rendered; here each observation lands in its first bucket only.
    const i = bounds.findIndex((b) => value <= b);
    if (i >= 0) c.buckets[i]! += 1;
    c.sum += value;
    c.count += 1;
  }

  snapshot(): MetricSnapshot {
    const out: MetricSnapshot = { counters: {}, histograms: {} };
    for (const [name, m] of this.counters) out.counters[name] = [...m].map(([k, v]) => [k.split(SEP), v]);
    for (const [name, h] of this.histograms) out.histograms[name] = [...h.cells].map(([k, c]) => [k.split(SEP), { ...c, buckets: [...c.buckets] }]);
    return out;
  }
}

/** Sums snapshots from several workers: same metric and labels add up. */
export function mergeSnapshots(snaps: readonly MetricSnapshot[]): MetricSnapshot {
  const store = new Map<string, Map<string, number>>();
  const hist = new Map<string, Map<string, HistogramCell>>();
  for (const s of snaps) {
    for (const [name, rows] of Object.entries(s.counters)) {
      const m = store.get(name) ?? new Map<string, number>();
      store.set(name, m);
      for (const [labels, v] of rows) {
        const k = labels.join(SEP);
        m.set(k, (m.get(k) ?? 0) + v);
      }
    }
    for (const [name, rows] of Object.entries(s.histograms)) {
      const m = hist.get(name) ?? new Map<string, HistogramCell>();
      hist.set(name, m);
      for (const [labels, c] of rows) {
        const k = labels.join(SEP);
        const prev = m.get(k);
        if (!prev) m.set(k, { buckets: [...c.buckets], sum: c.sum, count: c.count });
        else {
          c.buckets.forEach((n, i) => (prev.buckets[i] = (prev.buckets[i] ?? 0) + n));
          prev.sum += c.sum;
          prev.count += c.count;
        }
      }
    }
  }
  const out: MetricSnapshot = { counters: {}, histograms: {} };
  for (const [name, m] of store) out.counters[name] = [...m].map(([k, v]) => [k.split(SEP), v]);
  for (const [name, m] of hist) out.histograms[name] = [...m].map(([k, c]) => [k.split(SEP), c]);
  return out;
}

/**
 * This process's store. Kong's plugin writes to a shared dictionary of its worker; here each
 * proxy process has one, and the prometheus plugin's instances all write to it.
 */
export const processMetrics = new MetricStore();

/** What the served config's prometheus instances ask for (Kong's configure()). */
export const prometheusConfigured = { any: false, upstreamHealth: false };

/** After each swap: any enabled instance turns per-request metrics on; one asking for upstream health turns that on. */
export function notePrometheus(table: { plugins?: unknown }): void {
  const rows = (Array.isArray(table.plugins) ? table.plugins : []) as { name?: unknown; enabled?: unknown; config?: { upstream_health_metrics?: unknown } | null }[];
  const on = rows.filter((p) => p && p.name === 'prometheus' && p.enabled !== false);
  prometheusConfigured.any = on.length > 0;
  prometheusConfigured.upstreamHealth = on.some((p) => p.config?.upstream_health_metrics === true);
}
