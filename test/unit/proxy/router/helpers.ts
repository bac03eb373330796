import type { RouteRow } from '../../../../src/proxy/config.js';
import type { RouterRequest } from '../../../../src/proxy/router/matcher.js';

let n = 0;
/** A route with Kong's schema defaults and a predictable, sortable id. */
export function route(fields: Partial<RouteRow> & { id?: string }): RouteRow {
  n++;
  return {
    id: fields.id ?? `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    protocols: ['http', 'https'], methods: null, hosts: null, paths: null, headers: null, snis: null,
    regex_priority: 0, strip_path: true, preserve_host: false, service: null,
    ...fields,
  };
}

export function request(r: { method?: string; host?: string; port?: number; path?: string; headers?: Record<string, string | string[]> }): RouterRequest {
  const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]));
  return { method: r.method ?? 'GET', host: r.host ?? 'example.test', port: r.port ?? 8000, path: r.path ?? '/', header: (name) => headers[name] };
}
