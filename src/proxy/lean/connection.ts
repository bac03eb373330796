// A client connection on the lean path: reads request heads, answers the plain ones itself
// (routing, Kong's errors, the upstream exchange) and gives the connection, with the bytes it
// has read, to node:http the moment a request needs anything more (a body, an upgrade, plugins,
// a TLS upstream). Requests are served one at a time; pipelined bytes wait their turn.
import type { Socket } from 'node:net';
import type { CompiledConfig } from '../compile.js';
import type { Destination } from '../upstream/target.js';
import { resolve } from '../resolve.js';
import { MESSAGES } from '../responses.js';
import { nextRequestId } from '../request-id.js';
import { HANDOFF, INCOMPLETE, MAX_HEAD, RequestHead, parseHead } from './head.js';
import { Exchange, type ExchangeOwner } from './exchange.js';
import { KEEP_ALIVE_MS, errorResponse } from './reply.js';
import type { LeanPools } from './upstream.js';
import { accessLine } from '../../util/access-line.js';
import type { AccessLogSink } from '../../util/access-log.js';
import { PluginRequest, type ResponseHooks, type RuntimeEnv } from '../../plugins/runtime/request.js';
import type { Row } from '../../entities/index.js';
import { LeanIncoming, LeanOutgoing, type OutgoingOwner } from './plugin-io.js';

/** What the listener shares with its connections. */
export interface LeanContext {
  readonly pools: LeanPools;
  config(): CompiledConfig | null;
  port(): number;
  closing(): boolean;
  accessLog: AccessLogSink | null;
  /** What plugins run with (logger, shared counters, node id). */
  env: RuntimeEnv;
  /** A request served here (nginx's request counter) and the connections with one under way. */
  counted(busy: boolean): void;
  /** node:http takes over the connection; `bytes` were read from it and not yet served. */
  handoff(socket: Socket, bytes: Buffer): void;
  onError(err: Error, dest: Destination | null): void;
  /** A request that threw inside the lean path (answered 500). */
  failed(err: unknown, url: string): void;
}

// Hosts net.connect takes as they are; anything else goes the undici way (its URL checks).
const PLAIN_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/;
// The last service host tested: most requests go to the service the one before went to.
let lastHost = '';
let lastPlain = false;
function plainHost(host: string): boolean {
  if (host !== lastHost) {
    lastHost = host;
    lastPlain = PLAIN_HOST.test(host);
  }
  return lastPlain;
}

export class LeanConnection implements ExchangeOwner, OutgoingOwner {
  readonly pools: LeanPools;
  gone = false;
  private readonly head = new RequestHead();
  private readonly exchange: Exchange;
  private pending: Buffer | null = null;
  private busy = false;
  private released = false;
  private readPaused = false;
  // The request under way: for the access log and Kong's headers.
  private requestId = '';
  private status = 0;
  private headBytes = 0;
  private bytesBefore = 0;
  private startedAt = 0;
  // Set while a request with plugins is under way: their response phases and the response they see.
  private res: LeanOutgoing | null = null;
  private hooks: ResponseHooks | null = null;

