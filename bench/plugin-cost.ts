// CPU per request of Kong's plugin scenario (key-auth + rate-limiting, 100 routes, 100 consumers)
// without any I/O: each plugin's access handler called directly, and the whole plugin loop
// (request object, rewrite/access, upstream edits, header_filter on the response), against the
// same loop with no plugins. A stable measure on a noisy machine: CPU time over many iterations.
// Run: bash bench/plugin-cost.sh
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fork } from 'node:child_process';
import { createLogger } from '../src/log.js';
import { BUNDLED } from '../src/plugins/registry.js';
import { buildPlan, type Instance } from '../src/plugins/runtime/plan.js';
import { PluginRequest, type RequestFacts } from '../src/plugins/runtime/request.js';
import { CounterStore, answerCounters, ipcCounters, localCounters, type CounterReply, type CounterRequest } from '../src/plugins/runtime/counters.js';
import type { ConfigTable } from '../src/proxy/config.js';
import type { Row } from '../src/entities/index.js';

const n = 100;
const id = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const routes = Array.from({ length: n }, (_, i) => ({ id: id('0e000000', i), paths: [`/svc${i}`], hosts: null, methods: null, headers: null,
  protocols: ['http', 'https'], strip_path: true, preserve_host: false, regex_priority: 0, service: id('5e000000', 0) }));
const table: ConfigTable = {
  _format_version: '3.0',
  services: [{ id: id('5e000000', 0), name: 'bench', protocol: 'http', host: '127.0.0.1', port: 1, path: '/' }],
  routes,
  consumers: Array.from({ length: n }, (_, i) => ({ id: id('c0000000', i), username: `consumer-${i}` })),
  keyauth_credentials: Array.from({ length: n }, (_, i) => ({ id: id('ca000000', i), consumer: id('c0000000', i), key: `key-${i}` })),
  plugins: routes.flatMap((r, i) => [
    { id: id('a0000000', i), name: 'key-auth', route: r.id, enabled: true, protocols: ['http', 'https'], config: {} },
    { id: id('b0000000', i), name: 'rate-limiting', route: r.id, enabled: true, protocols: ['http', 'https'], config: { second: 1_000_000_000, limit_by: 'consumer' } },
  ]),
} as ConfigTable;
const plan = buildPlan(table, new Map(BUNDLED.map((m) => [m.name, m])));
const env = { log: createLogger({ level: 'error' }), counters: localCounters(), nodeId: '' };
const service = table.services![0] as unknown as Row;

// What node:http hands the proxy for `GET /svcI/hello` with an apikey header (wrk's spread.lua).
function request(i: number): IncomingMessage {
  const rawHeaders = ['Host', '127.0.0.1:18006', 'apikey', `key-${(i * 7) % n}`];
  const headers = { host: rawHeaders[1]!, apikey: rawHeaders[3]! };
  return { method: 'GET', url: `/svc${i % n}/hello`, rawHeaders, headers, headersDistinct: { host: [headers.host], apikey: [headers.apikey] },
    httpVersionMajor: 1, httpVersionMinor: 1, socket: { remoteAddress: '127.0.0.1', bytesWritten: 0 } } as unknown as IncomingMessage;
}
const reqs = Array.from({ length: 1000 }, (_, i) => request(i));
const res = {} as ServerResponse;
const facts = (i: number): RequestFacts => ({ req: reqs[i % reqs.length]!, res, route: routes[i % n] as RequestFacts['route'], service, scheme: 'http',
  host: '127.0.0.1', serverPort: 18006, clientIp: '127.0.0.1', path: `/svc${i % n}/hello`, rawQuery: '', requestId: 'r', startedAt: 0 });
const upstreamFlat = ['host', '127.0.0.1:1', 'apikey', 'key-1', 'x-forwarded-for', '127.0.0.1', 'x-forwarded-proto', 'http'];
const responseFlat = ['content-type', 'text/plain', 'content-length', '20', 'date', 'now'];

const chainOf = (i: number) => plan.chains.get(routes[i % n]!.id)!;
const inst = (name: string) => chainOf(0).entries.find((e) => e.module.name === name)!.rest as Instance;
const keyAuth = inst('key-auth'), rateLimiting = inst('rate-limiting');
const consumers = [...plan.consumers.values()] as Row[];

