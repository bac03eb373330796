// Collection answers: entity lists with Kong's paging and tag filters, /tags, /tags/{tag}, and
// the collections decK lists that hybridctl has no entities for.
import { ENTITY_ORDER, SCHEMAS, type EntityName } from '../entities/index.js';
import type { Store } from '../store/index.js';
import { HttpError } from './http-error.js';
import { checkTag, matchesTags, nextLink, pageOf, pageSize, tagFilter } from './paging.js';

type Row = Record<string, unknown>;

export interface ListCtx {
  method: string;
  path: string;
  query: URLSearchParams;
  store: Store;
}

export interface ListReply {
  status: number;
  body: unknown;
}

/** Every row of an entity that passes `where`, in the store's order. */
async function allRows(store: Store, entity: EntityName, where?: (r: Row) => boolean): Promise<Row[]> {
  const out: Row[] = [];
  let offset: string | undefined;
  do {
    const page = await store.list(entity, { size: 1000, offset, where });
    out.push(...page.data);
    offset = page.offset ?? undefined;
  } while (offset);
  return out;
}

const reply = (data: Row[], offset: string | null, next: string | null): ListReply => ({
  status: 200,
  body: offset ? { data, offset, next } : { data, next },
});

/**
 * GET /{entity} and /{parent}/{p}/{entity}. Kong validates `tags` on both but filters only top-level
 * lists (a nested page ignores them, Kong issue #6779).
 */
export async function listEntity(ctx: ListCtx, entity: EntityName, where?: (r: Row) => boolean): Promise<ListReply> {
  const size = pageSize(ctx.query);
  const hasTags = Object.hasOwn(SCHEMAS[entity]!.fields, 'tags');
  const tags = hasTags ? tagFilter(ctx.query) : null;
  const nested = where !== undefined;
  const filter = tags && !nested ? (r: Row) => matchesTags(r, tags) : undefined;
  const rows = await allRows(ctx.store, entity, where ?? filter);
  const page = pageOf(rows, size, ctx.query.get('offset'));
  return reply(page.data, page.offset, nextLink(ctx.path, page.offset, ctx.query, nested));
}

/** GET /tags and /tags/{tag}: one row per (entity, tag), Kong's tags entity. */
export async function listTags(ctx: ListCtx, tag: string | undefined): Promise<ListReply> {
  if (ctx.method !== 'GET') throw new HttpError(405, { message: 'Method not allowed' });
  if (tag !== undefined) checkTag(tag);
  const size = pageSize(ctx.query);
  const all: Row[] = [];
  for (const entity of ENTITY_ORDER) {
    if (!Object.hasOwn(SCHEMAS[entity]!.fields, 'tags')) continue;
    for (const r of await allRows(ctx.store, entity)) {
      const tags = Array.isArray(r.tags) ? (r.tags as unknown[]) : [];
      for (const t of tags) if (typeof t === 'string' && (tag === undefined || t === tag)) all.push({ entity_name: entity, entity_id: r.id, tag: t });
    }
  }
  // Rows have no id of their own: the offset anchors on a synthetic one, as opaque as Kong's.
  const keyed = all.map((r, i) => ({ ...r, id: `${String(r.entity_id)}|${String(r.tag)}|${i}` }));
  const page = pageOf(keyed, size, ctx.query.get('offset'));
  const data = page.data.map(({ id: _id, ...r }) => r);
  const base = tag === undefined ? '/tags' : `/tags/${encodeURIComponent(tag)}`;
  return reply(data, page.offset, page.offset ? `${base}?offset=${encodeURIComponent(page.offset)}` : null);
}

/**
 * Entities decK lists that a Kong 3.10 open-source node answers with an empty collection when none
 * are configured: hybridctl stores none of them, so the list is always empty and a write is refused.
 * `oauth2` is the bundled OAuth 2.0 plugin's credentials (admin_api_name in its daos.lua), which Kong
 * serves whether or not the plugin is enabled; hybridctl has no such plugin.
 */
export const EMPTY_COLLECTIONS = new Set(['vaults', 'keys', 'key-sets', 'oauth2']);

export function emptyCollection(ctx: ListCtx, key: string | undefined): ListReply {
  if (ctx.method === 'GET' && key === undefined) {
    pageSize(ctx.query);
    tagFilter(ctx.query);
    return reply([], null, null);
  }
  if (ctx.method === 'GET' || ctx.method === 'DELETE') {
    if (ctx.method === 'DELETE') return { status: 204, body: undefined };
    throw new HttpError(404, { message: 'Not found' });
  }
  throw new HttpError(405, { message: 'Method not allowed' });
}
