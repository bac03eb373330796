// The data plane's proxy listener. It serves from one immutable compiled config; swap()
// replaces the reference, so in-flight requests finish on the config they started with.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createSecureServer } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import type { ConfigTable } from './config.js';
import { ALL_BUNDLED, compileConfig } from './compile.js';
import { compileChanges } from './compile-changes.js';
import type { TableChange } from '../entities/table-change.js';
import type { CompiledConfig } from './compile.js';
import { forward } from './forward.js';
import type { ForwardInfo } from './headers.js';
import { MESSAGES, sendError, writeSocketError } from './responses.js';
import { normalizePath } from './router/normalize.js';
import { splitHostPort } from './router/matcher.js';
import { nextRequestId } from './request-id.js';
import { resolve, type Resolved, type RequestView } from './resolve.js';
import { Pools } from './upstream/pools.js';
import { tunnel } from './websocket.js';
import { listenOn } from '../util/listen.js';
import type { PluginModule } from '../plugins/types.js';
import type { SharedCounters } from '../plugins/pdk/types.js';
import { PluginRequest, type RequestFacts } from '../plugins/runtime/request.js';
import { localCounters } from '../plugins/runtime/counters.js';
import { isUpstreamTlsFailure } from './upstream/tls.js';
import type { AccessLogSink } from '../util/access-log.js';
import { logAccess } from '../util/access-line.js';
import { ListenerStats, targetHealth, type NginxStats } from './stats.js';
import { notePrometheus } from '../plugins/prometheus/metric-store.js';
import { socketSink } from './socket-sink.js';
import type { Row } from '../entities/index.js';
import { buildCertIndex, tlsServername, type CertIndex } from './tls-contexts.js';
import { terminateBySni } from './tls-front.js';
import { leanFront } from './lean/front.js';
import { LeanPools } from './lean/upstream.js';
import type { Server as HttpServer } from 'node:http';

export interface ProxyOptions {
  listen: { host: string; port: number };
  log: Logger;
  /** An `ssl` listener: TLS terminated here with this certificate (leaf + chain) and key. */
  tls?: { certPem: string; keyPem: string };
  /** Offer HTTP/2 (ALPN h2) on the TLS listener, HTTP/1.1 still accepted (Kong's `http2` flag). */
  http2?: boolean;
  /** Serve this from the first accepted connection (a replacement worker must not answer 404 first). */
  initial?: ConfigTable | null;
  /** The plugins this node runs (kong.conf `plugins`); a config naming any other is refused. Default: all bundled. */
  plugins?: ReadonlyMap<string, PluginModule>;
  /** Counters shared across this node's proxy workers (rate limits); default: in this process. */
  counters?: SharedCounters;
  nodeId?: string;
  /** proxy_access_log: a line per request in Kong's kong_log_format. */
  accessLog?: AccessLogSink | null;
  /**
   * Plain HTTP/1.1 requests without a body, plugins or a TLS upstream are served on raw sockets
   * (src/proxy/lean); node:http takes a connection over for anything else. Default on for
   * listeners without TLS; false: node:http serves everything.
   */
  lean?: boolean;
}

export interface Proxy {
  /** The bound address (port resolved when 0 was asked for). */
  address: { host: string; port: number };
  /** Compile and serve a new config_table; throws (keeping the old config) if it cannot be compiled. */
  swap(configTable: ConfigTable): void;
  /**
   * Serve `configTable`, which is the served one with `changes` applied, updating the compiled
   * config in place of compiling it again where the changes allow. Throws, keeping the old config.
   */
  patch(configTable: ConfigTable, changes: readonly TableChange[]): void;
  /** True once a config has been loaded. */
  ready(): boolean;
  /** Number of routes (after splitting) in the served config. */
  routeCount(): number;
  /** nginx's connection and request counters for this listener. */
  stats(): NginxStats;
  /** Each balanced target's state: [upstream, target, address, healthy|unhealthy]. */
  targetHealth(): [string, string, string, string][];
  /** An ssl listener's default certificate (ssl_cert) from the next handshake on; ignored on a plain one. */
  setTls(tls: { certPem: string; keyPem: string }): void;
  close(): Promise<void>;
}

/** How long close() lets in-flight requests finish before cutting their connections. */
export const CLOSE_GRACE_MS = 10_000;
const POOL_PRUNE_MS = 1_000;