  constructor(private readonly socket: Socket, private readonly ctx: LeanContext) {
    this.pools = ctx.pools;
    this.exchange = new Exchange(this);
    this.head.clientIp = socket.remoteAddress ?? '';
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onSocketError);
    socket.on('drain', this.onDrain);
    socket.on('timeout', this.onTimeout);
    socket.setTimeout(KEEP_ALIVE_MS);
  }

  /** The connection has no request under way (close() ends these at once). */
  get idle(): boolean {
    return !this.busy && !this.released;
  }

  private readonly onData = (chunk: Buffer) => {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (this.busy) {
      this.pending = buf;
      // A client that pipelines far ahead waits until its requests are answered.
      if (buf.length > MAX_HEAD && !this.readPaused) {
        this.readPaused = true;
        this.socket.pause();
      }
      return;
    }
    this.process(buf);
  };

  private process(buf: Buffer): void {
    const head = this.head;
    const r = parseHead(buf, head);
    if (r === INCOMPLETE) {
      this.pending = buf;
      return;
    }
    if (r === HANDOFF) return this.release(buf);
    try {
      this.serve(buf);
    } catch (err) {
      this.ctx.failed(err, head.url);
      if (!this.busy) {
        this.busy = true;
        this.requestId = nextRequestId();
        this.bytesBefore = this.socket.bytesWritten;
        this.ctx.counted(true);
      }
      this.exchange.abandon();
      if (this.status === 0) this.fail(500, MESSAGES.unexpected);
      else this.socket.destroy();
    }
  }

  private serve(buf: Buffer): void {
    const ctx = this.ctx;
    const head = this.head;
    const cfg = ctx.config();
    const startedAt = performance.now();
    const requestId = nextRequestId();
    const r = resolve(cfg, head, ctx.port(), requestId, 'http');
    let svc = null;
    if (r.kind === 'ok') {
      svc = r.svc;
      if (svc.protocol !== 'http' || (!plainHost(svc.host) && !cfg!.balancers.has(svc.host))) return this.release(buf);
    } else if ((r.status !== 404 && r.status !== 503) || (cfg && (cfg.plan.globals.length > 0 || (r.route && cfg.plan.chains.has(r.route.id))))) {
      // Global plugins on a request no route took, a route without a service but with plugins,
      // Kong's redirects: node:http's path.
      return this.release(buf);
    }
    this.pending = buf.length > head.length ? buf.subarray(head.length) : null;
    this.busy = true;
    this.status = 0;
    this.headBytes = 0;
    this.requestId = requestId;
    this.startedAt = startedAt;
    // Only the access log counts bytes (the getter walks the socket's write state).
    if (ctx.accessLog) this.bytesBefore = this.socket.bytesWritten;
    ctx.counted(true);
    if (r.kind === 'error') {
      // Kong's latency_tokens on a response Kong itself generates.
      return this.answer(r.status, r.message, Math.round(performance.now() - startedAt));
    }
    const chain = cfg!.plan.chains.get(r.route.id);
    if (!chain) return this.exchange.start(cfg!, svc!, head, r.info, r.path, r.preserveHost, startedAt);
    const res = new LeanOutgoing(this, head.method);
    this.res = res;
    const req = new LeanIncoming(head, this.socket);
    const info = r.info;
    const pr = new PluginRequest({
      req: req as never, res: res as never, route: r.route, service: (cfg!.serviceRows.get(svc!.id) as Row | undefined) ?? null,
      scheme: 'http', host: info.host, serverPort: info.serverPort, clientIp: info.clientIp, path: r.normalized, rawQuery: r.rawQuery, requestId, startedAt,
    }, cfg!.plan, chain, ctx.env);
    const hooks = pr.hooks();
    this.hooks = hooks;
    pr.run((edits) => {
      if (this.res === res) this.exchange.start(cfg!, svc!, head, info, edits.path(r.path), r.preserveHost, startedAt, edits, hooks);
    });
  }

  /** node:http serves this connection from here on, starting with `buf`. */
  private release(buf: Buffer): void {
    this.released = true;
    const s = this.socket;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('close', this.onClose);
    s.off('error', this.onSocketError);
    s.off('drain', this.onDrain);
    s.off('timeout', this.onTimeout);
    s.setTimeout(0);
    if (this.readPaused) s.resume();
    this.ctx.handoff(s, buf);
  }

  send(data: Buffer): boolean {
    if (this.gone) return true;
    return this.socket.write(data);
  }

  began(status: number, headBytes: number): void {
    this.status = status;
    this.headBytes = headBytes;
    if (this.res) {
      this.res.statusCode = status;
      this.res.headersSent = true;
    }
  }

  fail(status: number, message: string): void {
    // With plugins, Kong's error goes through their response phases.
    if (this.hooks) return this.hooks.error(status, message);
    this.answer(status, message, null);
  }

  private answer(status: number, message: string, latency: number | null): void {
    const buf = errorResponse(status, message, this.requestId, latency);
    this.status = status;
    this.headBytes = buf.indexOf('\r\n\r\n') + 4;
    this.send(buf);
    this.done();
  }

  done(): void {
    if (!this.busy) return;
    this.busy = false;
    if (this.res) {
      this.res.finished();
      this.res = null;
      this.hooks = null;
    }
    this.log(this.status);
    this.ctx.counted(false);
    if (this.gone) return;
    if (this.ctx.closing()) {
      this.socket.end();
      return;
    }
    if (this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
    const next = this.pending;
    if (next) {
      this.pending = null;
      this.process(next);
    }
  }

  cut(): void {
    this.socket.destroy();
  }

  onError(err: Error, dest: Destination | null): void {
    this.ctx.onError(err, dest);
  }

  private log(status: number): void {
    const sink = this.ctx.accessLog;
    if (!sink) return;
    const h = this.head;
    const sent = this.socket.bytesWritten - this.bytesBefore - this.headBytes;
    sink.write(accessLine(h.clientIp || '-', h.first('authorization'), `${h.method} ${h.url} HTTP/1.1`, status, sent, h.first('referer'), h.first('user-agent'), this.requestId));
  }

  // As node:http does (no httpAllowHalfOpen): a client that ends its side abandons its request.
  private readonly onEnd = () => {
    if (this.busy) this.leave();
    this.socket.end();
  };

  private readonly onClose = () => {
    if (this.busy) this.leave();
    this.gone = true;
  };

  /** The client left before its answer was complete: nginx's 499. */
  private leave(): void {
    this.gone = true;
    if (this.res) {
      this.res.closed();
      this.res = null;
      this.hooks = null;
    }
    this.exchange.abandon();
    this.busy = false;
    this.log(499);
    this.ctx.counted(false);
  }

  private readonly onSocketError = () => {
    // 'close' follows and does the cleanup.
  };

  private readonly onDrain = () => this.exchange.drained();

  // One idle timer for the connection's life (re-armed by every read and write): while a request
  // waits on a slow upstream it fires and is ignored, the upstream's own read timeout applies.
  private readonly onTimeout = () => {
    if (!this.busy) this.socket.destroy();
  };

  /** close(): an idle connection ends now, a busy one after its response. */
  shutdown(): void {
    if (this.idle) this.socket.end();
  }
}
