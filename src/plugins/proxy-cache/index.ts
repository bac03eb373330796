// proxy-cache (Kong 3.10 kong/plugins/proxy-cache): answers repeated requests from a cache in the
// access phase; a Miss is stored from body_filter, which makes the runtime buffer the whole body.
import { createHash } from 'node:crypto';
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { schema } from './schema.js';
import { clock, storeFor, type CachedResponse, type MemoryStore } from './store.js';
import { mimeMatches, parseDirectives, parseMimeType, resourceTtl, type MimeType } from './http.js';

const CACHE_VERSION = 1;

interface Conf {
  responseCodes: ReadonlySet<number>;
  methods: ReadonlySet<string>;
  contentTypes: MimeType[];
  cacheTtl: number;
  cacheControl: boolean;
  ignoreUriCase: boolean;
  storageTtl: number | null;
  varyQuery: string[] | null;
  varyHeaders: string[] | null;
  show: { age: boolean; status: boolean; key: boolean };
  store: MemoryStore;
}

/** What access hands to header_filter and body_filter on a Miss or Refresh. */
interface Pending { key: string; headers?: string[]; ttl?: number }

function compile(config: Record<string, unknown>): Conf {
  const c = config as Record<string, any>;
  const nonEmpty = (v: unknown) => (Array.isArray(v) && v.length ? (v as string[]) : null);
  return {
    responseCodes: new Set(c.response_code as number[]),
    methods: new Set(c.request_method as string[]),
    contentTypes: (c.content_type as string[]).map(parseMimeType).filter((m): m is MimeType => m !== null),
    cacheTtl: c.cache_ttl ?? 300,
    cacheControl: c.cache_control === true,
    ignoreUriCase: c.ignore_uri_case === true,
    storageTtl: typeof c.storage_ttl === 'number' ? c.storage_ttl : null,
    varyQuery: nonEmpty(c.vary_query_params),
    varyHeaders: nonEmpty(c.vary_headers),
    show: { age: c.response_headers?.age !== false, status: c.response_headers?.['X-Cache-Status'] !== false, key: c.response_headers?.['X-Cache-Key'] !== false },
    store: storeFor(String(c.memory?.dictionary_name ?? 'kong_db_cache')),
  };
}

// Never replayed from the cache: hop-by-hop, re-computed, or this response's own.
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailers', 'transfer-encoding', 'upgrade', 'content-length', 'age', 'x-cache-status', 'x-cache-key', 'server']);
const replayable = (lower: string) => !DROPPED.has(lower) && !lower.includes('ratelimit-remaining') && !lower.startsWith('x-kong-');

/** Diagnostic headers go out when configured, or whenever the client sends Kong-Debug. */
const debug = (kong: Kong) => kong.request.getHeader('kong-debug') !== undefined;

function setStatus(kong: Kong, conf: Conf, status: string): void {
  if (conf.show.status || debug(kong)) kong.response.setHeader('X-Cache-Status', status);
}

/** Kong's generate_key_from: `k=v` (lists sorted, joined by ","), a bare `k` for valueless args, joined by ":". */
function varyPart(args: Record<string, unknown>, fields: readonly string[], lookup: (k: string) => unknown = (k) => args[k]): string {
  const out: string[] = [];
  for (const f of fields) {
    const v = lookup(f);
    if (v === undefined || v === null || v === false) continue;
    if (Array.isArray(v)) out.push(`${f}=${v.map(String).sort().join(',')}`);
    else if (v === true) out.push(f);
    else out.push(`${f}=${String(v)}`);
  }
  return out.join(':');
}

function cacheKey(kong: Kong, conf: Conf): string {
  const consumer = kong.client.getConsumer();
  const route = kong.router.getRoute();
  const prefix = consumer && route ? `${consumer.id}:${route.id}` : route ? String(route.id) : 'default';
  const method = kong.request.getMethod();
  // Kong hashes nginx's $request (the request line) with everything from the "?" cut off.
  const v = kong.request.getHttpVersion();
  let uri = `${method} ${kong.request.getPathWithQuery()} HTTP/${Number.isInteger(v) ? v.toFixed(1) : v}`;
  const q = uri.indexOf('?');
  if (q !== -1) uri = uri.slice(0, q);
  if (conf.ignoreUriCase) uri = uri.toLowerCase();
  const query = kong.request.getQuery();
  const params = varyPart(query, conf.varyQuery ?? Object.keys(query).sort());
  let headers = '';
  if (conf.varyHeaders) {
    const h = kong.request.getHeaders();
    headers = varyPart(h, conf.varyHeaders, (k) => h[k.toLowerCase().replace(/_/g, '-')] ?? h[k.toLowerCase()]);
  }
  return createHash('sha256').update(`${prefix}|${method}|${uri}|${params}|${headers}`).digest('hex');
}

