// One access log line in nginx's `combined` format (Kong's admin and status listeners) or Kong's
// `kong_log_format` (combined plus `kong_request_id: "…"`, the proxy's), with nginx's escaping:
// `"`, `\` and bytes outside printable ASCII become \xXX, empty values `-`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessLogSink } from './access-log.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** nginx's $time_local: 02/Dec/2026:00:58:01 +0000, in the process's time zone. */
export function timeLocal(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${two(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

// What nginx escapes; most values have none of it and are returned as they are.
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f-\uffff]/;

export function escapeValue(v: string | undefined | null): string {
  if (!v) return '-';
  if (!NEEDS_ESCAPE.test(v)) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    out += c === 0x22 || c === 0x5c || c < 0x20 || c > 0x7e ? `\\x${(c & 0xff).toString(16).toUpperCase().padStart(2, '0')}` : v[i];
  }
  return out;
}

/** $remote_user: the user name of a Basic Authorization header. */
function remoteUser(auth: string | undefined): string {
  if (!auth || !/^basic /i.test(auth)) return '-';
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('latin1');
  const i = decoded.indexOf(':');
  return i > 0 ? escapeValue(decoded.slice(0, i)) : '-';
}

/** One line from its parts; `requestId` given: Kong's kong_log_format, else combined. */
export function accessLine(client: string, authorization: string | undefined, request: string, status: number, sent: number,
  referer: string | undefined, userAgent: string | undefined, requestId?: string): string {
  const addr = client.startsWith('::ffff:') ? client.slice(7) : client;
  let line = `${addr} - ${remoteUser(authorization)} [${timeLocal(new Date())}] "${escapeValue(request)}" ${status} ${Math.max(0, sent)} "${escapeValue(referer)}" "${escapeValue(userAgent)}"`;
  if (requestId !== undefined) line += ` kong_request_id: "${escapeValue(requestId)}"`;
  return line;
}

/**
 * Writes the request's line when its response is over: nginx's 499 when the client left first.
 * `requestId` given: Kong's kong_log_format, else combined.
 */
export function logAccess(sink: AccessLogSink, req: IncomingMessage, res: ServerResponse, requestId?: string): void {
  const before = req.socket?.bytesWritten ?? 0;
  res.once('close', () => {
    const status = res.writableFinished ? res.statusCode : 499;
    const header = (res as ServerResponse & { _header?: string | null })._header;
    const sent = (req.socket?.bytesWritten ?? before) - before - (typeof header === 'string' ? Buffer.byteLength(header, 'latin1') : 0);
    const request = `${req.method ?? '-'} ${req.url ?? '-'} HTTP/${req.httpVersion}`;
    sink.write(accessLine(req.socket?.remoteAddress ?? '-', req.headers.authorization, request, status, sent, req.headers.referer, req.headers['user-agent'], requestId));
  });
}
