// Forwarding one matched HTTP request: bodies stream both ways (never buffered), connection
// failures are retried on the next peer up to service.retries times, timeouts give 504 and
// other upstream failures 502.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CompiledConfig, ServiceTarget } from './compile.js';
import { downstreamHeaders, upstreamHeaders } from './headers.js';
import type { ForwardInfo } from './headers.js';
import { MESSAGES, VIA_HEADER, sendError } from './responses.js';
import type { Pools } from './upstream/pools.js';
import { chooseDestination, upstreamHost } from './upstream/target.js';
import type { Destination } from './upstream/target.js';

// Errors raised before the request reached the upstream: safe to try the next peer.
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'UND_ERR_SOCKET',
]);
const TIMEOUT_ERRORS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

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
}

const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

export function forward(job: ForwardJob): void {
  attempt(job, job.svc.retries, null);
}

function attempt(job: ForwardJob, retriesLeft: number, previous: Destination | null): void {
  const { svc, req, res, info } = job;
  const dest = chooseDestination(job.cfg, svc, previous);
  if (!dest) return sendError(res, 503, MESSAGES.noPeer, info.requestId);
  const hostHeader = job.preserveHost && req.headers.host ? req.headers.host : upstreamHost(svc, dest);
  const pool = job.pools.get(svc.protocol, dest.host, dest.port, svc.connectTimeout, svc.tlsVerify);
  const body = hasBody(req) ? req : null;
  let started = false;
  const sentAt = performance.now();
  // undici accepts an emitter as its abort signal: fired when the client leaves before the
  // response is complete, so a slow upstream is not kept busy for nobody (nginx does the same).
  const abort = new EventEmitter();
  const onClose = () => { if (!res.writableFinished) abort.emit('abort'); };
  res.once('close', onClose);
  const opts: Dispatcher.RequestOptions = {
    signal: abort,
    path: job.path,
    method: req.method as Dispatcher.HttpMethod,
    headers: upstreamHeaders(req, hostHeader, info),
    body,
    headersTimeout: svc.readTimeout,
    bodyTimeout: svc.readTimeout,
  };
  pool.stream(
    opts,
    ({ statusCode, headers }) => {
      started = true;
      if (dest.peer) dest.balancer!.reportSuccess(dest.peer);
      const out = downstreamHeaders(headers, VIA_HEADER, info.requestId);
      // Kong's latency_tokens: time waiting for the upstream, and time spent before sending to it.
      out['x-kong-upstream-latency'] = String(Math.round(performance.now() - sentAt));
      out['x-kong-proxy-latency'] = String(Math.round(sentAt - job.startedAt));
      res.writeHead(statusCode, out);
      return res;
    },
    (err) => {
      res.off('close', onClose);
      if (!err) return;
      if (res.destroyed && !res.writableFinished && !started) return; // the client left
      const code = (err as { code?: string }).code ?? '';
      if (!started && CONNECT_ERRORS.has(code)) {
        if (dest.peer) dest.balancer!.reportFailure(dest.peer);
        if (retriesLeft > 0 && (body === null || !req.readableDidRead) && !res.destroyed) {
          return attempt(job, retriesLeft - 1, dest);
        }
      }
      job.onError(err, dest);
      if (started || res.headersSent) return void res.destroy();
      if (TIMEOUT_ERRORS.has(code)) sendError(res, 504, MESSAGES.timeout, info.requestId);
      else sendError(res, 502, MESSAGES.badGateway, info.requestId);
    },
  );
}
