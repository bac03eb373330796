// One lean request's trip upstream, as forward.ts does it over undici: the head written as one
// buffer on a pooled keep-alive connection, connection failures retried on the next peer up to
// service.retries times, Kong's 504 when the upstream is too slow and 502 for anything else
// before the response began; a failure after it began cuts the client connection. One Exchange
// per client connection, reused for each of its requests.
import type { CompiledConfig, ServiceTarget } from '../compile.js';
import { CONNECT_ERRORS, TIMEOUT_ERRORS } from '../forward.js';
import { downstreamRawHeaders, lengthMask, maybeOneOf, upstreamHeaders, type ForwardInfo } from '../headers.js';
import { MESSAGES, VIA_HEADER } from '../responses.js';
import { chooseDestination, upstreamHost, type Destination } from '../upstream/target.js';
import type { RequestHead } from './head.js';
import { HEAD_INCOMPLETE, HEAD_INVALID, ResponseReader } from './relay.js';
import { CONNECTION_LINES, chunkSize, currentDate, responseHead, statusLine, type HeadShape } from './reply.js';
import { passedResponse } from './pass-head.js';
import type { LeanPools, UpstreamConn, UpstreamUser } from './upstream.js';
import type { ResponseHooks, UpstreamEdits } from '../../plugins/runtime/request.js';

/** What an exchange needs from the client connection it serves. */
export interface ExchangeOwner {
  readonly pools: LeanPools;
  /** The client left: nothing more is to be sent. */
  readonly gone: boolean;
  /** Sends bytes; false when the client's buffer is full (the upstream is paused until drain). */
  send(data: Buffer): boolean;
  /** The response head went out with `headBytes` bytes. */
  began(status: number, headBytes: number): void;
  /** Kong's own error instead of the upstream's answer. */
  fail(status: number, message: string): void;
  /** The response is complete. */
  done(): void;
  /** The response cannot be completed: the client connection is cut. */
  cut(): void;
  onError(err: Error, dest: Destination | null): void;
}

// undici's names for the same failures, so logs and Kong's status choice read the same.
const SOCKET_CLOSED = 'UND_ERR_SOCKET';
const HEADERS_TIMEOUT = 'UND_ERR_HEADERS_TIMEOUT';
const BODY_TIMEOUT = 'UND_ERR_BODY_TIMEOUT';
const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';
const codeError = (message: string, code: string) => Object.assign(new Error(message), { code });

// Methods undici sends a zero Content-Length for when there is no body (compared, not looked
// up in a set: the method is a new string each request, and a lookup would hash it).
const expectsPayload = (m: string) => m === 'POST' || m === 'PUT' || m === 'PATCH' || m === 'QUERY';
// Request headers undici refuses (the request fails before it is sent); only plugins can add them here.
const REFUSED = new Set(['transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect']);
// Names edited() looks at; a name of another length is none of them and goes as it is.
const EDIT_LOOKED_AT = lengthMask([...REFUSED, 'host', 'content-length']);
const CRLF = '\r\n';
const LAST_CHUNK = '0\r\n\r\n';
const NO_PIECES: readonly Buffer[] = Object.freeze([]);

export class Exchange implements UpstreamUser {
  private cfg: CompiledConfig | null = null;
  private svc: ServiceTarget | null = null;
  private head: RequestHead | null = null;
  private info: ForwardInfo | null = null;
  private path = '';
  private preserveHost = false;
  private startedAt = 0;
  private sentAt = 0;
  private dest: Destination | null = null;
  private retriesLeft = 0;
  private conn: UpstreamConn | null = null;
  private request: string | Buffer = '';
  private started = false;
  private paused = false;
  private readonly reader = new ResponseReader();
  private readonly shape: HeadShape = { length: false, bodiless: false };
  /** Body pieces read and not yet sent; replaced, not emptied (emptying in place is a runtime call). */
  private out: Buffer[] = [];
  private edits: UpstreamEdits | null = null;
  private hooks: ResponseHooks | null = null;
  /** The client response is chunked (no length, a body): each piece goes framed. */
  private chunked = false;
  /** The body is held for body_filter: the head goes out with it at the end. */
  private held: { status: number; flat: string[]; chunks: Buffer[] } | null = null;

  constructor(private readonly owner: ExchangeOwner) {}

