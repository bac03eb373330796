#!/usr/bin/env node
// Cross-control-plane propagation on PostgreSQL: two `cp run` on one private database, one real
// `dp run` attached to CP2. Each of N writes creates a route on CP1's Admin API; the time is until
// the DP proxies that route (polled every 2 ms). The same N writes made on CP2 itself give the
// same-CP figure of this run, for the ratio. Kong polls cluster_events every db_update_frequency
// (5 s), so a write on one Kong CP reaches DPs of another after 5–10 s.
// Needs root (PostgreSQL runs as the postgres user). Usage: npm run build && node bench/cp-propagation.mjs [WRITES]
import { spawn, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as httpServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WRITES = Number(process.argv[2] ?? 100);
const BIN = new URL('../bin/hybridctl.js', import.meta.url).pathname;
const PG_BIN = '/usr/lib/postgresql/15/bin';
const freePort = () => new Promise((done) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => done(port)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const get = (url) => new Promise((resolve) => {
  const req = request(url, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
  req.on('error', () => resolve(0));
  req.end();
});
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

const dir = mkdtempSync(join(tmpdir(), 'hybridctl-bench-prop-'));
const procs = [];
const pgData = join(dir, 'pg');
let pgStarted = false;
try {
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  execFileSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/initdb`, '-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'], { stdio: 'ignore' });
  const pgPort = await freePort();
  execFileSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', pgData, '-l', join(dir, 'pg.log'), '-o', `-p ${pgPort} -k ${dir} -c listen_addresses=127.0.0.1`, '-w', 'start'], { stdio: 'ignore' });
  pgStarted = true;
  const env = { ...process.env, KONG_DATABASE: 'postgres', KONG_PG_HOST: '127.0.0.1', KONG_PG_PORT: String(pgPort), KONG_PG_USER: 'postgres', KONG_PG_DATABASE: 'postgres', HYBRIDCTL_WORK_DIR: dir };
  execFileSync(process.execPath, [BIN, 'cp', 'migrations', 'bootstrap'], { env, stdio: 'ignore' });

  const up = httpServer((_, res) => res.end('ok'));
  await new Promise((r) => up.listen(0, '127.0.0.1', r));
  const upPort = up.address().port;
  const cps = [];
  for (const n of [1, 2]) {
    const [cluster, admin] = [await freePort(), await freePort()];
    procs.push(spawn(process.execPath, [BIN, 'cp', 'run', '--prefix', join(dir, `cp${n}`), '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off', '--log-level', 'error'], { env, stdio: ['ignore', 'ignore', 'inherit'] }));
    cps.push({ cluster, admin: `http://127.0.0.1:${admin}` });
  }
  for (const c of cps) for (let i = 0; !(await fetch(`${c.admin}/status`).then(() => true, () => false)); i++) if (i > 200) throw new Error('CP did not start'); else await sleep(50);
  const proxy = await freePort();
  procs.push(spawn(process.execPath, [BIN, 'dp', 'run', '--prefix', join(dir, 'dp'), '--cp-address', `127.0.0.1:${cps[1].cluster}`, '--cert-file', join(dir, 'cluster.crt'), '--key-file', join(dir, 'cluster.key'),
    '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', 'off', '--nginx-worker-processes', '1', '--log-level', 'error'], { env: { ...process.env, HYBRIDCTL_WORK_DIR: dir }, stdio: ['ignore', 'ignore', 'inherit'] }));
  const post = (base, path, body) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if ((await post(cps[0].admin, '/services', { name: 's', url: `http://127.0.0.1:${upPort}` })).status !== 201) throw new Error('service not created');

  const measure = async (cp, tag) => {
    const out = [];
    for (let i = 0; i < WRITES; i++) {
      const path = `/${tag}-${i}`;
      const t0 = performance.now();
      const r = await post(cp.admin, '/services/s/routes', { name: `${tag}-${i}`, paths: [path] });
      if (r.status !== 201) throw new Error(`write ${i}: ${r.status}`);
      while ((await get(`http://127.0.0.1:${proxy}${path}`)) !== 200) {
        if (performance.now() - t0 > 30_000) throw new Error(`route ${path} never served`);
        await sleep(2);
      }
      out.push(performance.now() - t0);
    }
    return out;
  };
  // Warm-up: the DP has connected and serves a first route.
  await measure(cps[1], 'warm').catch(() => undefined);
  const cross = await measure(cps[0], 'cross');
  const same = await measure(cps[1], 'same');
  const row = (label, xs) => `${label.padEnd(34)} ${pct(xs, 50).toFixed(1).padStart(8)} ${pct(xs, 99).toFixed(1).padStart(8)} ${Math.max(...xs).toFixed(1).padStart(8)}`;
  console.log(`${WRITES} writes; ms from the Admin API call until the DP (on CP2) proxies the new route`);
  console.log(`${'path'.padEnd(34)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`);
  console.log(row('write on CP2 (same CP)', same));
  console.log(row('write on CP1 → PostgreSQL → CP2', cross));
  console.log(`cross / same, p99: ${(pct(cross, 99) / pct(same, 99)).toFixed(2)}`);
  up.close();
} finally {
  for (const p of procs) p.kill('SIGTERM');
  await sleep(500);
  if (pgStarted) execFileSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', pgData, '-m', 'immediate', 'stop'], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
