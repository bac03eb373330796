// The upstream request URI for path_handling v0. Kong: router/atc.lua (prefix/postfix split)
// and router/utils.lua get_upstream_uri_v0.

// Kong: router/utils.lua sanitize_uri_postfix: a leftover "." or ".." segment is not forwarded.
function sanitizePostfix(p: string): string {
  if (p === '.' || p === '..') return '';
  if (p.startsWith('./')) return p.slice(2);
  if (p.startsWith('../')) return p.slice(3);
  return p;
}

/**
 * @param servicePath the service's path ("/" when unset)
 * @param reqPath normalised request path without the query string
 * @param consumed characters of reqPath matched by the route's path (prefix, or whole regex
 *   match); null when the route has no paths
 */
export function upstreamPath(servicePath: string | null, reqPath: string, stripPath: boolean, consumed: number | null): string {
  const base = servicePath || '/';
  // Only a stripped, path-matched route removes its match; otherwise just the leading '/'.
  const postfix = sanitizePostfix(stripPath && consumed !== null ? reqPath.slice(consumed) : reqPath.slice(1));
  if (base.endsWith('/')) {
    if (!stripPath) return base + reqPath.slice(1);
    if (postfix === '') {
      if (base === '/') return '/';
      return reqPath.endsWith('/') ? base : base.slice(0, -1);
    }
    return postfix.startsWith('/') ? base.slice(0, -1) + postfix : base + postfix;
  }
  if (!stripPath) return reqPath === '/' ? base : base + reqPath;
  if (postfix === '') return reqPath.length > 1 && reqPath.endsWith('/') ? `${base}/` : base;
  return postfix.startsWith('/') ? base + postfix : `${base}/${postfix}`;
}
