// The numbers Kong's log serializer reads from nginx ($request_time, $request_length,
// $bytes_sent) and from ngx.ctx (KONG_PROXY_LATENCY, KONG_WAITING_TIME), for one request.
import type { Measurements } from '../pdk/types.js';
import type { RequestFacts } from './request.js';

/**
 * `upstreamAt`: when the upstream was asked and when its headers arrived; `bytesBefore`: the
 * connection's bytes written before this response; `finishedAt`: when the response ended (0: not yet).
 */
export function measureRequest(facts: RequestFacts, upstreamAt: [number, number] | null, bytesBefore: number, finishedAt: number): Measurements {
  const { req, startedAt } = facts;
  const end = finishedAt || performance.now();
  // "METHOD target HTTP/1.1\r\n", each "name: value\r\n", the blank line: what nginx counts.
  let head = req.method!.length + (req.url ?? '').length + 12;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) head += raw[i]!.length + raw[i + 1]!.length + 4;
  const length = Number(req.headers['content-length']);
  return {
    requestMs: Math.round(end - startedAt),
    kongMs: Math.round((upstreamAt ? upstreamAt[0] : end) - startedAt),
    upstreamMs: upstreamAt ? Math.round(upstreamAt[1] - upstreamAt[0]) : -1,
    receiveMs: upstreamAt ? Math.round(end - upstreamAt[1]) : 0,
    requestBytes: head + 2 + (Number.isFinite(length) ? length : 0),
    responseBytes: Math.max(0, (req.socket?.bytesWritten ?? 0) - Math.max(0, bytesBefore)),
  };
}
