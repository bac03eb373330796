// The Admin API: Kong's paths, status codes and JSON documents, on node:http.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { AccessLogSink } from '../util/access-log.js';
import { logAccess } from '../util/access-line.js';
import { KONG_PROTOCOL_VERSION } from '../version.js';
import { EntityError } from '../entities/index.js';
import { StoreUnavailable, type Store } from '../store/index.js';
import { route, type AdminPlugins, type Ctx, type Reply } from './routes.js';
import { optionsReply } from './options.js';
import { HttpError } from './http-error.js';
import { serveEntries } from '../util/serve-entries.js';
import { decodeBody, type Body } from './body.js';
import { storageFailure } from './storage-error.js';

export interface AdminListen {
  host: string;
  port: number;
  /** An `ssl` entry of admin_listen: served over HTTPS with `tls`. */
  ssl?: boolean;
}

export interface AdminOptions {
  /** Every admin_listen entry. */
  listen: AdminListen | AdminListen[];
  /** admin_ssl_cert / admin_ssl_cert_key (or the generated default), for the ssl entries. */
  tls?: { certPem: string; keyPem: string };
  store: Store;
  log: Logger;
  nodeId: string;
  /** Prometheus text for GET /metrics. */
  metrics?: () => string;
  /** The configuration hash the CP currently pushes, for GET /status. */
  configHash?: () => string | null | Promise<string | null>;
  plugins?: AdminPlugins;
  /** Where the store keeps its files, named in the answer and the log when the disk fails. */
  storePath?: string;
  /** admin_access_log: a line per request in nginx's combined format. */
  accessLog?: AccessLogSink | null;
}

export interface AdminServer {
  /** The first plain entry (else the first). */
  address: { host: string; port: number };
  /** One per entry, in the order given, ports resolved. */
  addresses: { host: string; port: number; ssl: boolean }[];
  /** A new certificate for the ssl entries, used from the next handshake on. */
  setTls(tls: { certPem: string; keyPem: string }): void;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then cuts what is left. */
  close(graceMs?: number): Promise<void>;
}

/** How long a stop lets in-flight Admin API requests finish. */
const CLOSE_GRACE_MS = 10_000;

const MAX_BODY = 64 * 1024 * 1024;
const SERVER = `kong/${KONG_PROTOCOL_VERSION}`;


async function readBody(req: IncomingMessage, yaml: boolean): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, { message: `request body too large (more than ${MAX_BODY} bytes)` });
    chunks.push(c as Buffer);
  }
  return decodeBody(req.headers['content-type'], Buffer.concat(chunks).toString('utf8'), { yaml });
}

/** The request target as a URL; `//x` stays a path (not a host) and a bad target is a 400. */
function requestUrl(target: string): URL {
  try {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? new URL(target) : new URL(`http://admin${target.startsWith('/') ? '' : '/'}${target}`);
  } catch {
    throw new HttpError(400, { message: 'invalid request target' });
  }
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
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (o.accessLog) logAccess(o.accessLog, req, res);
    total += 1;
    let url: URL;
    try {
      url = requestUrl(req.url ?? '/');
    } catch (err) {
      send(res, (err as HttpError).status, (err as HttpError).body);
      return;
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const ctx: Ctx = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      body: async () => readBody(req, path === '/config'),
      store: o.store,
      info: { nodeId: o.nodeId, hostname: hostname(), started, total: () => total, active: () => active, metrics: o.metrics, configHash: o.configHash },
      plugins: o.plugins,
    };
    // Kong's CORS headers on every answer: the request's Origin (none configured to check it against).
    const cors = { 'Access-Control-Allow-Origin': req.headers.origin ?? '*', 'Access-Control-Allow-Credentials': 'true' };
    const answer = ctx.method === 'OPTIONS' ? Promise.resolve().then(() => optionsReply(path, req.headers['access-control-request-headers'])) : route(ctx.method === 'HEAD' ? { ...ctx, method: 'GET' } : ctx);
    answer.then(
      (r: Reply) => send(res, r.status, r.body, { ...cors, ...r.headers }),
      (err: unknown) => {
        const disk = storageFailure(err, o.storePath);
        // A 413 leaves the rest of the body unread: the connection cannot carry another request.
        if (err instanceof HttpError && err.status === 413) send(res, err.status, err.body, { ...cors, Connection: 'close' });
        else if (err instanceof EntityError || err instanceof HttpError) send(res, err.status, err.body, cors);
        // The store logged the outage once; the answer names the database and what did not happen.
        else if (err instanceof StoreUnavailable) send(res, 503, { message: err.message }, { ...cors, 'Retry-After': '5' });
        else if (disk) {
          o.log.error(`store write failed: ${disk.reason}`, { code: disk.code, path: o.storePath ?? null, method: req.method, url: url.pathname, error: err instanceof Error ? err.message : String(err) });
          send(res, disk.status, { message: disk.message });
        } else {
          o.log.error('admin request failed', { method: req.method, path: url.pathname, error: err instanceof Error ? err.message : String(err) });
          send(res, 500, { message: 'An unexpected error occurred' });
        }
      },
    );
  };
  const listens = Array.isArray(o.listen) ? o.listen : [o.listen];
  const { addresses, servers, setTls } = await serveEntries('admin_listen', listens, o.tls, handler, (server) => {
    server.keepAliveTimeout = 5000;
    server.on('connection', (sock) => {
      active += 1;
      sock.once('close', () => (active -= 1));
    });
  });
  const first = addresses.find((x) => !x.ssl) ?? addresses[0]!;
  return {
    address: { host: first.host, port: first.port },
    addresses,
    setTls,
    close: (graceMs = CLOSE_GRACE_MS) =>
      Promise.all(servers.map(async ({ server, bound }) => {
        await bound.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        await closed;
        clearTimeout(force);
      })).then(() => undefined),
  };
}
