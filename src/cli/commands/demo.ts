// hybridctl demo: a PKI, a control plane and two data planes in pki mode on this machine; a service
// and route created through the Admin API; a request through each data plane; the CP's view of them.
// The whole narrative (steps, results, table) is stdout, in order; only the daemons' logs are stderr.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../log.js';
import { RuntimeError } from '../../errors.js';
import { startDemoCluster } from '../../daemon/demo-cluster.js';
import { onShutdownSignal } from '../../daemon/signals.js';
import type { Io } from '../io.js';
import { progress } from '../progress.js';
import { renderTable } from '../render/table.js';

const SYNC_TIMEOUT_MS = 30_000;

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* plain text body */
  }
  return { status: res.status, json };
}

export async function demoAction(flags: { keep?: boolean; dir?: string; verbose?: boolean }, io: Io): Promise<number> {
  const c = io.color;
  const dir = flags.dir ?? mkdtempSync(join(tmpdir(), 'hybridctl-demo-'));
  const log = createLogger({ level: flags.verbose ? 'info' : 'error', write: (l) => io.err(c.dim(l)) });
  io.out(c.bold(`1. a root CA, an intermediate, a CP certificate and DP certificates in ${dir}`));
  const cluster = await startDemoCluster({ dir, dataPlanes: 2, now: io.now(), log });
  let ok = true;
  try {
    const admin = `http://${cluster.cp.addresses.admin!.host}:${cluster.cp.addresses.admin!.port}`;
    io.out(c.bold(`2. control plane: Admin API ${admin}, cluster listener 127.0.0.1:${cluster.cp.addresses.cluster.port} (pki)`));
    cluster.dps.forEach((dp, i) => io.out(`   data plane ${i + 1}: proxy http://127.0.0.1:${dp.addresses.proxy.port}`));

    io.out(c.bold('3. creating a service and a route through the Admin API'));
    const svc = await http('POST', `${admin}/services`, { name: 'demo', url: `http://${cluster.upstream.host}:${cluster.upstream.port}/` });
    if (svc.status !== 201) throw new RuntimeError(`creating the service failed: HTTP ${svc.status} ${JSON.stringify(svc.json)}`);
    const route = await http('POST', `${admin}/services/demo/routes`, { name: 'demo', paths: ['/demo'] });
    if (route.status !== 201) throw new RuntimeError(`creating the route failed: HTTP ${route.status} ${JSON.stringify(route.json)}`);
    io.out(`   POST /services → ${svc.status}, POST /services/demo/routes → ${route.status} (paths /demo)`);

    await cluster.cp.settled();
    const spinner = progress(io, 'waiting for both data planes to receive the configuration', io.out);
    const started = Date.now();
    const target = async () => (await http('GET', `${admin}/clustering/data-planes`)).json as { data: { config_hash: string }[] };
    let synced = false;
    while (Date.now() - started < SYNC_TIMEOUT_MS) {
      const hashes = cluster.dps.map((d) => d.configHash());
      const rows = (await target()).data;
      if (hashes.every((h) => h && h !== '0'.repeat(32)) && new Set(hashes).size === 1 && rows.length >= cluster.dps.length) {
        synced = true;
        break;
      }
      spinner.tick();
      await new Promise((r) => setTimeout(r, 100));
    }
    spinner.done(synced ? c.green(`synced in ${Date.now() - started} ms`) : c.red('not synced'));
    if (!synced) throw new RuntimeError(`the data planes did not sync within ${SYNC_TIMEOUT_MS / 1000}s`, { hint: 'rerun with --verbose to see the daemons\' logs' });

    io.out(c.bold('4. a request through each data plane'));
    for (const [i, dp] of cluster.dps.entries()) {
      const r = await http('GET', `http://127.0.0.1:${dp.addresses.proxy.port}/demo/hello`);
      ok &&= r.status === 200;
      io.out(`   GET /demo/hello via data plane ${i + 1} → ${r.status === 200 ? c.green(r.status) : c.red(r.status)} ${JSON.stringify(r.json)}`);
    }
    const miss = await http('GET', `http://127.0.0.1:${cluster.dps[0]!.addresses.proxy.port}/nowhere`);
    io.out(`   GET /nowhere via data plane 1 → ${miss.status} ${JSON.stringify(miss.json)}`);

    io.out(c.bold('5. the control plane\'s view: GET /clustering/data-planes'));
    const rows = (await target()).data as unknown as Record<string, unknown>[];
    io.out(renderTable(['hostname', 'ip', 'version', 'sync_status', 'config_hash'], rows.map((r) => [r.hostname, r.ip, r.version, r.sync_status, String(r.config_hash).slice(0, 12) + '…'].map(String))));

    if (flags.keep || flags.dir) {
      io.out(c.bold('6. still running (--keep): press Ctrl-C to stop everything'));
      io.out(`   curl http://127.0.0.1:${cluster.dps[0]!.addresses.proxy.port}/demo/hello`);
      io.out(`   curl ${admin}/clustering/data-planes`);
      io.out(`   files in ${dir}; remove them with: rm -r ${dir}`);
      await new Promise<void>((done) => {
        const dispose = onShutdownSignal(async () => {
          dispose();
          done();
        });
      });
    }
  } finally {
    await cluster.stop();
    if (!flags.keep && !flags.dir) rmSync(dir, { recursive: true, force: true });
  }
  io.out(c.bold(flags.keep || flags.dir ? 'stopped' : 'stopped; the demo directory was removed (pass --keep to keep everything running)'));
  return ok ? 0 : 1;
}
