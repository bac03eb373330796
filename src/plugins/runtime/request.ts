// One request through the plugin loop, in Kong's order: rewrite (global plugins), access (the
// route's chain, resolving each plugin's config for the consumer known so far and collecting the
// plugins that have later phases), then header_filter, body_filter and log on whatever answers:
// the upstream, a plugin's kong.response.exit, or Kong's own error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log.js';
import type { RouteRow } from '../../proxy/config.js';
import { SERVER_HEADER } from '../../proxy/responses.js';
import type { Phase, Settles } from '../types.js';
import type { Chain, Instance, PluginPlan } from './plan.js';
import { resolveEntry } from './plan.js';
import { flatAll, flatApply, flatClear, flatGet, flatSet, flatToObject, headerKey, headerValue, lowerName } from './headers.js';
import { BodyTooLarge, readBody } from './body.js';
import { lingerThen } from './linger.js';
import { measureRequest } from './measure.js';
import { LogTrace } from './log-trace.js';
import { PluginEdits, UpstreamHooks } from './upstream-hooks.js';
import { RequestCtx } from './ctx.js';
import type { Body, HeaderValue, Kong, KongClient, KongLog, KongRequest, KongResponse, KongServiceRequest, Measurements, SharedCounters } from '../pdk/types.js';
import { ClientApi, LogApi, RequestApi, ResponseApi, ServiceRequestApi, errorBody, negotiate } from '../pdk/impl.js';
import type { Row } from '../../entities/index.js';

export interface RequestFacts {
  req: IncomingMessage;
  res: ServerResponse;
  route: RouteRow | null;
  service: Row | null;
  scheme: 'http' | 'https';
  host: string;
  serverPort: number;
  clientIp: string;
  /** Normalized path, no query. */
  path: string;
  rawQuery: string;
  requestId: string;
  startedAt: number;
}

export interface RuntimeEnv {
  log: Logger;
  counters: SharedCounters;
  nodeId: string;
}

/** What the upstream request becomes after the plugins changed it. */
export interface UpstreamEdits {
  /** Applied to the flat header list the proxy built. */
  headers(flat: string[]): string[];
  /** A buffered (maybe rewritten) body; undefined: stream the client's. */
  body: Buffer | undefined;
  method: string | undefined;
  /** Path (after strip_path and service.path) given to plugins' setPath, and the query. */
  path(upstreamPath: string): string;
}

/** The proxy's side of a response the plugins see (forward.ts calls these). */
export interface ResponseHooks {
  /** Upstream headers arrived: run header_filter; `buffer` says whether body_filter needs the whole body. */
  head(status: number, flat: string[], sentAt: number): { status: number; flat: string[]; buffer: boolean };
  /** The whole upstream body, when buffered: run body_filter. */
  body(body: Buffer): Buffer;
  /** Kong's own error instead of the upstream's answer (502, 503, 504). */
  error(status: number, message: string): void;
  /** No response phase will run: the header changes made in access (null: none), applied as the head passes; false: head() runs. */
  passable(): ReadonlyMap<string, { name: string; values: readonly string[] | null }> | null | false;
}

const isThenable = (v: unknown): v is Settles => typeof v === 'object' && v !== null && typeof (v as Promise<void>).then === 'function';

export class PluginRequest implements Kong {
  // The PDK's namespaces are made on first use: most requests touch only a few.
  private pdk: { request?: KongRequest; response?: KongResponse; service?: { request: KongServiceRequest }; client?: KongClient; log?: KongLog } = {};
  get request(): KongRequest { return (this.pdk.request ??= new RequestApi(this)); }
  get response(): KongResponse { return (this.pdk.response ??= new ResponseApi(this)); }
  get service(): { request: KongServiceRequest } { return (this.pdk.service ??= { request: new ServiceRequestApi(this) }); }
  get client(): KongClient { return (this.pdk.client ??= new ClientApi(this)); }
  get log(): KongLog { return (this.pdk.log ??= new LogApi(this)); }
  get router(): { getRoute(): Row | null; getService(): Row | null } {
    const f = this.facts;
    return { getRoute: () => (f.route as Row | null) ?? null, getService: () => f.service };
  }
  get node(): { getId(): string } {
    const id = this.env.nodeId;
    return { getId: () => id };
  }
  readonly ctx = new RequestCtx();
  readonly counters: SharedCounters;
  data: unknown = undefined;

