// From a request to what serves it: the matched route, its service and the upstream path, or
// the error Kong answers. Both the node:http path and the lean path call this, so routing and
// Kong's rules (https-only routes, strip_path, X-Forwarded-Prefix) cannot drift apart.
import type { CompiledConfig, ServiceTarget } from './compile.js';
import { refId } from './config.js';
import type { ForwardInfo } from './headers.js';
import { MESSAGES } from './responses.js';
import { splitHostPort } from './router/matcher.js';
import { escapeUpstream, normalizePath } from './router/normalize.js';
import type { RouteMatch } from './router/router.js';
import { upstreamPath } from './router/uri.js';

/** What resolve() reads of a request; `header` gets a lower-case name. */
export interface RequestView {
  url: string;
  method: string;
  /** The Host header as sent ('' when absent). */
  host: string;
  clientIp: string;
  header(name: string): readonly string[] | undefined;
  /** The TLS server name, over TLS only. */
  sni?: string;
}

export type Resolved =
  | { kind: 'error'; status: number; message: string; extra?: Record<string, string>; /** Matched, but without a service. */ route?: RouteMatch['route'] }
  | { kind: 'ok'; svc: ServiceTarget; path: string; preserveHost: boolean; info: ForwardInfo; route: RouteMatch['route']; normalized: string; rawQuery: string };

const NO_ROUTE: Resolved = { kind: 'error', status: 404, message: MESSAGES.noRoute };

export function resolve(cfg: CompiledConfig | null, req: RequestView, serverPort: number, requestId: string, proto: 'http' | 'https'): Resolved {
  const url = req.url;
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const [host, hostPort] = splitHostPort(req.host);
  const info: ForwardInfo = { host, clientIp: req.clientIp, serverPort, path: rawPath, requestId, proto };
  if (!cfg) return NO_ROUTE;
  const path = normalizePath(rawPath);
  const match: RouteMatch | null = cfg.router.match({ method: req.method, host, port: hostPort || serverPort, path, header: (name) => req.header(name), sni: req.sni });
  if (!match) return NO_ROUTE;
  const route = match.route;
  const protocols = route.protocols;
  // Kong matches on the protocol too: over TLS, only routes that allow https.
  if (proto === 'https' && Array.isArray(protocols) && protocols.length && !protocols.includes('https')) return NO_ROUTE;
  // Kong: an https-only route reached over plain http answers 426 or redirects.
  if (proto === 'http' && Array.isArray(protocols) && protocols.length && !protocols.includes('http') && protocols.includes('https')) {
    const code = route.https_redirect_status_code ?? 426;
    if (code === 426) {
      return { kind: 'error', status: 426, message: MESSAGES.useHttps, extra: { connection: 'Upgrade', upgrade: 'TLS/1.2, HTTP/1.1' } };
    }
    return { kind: 'error', status: code, message: 'Moved Permanently', extra: { location: `https://${host}${url}` } };
  }
  const svc = cfg.services.get(refId(route.service) ?? '');
  if (!svc) return { kind: 'error', status: 503, message: MESSAGES.noService, route };
  const strip = route.strip_path ?? true;
  // Kong: runloop/handler.lua escapes the joined path (the router worked on the decoded one).
  const upath = escapeUpstream(upstreamPath(svc.path, path, strip, match.consumed));
  // Kong: runloop/handler.lua, the stripped prefix goes upstream as X-Forwarded-Prefix.
  if (strip && match.consumed) {
    const prefix = path.slice(0, match.consumed);
    // The matched path is decoded: a control or non-ASCII character cannot go into a header as is
    // (Node refuses it, nginx would pass raw bytes), so such a prefix goes escaped.
    info.prefix = /[^\x20-\x7e]/.test(prefix) ? escapeUpstream(prefix) : prefix;
  }
  return {
    kind: 'ok', svc, path: q === -1 ? upath : upath + url.slice(q), preserveHost: route.preserve_host === true, info,
    route, normalized: path, rawQuery: q === -1 ? '' : url.slice(q + 1),
  };
}
