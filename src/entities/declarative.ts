// Declarative configuration (Kong's `kong.yml`): nested entities flattened, references by name
// resolved, every row validated, and ids derived from content for entities given without one, so
// importing the same file twice gives the same ids (and the same config hash).
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ENTITY_ORDER, SCHEMAS, isEntity, type EntityName } from './schemas.js';
import { validateRow, UUID, type Row } from './validate.js';
import { toConfigTable, emptyRows, type Rows } from './config-table.js';
import { declarativeError } from './errors.js';
import { migrateLegacyPath } from './migrate-paths.js';
import type { PluginCatalogue } from './plugin-catalogue.js';
import { CREDENTIAL_ENTITIES } from './credentials.js';

export const FORMAT_VERSIONS = ['1.1', '2.1', '3.0'] as const;
// Kong's root namespace for declarative ids (declarative_config.lua): each entity gets its own
// namespace v5(root, entity name), and an entity's id is v5(that namespace, its key).
export const KONG_ID_NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5';
// Ours, for entities Kong would give a random id (no name): content-derived, so re-imports agree.
const CONTENT_NAMESPACE = '6f8c2b1e-4d3a-5c7e-9b0a-1d2c3e4f5a6b';

export function uuidV5(namespace: string, name: string): string {
  const h = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// Kong's cache keys for entities that have one (plugins, targets).
const CACHE_KEYS: Record<string, { fields: string[]; required: string[] }> = {
  plugins: { fields: ['name', 'route', 'service', 'consumer'], required: ['name'] },
  targets: { fields: ['upstream', 'target'], required: ['upstream', 'target'] },
};

/** The key Kong derives an id from, or null where Kong would pick a random one. */
export function kongIdKey(entity: EntityName, item: Row, parent?: { fk: string; id: string }): string | null {
  const ck = CACHE_KEYS[entity];
  if (ck) {
    const parts = [entity, '*'];
    for (const k of ck.fields) {
      const v = item[k];
      if (typeof v === 'string') parts.push(v);
      else if (v === undefined || v === null) {
        if (parent && k === parent.fk) parts.push(parent.id);
        else if (ck.required.includes(k)) return null;
        else parts.push('');
      }
    }
    return parts.join(':');
  }
  const key = SCHEMAS[entity]!.endpointKey;
  return key && typeof item[key] === 'string' ? (item[key] as string) : null;
}

export function declarativeId(entity: EntityName, item: Row, parent?: { fk: string; id: string }): string {
  const key = kongIdKey(entity, item, parent);
  if (key !== null) return uuidV5(uuidV5(KONG_ID_NAMESPACE, entity), key);
  return uuidV5(CONTENT_NAMESPACE, `${entity}|${parent?.id ?? ''}|${JSON.stringify(item)}`);
}

export function parseDeclarativeText(text: string): unknown {
  const t = text.trimStart();
  if (t.startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw declarativeError({}, `failed parsing declarative configuration: ${(err as Error).message}`);
    }
  }
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw declarativeError({}, `failed parsing declarative configuration: ${(err as Error).message.split('\n')[0]}`);
  }
}

const CHILDREN: Record<string, { field: string; entity: EntityName; fk: string }[]> = {
  services: [{ field: 'routes', entity: 'routes', fk: 'service' }, { field: 'plugins', entity: 'plugins', fk: 'service' }],
  routes: [{ field: 'plugins', entity: 'plugins', fk: 'route' }],
  upstreams: [{ field: 'targets', entity: 'targets', fk: 'upstream' }],
  consumers: [{ field: 'plugins', entity: 'plugins', fk: 'consumer' }, ...CREDENTIAL_ENTITIES.map((e) => ({ field: e, entity: e, fk: 'consumer' }))],
};

