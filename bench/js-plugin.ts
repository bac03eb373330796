// Benchmark helper for js-plugin.sh. Modes:
//   serve UPSTREAM_PORT PORT   one proxy, two routes to the same upstream: /plain without plugins,
//                              /bye with examples/js-plugins/goodbye.js (a trivial kong-pdk plugin),
//                              /cid with bundled correlation-id (the same kind of work, written in-tree)
//   hello PORT                 the upstream: a fixed 200
//   adapter                    CPU per access call of goodbye.js through the in-process adapter (promise
//                              PDK, timeout bookkeeping) vs the same class called with bare async stubs
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { createLogger } from '../src/log.js';
import { startProxy } from '../src/proxy/server.js';
import type { ConfigTable } from '../src/proxy/config.js';
import { BUNDLED } from '../src/plugins/registry.js';
import { loadJsPlugins } from '../src/plugins/js/load.js';

const [mode, ...args] = process.argv.slice(2);
const log = createLogger({ level: 'info' });
const id = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`;

async function serve(upstreamPort: number, port: number) {
  const js = loadJsPlugins({ dirs: [{ dir: resolve('examples/js-plugins'), key: 'js_plugins_directory' }], timeoutMs: 5000 });
  const plugins = new Map([...BUNDLED, ...js.modules].map((m) => [m.name, m]));
  const route = (i: number, path: string) => ({ id: id('0e000000', i), paths: [path], hosts: null, methods: null, headers: null, protocols: ['http', 'https'],
    strip_path: true, preserve_host: false, regex_priority: 0, service: id('5e000000', 0) });
  const table: ConfigTable = {
    _format_version: '3.0',
    services: [{ id: id('5e000000', 0), name: 'bench', protocol: 'http', host: '127.0.0.1', port: upstreamPort, path: '/',
      retries: 5, connect_timeout: 60_000, read_timeout: 60_000, write_timeout: 60_000, enabled: true }],
    routes: [route(1, '/plain'), route(2, '/bye'), route(3, '/cid')],
    plugins: [
      { id: id('a0000000', 1), name: 'goodbye', route: id('0e000000', 2), enabled: true, protocols: ['http', 'https'], config: { message: 'goodbye', status: 403 } },
      { id: id('a0000000', 2), name: 'correlation-id', route: id('0e000000', 3), enabled: true, protocols: ['http', 'https'], config: { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: true } },
    ],
  };
  const proxy = await startProxy({ listen: { host: '127.0.0.1', port }, log, plugins });
  proxy.swap(table);
  log.info('config compiled', { js_plugins: js.modules.map((m) => m.name).join(',') });
  process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
}

async function adapter() {
  const file = resolve('examples/js-plugins/goodbye.js');
  const m = loadJsPlugins({ dirs: [{ dir: resolve('examples/js-plugins'), key: 'js_plugins_directory' }], timeoutMs: 5000 }).modules.find((x) => x.name === 'goodbye')!;
  const conf = m.compile!({ message: 'goodbye', status: 403 }, { id: '', route: null, service: null, consumer: null });
  const noop = () => undefined;
  const kong = { request: { getHeader: noop }, response: { setHeader: noop }, service: { request: { setHeader: noop } }, ctx: { shared: {} } } as never;
  const { Plugin } = (await import(file)).default as { Plugin: new (c: unknown) => { access(k: unknown): Promise<void> } };
  const bare = new Plugin({ message: 'goodbye', status: 403 });
  const stub = async () => undefined;
  const pdk = { request: { getHeader: stub }, response: { setHeader: stub }, service: { request: { setHeader: stub } } };
  const n = 300_000;
  const time = async (f: () => unknown) => {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await f();
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / n;
  };
  let best = [Infinity, Infinity];
  for (let round = 0; round < 5; round++) {
    best = [Math.min(best[0]!, await time(() => m.access!(kong, conf))), Math.min(best[1]!, await time(() => bare.access(pdk)))];
  }
  console.log(`goodbye.js access: ${best[0]!.toFixed(2)} µs per call in-process, ${best[1]!.toFixed(2)} µs called bare (best of 5 rounds of ${n})`);
}

if (mode === 'adapter') await adapter();
else if (mode === 'serve') await serve(Number(args[0]), Number(args[1]));
else createServer((_req, res) => { res.writeHead(200, { 'content-length': 20 }); res.end('hello from upstream\n'); })
  .listen(Number(args[0]), '127.0.0.1', () => log.info('config compiled', { mode: 'hello' }));