  /** `edits` and `hooks`: the route's plugins ran, and see the response. */
  start(cfg: CompiledConfig, svc: ServiceTarget, head: RequestHead, info: ForwardInfo, path: string, preserveHost: boolean, startedAt: number,
    edits: UpstreamEdits | null = null, hooks: ResponseHooks | null = null): void {
    this.edits = edits;
    this.hooks = hooks;
    this.held = null;
    this.cfg = cfg;
    this.svc = svc;
    this.head = head;
    this.info = info;
    this.path = path;
    this.preserveHost = preserveHost;
    this.startedAt = startedAt;
    this.started = false;
    this.paused = false;
    this.attempt(svc.retries, null);
  }

  /** The client left: the upstream request is abandoned (its connection cannot be reused). */
  abandon(): void {
    const conn = this.conn;
    if (!conn) return;
    this.conn = null;
    conn.user = null;
    conn.socket.destroy();
  }

  /** The client can take more: reading from the upstream resumes. */
  drained(): void {
    if (this.paused && this.conn) {
      this.paused = false;
      this.conn.socket.resume();
    }
  }

  private attempt(retriesLeft: number, previous: Destination | null): void {
    const svc = this.svc!;
    const head = this.head!;
    const dest = chooseDestination(this.cfg!, svc, previous);
    if (!dest) return this.owner.fail(503, MESSAGES.noPeer);
    this.dest = dest;
    this.retriesLeft = retriesLeft;
    const hostHeader = this.preserveHost ? head.host : upstreamHost(svc, dest);
    const edits = this.edits;
    const flat = edits ? edits.headers(upstreamHeaders(head, hostHeader, this.info!)) : upstreamHeaders(head, hostHeader, this.info!);
    const request = edits ? this.edited(flat, edits) : this.plain(flat, hostHeader);
    if (request === null) return this.failed(codeError('invalid request header', 'UND_ERR_INVALID_ARG'));
    this.request = request;
    this.reader.reset();
    this.sentAt = performance.now();
    const conn = this.owner.pools.take(dest.host, dest.port, this);
    this.conn = conn;
    if (conn.connected) this.send(conn);
    else conn.timeout(svc.connectTimeout);
  }

  /** undici's bytes: host first, then its connection line (close after HEAD), then the rest. */
  private plain(flat: string[], host: string): string {
    const method = this.head!.method;
    let req = `${method} ${this.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: ${method === 'HEAD' ? 'close' : 'keep-alive'}\r\n`;
    for (let i = 2; i < flat.length; i += 2) req += `${flat[i]}: ${flat[i + 1]}\r\n`;
    if (expectsPayload(method)) req += 'content-length: 0\r\n';
    return `${req}\r\n`;
  }