function access(kong: Kong, conf: Conf): void {
  const cc = parseDirectives(kong.request.getHeader('cache-control'));
  const cacheable = conf.methods.has(kong.request.getMethod())
    && !(conf.cacheControl && (cc['no-store'] || cc['no-cache'] || kong.request.getHeader('authorization') !== undefined));
  if (!cacheable) return setStatus(kong, conf, 'Bypass');

  const key = cacheKey(kong, conf);
  if (conf.show.key || debug(kong)) kong.response.setHeader('X-Cache-Key', key);
  const signal = (status: string) => {
    kong.ctx.plugin.pending = { key } satisfies Pending;
    setStatus(kong, conf, status);
  };

  const res = conf.store.fetch(key);
  if (!res) {
    // RFC 7234 5.2.1.7: the client wants a cached answer or none.
    if (conf.cacheControl && cc['only-if-cached']) return kong.response.exit(504);
    return signal('Miss');
  }
  if (res.version !== CACHE_VERSION) {
    conf.store.purge(key);
    return signal('Bypass');
  }
  const age = clock.seconds() - res.timestamp;
  if (conf.cacheControl) {
    const num = (d: string) => (typeof cc[d] === 'number' ? (cc[d] as number) : null);
    const maxAge = num('max-age');
    const maxStale = num('max-stale');
    const minFresh = num('min-fresh');
    if ((maxAge !== null && age > maxAge) || (maxStale !== null && age - res.ttl > maxStale) || (minFresh !== null && res.ttl - age < minFresh)) {
      return signal('Refresh');
    }
  } else if (age > conf.cacheTtl) {
    // Stored for up to storage_ttl, but never served staler than cache_ttl.
    return signal('Refresh');
  }

  kong.ctx.shared.proxy_cache_hit = { res: { status: res.status, body: res.body, timestamp: res.timestamp, ttl: res.ttl }, req: {} };
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < res.headers.length; i += 2) {
    const k = res.headers[i]!;
    const prev = headers[k];
    headers[k] = prev === undefined ? res.headers[i + 1]! : [...(Array.isArray(prev) ? prev : [prev]), res.headers[i + 1]!];
  }
  const d = debug(kong);
  if (conf.show.age || d) headers.Age = String(Math.floor(age));
  if (conf.show.status || d) headers['X-Cache-Status'] = 'Hit';
  if (conf.show.key || d) headers['X-Cache-Key'] = key;
  kong.response.exit(res.status, res.body, headers);
}

function cacheableResponse(kong: Kong, conf: Conf, cc: ReturnType<typeof parseDirectives>, headers: Record<string, string | string[]>): boolean {
  if (!conf.responseCodes.has(kong.response.getStatus())) return false;
  const ct = headers['content-type'];
  if (typeof ct !== 'string' || ct === '') return false;
  const m = parseMimeType(ct);
  if (!m || !mimeMatches(m, conf.contentTypes)) return false;
  if (conf.cacheControl && (cc.private || cc['no-store'] || cc['no-cache'])) return false;
  if (conf.cacheControl && resourceTtl(cc, headers.expires) <= 0) return false;
  return true;
}

function headerFilter(kong: Kong, conf: Conf): void {
  const pending = kong.ctx.plugin.pending as Pending | undefined;
  if (!pending) return;
  const headers = kong.response.getHeaders();
  const cc = parseDirectives(headers['cache-control']);
  if (!cacheableResponse(kong, conf, cc, headers)) {
    setStatus(kong, conf, 'Bypass');
    kong.ctx.plugin.pending = undefined;
    return;
  }
  const flat: string[] = [];
  for (const [k, v] of Object.entries(headers)) if (replayable(k)) for (const x of Array.isArray(v) ? v : [v]) flat.push(k, x);
  pending.headers = flat;
  pending.ttl = conf.cacheControl ? resourceTtl(cc, headers.expires) : conf.cacheTtl;
}

function bodyFilter(kong: Kong, conf: Conf): void {
  const pending = kong.ctx.plugin.pending as Pending | undefined;
  if (!pending?.headers) return;
  const ttl = pending.ttl!;
  const entry: CachedResponse = { status: kong.response.getStatus(), headers: pending.headers, body: kong.response.getRawBody(), timestamp: clock.seconds(), ttl, version: CACHE_VERSION };
  if (!conf.store.store(pending.key, entry, conf.storageTtl ?? ttl)) kong.log.warn('response not cached: larger than the cache allows');
}

export const proxyCache: PluginModule<Conf> = {
  name: 'proxy-cache',
  version: KONG_PROTOCOL_VERSION,
  priority: 100,
  schema,
  compile,
  access,
  header_filter: headerFilter,
  body_filter: bodyFilter,
};
