// Request headers sent upstream: hop-by-hop headers dropped, Host chosen, X-Forwarded-* and
// X-Real-IP set. Kong: templates/nginx_kong.lua (proxy_set_header lines), runloop/handler.lua.
import type { IncomingMessage } from 'node:http';

// RFC 9110 §7.6.1 plus the ones undici refuses to forward itself.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host',
  'expect', 'proxy-authorization', 'http2-settings',
]);
// Without trusted_ips, Kong overwrites what the client claims.
const REPLACED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-path', 'x-real-ip', 'x-kong-request-id', 'x-forwarded-prefix']);
const DROPPED = lengthMask([...HOP_BY_HOP, ...REPLACED]);

/**
 * Bit n is set when one of `names` has n characters (mod 32). Most header names have a length none
 * of a short list of names has, so a test of the length spares lower-casing them (maybeOneOf).
 */
export function lengthMask(names: Iterable<string>): number {
  let mask = 0;
  for (const n of names) mask |= 1 << (n.length & 31);
  return mask;
}

/** False when `name` cannot be any of the names `mask` was made from (whatever its case). */
export const maybeOneOf = (mask: number, name: string): boolean => ((mask >>> (name.length & 31)) & 1) === 1;

export interface ForwardInfo {
  host: string;
  clientIp: string;
  /** The scheme the client used on this listener; http when absent. */
  proto?: 'http' | 'https';
  serverPort: number;
  /** Request path as received, without query string. */
  path: string;
  requestId: string;
  /** The path prefix strip_path removed, if any. */
  prefix?: string;
}

/** What upstreamHeaders reads of a request: node:http's, or the lean path's parsed head. */
export type HeaderSource = Pick<IncomingMessage, 'rawHeaders'> & { headers: { connection?: string } };

/** A flat [name, value, …] list, the cheapest form undici takes. `keepUpgrade` keeps Connection/Upgrade for WebSockets. */
export function upstreamHeaders(req: HeaderSource, hostHeader: string, info: ForwardInfo, keepUpgrade = false): string[] {
  const raw = req.rawHeaders;
  const out: string[] = ['host', hostHeader];
  let xff: string | null = null;
  let named: Set<string> | null = null;
  const conn = req.headers.connection;
  if (conn && !keepUpgrade) {
    for (const n of conn.toLowerCase().split(',')) {
      const t = n.trim();
      if (t && t !== 'close' && t !== 'keep-alive') (named ??= new Set()).add(t);
    }
  }
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58) continue; // HTTP/2 pseudo-headers (:method, :path, :authority…)
    if (maybeOneOf(DROPPED, name)) {
      const lower = name.toLowerCase();
      if (REPLACED.has(lower)) {
        if (lower === 'x-forwarded-for') xff = xff ? `${xff}, ${raw[i + 1]}` : raw[i + 1]!;
        continue;
      }
      if (HOP_BY_HOP.has(lower) && !(keepUpgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    }
    if (named && named.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1]!);
  }
  out.push(
    'x-forwarded-for', xff ? `${xff}, ${info.clientIp}` : info.clientIp,
    'x-forwarded-proto', info.proto ?? 'http',
    'x-forwarded-host', info.host,
    'x-forwarded-port', String(info.serverPort),
    'x-forwarded-path', info.path,
    'x-real-ip', info.clientIp,
    'x-kong-request-id', info.requestId,
  );
  if (info.prefix && info.prefix !== '/') out.push('x-forwarded-prefix', info.prefix);
  return out;
}

const RESPONSE_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer']);
const RESPONSE_LOOKED_AT = lengthMask([...RESPONSE_HOP, 'x-kong-request-id', 'via']);

/**
 * Upstream response headers minus hop-by-hop ones, plus Kong's Via and request id, from undici's
 * raw header list as the flat [name, value, …] list writeHead takes:
 * no intermediate object, and repeated headers (Set-Cookie) keep their order.
 */
export function downstreamRawHeaders(raw: readonly (Buffer | string)[], via: string, requestId: string, extra: string[]): string[] {
  const out: string[] = [];
  let seenVia: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    const name = typeof n === 'string' ? n : n.toString('latin1');
    const v = raw[i + 1]!;
    let value = typeof v === 'string' ? v : v.toString('latin1');
    // undici keeps a value's trailing blanks; nginx (and the lean path) drop them.
    const last = value.charCodeAt(value.length - 1);
    if (last === 32 || last === 9) value = value.replace(/[ \t]+$/, '');
    if (maybeOneOf(RESPONSE_LOOKED_AT, name)) {
      const lower = name.toLowerCase();
      if (RESPONSE_HOP.has(lower) || lower === 'x-kong-request-id') continue;
      if (lower === 'via') {
        seenVia = seenVia ? `${seenVia}, ${value}` : value;
        continue;
      }
    }
    out.push(name, value);
  }
  out.push('via', seenVia ? `${seenVia}, ${via}` : via, 'x-kong-request-id', requestId);
  for (const x of extra) out.push(x);
  return out;
}

/** HTTP/2 responses take a headers object; repeated names (Set-Cookie) become arrays. */
export function headersObject(flat: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i]!.toLowerCase();
    const v = flat[i + 1]!;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
