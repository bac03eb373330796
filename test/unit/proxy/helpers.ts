// Real loopback servers for the proxy tests.
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { startProxy } from '../../../src/proxy/server.js';
import type { Proxy } from '../../../src/proxy/server.js';
import type { ConfigTable } from '../../../src/proxy/config.js';

export const quietLog = () => createLogger({ write: () => {} });

export async function upstream(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  onTestFinished(() => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on (bound, then closed). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

export async function proxy(config?: ConfigTable): Promise<Proxy> {
  const p = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: quietLog() });
  onTestFinished(() => p.close());
  if (config) p.swap(config);
  return p;
}

export interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

export function send(p: Proxy, opts: { path?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port: p.address.port, path: opts.path ?? '/', method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', fail);
      });
    req.on('error', fail);
    req.end(opts.body);
  });
}

let seq = 0;
const uuid = () => `9f000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

/** A config_table as the CP exports it: flattened foreign keys, nulls for unset fields. */
export function config(parts: {
  services?: { id?: string; host?: string; port?: number; path?: string | null; retries?: number; read_timeout?: number; connect_timeout?: number; enabled?: boolean }[];
  routes?: { id?: string; paths?: string[] | null; hosts?: string[] | null; service?: string | null; strip_path?: boolean; preserve_host?: boolean; protocols?: string[] }[];
  upstreams?: { id: string; name: string }[];
  targets?: { upstream: string; target: string; weight?: number }[];
}): ConfigTable {
  return {
    _format_version: '3.0',
    _transform: false,
    services: (parts.services ?? []).map((s) => ({
      id: s.id ?? uuid(), name: null, protocol: 'http', host: s.host ?? '127.0.0.1', port: s.port ?? 80, path: s.path ?? null,
      retries: s.retries ?? 5, connect_timeout: s.connect_timeout ?? 60_000, read_timeout: s.read_timeout ?? 60_000, write_timeout: 60_000,
      enabled: s.enabled ?? true,
    })),
    routes: (parts.routes ?? []).map((r) => ({
      id: r.id ?? uuid(), name: null, protocols: r.protocols ?? ['http', 'https'], methods: null, hosts: r.hosts ?? null, paths: r.paths ?? null,
      headers: null, snis: null, regex_priority: 0, strip_path: r.strip_path ?? true, preserve_host: r.preserve_host ?? false,
      https_redirect_status_code: 426, service: r.service ?? null,
    })),
    upstreams: (parts.upstreams ?? []).map((u) => ({ ...u, host_header: null })),
    targets: (parts.targets ?? []).map((t) => ({ id: uuid(), upstream: t.upstream, target: t.target, weight: t.weight ?? 100 })),
  };
}
