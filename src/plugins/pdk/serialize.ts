// kong.log.serialize (Kong 3.10 kong/pdk/log.lua, http subsystem): the table every log plugin
// sends, with Kong's field names, units and redaction of the two authentication headers.
import type { TLSSocket } from 'node:tls';
import type { PluginRequest } from '../runtime/request.js';
import { flatToObject } from '../runtime/headers.js';

// Kong's RESPONSE_SOURCE.NAMES.
const SOURCE_NAMES = { service: 'upstream', exit: 'kong', error: 'kong' } as const;

/** Kong replaces these request header values (never the names) with "REDACTED". */
const REDACTED_HEADERS = ['authorization', 'proxy-authorization'];

const VALUE_MESSAGE = 'value must be nil, a number, string, boolean or a non-self-referencial table containing numbers, string and booleans';

export function serialize(r: PluginRequest): Record<string, unknown> {
  const { req, scheme, host, serverPort, requestId, startedAt } = r.facts;
  const trace = r.logTrace;
  const uri = req.url ?? '';
  const requestHeaders: Record<string, unknown> = { ...r.request.getHeaders() };
  for (const h of REDACTED_HEADERS) if (requestHeaders[h] !== undefined) requestHeaders[h] = 'REDACTED';
  const m = r.measure();
  const root: Record<string, unknown> = {
    request: {
      id: requestId,
      uri,
      url: `${scheme}://${host}:${serverPort}${uri}`,
      querystring: r.request.getQuery(),
      method: r.request.getMethod(),
      headers: requestHeaders,
      size: m.requestBytes,
      tls: tlsInfo(r),
    },
    upstream_uri: trace?.upstreamUri ?? '',
    upstream_status: trace?.upstreamStatus != null ? String(trace.upstreamStatus) : '',
    response: {
      status: r.resp.status,
      headers: flatToObject(r.resp.flat),
      size: m.responseBytes,
    },
    latencies: { kong: m.kongMs, proxy: m.upstreamMs, request: m.requestMs, receive: m.receiveMs },
    authenticated_entity: authenticatedEntity(r),
    route: copy(r.facts.route as unknown as Record<string, unknown> | null),
    service: copy(r.facts.service),
    consumer: copy(r.consumer),
    client_ip: r.facts.clientIp,
    started_at: Math.floor(performance.timeOrigin + startedAt),
    source: SOURCE_NAMES[r.resp.source],
    workspace_name: 'default',
  };
  return r.serializeValues ? editResult(root, r.serializeValues) : root;
}

/** kong.log.set_serialize_value's checks, done when it is called so the caller sees the error. */
export function checkSerializeValue(key: unknown, value: unknown, mode: unknown): void {
  if (typeof key !== 'string') throw new Error('key must be a string');
  if (mode !== 'set' && mode !== 'add' && mode !== 'replace') throw new Error("mode must be 'set', 'add' or 'replace'");
  if (!isValidValue(value, new Set())) throw new Error(VALUE_MESSAGE);
}

function isValidValue(v: unknown, seen: Set<object>): boolean {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v !== 'object' || seen.has(v)) return false;
  seen.add(v);
  return Object.values(v).every((x) => isValidValue(x, seen));
}

/** Kong's edit_result: `a.b.c` walks (creating tables for set/add), `\.` is a literal dot. */
function editResult(root: Record<string, unknown>, edits: NonNullable<PluginRequest['serializeValues']>): Record<string, unknown> {
  for (const { key, value, mode } of edits) {
    const parts = key.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'));
    const last = parts.pop()!;
    let node: Record<string, unknown> | null = root;
    for (const p of parts) {
      const next: unknown = node[p];
      if (next === undefined) {
        if (mode === 'replace') {
          node = null;
          break;
        }
        node = (node[p] = {}) as Record<string, unknown>;
      } else if (typeof next !== 'object' || next === null) {
        throw new Error(`The key '${key}' could not be used as a serialize value. Subkey '${p}' is not a table. It's ${String(next)}`);
      } else node = next as Record<string, unknown>;
    }
    if (!node) continue;
    // undefined is Lua's nil (the key goes); null is JSON's null (it stays, as ngx.null does).
    const had = node[last] !== undefined;
    if (mode === 'set' || (mode === 'add' && !had) || (mode === 'replace' && had)) {
      if (value === undefined) delete node[last];
      else node[last] = value;
    }
  }
  return root;
}

/** Kong's build_authenticated_entity: the credential's id, and its consumer_id field when it has one. */
function authenticatedEntity(r: PluginRequest): Record<string, unknown> | undefined {
  const c = r.credential;
  if (!c) return undefined;
  return { id: c.id, consumer_id: c.consumer_id ?? undefined };
}

/** The data plane keeps foreign keys as ids; Kong's entities (and so its logs) carry `{ id }`. */
const FOREIGN_KEYS = ['service', 'client_certificate'];

function copy(row: Record<string, unknown> | null | undefined): Record<string, unknown> | undefined {
  if (row === null || row === undefined) return undefined;
  const out = structuredClone(row);
  for (const k of FOREIGN_KEYS) if (typeof out[k] === 'string') out[k] = { id: out[k] };
  return out;
}

/** Kong's build_tls_info: only on TLS connections. */
function tlsInfo(r: PluginRequest): Record<string, unknown> | undefined {
  if (r.facts.scheme !== 'https') return undefined;
  const sock = r.facts.req.socket as TLSSocket | undefined;
  const version = typeof sock?.getProtocol === 'function' ? sock.getProtocol() : null;
  if (!version) return undefined;
  const cert = typeof sock!.getPeerCertificate === 'function' ? sock!.getPeerCertificate() : null;
  const presented = cert !== null && Object.keys(cert).length > 0;
  return {
    version,
    cipher: sock!.getCipher()?.name,
    // nginx's $ssl_client_verify.
    client_verify: !presented ? 'NONE' : sock!.authorized ? 'SUCCESS' : `FAILED:${String(sock!.authorizationError ?? '')}`,
  };
}
