// POST /config as kong/api/routes/config.lua answers it: the document as a JSON body, a `config`
// string (JSON or YAML) or a raw YAML body; `check_hash=1` answers 304 when the same text was the last
// one loaded; `flatten_errors=1` adds Kong's flattened_errors.
import { createHash } from 'node:crypto';
import { ENTITY_ORDER, declarativeToRows, parseDeclarativeText, type PluginCatalogue } from '../entities/index.js';
import { declarativeParseError } from '../entities/declarative-errors.js';
import { plainJson } from '../entities/json-shape.js';
import type { Store } from '../store/index.js';
import { BODY_LIMITS } from './body.js';
import { HttpError } from './http-error.js';

type Row = Record<string, unknown>;

export interface ConfigCtx {
  query: URLSearchParams;
  body: () => Promise<{ raw: string; json: unknown }>;
  store: Store;
  plugins?: PluginCatalogue;
}

// Kong's truthy() for flatten_errors; check_hash is older and only takes "1".
const truthy = (v: unknown) => (typeof v === 'string' ? ['true', '1', 'on', 'yes'].includes(v.toLowerCase()) : v === true || v === 1);

// The md5 of the text last loaded, per store; any later write through the Admin API forgets it,
// since the store then no longer holds what that text says.
const lastHash = new WeakMap<Store, string>();
const watched = new WeakSet<Store>();

function remember(store: Store, hash: string | null): void {
  if (!watched.has(store)) {
    watched.add(store);
    store.onChange(() => lastHash.delete(store));
  }
  if (hash) lastHash.set(store, hash);
}

export async function postConfig(ctx: ConfigCtx): Promise<{ status: number; body?: unknown }> {
  const b = await ctx.body();
  const params: Row = b.json && typeof b.json === 'object' && !Array.isArray(b.json) ? { ...(b.json as Row) } : {};
  const flatten = truthy(ctx.query.get('flatten_errors') ?? params.flatten_errors);
  const checkHash = String(ctx.query.get('check_hash') ?? params.check_hash) === '1';
  delete params.flatten_errors;
  delete params.check_hash;

  let doc: unknown;
  let text: string | null = null;
  if (params._format_version !== undefined) doc = params;
  else if (params.config !== undefined && params.config !== null && typeof params.config === 'object') doc = params.config;
  else {
    text = typeof params.config === 'string' ? params.config : b.raw;
    if (text.trim() === '') throw new HttpError(400, { message: 'expected a declarative configuration' });
    doc = parseDeclarativeText(text);
  }
  const hash = text === null ? null : createHash('md5').update(text).digest('hex');
  if (checkHash && hash !== null && lastHash.get(ctx.store) === hash) return { status: 304 };

  // YAML and a `config` string are parsed here, not by the body decoder: the same shape rules apply.
  const shaped = plainJson(doc, BODY_LIMITS);
  if (!shaped.ok) throw declarativeParseError(`${shaped.message}${shaped.path.length ? ` at '${shaped.path.join('.').slice(0, 200)}'` : ''}`);
  const rows = declarativeToRows(shaped.value, null, ctx.plugins, { flattenErrors: flatten });
  await ctx.store.replaceAll(rows);
  remember(ctx.store, hash);
  return { status: 201, body: Object.fromEntries(ENTITY_ORDER.filter((e) => rows[e].length).map((e) => [e, Object.fromEntries(rows[e].map((r) => [r.id, r]))])) };
}