  consumer: Row | null = null;
  credential: Row | null = null;
  phase: Phase = 'rewrite';
  current: Instance | null = null;
  /** Set by kong.response.exit (or an error): the response that replaces the upstream's. */
  exitResponse: { status: number; body: Buffer; flat: string[] } | null = null;
  /** Plugins with header_filter / body_filter / log handlers, in priority order. */
  collected: Instance[] = [];
  /** The response as header_filter and body_filter see it. */
  resp: { status: number; flat: string[]; body: Buffer | null; source: 'service' | 'exit' | 'error' } = { status: 200, flat: [], body: null, source: 'service' };
  /** Response headers set before the response exists (rewrite/access): lower name → values (null = removed). */
  pendingResponseHeaders: Map<string, { name: string; values: string[] | null }> | null = null;
  /** kong.service.request header changes: lower name → values (null = removed). */
  overlay: Map<string, { name: string; values: string[] | null }> | null = null;
  rawQuery: string;
  pathOverride: string | null = null;
  methodOverride: string | null = null;
  bodyOverride: Buffer | null = null;
  clientBody: Buffer | null = null;
  headersCache: Record<string, HeaderValue> | null = null;
  queryCache: Record<string, string | true | (string | true)[]> | null = null;
  private logged = false;
  /** When the upstream was asked and when its headers came (performance.now()). */
  private upstreamAt: [number, number] | null = null;
  /** The connection's bytes written before this response, taken once a log handler is collected. */
  private bytesBefore = -1;
  private finishedAt = 0;
  /** Set when a log handler will run: what kong.log.serialize() reads from the proxy besides measure(). */
  logTrace: LogTrace | null = null;
  /** kong.log.setSerializeValue calls, applied in order by serialize(). */
  serializeValues: { key: string; value: unknown; mode: 'set' | 'add' | 'replace' }[] | null = null;

  constructor(readonly facts: RequestFacts, readonly plan: PluginPlan, readonly chain: Chain | null, readonly env: RuntimeEnv) {
    this.rawQuery = facts.rawQuery;
    this.counters = env.counters;
  }

  measure(): Measurements {
    return measureRequest(this.facts, this.upstreamAt, this.bytesBefore, this.finishedAt);
  }

  /** Runs rewrite and access, then `proceed` (go upstream) unless a plugin answered. */
  run(proceed: (edits: UpstreamEdits) => void): void {
    this.runRewrite(0, () => {
      if (this.exitResponse) {
        this.collected = this.plan.globals.filter(hasResponsePhase);
        return this.sendExit();
      }
      this.phase = 'access';
      this.runAccess(0, () => {
        if (this.exitResponse) return this.sendExit();
        this.afterLog();
        proceed(this.edits());
      });
    });
  }

  /** No route (or Kong refused the request): global plugins' rewrite, then this error through the response phases. */
  runError(status: number, message: string, extra: Record<string, string>): void {
    this.runRewrite(0, () => {
      this.collected = this.plan.globals.filter(hasResponsePhase);
      if (!this.exitResponse) this.setExit(status, { message }, extra, 'exit');
      this.sendExit();
    });
  }

  private runRewrite(i: number, done: () => void): void {
    const g = this.plan.globals;
    for (; i < g.length; i++) {
      if (this.exitResponse) break;
      const inst = g[i]!;
      if (!inst.module.rewrite || !this.protocolOk(inst)) continue;
      const r = this.call(inst, 'rewrite');
      if (isThenable(r)) {
        r.then(() => this.runRewrite(i + 1, done), (err: unknown) => { this.crashed(inst, err); this.runRewrite(i + 1, done); });
        return;
      }
    }
    done();
  }

  private runAccess(i: number, done: () => void): void {
    const entries = this.chain?.entries ?? [];
    for (; i < entries.length; i++) {
      const inst = resolveEntry(entries[i]!, this.consumer ? (this.consumer.id as string) : null);
      if (!inst || !this.protocolOk(inst)) continue;
      if (hasResponsePhase(inst)) {
        this.collected.push(inst);
        if (inst.module.log && this.bytesBefore < 0) this.bytesBefore = this.facts.req.socket?.bytesWritten ?? 0;
      }
      // Kong keeps collecting after a delayed response, so response phases still run, but no more access handlers.
      if (this.exitResponse || !inst.module.access) continue;
      const r = this.call(inst, 'access');
      if (isThenable(r)) {
        r.then(() => this.runAccess(i + 1, done), (err: unknown) => { this.crashed(inst, err); this.runAccess(i + 1, done); });
        return;
      }
    }
    done();
  }

