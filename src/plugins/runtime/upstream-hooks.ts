// What a request with plugins hands the proxy: the upstream request as the plugins changed it,
// and the hooks the proxy calls with the upstream's response. One small object each per request
// rather than an object of closures.
import type { PluginRequest, ResponseHooks, UpstreamEdits } from './request.js';
import { flatApply, flatSet } from './headers.js';

// Response headers the proxy itself frames or sets: a plugin's change to one of them needs the
// whole head rebuilt (upstreamHead).
const FRAMING = new Set(['content-length', 'transfer-encoding', 'date', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'trailer',
  'via', 'x-kong-request-id', 'x-kong-upstream-latency', 'x-kong-proxy-latency']);

export class UpstreamHooks implements ResponseHooks {
  constructor(private readonly pr: PluginRequest) {}
  passable(): ReadonlyMap<string, { name: string; values: readonly string[] | null }> | null | false {
    const pr = this.pr;
    if (pr.collected.length > 0) return false;
    const changes = pr.pendingResponseHeaders;
    if (changes) for (const name of changes.keys()) if (FRAMING.has(name)) return false;
    return changes;
  }
  head(status: number, flat: string[], sentAt: number): { status: number; flat: string[]; buffer: boolean } {
    return this.pr.upstreamHead(status, flat, sentAt);
  }
  body(body: Buffer): Buffer {
    return this.pr.upstreamBody(body);
  }
  error(status: number, message: string): void {
    this.pr.upstreamError(status, message);
  }
}

export class PluginEdits implements UpstreamEdits {
  constructor(
    private readonly pr: PluginRequest,
    private readonly overlay: ReadonlyMap<string, { name: string; values: string[] | null }> | null,
    readonly body: Buffer | undefined,
    readonly method: string | undefined,
  ) {}

  headers(flat: string[]): string[] {
    if (this.overlay) flatApply(flat, this.overlay);
    if (this.body !== undefined) flatSet(flat, 'content-length', String(this.body.length));
    return flat;
  }

  path(upstreamPath: string): string {
    const pr = this.pr;
    const base = pr.pathOverride ?? (upstreamPath.includes('?') ? upstreamPath.slice(0, upstreamPath.indexOf('?')) : upstreamPath);
    const uri = pr.rawQuery ? `${base}?${pr.rawQuery}` : base;
    if (pr.logTrace) pr.logTrace.upstreamUri = uri;
    return uri;
  }
}
