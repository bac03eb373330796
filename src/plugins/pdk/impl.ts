// The PDK's implementation over one PluginRequest: each namespace a small class, so a request
// pays for a handful of objects, not a closure per method.
import type { Row } from '../../entities/index.js';
import type { PluginRequest } from '../runtime/request.js';
import type { IncomingMessage } from 'node:http';
import { pathRegex } from '../../proxy/router/matcher.js';
import { flatClear, flatGet, flatSet, flatToObject, headerValue, lowerName } from '../runtime/headers.js';
import { encodeQuery, parseBody, parseQuery } from '../runtime/body.js';
import type { Body, HeaderValue, KongClient, KongLog, KongRequest, KongResponse, KongServiceRequest, PluginLogger } from './types.js';
import { checkSerializeValue, serialize } from './serialize.js';

/** Kong's default messages for kong.response.error. */
const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 406: 'Not acceptable',
  407: 'Proxy authentication required', 408: 'Request timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length required', 412: 'Precondition failed',
  413: 'Payload too large', 414: 'URI too long', 415: 'Unsupported media type', 429: 'Too many requests', 500: 'An unexpected error occurred',
  502: 'Bad Gateway', 503: 'Service unavailable', 504: 'Gateway timeout',
};

export class RequestApi implements KongRequest {
  constructor(private readonly r: PluginRequest) {}
  getScheme() { return this.r.facts.scheme; }
  getHost() { return this.r.facts.host; }
  getPort() { return this.r.facts.serverPort; }
  getMethod() { return this.r.facts.req.method ?? 'GET'; }
  getPath() { return this.r.facts.path; }
  getPathWithQuery() { return this.r.facts.req.url ?? ''; }
  getRawQuery() { return this.r.rawQuery; }
  getQueryArg(name: string) {
    const v = this.getQuery()[name];
    return Array.isArray(v) ? v[0] : v;
  }
  /** A fresh copy each call (callers may change it and hand it to setQuery). */
  getQuery() {
    this.r.queryCache ??= parseQuery(this.r.rawQuery);
    return { ...this.r.queryCache };
  }
  getHeader(name: string) { return this.r.headerOf(name); }
  getHeaderValues(name: string) { return this.r.headerValues(name); }
  /** Lower-case names; a repeated header is an array (Kong's get_headers). */
  getHeaders() {
    if (this.r.headersCache) return this.r.headersCache;
    const out: Record<string, HeaderValue> = {};
    const d = this.r.facts.req.headersDistinct;
    for (const k in d) {
      const v = d[k]!;
      out[k] = v.length === 1 ? v[0]! : v;
    }
    for (const [k, o] of this.r.overlay ?? []) {
      if (o.values === null) delete out[k];
      else out[k] = o.values.length === 1 ? o.values[0]! : o.values;
    }
    return (this.r.headersCache = out);
  }
  async getRawBody() { return this.r.body(); }
  async getBody() { return parseBody(await this.r.body(), this.r.headerOf('content-type')); }
  getStartTime() { return this.r.facts.startedAt; }
  getHttpVersion() { return this.r.facts.req.httpVersionMajor + this.r.facts.req.httpVersionMinor / 10; }
  async getRawBodyWithin(limit: number) {
    const have = this.r.bodyOverride ?? this.r.clientBody;
    if (have) return have.length > limit ? null : have;
    const body = await readWithin(this.r.facts.req, limit);
    if (body) this.r.clientBody = body;
    return body;
  }
  getUriCaptures() {
    const route = this.r.facts.route;
    const out = { unnamed: [] as string[], named: {} as Record<string, string> };
    if (!route) return out;
    let regexes = ROUTE_REGEXES.get(route);
    if (!regexes) ROUTE_REGEXES.set(route, (regexes = (route.paths ?? []).filter((p) => p.startsWith('~')).map(pathRegex)));
    for (const re of regexes) {
      const m = re.exec(this.r.facts.path);
      if (!m) continue;
      for (let i = 1; i < m.length; i++) out.unnamed.push(m[i] ?? '');
      for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) out.named[k] = v;
      break;
    }
    return out;
  }
  getConnection() {
    const sock = this.r.facts.req.socket;
    let c = CONNECTIONS.get(sock);
    if (!c) CONNECTIONS.set(sock, (c = { serial: ++connectionSerial, requests: 0, last: null }));
    if (c.last !== this.r.facts.req) {
      c.requests++;
      c.last = this.r.facts.req;
    }
    const addr = sock.localAddress ?? '';
    return { serverAddr: addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr, serial: c.serial, requests: c.requests };
  }
}

