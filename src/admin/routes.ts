// Admin API endpoints: Kong's collection/entity/nested paths, pagination, /config, /clustering, /status.
import { stringify as toYaml } from 'yaml';
import {
  CREDENTIAL_ENTITIES, CREDENTIAL_PATHS, ENTITY_ORDER, notFound, schemaViolation, validateRow,
  type EntityName, type PluginCatalogue, type Row,
} from '../entities/index.js';
import type { Store } from '../store/index.js';
import { KONG_PROTOCOL_VERSION } from '../version.js';
import { HttpError } from './http-error.js';
import { certificateParent, certificateTarget } from './certificates.js';
import { entitySchema, validateEntity } from './schemas.js';
import { postConfig } from './config.js';
import { resolveForeignKeys } from './foreign.js';
import { EMPTY_COLLECTIONS, emptyCollection, listEntity, listTags } from './collections.js';

export interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  body: () => Promise<{ raw: string; json: unknown }>;
  store: Store;
  info: { nodeId: string; hostname: string; started: number; total: () => number; active: () => number; metrics?: () => string; configHash?: () => string | null | Promise<string | null> };
  plugins?: AdminPlugins;
}

/** The node's plugins as the Admin API shows them. */
export interface AdminPlugins extends PluginCatalogue {
  /** Kong's available_on_server: name → version and priority. */
  available: Record<string, { version: string; priority: number }>;
  /** GET /schemas/plugins/{name}, in Kong's format; null when the plugin is not enabled. */
  schema(name: string): unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}


// Nested paths: the child entity and which of its foreign keys points at the parent.
const NESTED: Record<string, Record<string, { entity: EntityName; fk: string }>> = {
  services: { routes: { entity: 'routes', fk: 'service' }, plugins: { entity: 'plugins', fk: 'service' } },
  routes: { plugins: { entity: 'plugins', fk: 'route' } },
  consumers: {
    plugins: { entity: 'plugins', fk: 'consumer' },
    ...Object.fromEntries(CREDENTIAL_ENTITIES.map((e) => [CREDENTIAL_PATHS[e]!.nested, { entity: e, fk: 'consumer' }])),
  },
  upstreams: { targets: { entity: 'targets', fk: 'upstream' } },
  certificates: { snis: { entity: 'snis', fk: 'certificate' } },
};
// Credentials at the top level answer under Kong's names (/key-auths), not their table names.
const TOP_LEVEL: Record<string, EntityName> = Object.fromEntries(CREDENTIAL_ENTITIES.map((e) => [CREDENTIAL_PATHS[e]!.top, e]));
const NOT_TOP_LEVEL = new Set<string>(['targets', ...CREDENTIAL_ENTITIES]);

const isEntityName = (s: string | undefined): s is EntityName => s !== undefined && (ENTITY_ORDER as readonly string[]).includes(s) && !NOT_TOP_LEVEL.has(s);

const list = (ctx: Ctx, entity: EntityName, where?: (r: Row) => boolean): Promise<Reply> => listEntity(ctx, entity, where);

async function json(ctx: Ctx): Promise<unknown> {
  const b = await ctx.body();
  if (b.json === undefined) throw new HttpError(400, { message: 'Cannot parse JSON body' });
  return b.json;
}

async function entityOps(ctx: Ctx, entity: EntityName, key: string | undefined, scope?: { fk: string; parent: Row }): Promise<Reply> {
  const belongs = (r: Row | null) => r && (!scope || (r[scope.fk] as Row | null)?.id === scope.parent.id);
  const withScope = (body: unknown) => (scope && body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Row), [scope.fk]: { id: scope.parent.id } } : body);
  if (key === undefined) {
    if (ctx.method === 'GET') return list(ctx, entity, scope ? (r) => (r[scope.fk] as Row | null)?.id === scope.parent.id : undefined);
    if (ctx.method === 'POST') return { status: 201, body: await ctx.store.insert(entity, withScope(await resolveForeignKeys(ctx.store, entity, await json(ctx)))) };
    throw new HttpError(405, { message: 'Method not allowed' });
  }
  const existing = await ctx.store.get(entity, key);
  switch (ctx.method) {
    case 'GET':
      if (!belongs(existing)) throw notFound();
      return { status: 200, body: existing };
    case 'PATCH':
      if (!belongs(existing)) throw notFound();
      return { status: 200, body: await ctx.store.update(entity, existing!.id as string, withScope(await resolveForeignKeys(ctx.store, entity, await json(ctx)))) };
    case 'PUT':
      if (existing && !belongs(existing)) throw notFound();
      return { status: 200, body: await ctx.store.upsert(entity, key, withScope(await resolveForeignKeys(ctx.store, entity, await json(ctx)))) };
    case 'DELETE':
      if (existing && belongs(existing)) await ctx.store.delete(entity, existing.id as string);
      return { status: 204 };
    default:
      throw new HttpError(405, { message: 'Method not allowed' });
  }
}

async function config(ctx: Ctx): Promise<Reply> {
  if (ctx.method === 'GET') {
    const rows = ctx.store.exportRows();
    const doc: Record<string, unknown> = { _format_version: '3.0', _transform: false };
    for (const e of ENTITY_ORDER) if (rows[e].length) doc[e] = rows[e];
    return { status: 200, body: { config: toYaml(doc) } };
  }
  if (ctx.method !== 'POST') throw new HttpError(405, { message: 'Method not allowed' });
  const r = await postConfig(ctx);
  return { status: r.status, body: r.body };
}

