// A data plane's /status counters and /metrics (Kong's prometheus plugin) through real `cp run` and
// `dp run` processes with two proxy workers: counts summed across workers, Kong's metric names and
// labels, checked with an independent Prometheus text-format parser. Cases after Kong's
// spec/03-plugins/26-prometheus/*_spec.lua cite file and it().
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { get } from 'node:http';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { tempDir } from '../helpers/cli.js';
import { pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';

interface Sample { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }
interface FamilyText { name: string; help: string; type: string; metrics: Sample[] }

const scrape = async (status: string) => {
  const res = await fetch(`${status}/metrics`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, families: res.status === 200 ? (parsePrometheusTextFormat(text) as FamilyText[]) : [] };
};
const family = (fs: FamilyText[], name: string) => fs.find((f) => f.name === name);
/** One request on a new connection (fetch pools connections and ignores `connection: close`). */
const once = (url: string) => new Promise<number>((resolve, reject) => {
  get(url, { agent: false }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
  }).on('error', reject);
});

describe('dp run: /status and /metrics across proxy workers', () => {
  it('reports the node, then per-request metrics once configured, summed over two workers', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    const cp = await startCp(p, join(dir, 'cp'));
    const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--nginx-worker-processes', '2']);
    try {
    // Before any prometheus instance: the node's gauges, no per-request metrics.
    const first = await scrape(dp.status);
    expect(first.status).toBe(200);
    expect(first.type).toBe('text/plain; charset=UTF-8');
    const names = first.families.map((f) => f.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('kong_nginx_connections_total');
    expect(names).toContain('kong_node_info');
    expect(names).not.toContain('kong_http_requests_total');
    // Two workers, each its own VM (Kong lists one sample per nginx worker).
    expect(family(first.families, 'kong_memory_workers_lua_vms_bytes')!.metrics).toHaveLength(2);
    expect(Number(family(first.families, 'kong_control_plane_connected')!.metrics[0]!.value)).toBeLessThanOrEqual(1);
    await until(async () => Number(family((await scrape(dp.status)).families, 'kong_control_plane_connected')!.metrics[0]!.value) === 1, 'connected to the control plane');
    const expiry = Number(family(first.families, 'kong_data_plane_cluster_cert_expiry_timestamp')!.metrics[0]!.value);
    expect(expiry).toBeGreaterThan(Date.now() / 1000);

    // 26-prometheus/02-access_spec.lua: it("increments the count for proxied requests"); whichever worker served it.
    // The plugin first: every configuration that serves the route then counts its requests.
    const plugin = await post(`${cp.admin}/plugins`, { name: 'prometheus', config: { status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, per_consumer: true } });
    expect(plugin.status).toBe(201);
    expect(await plugin.json()).toMatchObject({ config: { ai_metrics: false, upstream_health_metrics: false, wasm_metrics: false } });
    expect((await post(`${cp.admin}/services`, { name: 'billing', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
    expect((await post(`${cp.admin}/services/billing/routes`, { name: 'bills', paths: ['/bills'] })).status).toBe(201);
    await until(async () => (await fetch(`${dp.proxy}/bills`)).status === 200, 'route served');
    // Separate connections, so both workers take some.
    for (let i = 0; i < 20; i++) expect(await once(`${dp.proxy}/bills/${i}`)).toBe(200);
    await fetch(`${dp.proxy}/nothing-here`);
    const m = await until(async () => {
      const s = await scrape(dp.status);
      const reqs = family(s.families, 'kong_http_requests_total');
      const total = reqs?.metrics.filter((x) => x.labels?.route === 'bills').reduce((a, x) => a + Number(x.value), 0) ?? 0;
      return total >= 21 ? s : undefined;
    }, 'requests counted');
    const reqs = family(m.families, 'kong_http_requests_total')!;
    expect(reqs.type).toBe('COUNTER');
    const bills = reqs.metrics.filter((x) => x.labels?.route === 'bills');
    expect(bills).toEqual([{ labels: { service: 'billing', route: 'bills', code: '200', source: 'service', workspace: 'default', consumer: '' }, value: expect.any(String) }]);
    // A request no route took is not counted (Kong returns early without a route).
    expect(reqs.metrics.every((x) => x.labels?.route === 'bills')).toBe(true);
    // The parser folds labelled histograms into one; their lines are read here directly.
    expect(family(m.families, 'kong_request_latency_ms')!.type).toBe('HISTOGRAM');
    const series = (name: string) => m.text.split('\n').filter((l) => l.startsWith(`${name}{service="billing",route="bills",workspace="default"`));
    const buckets = series('kong_request_latency_ms_bucket').map((l) => /le="([^"]+)"\} (\d+)$/.exec(l)!.slice(1));
    expect(buckets.map(([le]) => le)).toEqual(['25', '50', '80', '100', '250', '400', '700', '1000', '2000', '5000', '10000', '30000', '60000', '+Inf']);
    const counts = buckets.map(([, n]) => Number(n));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(Number(bills[0]!.value));
    expect(series('kong_request_latency_ms_count')).toEqual([`kong_request_latency_ms_count{service="billing",route="bills",workspace="default"} ${bills[0]!.value}`]);
    expect(series('kong_kong_latency_ms_bucket')).toHaveLength(18);
    expect(series('kong_upstream_latency_ms_sum')).toHaveLength(1);
    const bw = family(m.families, 'kong_bandwidth_bytes')!.metrics;
    const egress = bw.find((x) => x.labels?.direction === 'egress')!;
    const ingress = bw.find((x) => x.labels?.direction === 'ingress')!;
    // Each response carries at least the upstream's JSON body and a status line.
    expect(Number(egress.value)).toBeGreaterThan(Number(bills[0]!.value) * 40);
    expect(Number(ingress.value)).toBeGreaterThan(Number(bills[0]!.value) * 20);

    // /status counters summed over the workers.
    const before = (await (await fetch(`${dp.status}/status`)).json()).server;
    for (let i = 0; i < 6; i++) expect(await once(`${dp.proxy}/bills/x`)).toBe(200);
    const after = (await (await fetch(`${dp.status}/status`)).json()).server;
    expect(after.total_requests - before.total_requests).toBe(6);
    expect(after.connections_accepted - before.connections_accepted).toBe(6);
    // nginx's stub_status invariant.
    expect(after.connections_active).toBe(after.connections_reading + after.connections_writing + after.connections_waiting);

    // 26-prometheus/04-status_api_spec.lua: upstream_target_health only when an instance asks for it.
    expect(family((await scrape(dp.status)).families, 'kong_upstream_target_health')).toBeUndefined();
    expect((await post(`${cp.admin}/upstreams`, { name: 'pool' })).status).toBe(201);
    expect((await post(`${cp.admin}/upstreams/pool/targets`, { target: `127.0.0.1:${up.port}` })).status).toBe(201);
    expect((await post(`${cp.admin}/plugins`, { name: 'prometheus', service: { name: 'billing' }, config: { upstream_health_metrics: true } })).status).toBe(201);
    const health = await until(async () => family((await scrape(dp.status)).families, 'kong_upstream_target_health'), 'health exported');
    const mine = health.metrics.filter((x) => x.labels?.upstream === 'pool');
    expect(mine.map((x) => [x.labels!.state, x.value])).toEqual([['dns_error', '0'], ['healthchecks_off', '0'], ['healthy', '1'], ['unhealthy', '0']]);

    // The control plane's /metrics: Kong's hybrid-mode gauges for each data plane it knows.
    const hash = (await (await fetch(`${dp.status}/status`)).json()).configuration_hash as string;
    const cpFamilies = await until(async () => {
      const fs = parsePrometheusTextFormat(await (await fetch(`${cp.admin}/metrics`)).text()) as FamilyText[];
      const h = family(fs, 'kong_data_plane_config_hash')?.metrics[0];
      return h && Number(h.value) === parseInt(hash, 16) ? fs : undefined;
    }, 'the data plane reported its hash');
    const seen = family(cpFamilies, 'kong_data_plane_last_seen')!.metrics;
    expect(seen).toHaveLength(1);
    expect(seen[0]!.labels).toMatchObject({ ip: '127.0.0.1' });
    expect(Math.abs(Number(seen[0]!.value) - Date.now() / 1000)).toBeLessThan(120);
    expect(family(cpFamilies, 'kong_data_plane_version_compatible')!.metrics[0]).toMatchObject({ value: '1', labels: { kong_version: expect.stringMatching(/^3\./) } });
    } finally {
      up.server.close();
    }
  }, 90_000);
});

describe('dp run: /metrics without the prometheus plugin enabled on the node', () => {
  it('answers 404, as Kong serves /metrics only with the plugin loaded', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const cp = await startCp(p, join(dir, 'cp'));
    const other = await startDp(p, join(dir, 'dp'), cp.cluster, ['--plugins', 'key-auth']);
    expect((await fetch(`${other.status}/metrics`)).status).toBe(404);
    expect((await (await fetch(`${other.status}/status`)).json()).server.total_requests).toBe(0);
  }, 30_000);
});
