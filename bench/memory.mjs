#!/usr/bin/env node
// Data plane memory as configs change. A real `hybridctl cp run` and `hybridctl dp run` (shared-mode
// certificates, one proxy worker unless --workers), configs pushed through the CP's POST /config:
// N routes (each with its own service) for every size, then a small config. For each size: peak and
// settled RSS of the DP (sync process + its proxy workers, from /proc/<pid>/status), then the settled
// RSS after shrinking back, compared with a fresh DP started on the small config (goal: within 2×).
//
//   npm run build && node bench/memory.mjs                       # 1k, 10k, 100k routes, then 10
//   node bench/memory.mjs --sizes 1000,10000 --small 10 --workers 2
//   node bench/memory.mjs --soak 600 [--soak-routes 1000]        # a write a second, RSS every 10 s
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    small: { type: 'string', default: '10' },
    workers: { type: 'string', default: '1' },
    soak: { type: 'string' },
    'soak-routes': { type: 'string', default: '1000' },
    // More `dp run` flags, space-separated (e.g. "--data-plane-config-cache-mode off").
    'dp-args': { type: 'string', default: '' },
    // Print the DP's own lines on each collection after a swap .
    verbose: { type: 'boolean', default: false },
    // How long RSS must stay within 1% to count as settled, and the most we wait for it.
    'settle-ms': { type: 'string', default: '5000' },
    'settle-max-ms': { type: 'string', default: '30000' },
  },
});
const SIZES = args.sizes.split(',').map(Number);
const SMALL = Number(args.small);
const WORKERS = Number(args.workers);
const SETTLE_MS = Number(args['settle-ms']);
const SETTLE_MAX_MS = Number(args['settle-max-ms']);
// HYBRIDCTL_BIN: another build (a copy of bin/ and dist/ that a concurrent `npm run build` cannot touch).
const BIN = process.env.HYBRIDCTL_BIN ?? new URL('../bin/hybridctl.js', import.meta.url).pathname;
const MiB = (kb) => (kb / 1024).toFixed(0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });

// ---- /proc ----

function procStatus(pid) {
  try {
    const out = {};
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const m = /^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
    return out;
  } catch {
    return null;
  }
}

function childrenOf(pid) {
  const out = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/** The DP's processes: the sync process and its proxy workers. */
const dpPids = (pid) => [pid, ...childrenOf(pid)];

/** Summed over the DP's processes, in kB. */
function sample(pid) {
  const sum = { VmRSS: 0, VmHWM: 0, RssAnon: 0, RssFile: 0, RssShmem: 0 };
  for (const p of dpPids(pid)) {
    const s = procStatus(p);
    if (s) for (const k of Object.keys(sum)) sum[k] += s[k] ?? 0;
  }
  return sum;
}

/** Linux resets VmHWM to the current RSS on "5" (proc(5) clear_refs), so each phase has its own peak. */
function resetPeak(pid) {
  for (const p of dpPids(pid)) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      // not permitted: the sampled peak still stands
    }
  }
}

// ---- daemons ----