  private protocolOk(inst: Instance): boolean {
    return this.facts.scheme === 'https' ? inst.https : inst.http;
  }

  private enter(inst: Instance): void {
    this.current = inst;
    this.data = this.plan.data.get(inst.module.name);
    this.ctx.current = inst;
  }

  /** One handler; a throw becomes Kong's 500 for this request only (a rejection: the caller's to handle). */
  private call(inst: Instance, phase: 'rewrite' | 'access'): void | Promise<void> | Settles {
    this.phase = phase;
    this.enter(inst);
    try {
      return inst.module[phase]!(this, inst.conf);
    } catch (err) {
      this.crashed(inst, err);
    }
  }

  crashed(inst: Instance, err: unknown): void {
    if (err instanceof BodyTooLarge) {
      if (!this.exitResponse) this.setExit(413, { message: 'Request Entity Too Large' }, {}, 'exit');
      return;
    }
    this.env.log.error(`plugin ${inst.module.name} failed: ${err instanceof Error ? err.message : String(err)}`, { plugin: inst.module.name, plugin_id: inst.id, request_id: this.facts.requestId, phase: this.phase });
    if (this.phase === 'rewrite' || this.phase === 'access') {
      this.exitResponse = null;
      const type = negotiate(this.headerOf('accept'));
      this.setExit(500, errorBody(type, 'An unexpected error occurred', this.facts.requestId), { 'Content-Type': type.startsWith('text/') ? `${type}; charset=utf-8` : type === 'application/json' ? 'application/json; charset=utf-8' : type }, 'error');
    }
  }

  setExit(status: number, body: Body, headers: Record<string, HeaderValue> | undefined, source: 'exit' | 'error'): void {
    let buf: Buffer;
    const flat: string[] = [];
    let typed = false;
    if (headers) {
      for (const [k, v] of Object.entries(headers)) {
        if (k.toLowerCase() === 'content-type') typed = true;
        for (const x of Array.isArray(v) ? v : [v]) flat.push(k, headerValue(x));
      }
    }
    if (body === undefined || body === null) buf = Buffer.alloc(0);
    else if (Buffer.isBuffer(body)) buf = body;
    else if (typeof body === 'string') buf = Buffer.from(body);
    else {
      buf = Buffer.from(JSON.stringify(body));
      if (!typed) flat.unshift('content-type', 'application/json; charset=utf-8');
    }
    this.exitResponse = { status, body: buf, flat };
    this.resp = { status, flat, body: buf, source };
  }

  private responseHeaderFilter(): void {
    if (this.pendingResponseHeaders) flatApply(this.resp.flat, this.pendingResponseHeaders);
    this.runResponsePhase('header_filter');
  }

  private responseBodyFilter(): void {
    this.runResponsePhase('body_filter');
  }

  /** header_filter, body_filter, log: every collected plugin with that handler, in order; a throw is logged. */
  private runResponsePhase(phase: 'header_filter' | 'body_filter' | 'log', only: readonly Instance[] = this.collected): void {
    this.phase = phase;
    for (const inst of only) {
      const handler = inst.module[phase];
      if (!handler) continue;
      this.enter(inst);
      try {
        handler(this, inst.conf);
      } catch (err) {
        this.crashed(inst, err);
      }
    }
  }

  private needsBody(): boolean {
    return this.collected.some((i) => i.module.body_filter);
  }

