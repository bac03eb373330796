// http_endpoint as Kong reads it (socket.url, then http-log's parse_url): scheme, host, port
// (80/443 by default), path ("/" by default) and the userinfo that becomes Basic authorization.
export interface Endpoint {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  userinfo: string | null;
}

const URL_PARTS = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)/;

function split(url: string): { scheme: string | null; userinfo: string | null; host: string; port: string | null; path: string } {
  const m = URL_PARTS.exec(url)!;
  const authority = m[2] ?? '';
  const at = authority.lastIndexOf('@');
  const hostport = at === -1 ? authority : authority.slice(at + 1);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
  return { scheme: m[1] ?? null, userinfo: at === -1 ? null : authority.slice(0, at), host: hp?.[1] ?? hostport, port: hp?.[2] || null, path: m[3] ?? '' };
}

/** typedefs.url's checks, and the schemes an HTTP client can send to. */
export function checkEndpoint(url: string): string | null {
  if (url.startsWith('{vault://')) return 'vault references are not supported';
  const p = split(url);
  if (!p.host) return 'missing host in url';
  if (!p.scheme) return 'missing scheme in url';
  if (p.scheme.toLowerCase() !== 'http' && p.scheme.toLowerCase() !== 'https') return `unsupported scheme '${p.scheme}': http-log sends to http or https endpoints`;
  return null;
}

export function hasUserinfo(url: string): boolean {
  return split(url).userinfo !== null;
}

const cache = new Map<string, Endpoint>();

export function parseEndpoint(url: string): Endpoint {
  let e = cache.get(url);
  if (e) return e;
  const p = split(url);
  const scheme = p.scheme!.toLowerCase() as Endpoint['scheme'];
  e = { scheme, host: p.host.replace(/^\[|\]$/g, ''), port: p.port ? Number(p.port) : scheme === 'https' ? 443 : 80, path: p.path || '/', userinfo: p.userinfo };
  if (cache.size > 1000) cache.clear();
  cache.set(url, e);
  return e;
}