function startDaemon(argv, name) {
  const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const waiters = [];
  const lines = [];
  const onLine = (text) => {
    let l;
    try {
      l = JSON.parse(text);
    } catch {
      // Not a log line: a crash or Node's own output, worth seeing.
      l = { msg: text, level: 'error' };
    }
    lines.push(l);
    if (l.level === 'error' || l.level === 'fatal' || (args.verbose && /collected|config loaded/.test(l.msg ?? ''))) console.error(`[${name}] ${text}`);
    for (const w of [...waiters]) if (w.pred(l)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done(l);
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    lines,
    waitFor(pred, ms, what) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        const t = setTimeout(() => fail(new Error(`${name}: timed out waiting for ${what}`)), ms);
        waiters.push({ pred, done: (l) => (clearTimeout(t), done(l)) });
        void exited.then((e) => fail(new Error(`${name} exited (${JSON.stringify(e)}) waiting for ${what}`)));
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The DP logs one "configuration applied" per push it serves; resolves with the next one. */
async function nextApplied(dp, after, ms = 300_000) {
  const count = () => dp.lines.filter((l) => l.msg === 'configuration applied').length;
  const end = Date.now() + ms;
  while (count() <= after) {
    if (Date.now() > end) throw new Error('the data plane did not apply the configuration in time');
    const rejected = dp.lines.find((l) => /rejected a configuration/.test(l.msg ?? ''));
    if (rejected) throw new Error(`the data plane rejected the configuration: ${rejected.error}`);
    await sleep(20);
  }
  return dp.lines.filter((l) => l.msg === 'configuration applied')[after];
}
const appliedCount = (dp) => dp.lines.filter((l) => l.msg === 'configuration applied').length;

// ---- configs ----

function declarative(n, tag = 'a') {
  const services = [];
  for (let i = 0; i < n; i++) {
    services.push({
      name: `svc-${tag}-${i}`,
      // Distinct upstream origins, as real services have (and as the proxy's pools would see).
      url: `http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080/`,
      routes: [{ name: `route-${tag}-${i}`, paths: [`/r/${tag}/${i}`], methods: ['GET', 'POST'] }],
    });
  }
  return { _format_version: '3.0', services };
}

async function pushConfig(admin, doc) {
  const res = await fetch(`${admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`POST /config: HTTP ${res.status}`);
}

/** heapUsed of the sync process (the DP's /status memory field); the proxy's heap too with one process. */
async function heapUsed(status) {
  try {
    const doc = await (await fetch(`${status}/status`)).json();
    return doc.memory.workers_lua_vms[0].http_allocated_gc;
  } catch {
    return '?';
  }
}

/**
 * Pushes a config and watches RSS: the peak while it is decoded, compiled and cached, then the
 * value once it stays within 1% for SETTLE_MS (or SETTLE_MAX_MS have passed).
 */
async function measurePush(ctx, doc) {
  const { dp, admin } = ctx;
  const pid = dp.child.pid;
  resetPeak(pid);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, sample(pid).VmRSS)), 25);
  const before = appliedCount(dp);
  const t0 = Date.now();
  await pushConfig(admin, doc);
  await nextApplied(dp, before);
  const applyMs = Date.now() - t0;
  const settled = await settle(pid, () => (peak = Math.max(peak, sample(pid).VmRSS)));
  clearInterval(sampler);
  const s = sample(pid);
  return { peak: Math.max(peak, s.VmHWM), settled, applyMs, parts: s };
}

async function settle(pid, tick = () => undefined) {
  const start = Date.now();
  let window = [];
  for (;;) {
    await sleep(250);
    tick();
    const now = Date.now();
    window.push({ at: now, rss: sample(pid).VmRSS });
    window = window.filter((w) => now - w.at <= SETTLE_MS);
    const lo = Math.min(...window.map((w) => w.rss));
    const hi = Math.max(...window.map((w) => w.rss));
    if ((now - start >= SETTLE_MS && hi - lo <= hi * 0.01) || now - start >= SETTLE_MAX_MS) return window.at(-1).rss;
  }
}

// ---- the run ----

const dir = mkdtempSync(join(tmpdir(), 'hybridctl-bench-memory-'));
const running = [];
// Interrupted (Ctrl-C, a timeout): the daemons and the temp dir go with the bench.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    for (const d of running) d.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}
try {
  const crt = join(dir, 'cluster.crt');
  const key = join(dir, 'cluster.key');
  execFileSync(process.execPath, [BIN, 'gen-cert', crt, key], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [clusterPort, adminPort] = [await freePort(), await freePort()];
  // 100k services and routes are ~8 MiB gzipped: above the 16 MiB default only for bigger runs.
  const maxPayload = String(64 * 1024 * 1024);
  const cp = startDaemon(['cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-cert', crt, '--cluster-cert-key', key,
    '--cluster-listen', `127.0.0.1:${clusterPort}`, '--admin-listen', `127.0.0.1:${adminPort}`, '--status-listen', 'off',
    '--cluster-max-payload', maxPayload, '--log-format', 'json', '--log-level', 'warn'], 'cp');
  running.push(cp);
  const admin = `http://127.0.0.1:${adminPort}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${admin}/status`);
      break;
    } catch {
      if (i > 200 || cp.child.exitCode !== null) throw new Error('control plane did not start');
      await sleep(100);
    }
  }

  const startDp = async (name) => {
    const [proxy, status] = [await freePort(), await freePort()];
    const dp = startDaemon(['dp', 'run', '--prefix', join(dir, name), '--cp-address', `127.0.0.1:${clusterPort}`,
      '--cert-file', crt, '--key-file', key, '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', `127.0.0.1:${status}`,
      '--nginx-worker-processes', String(WORKERS), '--cluster-max-payload', maxPayload, '--log-format', 'json', '--log-level', args.verbose ? 'debug' : 'info', ...args['dp-args'].split(' ').filter(Boolean)], name);
    running.push(dp);
    await dp.waitFor((l) => l.msg === 'data plane started', 30_000, 'data plane start');
    return { dp, admin, status: `http://127.0.0.1:${status}` };
  };
  const stopDp = async (ctx) => {
    await ctx.dp.stop();
    running.splice(running.indexOf(ctx.dp), 1);
  };

  console.log(`hybridctl data plane memory (node ${process.version}, --nginx-worker-processes ${WORKERS}; RSS summed over the sync process and its workers)`);

  if (args.soak) {
    await soak(startDp, admin, Number(args.soak), Number(args['soak-routes']));
  } else {
    // A fresh DP on the small config: the baseline the shrunk DP is compared with.
    await pushConfig(admin, declarative(SMALL, 'small'));
    const fresh = await startDp('dp-fresh');
    await nextApplied(fresh.dp, 0);
    const freshRss = await settle(fresh.dp.child.pid);
    const freshHeap = await heapUsed(fresh.status);
    await stopDp(fresh);

    const ctx = await startDp('dp');
    await nextApplied(ctx.dp, 0);
    await settle(ctx.dp.child.pid);
    const rows = [];
    for (const n of SIZES) {
      const r = await measurePush(ctx, declarative(n, `n${n}`));
      rows.push({ n, ...r, heap: await heapUsed(ctx.status) });
    }
    const shrunk = await measurePush(ctx, declarative(SMALL, 'small2'));
    const shrunkHeap = await heapUsed(ctx.status);

    console.log('');
    console.log('| routes (+ services) | apply | peak RSS | settled RSS | heapUsed (settled) | RssAnon / RssFile |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.n} | ${(r.applyMs / 1000).toFixed(1)} s | ${MiB(r.peak)} MiB | ${MiB(r.settled)} MiB | ${r.heap} | ${MiB(r.parts.RssAnon)} / ${MiB(r.parts.RssFile)} MiB |`);
    console.log(`| ${SMALL} after ${SIZES.at(-1)} | ${(shrunk.applyMs / 1000).toFixed(1)} s | ${MiB(shrunk.peak)} MiB | ${MiB(shrunk.settled)} MiB | ${shrunkHeap} | ${MiB(shrunk.parts.RssAnon)} / ${MiB(shrunk.parts.RssFile)} MiB |`);
    console.log(`| ${SMALL}, fresh start | | | ${MiB(freshRss)} MiB | ${freshHeap} | |`);
    const ratio = shrunk.settled / freshRss;
    console.log('');
    console.log(`after shrinking: ${MiB(shrunk.settled)} MiB = ${ratio.toFixed(2)}× a fresh start on ${SMALL} routes (${MiB(freshRss)} MiB); goal ≤ 2× — ${ratio <= 2 ? 'met' : 'NOT met'}`);
    await stopDp(ctx);
  }
} finally {
  for (const d of running.reverse()) await d.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A write a second for `seconds`: a route added to, then removed from, a base config of `routes`
 * routes, each write a full push to the DP. RSS every 10 s, then the trend over the second half
 * (the first half includes warm-up: JIT, pools, the cache's map growing to its working size).
 */
async function soak(startDp, admin, seconds, routes) {
  await pushConfig(admin, declarative(routes, 'soak'));
  const ctx = await startDp('dp-soak');
  await nextApplied(ctx.dp, 0);
  const pid = ctx.dp.child.pid;
  const start = await settle(pid);
  console.log(`soak: ${routes} routes, a write a second for ${seconds} s; RSS at start ${MiB(start)} MiB, heapUsed ${await heapUsed(ctx.status)}`);
  const points = [];
  const t0 = Date.now();
  let writes = 0;
  let nextReport = t0 + 10_000;
  const svc = 'svc-soak-0';
  while (Date.now() - t0 < seconds * 1000) {
    const tick = Date.now();
    const before = appliedCount(ctx.dp);
    const res = writes % 2 === 0
      ? await fetch(`${admin}/services/${svc}/routes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'soak-extra', paths: [`/soak/${writes}`] }) })
      : await fetch(`${admin}/routes/soak-extra`, { method: 'DELETE' });
    await res.arrayBuffer();
    if (res.status >= 300) throw new Error(`soak write ${writes}: HTTP ${res.status}`);
    writes++;
    await nextApplied(ctx.dp, before, 30_000);
    if (Date.now() >= nextReport) {
      const s = sample(pid);
      const at = Math.round((Date.now() - t0) / 1000);
      points.push({ at, rss: s.VmRSS });
      console.log(`  t=${String(at).padStart(4)} s  writes ${String(writes).padStart(4)}  RSS ${MiB(s.VmRSS)} MiB (anon ${MiB(s.RssAnon)}, file ${MiB(s.RssFile)})  heapUsed ${await heapUsed(ctx.status)}`);
      nextReport += 10_000;
    }
    await sleep(Math.max(0, 1000 - (Date.now() - tick)));
  }
  const half = points.slice(Math.floor(points.length / 2));
  if (half.length >= 2) {
    const mx = half.reduce((a, p) => a + p.at, 0) / half.length;
    const my = half.reduce((a, p) => a + p.rss, 0) / half.length;
    const slope = half.reduce((a, p) => a + (p.at - mx) * (p.rss - my), 0) / half.reduce((a, p) => a + (p.at - mx) ** 2, 0);
    // RSS is a sawtooth (garbage builds up between collections): compare the halves' lows and highs too.
    const first = points.slice(0, Math.floor(points.length / 2));
    const range = (ps) => `${MiB(Math.min(...ps.map((p) => p.rss)))}–${MiB(Math.max(...ps.map((p) => p.rss)))} MiB`;
    console.log(`soak: ${writes} writes; RSS ${MiB(start)} → ${MiB(points.at(-1).rss)} MiB; first half ${range(first)}, second half ${range(half)}, trend over the second half ${((slope * 60) / 1024).toFixed(2)} MiB/min`);
  }
}
