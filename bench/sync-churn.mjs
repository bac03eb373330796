#!/usr/bin/env node
// Traffic through a data plane while its configuration keeps changing: SERVICES services + as many
// routes, wrk on one route, first without changes, then with one route PATCH every INTERVAL ms
// (CHANGES of them). Reported per DP kind (sync v1, sync v2): p99 latency with and without churn,
// and the DP's RSS (sync process + proxy worker) before and after the changes.
// Usage: npm run build && node bench/sync-churn.mjs [SERVICES] [CHANGES] [INTERVAL_MS]
// KINDS=v2 runs one kind only; RSS_EVERY=N also prints the DP's RSS after every N changes (a soak
// tells settling from growth).
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { daemon, freePort, sleep, startCp } from './daemons.mjs';

const SERVICES = Number(process.argv[2] ?? 10_000);
const CHANGES = Number(process.argv[3] ?? 100);
const INTERVAL = Number(process.argv[4] ?? 500);
const run = promisify(execFile);
const KINDS = (process.env.KINDS ?? 'v2,v1').split(',');
const RSS_EVERY = Number(process.env.RSS_EVERY ?? 0);

/** RSS in MiB of a process and its children (the proxy workers). */
function rssMiB(pid) {
  const kids = (() => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  })();
  let kb = 0;
  for (const p of [pid, ...kids]) {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    if (m) kb += Number(m[1]);
  }
  return kb / 1024;
}

async function wrk(url, seconds) {
  const { stdout } = await run('wrk', ['-t1', '-c20', `-d${seconds}s`, '--latency', url], { maxBuffer: 1 << 20 });
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? '?';
  const rps = /Requests\/sec:\s+(\S+)/.exec(stdout)?.[1] ?? '?';
  const toMs = (s) => (s.endsWith('us') ? Number(s.slice(0, -2)) / 1000 : s.endsWith('ms') ? Number(s.slice(0, -2)) : Number(s.slice(0, -1)) * 1000);
  return { p99: toMs(p99), rps: Number(rps) };
}

const dir = mkdtempSync(join(tmpdir(), 'hybridctl-churn-'));
const procs = [];
let nginxPid = null;
try {
  // The upstream: nginx answering a fixed 200.
  const upPort = await freePort();
  mkdirSync(join(dir, 'up', 'logs'), { recursive: true });
  writeFileSync(join(dir, 'up', 'nginx.conf'), `worker_processes 1; daemon on; pid ${dir}/up/nginx.pid; error_log ${dir}/up/logs/error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}/up; proxy_temp_path ${dir}/up; fastcgi_temp_path ${dir}/up; uwsgi_temp_path ${dir}/up; scgi_temp_path ${dir}/up;
  server { listen 127.0.0.1:${upPort}; location / { return 200 'ok\\n'; } } }\n`);
  execFileSync('nginx', ['-p', join(dir, 'up'), '-c', join(dir, 'up', 'nginx.conf'), '-e', join(dir, 'up', 'logs', 'error.log')]);
  nginxPid = Number(readFileSync(join(dir, 'up', 'nginx.pid'), 'utf8'));

  const services = Array.from({ length: SERVICES }, (_, i) => ({ name: `s${i}`, url: `http://127.0.0.1:${upPort}/`, routes: [{ name: `r${i}`, paths: [`/r${i}`] }] }));
  const { cp, cluster, adminUrl, p } = await startCp(dir, services);
  procs.push(cp.proc);

  const rows = [];
  let change = 0;
  for (const [kind, extra] of [['v2', ['--cluster-rpc', 'on', '--cluster-rpc-sync', 'on']], ['v1', []]].filter(([k]) => KINDS.includes(k))) {
    const proxy = await freePort();
    const d = daemon(['dp', 'run', '--prefix', join(dir, kind), '--cp-address', `localhost:${cluster}`, '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'),
      '--key-file', p('dp.key'), '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', 'off', '--nginx-worker-processes', '1', ...extra]);
    procs.push(d.proc);
    await d.waitFor((l) => l.msg === 'configuration applied', 'the first configuration');
    await sleep(4000); // the first sync's garbage collected
    const url = `http://127.0.0.1:${proxy}/r0`;
    await wrk(url, 2); // warm-up
    const quiet = await wrk(url, 15);
    const rssBefore = rssMiB(d.proc.pid);
    const load = wrk(url, Math.ceil((CHANGES * INTERVAL) / 1000) + 1);
    const applied0 = d.lines.filter((l) => l.msg === 'configuration applied').length;
    for (let i = 0; i < CHANGES; i++) {
      const started = Date.now();
      const res = await fetch(`${adminUrl}/routes/r${1 + ((change++ * 7919) % (SERVICES - 1))}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: [`/c${change}`] }) });
      if (res.status !== 200) throw new Error(`patch: ${res.status}`);
      await sleep(Math.max(0, INTERVAL - (Date.now() - started)));
      if (RSS_EVERY > 0 && (i + 1) % RSS_EVERY === 0) console.log(`${kind}: after ${i + 1} changes, RSS ${rssMiB(d.proc.pid).toFixed(0)} MiB`);
    }
    const churn = await load;
    await sleep(3000);
    const rssAfter = rssMiB(d.proc.pid);
    const applied = d.lines.filter((l) => l.msg === 'configuration applied').length - applied0;
    rows.push({ kind, quiet, churn, rssBefore, rssAfter, applied });
    d.proc.kill('SIGTERM');
    await sleep(1500);
  }
  console.log(`${SERVICES} services + ${SERVICES} routes; wrk -c20 on one route; ${CHANGES} route PATCHes, one per ${INTERVAL} ms`);
  console.log('| DP | p99 quiet | p99 during churn | ratio | rps quiet / churn | RSS before → after changes | configs applied |');
  console.log('|---|---|---|---|---|---|---|');
  for (const x of rows) {
    console.log(`| ${x.kind} | ${x.quiet.p99.toFixed(2)} ms | ${x.churn.p99.toFixed(2)} ms | ${(x.churn.p99 / x.quiet.p99).toFixed(2)}× | ${x.quiet.rps.toFixed(0)} / ${x.churn.rps.toFixed(0)} | ${x.rssBefore.toFixed(0)} → ${x.rssAfter.toFixed(0)} MiB | ${x.applied} |`);
  }
} finally {
  for (const pr of procs) pr.kill('SIGTERM');
  if (nginxPid) try { process.kill(nginxPid); } catch { /* gone */ }
  await sleep(1000);
  rmSync(dir, { recursive: true, force: true });
}
