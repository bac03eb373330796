#!/usr/bin/env node
// Push latency of the control plane: N data plane connections (protocol v1 over real mTLS) on
// loopback, M Admin API writes; for each write, the time until every DP has the new reconfigure.
// Goal: p99 ≤ 200 ms with 100 DPs. Usage: npm run build && node bench/cp-push.mjs [DPS] [WRITES]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

const DPS = Number(process.argv[2] ?? 100);
const WRITES = Number(process.argv[3] ?? 50);
const BIN = new URL('../bin/hybridctl.js', import.meta.url).pathname;

const freePort = () =>
  new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'hybridctl-bench-'));
try {
  execFileSync(process.execPath, [BIN, 'gen-cert', join(dir, 'cluster.crt'), join(dir, 'cluster.key')], { stdio: 'ignore' });
  const [cluster, admin] = [await freePort(), await freePort()];
  const cp = spawn(process.execPath, [BIN, 'cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-cert', join(dir, 'cluster.crt'), '--cluster-cert-key', join(dir, 'cluster.key'),
    '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off', '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const adminUrl = `http://127.0.0.1:${admin}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${adminUrl}/status`);
      break;
    } catch {
      if (i > 100) throw new Error('control plane did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const cert = readFileSync(join(dir, 'cluster.crt'));
  const key = readFileSync(join(dir, 'cluster.key'));
  const seen = new Map(); // config_hash → arrival times, one per DP
  const dps = await Promise.all(
    Array.from({ length: DPS }, (_, n) =>
      new Promise((done, fail) => {
        const q = new URLSearchParams({ node_id: randomUUID(), node_hostname: `bench-dp-${n}`, node_version: '3.10.0' });
        const ws = new WebSocket(`wss://127.0.0.1:${cluster}/v1/outlet?${q}`, {
          createConnection: () => connect({ host: '127.0.0.1', port: cluster, cert, key, servername: 'kong_clustering', rejectUnauthorized: false }),
          perMessageDeflate: false,
        });
        ws.on('open', () => {
          ws.send(Buffer.from(JSON.stringify({ type: 'basic_info', plugins: [] })), { binary: true });
          done(ws);
        });
        ws.on('message', (data, binary) => {
          if (!binary) return;
          const msg = JSON.parse(gunzipSync(data).toString());
          const at = performance.now();
          const list = seen.get(msg.config_hash) ?? [];
          list.push(at);
          seen.set(msg.config_hash, list);
        });
        ws.on('error', fail);
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 500));
  const latencies = [];
  for (let i = 0; i < WRITES; i++) {
    const before = new Set(seen.keys());
    const t0 = performance.now();
    const res = await fetch(`${adminUrl}/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `svc-${i}`, url: `http://10.0.0.${i % 250}:8080/` }) });
    if (res.status !== 201) throw new Error(`write ${i}: HTTP ${res.status}`);
    for (;;) {
      const fresh = [...seen.entries()].find(([h, list]) => !before.has(h) && list.length >= DPS);
      if (fresh) {
        latencies.push(...fresh[1].map((t) => t - t0));
        break;
      }
      if (performance.now() - t0 > 10_000) throw new Error(`write ${i} did not reach every DP within 10 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  console.log(`control plane push latency: ${DPS} DPs × ${WRITES} writes (Admin API write sent → reconfigure received by each DP)`);
  console.log(`  p50 ${pct(50)} ms   p90 ${pct(90)} ms   p99 ${pct(99)} ms   max ${latencies.at(-1).toFixed(1)} ms   (goal p99 ≤ 200 ms)`);
  for (const ws of dps) ws.terminate();
  cp.kill('SIGTERM');
  await new Promise((r) => cp.on('exit', r));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