// Compiled once per route row (a config swap brings new rows), not per request.
const ROUTE_REGEXES = new WeakMap<object, RegExp[]>();

// Connection serials as nginx numbers them; requests are counted when a plugin asks, per connection.
const CONNECTIONS = new WeakMap<object, { serial: number; requests: number; last: object | null }>();
let connectionSerial = 0;

/** Reads the body up to `limit` bytes; past that it stops keeping chunks (they drain) and gives null. */
function readWithin(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done();
        resolve(null);
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      done();
      if (req.complete) resolve(Buffer.concat(chunks));
      else reject(new Error('client closed the connection before the request body ended'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

export class ResponseApi implements KongResponse {
  constructor(private readonly r: PluginRequest) {}
  exit(status: number, body?: Body, headers?: Record<string, HeaderValue>) {
    if (this.r.phase !== 'rewrite' && this.r.phase !== 'access') throw new Error(`kong.response.exit cannot be called in the ${this.r.phase} phase`);
    if (this.r.exitResponse) return;
    this.r.setExit(status, body, headers, 'exit');
  }
  error(status: number, message?: string, headers?: Record<string, HeaderValue>) {
    const msg = message ?? DEFAULT_MESSAGES[status] ?? `The upstream server responded with ${status}`;
    const given = headers && Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    const type = typeof given === 'string' ? given : negotiate(this.r.headerOf('accept'));
    const body = errorBody(type, msg, this.r.facts.requestId);
    this.exit(status, body, { ...headers, 'Content-Type': type.includes('charset') || !type.startsWith('text/') && type !== 'application/json' ? type : `${type}; charset=utf-8` });
  }
  getStatus() { return this.r.resp.status; }
  setStatus(status: number) { this.r.resp.status = status; }
  getHeader(name: string) { return flatGet(this.r.resp.flat, name); }
  getHeaders() { return flatToObject(this.r.resp.flat); }
  private early(): boolean { return this.r.phase === 'rewrite' || this.r.phase === 'access'; }
  setHeader(name: string, value: string | number) {
    if (this.early()) (this.r.pendingResponseHeaders ??= new Map()).set(lowerName(name), { name, values: [headerValue(value)] });
    else flatSet(this.r.resp.flat, name, headerValue(value));
  }
  addHeader(name: string, value: string | number) {
    if (this.early()) {
      const p = (this.r.pendingResponseHeaders ??= new Map());
      const lower = name.toLowerCase();
      const had = p.get(lower);
      p.set(lower, { name: had?.name ?? name, values: [...(had?.values ?? []), headerValue(value)] });
    } else this.r.resp.flat.push(name, headerValue(value));
  }
  clearHeader(name: string) {
    if (this.early()) (this.r.pendingResponseHeaders ??= new Map()).set(lowerName(name), { name, values: null });
    else flatClear(this.r.resp.flat, name);
  }
  getSource() { return this.r.resp.source; }
  getRawBody() {
    if (this.r.phase !== 'body_filter') throw new Error('kong.response.getRawBody is only available in body_filter');
    return this.r.resp.body ?? Buffer.alloc(0);
  }
  setRawBody(body: string | Buffer) {
    if (this.r.phase !== 'body_filter') throw new Error('kong.response.setRawBody is only available in body_filter');
    this.r.resp.body = typeof body === 'string' ? Buffer.from(body) : body;
  }
}

export class ServiceRequestApi implements KongServiceRequest {
  constructor(private readonly r: PluginRequest) {}
  setHeader(name: string, value: string | number | string[]) { this.r.overlayHeader(name, Array.isArray(value) ? value.map(headerValue) : [headerValue(value)]); }
  addHeader(name: string, value: string | number) {
    const lower = name.toLowerCase();
    const o = this.r.overlay?.get(lower);
    const existing = o ? (o.values ?? []) : (() => {
      const v = this.r.facts.req.headersDistinct[lower];
      return v ? [...v] : [];
    })();
    this.r.overlayHeader(name, [...existing, headerValue(value)]);
  }
  clearHeader(name: string) { this.r.overlayHeader(name, null); }
  setHeaders(headers: Record<string, string | string[]>) { for (const [k, v] of Object.entries(headers)) this.setHeader(k, v); }
  setRawQuery(query: string) {
    this.r.rawQuery = query;
    this.r.queryCache = null;
  }
  setQuery(args: Record<string, string | true | (string | true)[]>) {
    this.r.rawQuery = encodeQuery(args);
    this.r.queryCache = null;
  }
  setPath(path: string) {
    if (!path.startsWith('/')) throw new Error('path must start with /');
    this.r.pathOverride = path;
  }
  setMethod(method: string) { this.r.methodOverride = method.toUpperCase(); }
  setRawBody(body: string | Buffer) { this.r.bodyOverride = typeof body === 'string' ? Buffer.from(body) : body; }
}

export class ClientApi implements KongClient {
  constructor(private readonly r: PluginRequest) {}
  getIp() { return this.r.facts.clientIp; }
  getForwardedIp() { return this.r.facts.clientIp; }
  getPort() { return this.r.facts.req.socket.remotePort ?? 0; }
  authenticate(consumer: Row | null, credential: Row | null) {
    this.r.consumer = consumer;
    this.r.credential = credential;
  }
  getConsumer() { return this.r.consumer; }
  getCredential() { return this.r.credential; }
  loadConsumer(idOrUsername: string, byUsername = false) {
    const byId = this.r.plan.consumers.get(idOrUsername);
    if (byId) return byId as Row;
    if (!byUsername) return null;
    for (const c of this.r.plan.consumers.values()) if (c.username === idOrUsername) return c as Row;
    return null;
  }
}

export class LogApi implements KongLog {
  constructor(private readonly r: PluginRequest) {}
  private at(level: 'error' | 'warn' | 'info' | 'debug', msg: string, fields?: Record<string, unknown>) {
    this.r.env.log[level](`[${this.r.pluginName()}] ${msg}`, { request_id: this.r.facts.requestId, ...(fields as Record<string, string>) });
  }
  err(msg: string, f?: Record<string, unknown>) { this.at('error', msg, f); }
  warn(msg: string, f?: Record<string, unknown>) { this.at('warn', msg, f); }
  notice(msg: string, f?: Record<string, unknown>) { this.at('info', msg, f); }
  info(msg: string, f?: Record<string, unknown>) { this.at('info', msg, f); }
  debug(msg: string, f?: Record<string, unknown>) { this.at('debug', msg, f); }
  serialize() {
    if (this.r.phase !== 'log') throw new Error(`kong.log.serialize cannot be called in the ${this.r.phase} phase`);
    return serialize(this.r);
  }
  setSerializeValue(key: string, value: unknown, mode: 'set' | 'add' | 'replace' = 'set') {
    checkSerializeValue(key, value, mode);
    (this.r.serializeValues ??= []).push({ key, value, mode });
  }
  detached(): PluginLogger {
    const log = this.r.env.log;
    const name = this.r.pluginName();
    let byName = DETACHED.get(log);
    if (!byName) DETACHED.set(log, (byName = new Map()));
    let d = byName.get(name);
    if (!d) {
      const prefix = `[${name}] `;
      const at = (level: 'error' | 'warn' | 'info' | 'debug') => (msg: string, f?: Record<string, unknown>) => log[level](prefix + msg, f as Record<string, string>);
      byName.set(name, (d = { err: at('error'), warn: at('warn'), notice: at('info'), info: at('info'), debug: at('debug') }));
    }
    return d;
  }
}

// One detached logger per plugin and process logger, made on first use: log handlers ask on every request.
const DETACHED = new WeakMap<object, Map<string, PluginLogger>>();

const ERROR_TYPES = ['application/json', 'text/html', 'application/xml', 'text/plain'] as const;

/** Kong's error content type from Accept: the highest q among the types it renders, JSON otherwise. */
export function negotiate(accept: string | undefined): string {
  if (!accept) return 'application/json';
  let best: string = 'application/json';
  let bestQ = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    const hit = ERROR_TYPES.find((t) => t === type);
    if (hit && q > bestQ) {
      best = hit;
      bestQ = q;
    }
  }
  return best;
}

const escapeJson = (s: string) => JSON.stringify(s).slice(1, -1);
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Kong's default error templates (kong/tools/http.lua), with the request id. */
export function errorBody(type: string, message: string, requestId: string): string {
  if (type.startsWith('text/plain')) return `${message}\nrequest_id: ${requestId}\n`;
  if (type.startsWith('text/html')) {
    const m = escapeXml(message);
    return `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${m}.</p>\n    <p>request_id: ${requestId}</p>\n  </body>\n</html>\n`;
  }
  if (type.startsWith('application/xml')) {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${escapeXml(message)}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`;
  }
  return `{\n  "message":"${escapeJson(message)}",\n  "request_id":"${requestId}"\n}`;
}