  /** The same after plugins: any method, headers in any order, maybe a body (null: undici would refuse them). */
  private edited(flat: string[], edits: UpstreamEdits): string | Buffer | null {
    const method = edits.method ?? this.head!.method;
    let host: string | null = null;
    let sawLength = false;
    let rest = '';
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i]!;
      if (maybeOneOf(EDIT_LOOKED_AT, name)) {
        const lower = name.toLowerCase();
        if (REFUSED.has(lower)) return null;
        // The first Host and Content-Length are undici's own; later ones go as they are.
        if (lower === 'host' && host === null) {
          host = flat[i + 1]!;
          continue;
        }
        if (lower === 'content-length' && !sawLength) {
          sawLength = true;
          continue;
        }
      }
      rest += `${name}: ${flat[i + 1]}\r\n`;
    }
    let req = `${method} ${this.path} HTTP/1.1\r\n${host !== null ? `host: ${host}\r\n` : ''}connection: ${method === 'HEAD' ? 'close' : 'keep-alive'}\r\n${rest}`;
    const body = edits.body;
    if (body && body.length > 0) req += `content-length: ${body.length}\r\n`;
    else if (expectsPayload(method)) req += 'content-length: 0\r\n';
    if (!body || body.length === 0) return `${req}\r\n`;
    const out = Buffer.allocUnsafe(req.length + 2 + body.length);
    const at = out.write(`${req}\r\n`, 0, 'latin1');
    body.copy(out, at);
    return out;
  }

  private send(conn: UpstreamConn): void {
    conn.timeout(this.svc!.readTimeout);
    const r = this.request;
    if (typeof r === 'string') conn.socket.write(r, 'latin1');
    else conn.socket.write(r);
  }

  onUpstreamConnect(): void {
    if (this.conn) this.send(this.conn);
  }

  onUpstreamData(chunk: Buffer): void {
    const reader = this.reader;
    const out = this.out;
    let r: number;
    if (!this.started) {
      const changes = this.hooks === null ? null : this.hooks.passable();
      const at = reader.head(chunk, this.head!.method, changes !== false, changes || null);
      if (at === HEAD_INCOMPLETE) return;
      if (at === HEAD_INVALID) return this.failed(codeError('invalid upstream response head', 'HPE_INVALID'));
      this.started = true;
      if (this.dest!.peer) this.dest!.balancer!.reportSuccess(this.dest!.peer);
      // Kong's latency_tokens: time waiting for the upstream, and time spent before sending to it.
      const upstreamLatency = Math.round(performance.now() - this.sentAt);
      const proxyLatency = Math.round(this.sentAt - this.startedAt);
      if (reader.passed) {
        r = reader.body(reader.buffer, at, out);
        this.passOn(upstreamLatency, proxyLatency, changes || null);
        if (r === 1) this.complete();
        return;
      }
      const latency = ['x-kong-upstream-latency', String(upstreamLatency), 'x-kong-proxy-latency', String(proxyLatency)];
      let flat = downstreamRawHeaders(reader.raw, VIA_HEADER, this.info!.requestId, latency);
      let status = reader.status;
      r = reader.body(reader.buffer, at, out);
      if (this.hooks) {
        const h = this.hooks.head(status, flat, this.sentAt);
        status = h.status;
        flat = h.flat;
        // body_filter needs the whole body: held until it is complete.
        if (h.buffer) this.held = { status, flat, chunks: [] };
      }
      if (this.held) this.hold();
      else this.emit(this.headFor(status, flat), r === 1);
    } else {
      r = reader.body(chunk, 0, out);
      if (this.held) this.hold();
      else this.emit(null, r === 1);
    }
    if (r === 1) this.complete();
    else if (r === -1) this.broken(codeError('invalid upstream response body framing', 'HPE_INVALID_CHUNK_SIZE'));
  }

  private headFor(status: number, flat: string[]): string {
    const method = this.head!.method;
    const head = responseHead(status, flat, method === 'HEAD' || status === 204 || status === 304, this.shape);
    this.chunked = !this.shape.length && !this.shape.bodiless;
    this.owner.began(status, head.length);
    return head;
  }

  /**
   * A head passHead read, with the body read so far: its lines as they came, then what
   * downstreamRawHeaders and responseHead add (Via, the request id, the latencies, Date unless
   * it has one, node:http's connection lines), in their order; `changes` (plugins' headers) as
   * flatApply appends them, after Kong's.
   */
  private passOn(upstreamLatency: number, proxyLatency: number, changes: ReadonlyMap<string, { name: string; values: readonly string[] | null }> | null): void {
    const reader = this.reader;
    const h = reader.passedHead;
    let tail = `via: ${h.via ? `${h.via}, ${VIA_HEADER}` : VIA_HEADER}\r\nx-kong-request-id: ${this.info!.requestId}\r\n`
      + `x-kong-upstream-latency: ${upstreamLatency}\r\nx-kong-proxy-latency: ${proxyLatency}\r\n`;
    if (changes !== null) for (const c of changes.values()) if (c.values) for (const v of c.values) tail += `${c.name}: ${v}\r\n`;
    tail += `${h.date ? '' : currentDate()}${CONNECTION_LINES}\r\n`;
    const line = statusLine(h.status);
    this.chunked = false;
    this.shape.length = true;
    this.shape.bodiless = false;
    const taken = this.out;
    if (taken.length > 0) this.out = [];
    this.owner.began(h.status, line.length + h.kept + tail.length);
    this.write(passedResponse(reader.buffer, h, line, tail, taken));
  }

  private hold(): void {
    for (const b of this.out) this.held!.chunks.push(b);
    if (this.out.length > 0) this.out = [];
  }

  /** One client write: the head if due, then the pieces read, framed as node:http frames each write. */
  private emit(head: string | null, last: boolean): void {
    const taken = this.out;
    if (taken.length > 0) this.out = [];
    const chunked = this.chunked;
    // A bodiless response (HEAD, 204, 304) sends none of the body, as node:http does.
    const out = this.shape.bodiless ? NO_PIECES : taken;
    if (head === null && !chunked && out.length === 1) return this.write(out[0]!);
    let size = head === null ? 0 : head.length;
    for (const b of out) size += chunked ? chunkSize(b.length).length + b.length + 2 : b.length;
    if (last && chunked) size += LAST_CHUNK.length;
    if (size === 0) return;
    const buf = Buffer.allocUnsafe(size);
    let pos = head === null ? 0 : buf.write(head, 0, 'latin1');
    for (const b of out) {
      if (chunked) pos += buf.write(chunkSize(b.length), pos, 'latin1');
      pos += b.copy(buf, pos);
      if (chunked) pos += buf.write(CRLF, pos, 'latin1');
    }
    if (last && chunked) buf.write(LAST_CHUNK, pos, 'latin1');
    this.write(buf);
  }

  private write(buf: Buffer): void {
    if (!this.owner.send(buf) && this.conn && !this.paused) {
      this.paused = true;
      this.conn.socket.pause();
    }
  }

  private complete(): void {
    const conn = this.conn;
    this.conn = null;
    if (conn) {
      if (this.reader.reusable && this.head!.method !== 'HEAD') {
        if (this.paused) conn.socket.resume();
        this.owner.pools.release(conn);
      } else {
        conn.user = null;
        conn.socket.destroy();
      }
    }
    this.paused = false;
    const held = this.held;
    if (held && this.hooks) {
      this.held = null;
      const body = this.hooks.body(Buffer.concat(held.chunks));
      held.flat.push('content-length', String(body.length));
      this.out.push(body);
      this.emit(this.headFor(held.status, held.flat), true);
    }
    this.owner.done();
  }

  onUpstreamClose(err: Error | null): void {
    const conn = this.conn;
    this.conn = null;
    if (this.started) {
      if (this.reader.closeDelimited) {
        if (this.held) this.hold();
        else this.emit(null, true);
        return this.complete();
      }
      return this.broken(err ?? codeError('other side closed', SOCKET_CLOSED));
    }
    if (!conn) return;
    // Before any response: a refused connection keeps its code; a closed one is undici's socket error.
    this.failed(err && !conn.connected ? err : codeError(err?.message ?? 'other side closed', SOCKET_CLOSED));
  }

  onUpstreamTimeout(): void {
    const conn = this.conn;
    if (!conn) return;
    const code = !conn.connected ? CONNECT_TIMEOUT : this.started ? BODY_TIMEOUT : HEADERS_TIMEOUT;
    this.abandon();
    const err = codeError(code === CONNECT_TIMEOUT ? 'connect timeout' : 'upstream read timeout', code);
    if (this.started) this.broken(err);
    else this.failed(err);
  }

  onUpstreamThrow(err: unknown): void {
    this.conn = null;
    const e = err instanceof Error ? err : new Error(String(err));
    if (this.started) this.broken(e);
    else this.failed(e);
  }

  /** Failed before the response began: the next peer, or Kong's error. */
  private failed(err: Error): void {
    this.abandon();
    if (this.owner.gone) return;
    const code = (err as { code?: string }).code ?? '';
    if (CONNECT_ERRORS.has(code)) {
      if (this.dest!.peer) this.dest!.balancer!.reportFailure(this.dest!.peer);
      if (this.retriesLeft > 0) return this.attempt(this.retriesLeft - 1, this.dest);
    }
    this.owner.onError(err, this.dest);
    if (TIMEOUT_ERRORS.has(code)) this.owner.fail(504, MESSAGES.timeout);
    else this.owner.fail(502, MESSAGES.badGateway);
  }

  /** Failed after the response began: as node:http's res.destroy(), the client connection goes. */
  private broken(err: Error): void {
    this.abandon();
    this.owner.onError(err, this.dest);
    // A held body has not gone out yet: Kong's error can still be the answer.
    if (this.held) {
      this.held = null;
      const code = (err as { code?: string }).code ?? '';
      return TIMEOUT_ERRORS.has(code) ? this.owner.fail(504, MESSAGES.timeout) : this.owner.fail(502, MESSAGES.badGateway);
    }
    this.owner.cut();
  }
}
