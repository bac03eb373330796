// The status listener: GET /status and GET /status/ready as Kong serves them on a data plane.
// Kong: api/routes/health.lua (/status), status/ready.lua (/status/ready).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { KONG_PROTOCOL_VERSION } from '../version.js';
import type { AccessLogSink } from '../util/access-log.js';
import { logAccess } from '../util/access-line.js';
import { serveEntries } from '../util/serve-entries.js';

export interface StatusState {
  /** 32 hex characters; null or 32 zeros while no configuration has been loaded. */
  configurationHash: string | null;
  /** The daemon's verdict: a configuration was loaded (it stays true when the CP goes away). */
  ready: boolean;
}

export interface StatusListen {
  host: string;
  port: number;
  /** An `ssl` entry of status_listen: served over HTTPS with `tls`. */
  ssl?: boolean;
}

export interface StatusOptions {
  /** Every status_listen entry. */
  listen: StatusListen | StatusListen[];
  /** status_ssl_cert / status_ssl_cert_key (or the generated default), for the ssl entries. */
  tls?: { certPem: string; keyPem: string };
  state: () => StatusState | Promise<StatusState>;
  log: Logger;
  /** The proxy's nginx counters summed over its workers (Kong's /status `server`); unset: this listener's own. */
  proxyStats?: () => Promise<Record<string, number>>;
  /** GET /metrics in Prometheus text; unset when the prometheus plugin is not enabled on this node (404, as Kong). */
  metrics?: () => Promise<string>;
  /** status_access_log (Kong's default: off). */
  accessLog?: AccessLogSink | null;
}

export interface StatusServer {
  /** The first plain entry (else the first). */
  address: { host: string; port: number };
  /** One per entry, in the order given, ports resolved. */
  addresses: { host: string; port: number; ssl: boolean }[];
  /** A new certificate for the ssl entries, used from the next handshake on. */
  setTls(tls: { certPem: string; keyPem: string }): void;
  close(): Promise<void>;
}

const EMPTY_HASH = '0'.repeat(32);
const SERVER = `kong/${KONG_PROTOCOL_VERSION}`;

function send(res: ServerResponse, status: number, doc: unknown): void {
  const body = JSON.stringify(doc);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    server: SERVER,
  });
  res.end(body);
}

/** Kong: status/ready.lua, the messages a DB-less node gives while it cannot serve. */
function notReadyMessage(s: StatusState): string | null {
  if (s.ready) return null;
  if (!s.configurationHash) return 'no configuration available (configuration hash is not initialized)';
  if (s.configurationHash === EMPTY_HASH) return 'no configuration available (empty configuration present)';
  return 'no configuration available (configuration hash is not initialized)';
}

function statusDoc(s: StatusState, startedAt: number, now: number) {
  const mem = process.memoryUsage();
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  return {
    configuration_hash: s.configurationHash ?? EMPTY_HASH,
    memory: {
      workers_lua_vms: [{ pid: process.pid, http_allocated_gc: mib(mem.heapUsed) }],
      lua_shared_dicts: {},
    },
    server: {
      connections_accepted: 0, connections_active: 0, connections_handled: 0,
      connections_reading: 0, connections_waiting: 0, connections_writing: 0, total_requests: 0,
    },
    uptime_seconds: Math.floor((now - startedAt) / 1000),
  };
}

export async function startStatus(opts: StatusOptions): Promise<StatusServer> {
  const startedAt = Date.now();
  let accepted = 0;
  let total = 0;
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    total++;
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { message: 'Method not allowed' });
    const state = await opts.state();
    if (path === '/status') {
      const doc = statusDoc(state, startedAt, Date.now());
      if (opts.proxyStats) Object.assign(doc.server, await opts.proxyStats());
      else Object.assign(doc.server, { connections_accepted: accepted, connections_handled: accepted, total_requests: total });
      return send(res, 200, doc);
    }
    if (path === '/status/ready') {
      const why = notReadyMessage(state);
      return why ? send(res, 503, { message: why }) : send(res, 200, { message: 'ready' });
    }
    if (path === '/metrics' && opts.metrics) {
      const body = await opts.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': Buffer.byteLength(body), server: SERVER });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    send(res, 404, { message: 'Not found' });
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (opts.accessLog) logAccess(opts.accessLog, req, res);
    answer(req, res).catch((err: unknown) => {
      opts.log.error('status request failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) send(res, 500, { message: 'An unexpected error occurred' });
    });
  };
  const listens = Array.isArray(opts.listen) ? opts.listen : [opts.listen];
  const { addresses, servers, setTls } = await serveEntries('status_listen', listens, opts.tls, handler, (server) => server.on('connection', () => accepted++));
  const closeAll = () => Promise.all(servers.map(async ({ server, bound }) => {
    await bound.close();
    await new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
  })).then(() => undefined);
  for (const a of addresses) opts.log.info('listening', { listener: a.ssl ? 'status ssl' : 'status', address: `${a.host}:${a.port}` });
  const first = addresses.find((a) => !a.ssl) ?? addresses[0]!;
  return {
    address: { host: first.host, port: first.port },
    addresses,
    setTls,
    close: closeAll,
  };
}
