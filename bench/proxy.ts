// Benchmark helper for proxy.sh. Modes:
//   serve ROUTES UPSTREAM_PORT PORT   the data-plane proxy with ROUTES generated routes
//   plugins on|off UPSTREAM_PORT PORT Kong's published plugin scenario: 100 routes and 100 consumers,
//                                     key-auth and rate-limiting on every route (or none, for the baseline)
//   bare UPSTREAM_PORT PORT           a bare undici proxy (no routing): Node's ceiling for a proxy
//   hello PORT                        a bare node:http server: Node's ceiling for any server
//   router                            router lookups per second with 1 and 10,000 routes (no I/O)
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { createLogger } from '../src/log.js';
import { startProxy } from '../src/proxy/server.js';
import { Router } from '../src/proxy/router/router.js';
import type { ConfigTable, RouteRow } from '../src/proxy/config.js';

const [mode = 'serve', ...args] = process.argv.slice(2);
const id = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const log = createLogger({ level: 'info' });

// Route i serves /svc<i>; requests go to /svc7777/hello, so with 1 route that is the only one.
function routes(n: number): RouteRow[] {
  return Array.from({ length: n }, (_, k) => {
    const i = n === 1 ? 7777 : k;
    return { id: id('0e000000', i), paths: [`/svc${i}`], hosts: null, methods: null, headers: null, protocols: ['http', 'https'],
      strip_path: true, preserve_host: false, regex_priority: 0, service: id('5e000000', 0) };
  });
}

async function serve(n: number, upstreamPort: number, port: number) {
  const table: ConfigTable = {
    _format_version: '3.0',
    services: [{ id: id('5e000000', 0), name: 'bench', protocol: 'http', host: '127.0.0.1', port: upstreamPort, path: '/',
      retries: 5, connect_timeout: 60_000, read_timeout: 60_000, write_timeout: 60_000, enabled: true }],
    routes: routes(n),
  };
  const proxy = await startProxy({ listen: { host: '127.0.0.1', port }, log });
  const t0 = performance.now();
  proxy.swap(table);
  log.info('config compiled', { routes: proxy.routeCount(), ms: Math.round(performance.now() - t0) });
  process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
}

// Kong's benchmark: every route has key-auth and a rate limit no client reaches.
async function plugins(on: boolean, upstreamPort: number, port: number) {
  const n = 100;
  const rs = Array.from({ length: n }, (_, i) => ({ ...routes(1)[0]!, id: id('0e000000', i), paths: [`/svc${i}`] }));
  const table: ConfigTable = {
    _format_version: '3.0',
    services: [{ id: id('5e000000', 0), name: 'bench', protocol: 'http', host: '127.0.0.1', port: upstreamPort, path: '/',
      retries: 5, connect_timeout: 60_000, read_timeout: 60_000, write_timeout: 60_000, enabled: true }],
    routes: rs,
    consumers: Array.from({ length: n }, (_, i) => ({ id: id('c0000000', i), username: `consumer-${i}` })),
    keyauth_credentials: Array.from({ length: n }, (_, i) => ({ id: id('ca000000', i), consumer: id('c0000000', i), key: `key-${i}` })),
    plugins: on
      ? rs.flatMap((r, i) => [
          { id: id('a0000000', i), name: 'key-auth', route: r.id, enabled: true, protocols: ['http', 'https'], config: {} },
          { id: id('b0000000', i), name: 'rate-limiting', route: r.id, enabled: true, protocols: ['http', 'https'], config: { second: 1_000_000_000, limit_by: 'consumer' } },
        ])
      : [],
  };
  const proxy = await startProxy({ listen: { host: '127.0.0.1', port }, log });
  proxy.swap(table);
  log.info('config compiled', { routes: proxy.routeCount(), plugins: on });
  process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
}

function bare(upstreamPort: number, port: number) {
  const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { keepAliveTimeout: 60_000 });
  createServer((req, res) => {
    pool.stream({ path: '/hello', method: 'GET', headers: { host: '127.0.0.1' } },
      ({ statusCode, headers }) => { res.writeHead(statusCode, headers as Record<string, string>); return res; },
      (err) => { if (err && !res.headersSent) { res.statusCode = 502; res.end(); } });
  }).listen(port, '127.0.0.1', () => log.info('config compiled', { mode: 'bare' }));
}

function hello(port: number) {
  createServer((_req, res) => { res.writeHead(200, { 'content-length': 20 }); res.end('hello from upstream\n'); })
    .listen(port, '127.0.0.1', () => log.info('config compiled', { mode: 'hello' }));
}

function routerBench() {
  const req = { method: 'GET', host: 'bench.test', port: 8000, path: '/svc7777/hello', header: () => undefined };
  for (const n of [1, 10_000]) {
    const router = new Router(routes(n));
    for (let i = 0; i < 200_000; i++) router.match(req); // warm-up
    const count = 2_000_000;
    const t0 = performance.now();
    for (let i = 0; i < count; i++) router.match(req);
    const ms = performance.now() - t0;
    console.log(`router, ${String(n).padStart(6)} routes: ${Math.round(count / ms * 1000).toLocaleString('en')} lookups/s (${(ms * 1000 / count).toFixed(3)} µs each)`);
  }
}

const num = (i: number) => Number(args[i]);
if (mode === 'serve') await serve(num(0), num(1), num(2));
else if (mode === 'plugins') await plugins(args[0] === 'on', num(1), num(2));
else if (mode === 'bare') bare(num(0), num(1));
else if (mode === 'hello') hello(num(0));
else routerBench();