  /** Writes the exit response after header_filter and body_filter, then schedules log. */
  sendExit(): void {
    const { res, requestId, startedAt } = this.facts;
    this.facts.req.resume();
    const e = this.exitResponse!;
    this.resp.flat.push('server', SERVER_HEADER, 'x-kong-request-id', requestId, 'x-kong-response-latency', String(Math.round(performance.now() - startedAt)));
    this.responseHeaderFilter();
    if (this.needsBody()) this.responseBodyFilter();
    // 204 and 304 carry neither a body nor a length (nginx drops both); HEAD gets the length only.
    const bodiless = this.resp.status === 204 || this.resp.status === 304;
    const body = bodiless ? Buffer.alloc(0) : (this.resp.body ?? e.body);
    if (bodiless) flatClear(this.resp.flat, 'content-length');
    else flatSet(this.resp.flat, 'content-length', String(body.length));
    this.afterLog();
    if (res.headersSent) return void res.destroy();
    const write = () => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(this.resp.status, this.facts.req.httpVersionMajor === 2 ? flatToObject(this.resp.flat) : this.resp.flat);
      res.end(this.facts.req.method === 'HEAD' ? undefined : body);
    };
    lingerThen(this.facts.req, write);
  }

  /** The hooks forward.ts calls for the upstream's response. */
  hooks(): ResponseHooks {
    return new UpstreamHooks(this);
  }

  /** ResponseHooks.head: the upstream's headers through header_filter. */
  upstreamHead(status: number, flat: string[], sentAt: number): { status: number; flat: string[]; buffer: boolean } {
    this.upstreamAt = [sentAt, performance.now()];
    this.resp = { status, flat, body: null, source: 'service' };
    if (this.logTrace) this.logTrace.upstreamStatus = status;
    this.responseHeaderFilter();
    const buffer = this.needsBody();
    if (buffer) flatClear(this.resp.flat, 'content-length');
    return { status: this.resp.status, flat: this.resp.flat, buffer };
  }

  /** ResponseHooks.body: the whole upstream body through body_filter. */
  upstreamBody(body: Buffer): Buffer {
    this.resp.body = body;
    this.responseBodyFilter();
    return this.resp.body ?? body;
  }

  /** ResponseHooks.error: Kong's own error through the response phases. */
  upstreamError(status: number, message: string): void {
    if (this.logTrace && (status === 502 || status === 504)) this.logTrace.upstreamStatus = status;
    this.setExit(status, { message }, {}, 'error');
    this.sendExit();
  }

  private afterLog(): void {
    if (this.logged || this.collected.length === 0) return;
    const logs = this.collected.filter((i) => i.module.log);
    if (logs.length === 0) return;
    this.logged = true;
    this.logTrace = new LogTrace();
    if (this.bytesBefore < 0) this.bytesBefore = this.facts.req.socket?.bytesWritten ?? 0;
    const run = () => {
      this.finishedAt = performance.now();
      this.runResponsePhase('log', logs);
    };
    const res = this.facts.res;
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      run();
    };
    res.once('finish', once);
    res.once('close', once);
  }

  private edits(): UpstreamEdits {
    return new PluginEdits(this, this.overlay, this.bodyOverride ?? this.clientBody ?? undefined, this.methodOverride ?? undefined);
  }

  overlayHeader(name: string, values: string[] | null): void {
    (this.overlay ??= new Map()).set(lowerName(name), { name, values });
    this.headersCache = null;
  }

  /** Kong's get_header (kong/tools/http.lua): a repeated header's first value, not all joined. */
  headerOf(name: string): string | undefined {
    const lower = headerKey(name);
    const o = this.overlay?.get(lower);
    if (o) return o.values?.[0];
    const first = flatGet(this.facts.req.rawHeaders, lower);
    // HTTP/2 names the host in :authority, which the proxy copies to headers.host.
    return first !== undefined || lower !== 'host' ? first : (this.facts.req.headers.host as string | undefined);
  }

  /** Every value the request (as plugins changed it) has for a header, without building them all. */
  headerValues(name: string): string[] | undefined {
    const lower = lowerName(name);
    const o = this.overlay?.get(lower);
    if (o) return o.values ?? undefined;
    return flatAll(this.facts.req.rawHeaders, lower);
  }

  async body(): Promise<Buffer> {
    if (this.bodyOverride) return this.bodyOverride;
    if (this.clientBody) return this.clientBody;
    this.clientBody = await readBody(this.facts.req);
    return this.clientBody;
  }

  pluginName(): string {
    return this.current?.module.name ?? 'kong';
  }
}

const hasResponsePhase = (i: Instance) => Boolean(i.module.header_filter || i.module.body_filter || i.module.log);