/** A path segment, percent-decoded; a malformed escape or invalid UTF-8 is the client's error. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, { message: `invalid percent-encoding in path segment '${segment.slice(0, 200)}': use %XX escapes of UTF-8 bytes` });
  }
}

export async function route(ctx: Ctx): Promise<Reply> {
  const parts = ctx.path.split('/').filter(Boolean).map(decodeSegment);
  const [a, b, c, d] = parts;
  if (parts.length === 0) {
    return {
      status: 200,
      body: {
        tagline: 'Welcome to kong',
        version: KONG_PROTOCOL_VERSION,
        edition: 'community',
        node_id: ctx.info.nodeId,
        hostname: ctx.info.hostname,
        configuration: { role: 'control_plane', database: 'off' },
        plugins: { available_on_server: ctx.plugins?.available ?? {}, enabled_in_cluster: enabledInCluster(ctx) },
      },
    };
  }
  if (a === 'plugins' && b === 'enabled' && parts.length === 2 && ctx.method === 'GET') {
    return { status: 200, body: { enabled_plugins: Object.keys(ctx.plugins?.available ?? {}) } };
  }
  if (a === 'schemas' && b === 'plugins' && c !== undefined && parts.length === 3) return pluginSchema(ctx, c);
  if (a === 'schemas' && b !== undefined && parts.length === 2) return entitySchema(ctx.method, b);
  if (a === 'schemas' && b !== undefined && c === 'validate' && parts.length === 3) return validateEntity(ctx.method, b, ctx.method === 'POST' ? await json(ctx) : undefined, ctx.plugins);
  if (a && TOP_LEVEL[a] && parts.length <= 2) return entityOps(ctx, TOP_LEVEL[a]!, b);
  if (a === 'tags' && parts.length <= 2) return listTags(ctx, b);
  if (a && EMPTY_COLLECTIONS.has(a) && parts.length <= 2) return emptyCollection(ctx, b);
  // Kong without wasm answers every filter-chain path so, and decK reads the 400 as "none".
  if (a === 'filter-chains') throw new HttpError(400, { message: 'this endpoint is only available when wasm is enabled' });
  if (a === 'status' && parts.length === 1) {
    return {
      status: 200,
      body: {
        server: { total_requests: ctx.info.total(), connections_active: ctx.info.active(), connections_accepted: ctx.info.total(), connections_handled: ctx.info.total(), connections_reading: 0, connections_writing: 1, connections_waiting: 0 },
        // Kong connects to its database to answer this: so does a control plane on PostgreSQL.
        database: { reachable: await ctx.store.reachable() },
        configuration_hash: (await ctx.info.configHash?.()) ?? null,
        memory: { workers_lua_vms: [{ pid: process.pid, http_allocated_gc: `${(process.memoryUsage().heapUsed / 1048576).toFixed(2)} MiB` }] },
      },
    };
  }
  if (a === 'metrics' && parts.length === 1 && ctx.info.metrics) return { status: 200, body: ctx.info.metrics(), headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' } };
  if (a === 'config' && parts.length === 1) return config(ctx);
  if (a === 'clustering' && (b === 'data-planes' || b === 'status') && parts.length === 2) {
    if (ctx.method !== 'GET') throw new HttpError(405, { message: 'Method not allowed' });
    const rows = await ctx.store.listDataPlanes();
    if (b === 'data-planes') return { status: 200, body: { data: rows, next: null } };
    const legacy = Object.fromEntries(rows.map((r) => [r.id, { config_hash: r.config_hash, hostname: r.hostname, ip: r.ip, last_seen: r.last_seen }]));
    return { status: 200, body: legacy, headers: { Deprecation: 'true' } };
  }
  if (a === 'certificates' && b !== undefined && parts.length === 2) {
    const t = await certificateTarget(ctx, b);
    return entityOps(t.ctx, 'certificates', t.id);
  }
  if (isEntityName(a) && parts.length <= 2) return entityOps(ctx, a, b);
  if (a === 'routes' && b && c === 'service' && parts.length === 3) {
    const r = await ctx.store.get('routes', b);
    const id = (r?.service as Row | null)?.id;
    if (!r || typeof id !== 'string') throw notFound();
    return entityOps(ctx, 'services', id);
  }
  if (a && b && c && NESTED[a]?.[c] && parts.length <= 4) {
    const parent = a === 'certificates' ? await certificateParent(ctx, b) : await ctx.store.get(a as EntityName, b);
    if (!parent) throw notFound();
    const n = NESTED[a]![c]!;
    return entityOps(ctx, n.entity, d, { fk: n.fk, parent });
  }
  throw notFound();
}

/** Kong's enabled_in_cluster: the distinct names of the plugins configured. */
function enabledInCluster(ctx: Ctx): string[] {
  return [...new Set(ctx.store.exportRows().plugins.map((p) => String(p.name)))].sort();
}

async function pluginSchema(ctx: Ctx, name: string): Promise<Reply> {
  if (name === 'validate') {
    if (ctx.method !== 'POST') throw new HttpError(405, { message: 'Method not allowed' });
    const v = validateRow('plugins', await json(ctx), null, ctx.plugins);
    if (v.errors) throw schemaViolation(v.errors);
    return { status: 200, body: { message: 'schema validation successful' } };
  }
  if (ctx.method !== 'GET') throw new HttpError(405, { message: 'Method not allowed' });
  const schema = ctx.plugins?.schema(name);
  if (!schema) throw new HttpError(404, { message: `No plugin named '${name}'` });
  return { status: 200, body: schema };
}
