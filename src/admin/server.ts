// The Admin API: Kong's paths, status codes and JSON documents, on node:http.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import { KONG_PROTOCOL_VERSION } from '../version.js';
import { EntityError, type Row } from '../entities/index.js';
import type { Store } from '../store/index.js';
import { route, type AdminPlugins, type Ctx } from './routes.js';
import { HttpError } from './http-error.js';
import { listenOn } from '../util/listen.js';

export interface AdminOptions {
  listen: { host: string; port: number };
  store: Store;
  log: Logger;
  nodeId: string;
  /** Prometheus text for GET /metrics. */
  metrics?: () => string;
  /** The configuration hash the CP currently pushes, for GET /status. */
  configHash?: () => string | null;
  plugins?: AdminPlugins;
}

export interface AdminServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024 * 1024;
const SERVER = `kong/${KONG_PROTOCOL_VERSION}`;


async function readBody(req: IncomingMessage): Promise<{ raw: string; json: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, { message: 'request body too large' });
    chunks.push(c as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return { raw, json: {} };
  const type = String(req.headers['content-type'] ?? 'application/json');
  if (/application\/x-www-form-urlencoded/.test(type)) return { raw, json: formToObject(raw) };
  if (/json/.test(type) || !/yaml/.test(type)) {
    try {
      return { raw, json: JSON.parse(raw) };
    } catch {
      if (/yaml/.test(type) || !/json/.test(type)) return { raw, json: undefined };
      throw new HttpError(400, { message: 'Cannot parse JSON body' });
    }
  }
  return { raw, json: undefined };
}

/** Kong's form encoding: `a=1&b[]=x&service.id=…` → nested objects. */
function formToObject(raw: string): Row {
  const out: Row = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const arr = k.endsWith('[]');
    const path = (arr ? k.slice(0, -2) : k).split('.');
    let cur = out;
    for (const p of path.slice(0, -1)) cur = (cur[p] ??= {}) as Row;
    const last = path.at(-1)!;
    const value: unknown = /^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
    if (arr) ((cur[last] ??= []) as unknown[]).push(value);
    else cur[last] = value;
  }
  return out;
}

export function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    Server: SERVER,
    'Access-Control-Allow-Origin': '*',
    'X-Kong-Admin-Latency': '0',
    ...(body === undefined ? {} : { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8' }),
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export async function startAdmin(o: AdminOptions): Promise<AdminServer> {
  const started = Date.now();
  let total = 0;
  let active = 0;
  const server = createServer((req, res) => {
    total += 1;
    const url = new URL(req.url ?? '/', 'http://admin');
    const ctx: Ctx = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(/\/+$/, '') || '/',
      query: url.searchParams,
      body: async () => readBody(req),
      store: o.store,
      info: { nodeId: o.nodeId, hostname: hostname(), started, total: () => total, active: () => active, metrics: o.metrics, configHash: o.configHash },
      plugins: o.plugins,
    };
    route(ctx).then(
      (r) => send(res, r.status, r.body, r.headers),
      (err: unknown) => {
        if (err instanceof EntityError || err instanceof HttpError) send(res, err.status, err.body);
        else {
          o.log.error('admin request failed', { method: req.method, path: url.pathname, error: err instanceof Error ? err.message : String(err) });
          send(res, 500, { message: 'An unexpected error occurred' });
        }
      },
    );
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (sock) => {
    active += 1;
    sock.once('close', () => (active -= 1));
  });
  const a = await listenOn(server, o.listen);
  return {
    address: { host: o.listen.host, port: a.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