const isObj = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validated rows of a declarative document, ready to replace a store's content. */
export function declarativeToRows(doc: unknown, now: number | null = null, plugins?: PluginCatalogue): Rows {
  const errors: Record<string, unknown> = {};
  if (!isObj(doc)) throw declarativeError({}, 'declarative configuration must be a map (YAML or JSON object)');
  const version = doc._format_version;
  if (version === undefined) errors._format_version = 'required field missing';
  else if (!(FORMAT_VERSIONS as readonly string[]).includes(String(version))) errors._format_version = `expected one of: ${FORMAT_VERSIONS.join(', ')}`;
  const legacy = version === '1.1' || version === '2.1';
  const pending: { entity: EntityName; raw: Row; path: string; parent?: { fk: string; id: string } }[] = [];
  const walk = (entity: EntityName, list: unknown, path: string, parent?: { fk: string; id: string }) => {
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) {
      errors[path] = 'expected an array';
      return;
    }
    list.forEach((item, i) => {
      const p = `${path}.${i + 1}`;
      if (!isObj(item)) {
        errors[p] = 'expected a record';
        return;
      }
      const raw: Row = { ...item };
      if (legacy && entity === 'routes' && Array.isArray(raw.paths)) raw.paths = raw.paths.map((x) => (typeof x === 'string' ? migrateLegacyPath(x) : x));
      const kids = CHILDREN[entity] ?? [];
      const nested = kids.filter((k) => raw[k.field] !== undefined).map((k) => ({ ...k, list: raw[k.field] }));
      for (const k of kids) delete raw[k.field];
      if (typeof raw.id !== 'string') raw.id = declarativeId(entity, raw, parent);
      if (parent) raw[parent.fk] = { id: parent.id };
      pending.push({ entity, raw, path: p, parent });
      for (const n of nested) walk(n.entity, n.list, `${p}.${n.field}`, { fk: n.fk, id: raw.id as string });
    });
  };
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith('_')) continue;
    if (!isEntity(k)) {
      errors[k] = 'unknown entity';
      continue;
    }
    walk(k, v, k);
  }
  // References by name (`service: my-service`) become ids.
  const byKey = new Map<string, string>();
  for (const p of pending) {
    const key = SCHEMAS[p.entity]!.endpointKey;
    if (key && typeof p.raw[key] === 'string') byKey.set(`${p.entity}|${p.raw[key]}`, p.raw.id as string);
    byKey.set(`${p.entity}|${p.raw.id}`, p.raw.id as string);
  }
  const rows = emptyRows();
  const seen = new Set<string>();
  for (const p of pending) {
    const schema = SCHEMAS[p.entity]!;
    for (const [fk, f] of Object.entries(schema.fields)) {
      if (f.type !== 'foreign' || p.raw[fk] === undefined || p.raw[fk] === null) continue;
      const ref = p.raw[fk];
      const name = typeof ref === 'string' ? ref : isObj(ref) ? (ref.id ?? ref[SCHEMAS[f.reference!]?.endpointKey ?? 'name']) : undefined;
      const id = typeof name === 'string' ? byKey.get(`${f.reference}|${name}`) : undefined;
      if (!id) errors[`${p.path}.${fk}`] = `could not find ${f.reference} '${String(name)}'`;
      else p.raw[fk] = { id };
    }
    if (typeof p.raw.id !== 'string' || !UUID.test(p.raw.id)) errors[`${p.path}.id`] = 'expected a valid UUID';
    const { id, ...rest } = p.raw;
    const v = validateRow(p.entity, rest, null, plugins);
    if (v.errors) for (const [k, msg] of Object.entries(v.errors)) errors[k === '@entity' ? p.path : `${p.path}.${k}`] = Array.isArray(msg) ? msg.join('; ') : msg && typeof msg === 'object' ? flat(msg as Row) : msg;
    if (seen.has(`${p.entity}|${id}`)) errors[`${p.path}.id`] = `uniqueness violation: '${p.entity}' entity with primary key set to '${id}' already declared`;
    seen.add(`${p.entity}|${id}`);
    rows[p.entity].push({ id, ...v.row, ...(SCHEMAS[p.entity]!.fields.created_at ? { created_at: now, updated_at: now } : {}) });
  }
  for (const e of ENTITY_ORDER) {
    const key = SCHEMAS[e]!.fields.name?.unique ? 'name' : null;
    if (!key) continue;
    const names = new Set<string>();
    rows[e].forEach((r, i) => {
      if (typeof r[key] !== 'string') return;
      if (names.has(r[key] as string)) errors[`${e}.${i + 1}.${key}`] = `uniqueness violation: '${e}' entity with ${key} set to '${r[key]}' already declared`;
      names.add(r[key] as string);
    });
  }
  if (Object.keys(errors).length > 0) {
    const first = Object.entries(errors).slice(0, 3).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ');
    throw declarativeError(errors, `declarative config is invalid: ${first}`);
  }
  return rows;
}

/** A parsed declarative document as the config_table a data plane serves. */
export function declarativeToConfigTable(doc: unknown, plugins?: PluginCatalogue): Record<string, unknown> {
  return toConfigTable(declarativeToRows(doc, null, plugins));
}

/** Nested field errors (a plugin's config) in one line: `a.b: message; c: message`. */
function flat(v: Row, prefix = ''): string {
  return Object.entries(v).map(([k, m]) => (m && typeof m === 'object' ? flat(m as Row, `${prefix}${k}.`) : `${prefix}${k}: ${String(m)}`)).join('; ');
}