/** What resolve() reads, from a node:http request. */
function viewOf(req: IncomingMessage, proto: 'http' | 'https'): RequestView {
  return {
    url: req.url ?? '/', method: req.method ?? 'GET', host: req.headers.host ?? '', clientIp: req.socket.remoteAddress ?? '',
    header: (name) => req.headersDistinct[name], sni: proto === 'https' ? tlsServername(req) : undefined,
  };
}

function facts(cfg: CompiledConfig, req: IncomingMessage, res: RequestFacts['res'], r: Resolved, info: ForwardInfo, startedAt: number): RequestFacts {
  const ok = r.kind === 'ok' ? r : null;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    req, res,
    route: ok?.route ?? (r.kind === 'error' ? (r.route ?? null) : null),
    service: ok ? ((cfg.serviceRows.get(ok.svc.id) as Row | undefined) ?? null) : null,
    scheme: info.proto ?? 'http',
    host: info.host,
    serverPort: info.serverPort,
    clientIp: info.clientIp,
    path: ok?.normalized ?? normalizePath(q === -1 ? url : url.slice(0, q)),
    rawQuery: ok?.rawQuery ?? (q === -1 ? '' : url.slice(q + 1)),
    requestId: info.requestId,
    startedAt,
  };
}

export async function startProxy(opts: ProxyOptions): Promise<Proxy> {
  const log = opts.log;
  const pools = new Pools();
  const tunnels = new Set<Duplex>();
  let current: CompiledConfig | null = null;
  let port = 0;

  const onError = (err: Error, dest: { host: string; port: number } | null) => {
    const code = (err as { code?: string }).code;
    // An upstream whose certificate fails verification is a configuration problem an operator must see (Kong logs it at error).
    const level = code !== undefined && isUpstreamTlsFailure(code) ? 'warn' : 'debug';
    log[level]('upstream request failed', { error: err.message, code, upstream: dest ? `${dest.host}:${dest.port}` : undefined });
  };

  const proto = opts.tls ? 'https' : 'http';
  const env = { log, counters: opts.counters ?? localCounters(), nodeId: opts.nodeId ?? '' };
  // One request that throws answers 500 and is logged (at most once a second); the worker, and
  // every other request on it, carry on.
  let lastFailureLog = 0;
  let failuresSinceLog = 0;
  const failed = (err: unknown, req: IncomingMessage) => {
    failuresSinceLog++;
    const now = Date.now();
    if (now - lastFailureLog < 1000) return;
    log.error('a request failed inside the proxy; it got a 500, this worker serves on', {
      error: errorMessage(err).slice(0, 300), path: (req.url ?? '').slice(0, 200), failures: failuresSinceLog,
    });
    lastFailureLog = now;
    failuresSinceLog = 0;
  };
  const stats = new ListenerStats();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    try {
      serve(req, res);
    } catch (err) {
      failed(err, req);
      if (res.headersSent) res.destroy();
      else sendError(res, 500, MESSAGES.unexpected, nextRequestId());
    }
  };
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const startedAt = performance.now();
    const cfg = current;
    const requestId = nextRequestId();
    if (opts.accessLog) logAccess(opts.accessLog, req, res, requestId);
    const r = resolve(cfg, viewOf(req, proto), port, requestId, proto);
    if (r.kind === 'error') {
      // A route without a service runs its plugins first (one may answer), then Kong's 503.
      const serviceless = r.route && cfg ? cfg.plan.chains.get(r.route.id) : undefined;
      if (serviceless) {
        const pr = new PluginRequest(facts(cfg!, req, res, r, { host: splitHostPort(req.headers.host ?? '')[0], clientIp: req.socket.remoteAddress ?? '', serverPort: port, path: '', requestId, proto }, startedAt), cfg!.plan, serviceless, env);
        return pr.run(() => pr.hooks().error(r.status, r.message));
      }
      // Global plugins see requests no route took (Kong runs them in rewrite and the response phases).
      if (cfg && cfg.plan.globals.length > 0) {
        const info: ForwardInfo = { host: splitHostPort(req.headers.host ?? '')[0], clientIp: req.socket.remoteAddress ?? '', serverPort: port, path: '', requestId, proto };
        return new PluginRequest(facts(cfg, req, res, r, info, startedAt), cfg.plan, null, env).runError(r.status, r.message, r.extra ?? {});
      }
      req.resume();
      // Kong's latency_tokens on a response Kong itself generates.
      const latency = { 'x-kong-response-latency': String(Math.round(performance.now() - startedAt)) };
      return sendError(res, r.status, r.message, requestId, r.extra ? { ...r.extra, ...latency } : latency);
    }
    const chain = cfg!.plan.chains.get(r.route.id);
    if (!chain) return forward({ cfg: cfg!, svc: r.svc, req, res, path: r.path, preserveHost: r.preserveHost, info: r.info, pools, onError, startedAt });
    const pr = new PluginRequest(facts(cfg!, req, res, r, r.info, startedAt), cfg!.plan, chain, env);
    pr.run((edits) => forward({ cfg: cfg!, svc: r.svc, req, res, path: edits.path(r.path), preserveHost: r.preserveHost, info: r.info, pools, onError, startedAt, edits, hooks: pr.hooks() }));
  };
  // Certificates by SNI from the served config, rebuilt on every swap; handshakes only look up.
  let fallback = opts.tls ? createSecureContext({ cert: opts.tls.certPem, key: opts.tls.keyPem, minVersion: 'TLSv1.2' }) : null;
  let certs: CertIndex | null = null;
  let certTable: ConfigTable | null = null;
  const loadCerts = (table: ConfigTable) => {
    certTable = table;
    if (!fallback) return;
    certs = buildCertIndex(table, fallback, certs ?? undefined);
    for (const f of certs.failed) log.warn('certificate could not be loaded; its SNIs get the default certificate', { certificate: f.id, error: f.error });
  };
  const server = opts.tls && opts.http2
    ? createSecureServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, minVersion: 'TLSv1.2', allowHTTP1: true }, (req, res) => {
        // HTTP/2 names the host in :authority; the router and forwarding read Host.
        if (req.httpVersionMajor === 2 && req.headers.host === undefined) req.headers.host = req.headers[':authority'];
        handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      })
    : opts.tls
      ? createTlsServer({ keepAlive: true, cert: opts.tls.certPem, key: opts.tls.keyPem, minVersion: 'TLSv1.2' }, handler)
      : createServer({ keepAlive: true }, handler);
  if (fallback) terminateBySni(server as TlsServer, (name) => (certs ? certs.pick(name) : fallback!), opts.http2 ? ['h2', 'http/1.1'] : ['http/1.1']);
  // HTTP/2 sessions and raw TLS sockets, for a graceful close of the HTTP/2 listener.
  const sessions = new Set<{ close(): void }>();
  const sockets = new Set<Duplex>();
  let closing = false;
  if ('keepAliveTimeout' in server) {
    server.keepAliveTimeout = 60_000;
    server.headersTimeout = 65_000;
    // While stopping, a connection whose last request just finished is closed instead of kept alive,
    // so a drain ends when the requests end, not when keep-alive times out.
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.once('finish', () => {
        if (closing) setImmediate(() => server.closeIdleConnections());
      });
    });
  } else {
    server.on('session', (session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
    });
    server.on('secureConnection', (socket: Duplex) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      upgrade(req, socket, head);
    } catch (err) {
      failed(err, req);
      writeSocketError(socket, 500, MESSAGES.unexpected, nextRequestId());
    }
  });
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const cfg = current;
    const requestId = nextRequestId();
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    socket.on('error', () => socket.destroy());
    const r = resolve(cfg, viewOf(req, proto), port, requestId, proto);
    const startedAt = performance.now();
    if (r.kind === 'error') {
      if (cfg && cfg.plan.globals.length > 0) {
        const info: ForwardInfo = { host: splitHostPort(req.headers.host ?? '')[0], clientIp: req.socket.remoteAddress ?? '', serverPort: port, path: '', requestId, proto };
        return new PluginRequest(facts(cfg, req, socketSink(socket), r, info, startedAt), cfg.plan, null, env).runError(r.status, r.message, r.extra ?? {});
      }
      return writeSocketError(socket, r.status, r.message, requestId);
    }
    const go = (path: string, headers?: (flat: string[]) => string[]) => tunnel({
      cfg: cfg!, svc: r.svc, req, client: socket, head, path, preserveHost: r.preserveHost, info: r.info, headers,
      track: (s) => { tunnels.add(s); s.on('close', () => tunnels.delete(s)); },
    });
    const chain = cfg!.plan.chains.get(r.route.id);
    if (!chain) return go(r.path);
    // The handshake goes through the same plugins as any request: an upgrade never skips authentication.
    const pr = new PluginRequest(facts(cfg!, req, socketSink(socket), r, r.info, startedAt), cfg!.plan, chain, env);
    pr.run((edits) => go(edits.path(r.path), edits.headers));
  };
  // A head node:http cannot parse gets Kong's 400 (494 when too large), as nginx answers, then the connection closes.
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) return void socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') writeSocketError(socket, 494, MESSAGES.headerTooLarge, nextRequestId());
    else writeSocketError(socket, 400, MESSAGES.badRequest, nextRequestId());
  });
  const leanPools = new LeanPools();
  const front = !opts.tls && opts.lean !== false
    ? leanFront(server as HttpServer, {
        pools: leanPools, config: () => current, port: () => port, closing: () => closing, accessLog: opts.accessLog ?? null, env,
        counted: (busy) => {
          if (busy) {
            stats.requests++;
            stats.leanWriting++;
          } else stats.leanWriting--;
        },
        onError,
        failed: (err, url) => failed(err, { url } as IncomingMessage),
      })
    : null;
  stats.track((front ? front.server : server) as unknown as Parameters<ListenerStats['track']>[0]);

  if (opts.initial) {
    current = compileConfig(opts.initial, null, opts.plugins);
    notePrometheus(opts.initial);
    loadCerts(opts.initial);
  }
  // Closing the pools no service names any more scans every service: after a patch it runs once
  // for all the patches of the next POOL_PRUNE_MS, off the apply (a few idle connections linger).
  let pruneTimer: NodeJS.Timeout | null = null;
  const prunePools = () => {
    if (pruneTimer) return;
    pruneTimer = setTimeout(() => {
      pruneTimer = null;
      if (!current || closing) return;
      pools.retainFor(current);
      leanPools.retainFor(current);
    }, POOL_PRUNE_MS);
    pruneTimer.unref();
  };
  const swapWhole = (table: ConfigTable): void => {
    const started = performance.now();
    const next = compileConfig(table, current, opts.plugins);
    current = next;
    notePrometheus(table);
    loadCerts(table);
    pools.retainFor(next);
    leanPools.retainFor(next);
    for (const s of next.router.skipped) log.warn('route skipped: its paths or headers cannot be compiled', { route: s.id, error: s.error });
    log.debug('config loaded', { routes: next.router.size, services: next.services.size, ms: Math.round(performance.now() - started) });
  };
  const addr = await listenOn(front ? front.server : server, opts.listen);
  // node:http sets up its connection tracking (header timeouts, closeIdleConnections) when it
  // starts listening; behind the lean front it never listens itself but serves what it is given.
  if (front) server.emit('listening');
  port = addr.port;
  log.info('listening', { listener: opts.tls ? (opts.http2 ? 'proxy ssl http2' : 'proxy ssl') : 'proxy', address: `${addr.address}:${addr.port}` });

  return {
    address: { host: addr.address, port: addr.port },
    swap(table) {
      swapWhole(table);
    },
    patch(table, changes) {
      const started = performance.now();
      const changed = current ? compileChanges(current, table, changes, opts.plugins ?? ALL_BUNDLED) : null;
      if (!changed) return swapWhole(table);
      current = changed.compiled;
      if (changed.pluginsChanged) notePrometheus(table);
      if (changed.certsChanged) loadCerts(table);
      if (changed.servicesChanged || changed.peersGone) prunePools();
      for (const s of changed.skipped) log.warn('route skipped: its paths or headers cannot be compiled', { route: s.id, error: s.error });
      log.debug('config patched', { changes: changes.length, routes: current.router.size, ms: Math.round((performance.now() - started) * 10) / 10 });
    },
    ready: () => current !== null,
    routeCount: () => current?.router.size ?? 0,
    stats: () => stats.snapshot(),
    targetHealth: () => (current ? targetHealth(current) : []),
    setTls(tls) {
      if (!fallback) return;
      fallback = createSecureContext({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' });
      // The index falls back to the default it was built with: built again (SNI contexts reused).
      certs = certTable ? buildCertIndex(certTable, fallback, certs ?? undefined) : null;
      log.info('proxy certificate replaced', { listener: `${opts.listen.host}:${port}` });
    },
    async close() {
      closing = true;
      if (pruneTimer) clearTimeout(pruneTimer);
      const closed = front
        ? new Promise<void>((ok) => { server.close(); front.server.close(() => ok()); })
        : new Promise<void>((ok) => server.close(() => ok()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      front?.closeIdle();
      for (const s of sessions) s.close();
      for (const s of tunnels) s.destroy();
      // In-flight requests get a grace period to finish, then their connections are cut.
      const force = setTimeout(() => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        front?.destroyAll();
        for (const s of sockets) s.destroy();
      }, CLOSE_GRACE_MS);
      force.unref();
      await closed;
      clearTimeout(force);
      await pools.close();
      leanPools.close();
    },
  };
}
