// A real proxy on loopback in front of a real echo upstream, configured from a declarative
// document validated the way the control plane validates it (plugin schemas, credentials).
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { startProxy, type Proxy } from '../../../src/proxy/server.js';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { declarativeToConfigTable } from '../../../src/entities/index.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';
import { enabledPlugins } from '../../../src/plugins/enabled.js';
import { BUNDLED } from '../../../src/plugins/registry.js';
import type { SharedCounters } from '../../../src/plugins/pdk/types.js';
import type { PluginModule } from '../../../src/plugins/types.js';

export const ALL = enabledPlugins('bundled', BUNDLED).modules;
export const CATALOGUE = nodePlugins(ALL, 'control_plane');

/** What the upstream saw, echoed back as JSON (Kong's spec upstream `/request` does the same). */
export interface Echo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): any;
  /** The upstream's view, when the request got there. */
  echo(): Echo;
}

export interface Harness {
  close(): Promise<void>;
  proxy: Proxy;
  upstreamPort: number;
  lines: Record<string, unknown>[];
  send(opts: { path?: string; method?: string; host?: string; headers?: Record<string, string | string[]>; body?: string | Buffer }): Promise<Reply>;
}

/**
 * `doc` is a declarative document without `_format_version`; every service without a host points
 * at the echo upstream. The upstream answers `/status/<code>` with that code, anything else 200.
 */
export interface HarnessOptions {
  counters?: SharedCounters;
  /** Plugins to run besides the registered ones (a plugin under development). */
  modules?: PluginModule[];
  /** Replaces the echo for some URLs. */
  upstream?: (url: string) => { status?: number; headers?: Record<string, string>; body?: string } | undefined;
}

/** The echo upstream: `/status/<code>` answers that code, anything else 200 with what it saw. */
export async function echoUpstream(custom?: HarnessOptions['upstream']): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const c = custom?.(req.url ?? '/');
      const m = /^\/status\/(\d{3})/.exec(req.url ?? '');
      const status = c?.status ?? (m ? Number(m[1]) : 200);
      const body = c?.body ?? JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(status, { 'content-type': 'application/json', ...c?.headers });
      res.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

export function sendTo(port: number, o: Parameters<Harness['send']>[0]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...(o.host ? { host: o.host } : {}), ...o.headers };
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port, path: o.path ?? '/', method: o.method ?? 'GET', headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body), echo: () => JSON.parse(body) as Echo });
      });
    });
    // A proxy that answers (413) before it has read a large body may close while the body is still
    // being written: the answer is what the test is about, the write error is not.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (answered && (err.code === 'EPIPE' || err.code === 'ECONNRESET')) return;
      reject(err);
    });
    req.end(o.body);
  });
}

/** In this process: a real proxy on loopback, for tests that need test-only plugins or the proxy's internals. */
export async function harness(doc: Record<string, unknown>, opts: HarnessOptions = {}): Promise<Harness> {
  const enabled = new Map([...ALL, ...(opts.modules ?? []).map((m) => [m.name, m] as const)]);
  const up = await echoUpstream(opts.upstream);
  const services = ((doc.services as Record<string, unknown>[] | undefined) ?? []).map((s) => ({ url: `http://127.0.0.1:${up.port}`, ...s }));
  const table = declarativeToConfigTable({ _format_version: '3.0', ...doc, services }, nodePlugins(enabled, 'control_plane')) as ConfigTable;
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ format: 'json', level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const proxy = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log, plugins: enabled, counters: opts.counters });
  proxy.swap(table);
  return {
    async close() {
      await proxy.close();
      await up.close();
    },
    proxy,
    upstreamPort: up.port,
    lines,
    send: (o) => sendTo(proxy.address.port, o),
  };
}

/** One harness for a describe block: started before its tests, closed after them. */
export function useHarness(doc: () => Record<string, unknown>, opts?: HarnessOptions): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await harness(doc(), opts);
  });
  afterAll(async () => {
    await h?.close();
  });
  return () => h!;
}

/**
 * Kong's specs through real processes: the document goes to a control plane's POST /config and the
 * requests to a data plane synced from it (the path every operator's configuration takes).
 */
export function useCluster(doc: () => Record<string, unknown>, opts?: Pick<HarnessOptions, 'upstream'>): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    const { clusterHarness } = await import('./cluster-harness.js');
    // Ports are picked free but bound later: a parallel test file may take one first, so try again.
    for (let attempt = 1; ; attempt++) {
      try {
        h = await clusterHarness(doc(), opts);
        return;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
  }, 90_000);
  afterAll(async () => {
    await h?.close();
  });
  return () => h!;
}