/** CPU µs per call of each f, the best of `rounds` rounds that take turns (the machine's load changes). */
function time(fs: ((i: number) => void)[], count = 100_000, rounds = 9): number[] {
  const best = fs.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    fs.forEach((f, k) => {
      const t0 = process.cpuUsage();
      for (let i = 0; i < count; i++) f(i);
      const d = process.cpuUsage(t0);
      best[k] = Math.min(best[k]!, (d.user + d.system) / count);
    });
  }
  return best;
}
const sink: unknown[] = [];
const fresh = (i: number, chain = chainOf(i)) => new PluginRequest(facts(i), plan, chain, env);

const newRequest = (i: number) => { sink[i & 7] = fresh(i); };
const keyAuthAccess = (i: number) => {
  const pr = fresh(i);
  pr.data = plan.data.get('key-auth');
  void keyAuth.module.access!(pr, keyAuth.conf);
  if (!pr.consumer) throw new Error('key-auth refused the request');
};
const rateLimitingAccess = (i: number) => {
  const pr = fresh(i);
  pr.consumer = consumers[(i * 7) % n]!;
  void rateLimiting.module.access!(pr, rateLimiting.conf);
};
const loop = (chain: boolean) => (i: number) => {
  const pr = fresh(i, chain ? chainOf(i) : (null as never));
  pr.run((edits) => {
    sink[i & 7] = edits.headers(upstreamFlat.slice());
    sink[(i + 1) & 7] = edits.path('/hello');
    sink[(i + 2) & 7] = pr.hooks().head(200, responseFlat.slice(), 0);
  });
  if (pr.exitResponse) throw new Error(`the loop answered ${pr.exitResponse.status}`);
};
// With several proxy workers: 50 requests at a time in a worker taking from the sync process's
// counters; CPU per take of both processes.
async function ipc(): Promise<void> {
  const child = fork(process.argv[1]!, ['ipc-worker'], { stdio: 'inherit' });
  const store = new CounterStore();
  let t0 = process.cpuUsage();
  child.on('message', (m: CounterRequest | { t: 'start' } | { t: 'done'; cpu: number; takes: number }) => {
    if (m.t === 'counters') return void child.send(answerCounters(store, m));
    if (m.t === 'start') return void (t0 = process.cpuUsage());
    const d = process.cpuUsage(t0);
    const parentCpu = d.user + d.system;
    console.log(`rate-limiting takes over IPC:    ${(m.cpu / m.takes).toFixed(2)} µs per request in the worker, ${(parentCpu / m.takes).toFixed(2)} µs in the sync process (50 at a time)`);
    child.disconnect();
  });
  await new Promise((ok) => child.once('exit', ok));
}

async function ipcWorker(): Promise<void> {
  const counters = ipcCounters((m) => process.send!(m), (fn) => process.on('message', (m: CounterReply) => fn(m)));
  const keys = Array.from({ length: n }, (_, i) => [{ key: `ratelimit:${id('0e000000', i)}:${i}:second`, ttlSec: 1, limit: 1e9 }]);
  const takes = 50_000;
  let done = 0;
  const run = async (lane: number) => {
    for (let i = lane; i < takes; i += 50) {
      await counters.take(keys[i % n]!);
      done++;
    }
  };
  await Promise.all(Array.from({ length: 50 }, (_, l) => run(l))); // warm-up
  process.send!({ t: 'start' });
  const t0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 50 }, (_, l) => run(l)));
  const d = process.cpuUsage(t0);
  process.send!({ t: 'done', cpu: d.user + d.system, takes });
}

if (process.argv[2] === 'ipc-worker') {
  await ipcWorker();
  process.exit(0);
}
const [base, kaRaw, rlRaw, empty, full] = time([newRequest, keyAuthAccess, rateLimitingAccess, loop(false), loop(true)]) as [number, number, number, number, number];
const ka = kaRaw - base, rl = rlRaw - base;
console.log(`key-auth access:                 ${ka.toFixed(2)} µs per request`);
console.log(`rate-limiting access:            ${rl.toFixed(2)} µs per request`);
console.log(`plugin loop, both plugins:       ${full.toFixed(2)} µs per request (no plugins: ${empty.toFixed(2)}; +${(full - empty).toFixed(2)} µs)`);
console.log(`loop overhead beyond the two:    ${(full - empty - ka - rl).toFixed(2)} µs per request`);
await ipc();
