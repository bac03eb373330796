#!/usr/bin/env node
// Incremental sync v2 against v1 on one control plane: SERVICES services + as many routes, then
// CHANGES single-route PATCHes one at a time. Two real `dp run` (one on v1, one on v2) reach the
// CP through byte-counting TCP relays, so "bytes per change" is what crossed the wire (TLS
// included). Also: the CP's CPU time per change (/proc utime+stime) and each DP's logged apply
// time. Usage: npm run build && node bench/sync-delta.mjs [SERVICES] [CHANGES]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemon, freePort, sleep, startCp } from './daemons.mjs';

const SERVICES = Number(process.argv[2] ?? 10_000);
const CHANGES = Number(process.argv[3] ?? 20);
const TICKS = 100; // USER_HZ on Linux

/** A TCP relay to `port` counting the bytes that flow towards the client (CP → DP). */
async function relay(port) {
  const counter = { down: 0 };
  const server = createServer((c) => {
    const up = createConnection({ host: '127.0.0.1', port });
    up.on('data', (b) => (counter.down += b.length));
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, counter, close: () => server.close() };
}

const cpuSec = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
};

const dir = mkdtempSync(join(tmpdir(), 'hybridctl-bench-'));
const procs = [];
const relays = [];
try {
  const services = Array.from({ length: SERVICES }, (_, i) => ({ name: `s${i}`, url: `http://127.0.0.1:9/${i}`, routes: [{ name: `r${i}`, paths: [`/r${i}`] }] }));
  const { cp, cluster, adminUrl, p } = await startCp(dir, services);
  procs.push(cp.proc);
  const cpHash = async () => (await (await fetch(`${adminUrl}/status`)).json()).configuration_hash;

  const dps = {};
  for (const [name, extra] of [['v1', []], ['v2', ['--cluster-rpc', 'on', '--cluster-rpc-sync', 'on']]]) {
    const rl = await relay(cluster);
    relays.push(rl);
    const d = daemon(['dp', 'run', '--prefix', join(dir, name), '--cp-address', `localhost:${rl.port}`, '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'),
      '--key-file', p('dp.key'), '--server-name', 'localhost', '--proxy-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off', '--nginx-worker-processes', '1', ...extra]);
    procs.push(d.proc);
    dps[name] = { d, rl };
  }
  const want0 = await cpHash();
  const applied = (d, hashOrCount) => d.lines.filter((l) => l.msg === 'configuration applied').length >= hashOrCount;
  for (const { d } of Object.values(dps)) await d.waitFor((l) => l.msg === 'configuration applied', 'the first configuration');
  await sleep(2000); // let the first full syncs settle (status reports, caches)

  const bytes = { v1: [], v2: [] };
  const apply = { v1: [], v2: [] };
  const cpu = [];
  for (let i = 0; i < CHANGES; i++) {
    const before = Object.fromEntries(Object.entries(dps).map(([k, v]) => [k, { down: v.rl.counter.down, n: v.d.lines.filter((l) => l.msg === 'configuration applied').length }]));
    const c0 = cpuSec(cp.proc.pid);
    const res = await fetch(`${adminUrl}/routes/r${(i * 7919) % SERVICES}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: [`/changed${i}`] }) });
    if (res.status !== 200) throw new Error(`patch ${i}: ${res.status}`);
    for (const [k, v] of Object.entries(dps)) await v.d.waitFor(() => applied(v.d, before[k].n + 1), `${k} applying change ${i}`);
    await sleep(300); // trailing frames (status pings are tiny, but count them honestly)
    cpu.push(cpuSec(cp.proc.pid) - c0 - 0); // includes the 300 ms idle: pings only
    for (const [k, v] of Object.entries(dps)) {
      bytes[k].push(v.rl.counter.down - before[k].down);
      apply[k].push(v.d.lines.filter((l) => l.msg === 'configuration applied').at(-1).ms);
    }
  }
  const want = await cpHash();
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmtB = (n) => (n >= 10_240 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);
  console.log(`${SERVICES} services + ${SERVICES} routes, ${CHANGES} single-route PATCHes (median per change)`);
  console.log(`| | v1 DP | v2 DP |`);
  console.log(`|---|---|---|`);
  console.log(`| bytes CP → DP per change (wire, TLS incl.) | ${fmtB(med(bytes.v1))} | ${fmtB(med(bytes.v2))} |`);
  console.log(`| DP apply, ms (logged) | ${med(apply.v1)} | ${med(apply.v2)} |`);
  console.log(`CP CPU per change (both DPs connected, v1 export rebuilt on every change): ${(med(cpu) * 1000).toFixed(0)} ms`);
  console.log(`v1/v2 bytes ratio: ${(med(bytes.v1) / Math.max(1, med(bytes.v2))).toFixed(0)}x; config hash changed ${want0 !== want}`);

  // Phase 2: the v1 DP leaves; with only the v2 DP, a change should cost the CP what it changed.
  dps.v1.d.proc.kill('SIGTERM');
  await sleep(3000); // the export catches up once changes pause
  const v2 = dps.v2.d;
  const cpu2 = [];
  const apply2 = [];
  const dpCpu = [];
  const t0 = cpuSec(cp.proc.pid);
  for (let i = 0; i < CHANGES; i++) {
    const n = v2.lines.filter((l) => l.msg === 'configuration applied').length;
    const c0 = cpuSec(cp.proc.pid);
    const d0 = cpuSec(v2.proc.pid);
    const res = await fetch(`${adminUrl}/routes/r${(i * 7919 + 13) % SERVICES}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: [`/again${i}`] }) });
    if (res.status !== 200) throw new Error(`patch ${i}: ${res.status}`);
    await v2.waitFor(() => applied(v2, n + 1), `v2 applying change ${i}`);
    await sleep(300);
    cpu2.push(cpuSec(cp.proc.pid) - c0);
    dpCpu.push(cpuSec(v2.proc.pid) - d0);
    apply2.push(v2.lines.filter((l) => l.msg === 'configuration applied').at(-1).ms);
  }
  const total2 = cpuSec(cp.proc.pid) - t0;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`\nonly the v2 DP connected, ${CHANGES} more PATCHes (each followed by 300 ms idle):`);
  console.log(`CP CPU per change: median ${(med(cpu2) * 1000).toFixed(0)} ms, mean ${(mean(cpu2) * 1000).toFixed(0)} ms (all ${(total2 * 1000).toFixed(0)} ms, catch-up exports included)`);
  console.log(`v2 DP: apply median ${med(apply2)} ms (logged), CPU per change median ${(med(dpCpu) * 1000).toFixed(0)} ms (sync process, pings and status reports included)`);
} finally {
  for (const pr of procs) pr.kill('SIGTERM');
  for (const rl of relays) rl.close();
  await sleep(1000);
  rmSync(dir, { recursive: true, force: true });
}
