// Forwarding one matched HTTP request: bodies stream both ways (never buffered), connection
// failures are retried on the next peer up to service.retries times, timeouts give 504 and
// other upstream failures 502.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CompiledConfig, ServiceTarget } from './compile.js';
import { downstreamRawHeaders, headersObject, upstreamHeaders } from './headers.js';
import type { ForwardInfo } from './headers.js';
import { MESSAGES, VIA_HEADER, sendError } from './responses.js';
import type { Pools } from './upstream/pools.js';
import { chooseDestination, upstreamHost } from './upstream/target.js';
import type { Destination } from './upstream/target.js';
import type { ResponseHooks, UpstreamEdits } from '../plugins/runtime/request.js';

// Errors raised before the request reached the upstream: safe to try the next peer.
export const CONNECT_ERRORS = new Set([
  'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'UND_ERR_SOCKET',
]);
export const TIMEOUT_ERRORS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export interface ForwardJob {
  cfg: CompiledConfig;
  svc: ServiceTarget;
  req: IncomingMessage;
  res: ServerResponse;
  /** Path and query to send upstream. */
  path: string;
  preserveHost: boolean;
  info: ForwardInfo;
  pools: Pools;
  onError(err: Error, dest: Destination | null): void;
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** Set when plugins ran: their changes to the upstream request, and their response phases. */
  edits?: UpstreamEdits;
  hooks?: ResponseHooks;
}

const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

export function forward(job: ForwardJob): void {
  attempt(job, job.svc.retries, null);
}

function attempt(job: ForwardJob, retriesLeft: number, previous: Destination | null): void {
  const { svc, req, res, info } = job;
  const dest = chooseDestination(job.cfg, svc, previous);
  if (!dest) return job.hooks ? job.hooks.error(503, MESSAGES.noPeer) : sendError(res, 503, MESSAGES.noPeer, info.requestId);
  const hostHeader = job.preserveHost && req.headers.host ? req.headers.host : upstreamHost(svc, dest);
  if (svc.tls?.broken) {
    job.onError(Object.assign(new Error(svc.tls.broken), { code: 'UPSTREAM_TLS_UNAVAILABLE' }), dest);
    return job.hooks ? job.hooks.error(502, MESSAGES.badGateway) : sendError(res, 502, MESSAGES.badGateway, info.requestId);
  }
  let pool;
  try {
    pool = job.pools.get(svc.protocol, dest.host, dest.port, svc.connectTimeout, svc.tls);
  } catch (err) {
    // A host no connection can be made to (Kong refuses these; a peer may not have): this route
    // answers as Kong does for a name it cannot resolve, and the worker serves on.
    job.onError(err as Error, dest);
    return job.hooks ? job.hooks.error(503, MESSAGES.nameResolution) : sendError(res, 503, MESSAGES.nameResolution, info.requestId);
  }
  const edits = job.edits;
  const body = edits?.body ?? (hasBody(req) ? req : null);
  const handler = new ForwardHandler(job, dest, retriesLeft, body);
  const headers = upstreamHeaders(req, hostHeader, info);
  pool.dispatch(
    {
      path: job.path,
      method: (edits?.method ?? req.method) as Dispatcher.HttpMethod,
      headers: edits ? edits.headers(headers) : headers,
      body,
      headersTimeout: svc.readTimeout,
      bodyTimeout: svc.readTimeout,
    },
    handler,
  );
}

/**
 * undici's lowest-level handler: the response streams straight into the client response, and
 * the only listener per request is the one that aborts the upstream when the client leaves
 * (a slow upstream is not kept busy for nobody, as nginx does).
 */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private abort: ((err?: Error) => void) | null = null;
  private started = false;
  private done = false;
  private readonly sentAt = performance.now();
  private readonly onClientClose = () => {
    if (!this.job.res.writableFinished && !this.done) this.abort?.(Object.assign(new Error('client closed the connection'), { code: 'CLIENT_CLOSED' }));
  };
  private readonly onDrain = () => this.resume?.();
  private resume: (() => void) | null = null;
  private held: { status: number; flat: string[]; chunks: Buffer[] } | null = null;

  constructor(
    private readonly job: ForwardJob,
    private readonly dest: Destination,
    private readonly retriesLeft: number,
    private readonly body: IncomingMessage | Buffer | null,
  ) {
    job.res.once('close', this.onClientClose);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.job.res.destroyed) abort(Object.assign(new Error('client closed the connection'), { code: 'CLIENT_CLOSED' }));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    const { res, info } = this.job;
    this.started = true;
    if (this.dest.peer) this.dest.balancer!.reportSuccess(this.dest.peer);
    // Kong's latency_tokens: time waiting for the upstream, and time spent before sending to it.
    const latency = ['x-kong-upstream-latency', String(Math.round(performance.now() - this.sentAt)), 'x-kong-proxy-latency', String(Math.round(this.sentAt - this.job.startedAt))];
    let flat = downstreamRawHeaders(rawHeaders, VIA_HEADER, info.requestId, latency);
    if (this.job.hooks) {
      const h = this.job.hooks.head(statusCode, flat, this.sentAt);
      statusCode = h.status;
      flat = h.flat;
      // body_filter needs the whole body: held until onComplete.
      if (h.buffer) {
        this.held = { status: statusCode, flat, chunks: [] };
        return true;
      }
    }
    res.writeHead(statusCode, this.job.req.httpVersionMajor === 2 ? headersObject(flat) : flat);
    this.resume = resume;
    res.on('drain', this.onDrain);
    return !res.writableNeedDrain;
  }

  onData(chunk: Buffer): boolean {
    if (this.held) {
      this.held.chunks.push(chunk);
      return true;
    }
    return this.job.res.write(chunk);
  }

  onComplete(): void {
    this.finish();
    const held = this.held;
    if (held && this.job.hooks) {
      const body = this.job.hooks.body(Buffer.concat(held.chunks));
      held.flat.push('content-length', String(body.length));
      this.job.res.writeHead(held.status, this.job.req.httpVersionMajor === 2 ? headersObject(held.flat) : held.flat);
      this.job.res.end(body);
      return;
    }
    this.job.res.end();
  }

  onError(err: Error): void {
    this.finish();
    const { res, req, info } = this.job;
    const code = (err as { code?: string }).code ?? '';
    if (code === 'CLIENT_CLOSED' || (res.destroyed && !res.writableFinished && !this.started)) return; // the client left
    if (!this.started && CONNECT_ERRORS.has(code)) {
      if (this.dest.peer) this.dest.balancer!.reportFailure(this.dest.peer);
      if (this.retriesLeft > 0 && (this.body === null || Buffer.isBuffer(this.body) || !req.readableDidRead) && !res.destroyed) {
        return attempt(this.job, this.retriesLeft - 1, this.dest);
      }
    }
    this.job.onError(err, this.dest);
    if (res.headersSent || (this.started && !this.held)) return void res.destroy();
    const [status, message] = TIMEOUT_ERRORS.has(code) ? [504, MESSAGES.timeout] : [502, MESSAGES.badGateway];
    if (this.job.hooks) this.job.hooks.error(status, message);
    else sendError(res, status, message, info.requestId);
  }

  private finish(): void {
    this.done = true;
    this.job.res.off('close', this.onClientClose);
    this.job.res.off('drain', this.onDrain);
  }
}
