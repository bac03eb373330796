// Declarative configuration (Kong's `kong.yml`): nested entities flattened, references by name
// resolved, every row validated, and ids derived from content for entities given without one, so
// importing the same file twice gives the same ids (and the same config hash).
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ENTITY_ORDER, SCHEMAS, isEntity, type EntityName } from './schemas.js';
import { validateRow, UUID, type Row } from './validate.js';
import { toConfigTable, emptyRows, type Rows } from './config-table.js';
import { declarativeInvalid, declarativeInvalidFlattened, declarativeParseError, fieldErrors, putError, type ErrTable } from './declarative-errors.js';
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
      throw declarativeParseError((err as Error).message);
    }
  }
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw declarativeParseError((err as Error).message.split('\n')[0]!);
  }
}

const CHILDREN: Record<string, { field: string; entity: EntityName; fk: string }[]> = {
  certificates: [{ field: 'snis', entity: 'snis', fk: 'certificate' }],
  services: [{ field: 'routes', entity: 'routes', fk: 'service' }, { field: 'plugins', entity: 'plugins', fk: 'service' }],
  routes: [{ field: 'plugins', entity: 'plugins', fk: 'route' }],
  upstreams: [{ field: 'targets', entity: 'targets', fk: 'upstream' }],
  consumers: [{ field: 'plugins', entity: 'plugins', fk: 'consumer' }, ...CREDENTIAL_ENTITIES.map((e) => ({ field: e, entity: e, fk: 'consumer' }))],
};

const isObj = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface DeclarativeOptions {
  /** Kong's flatten_errors=1: per-entity error records in `flattened_errors`. */
  flattenErrors?: boolean;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const uniqueness = (entity: string, key: string, value: unknown) => `uniqueness violation: '${entity}' entity with ${key} set to '${String(value)}' already declared`;

/**
 * Validated rows of a declarative document, ready to replace a store's content. Errors come in
 * Kong's phases, each only when the one before passed: schema, then references and key/primary-key
 * uniqueness, then the other unique fields; each in Kong's nested shape.
 */
export function declarativeToRows(doc: unknown, now: number | null = null, plugins?: PluginCatalogue, opts: DeclarativeOptions = {}): Rows {
  if (!isObj(doc)) throw declarativeParseError('expected an object');
  const fail = (errs: ErrTable) => (opts.flattenErrors ? declarativeInvalidFlattened(doc, errs, CHILDREN) : declarativeInvalid(errs));
  const schemaErrs: ErrTable = {};
  const version = doc._format_version;
  if (version === undefined || version === null) schemaErrs._format_version = 'required field missing';
  else if (typeof version !== 'string') schemaErrs._format_version = 'expected a string';
  else if (!(FORMAT_VERSIONS as readonly string[]).includes(version)) schemaErrs._format_version = `expected one of: ${FORMAT_VERSIONS.join(', ')}`;
  const legacy = version === '1.1' || version === '2.1';
  type Pending = { entity: EntityName; raw: Row; at: (string | number)[]; index: number; parent?: { fk: string; id: string; entity: EntityName; index: number } };
  const pending: Pending[] = [];
  const walk = (entity: EntityName, list: unknown, at: (string | number)[], parent?: Pending['parent']) => {
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) {
      putError(schemaErrs, at, 'expected an array');
      return;
    }
    list.forEach((item, i) => {
      const here = [...at, i + 1];
      if (!isObj(item)) {
        putError(schemaErrs, here, 'expected a record');
        return;
      }
      const raw: Row = { ...item };
      if (legacy && entity === 'routes' && Array.isArray(raw.paths)) raw.paths = raw.paths.map((x) => (typeof x === 'string' ? migrateLegacyPath(x) : x));
      const kids = CHILDREN[entity] ?? [];
      const nested = kids.filter((k) => raw[k.field] !== undefined).map((k) => ({ ...k, list: raw[k.field] }));
      for (const k of kids) delete raw[k.field];
      if (typeof raw.id !== 'string') raw.id = declarativeId(entity, raw, parent);
      if (parent) raw[parent.fk] = { id: parent.id };
      pending.push({ entity, raw, at: here, index: i + 1, parent });
      for (const n of nested) walk(n.entity, n.list, [...here, n.field], { fk: n.fk, id: raw.id as string, entity, index: i + 1 });
    });
  };
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith('_')) continue;
    if (!isEntity(k)) schemaErrs[k] = 'unknown field';
    else walk(k, v, [k]);
  }
  // References by name (`service: my-service`) or id become ids.
  const byKey = new Map<string, string>();
  for (const p of pending) {
    const key = SCHEMAS[p.entity]!.endpointKey;
    if (key && typeof p.raw[key] === 'string') byKey.set(`${p.entity}|${p.raw[key]}`, p.raw.id as string);
    byKey.set(`${p.entity}|${p.raw.id}`, p.raw.id as string);
  }
  const refErrs: ErrTable = {};
  const rows = emptyRows();
  for (const p of pending) {
    const schema = SCHEMAS[p.entity]!;
    const endpointKey = schema.endpointKey && schema.fields[schema.endpointKey]?.unique ? schema.endpointKey : null;
    const at = endpointKey && typeof p.raw[endpointKey] === 'string' ? (p.raw[endpointKey] as string) : String(p.raw.id);
    for (const [fk, f] of Object.entries(schema.fields)) {
      if (f.type !== 'foreign' || p.raw[fk] === undefined || p.raw[fk] === null) continue;
      const ref = p.raw[fk];
      const name = typeof ref === 'string' ? ref : isObj(ref) ? (ref.id ?? ref[SCHEMAS[f.reference!]?.endpointKey ?? 'name']) : undefined;
      const id = typeof name === 'string' ? byKey.get(`${f.reference}|${name}`) : undefined;
      if (id) p.raw[fk] = { id };
      else {
        const shown = typeof ref === 'string' ? ref : JSON.stringify(ref);
        const list = (refErrs[p.entity] ??= {}) as ErrTable;
        ((list[at] ??= []) as string[]).push(`invalid reference '${fk}: ${shown}' (no such entry in '${f.reference}')`);
        // Checked as if it resolved, so the schema phase reports only schema errors.
        p.raw[fk] = { id: NIL_UUID };
      }
    }
    if (typeof p.raw.id !== 'string' || !UUID.test(p.raw.id)) putError(schemaErrs, [...p.at, 'id'], 'expected a valid UUID');
    const { id, ...rest } = p.raw;
    const v = validateRow(p.entity, rest, null, plugins);
    if (v.errors) for (const [k, msg] of Object.entries(v.errors)) putError(schemaErrs, [...p.at, k], k === '@entity' ? (msg as string[]).map(String) : fieldErrors(msg));
    rows[p.entity].push({ id, ...v.row, ...(schema.fields.created_at ? { created_at: now } : {}), ...(schema.fields.updated_at ? { updated_at: now } : {}) });
  }
  if (Object.keys(schemaErrs).length) throw fail(schemaErrs);
  // Kong's populate_references: endpoint keys, then primary keys, each once per entity.
  const seenKey = new Set<string>();
  const seenId = new Set<string>();
  for (const p of pending) {
    const schema = SCHEMAS[p.entity]!;
    const where = p.parent ? [p.parent.entity, p.parent.index, p.entity, p.index] : [p.entity, p.index];
    const ek = schema.endpointKey && schema.fields[schema.endpointKey]?.unique ? schema.endpointKey : null;
    const key = ek ? p.raw[ek] : undefined;
    if (ek && typeof key === 'string') {
      if (seenKey.has(`${p.entity}|${key}`)) {
        putError(refErrs, where, uniqueness(p.entity, ek, key));
        continue;
      }
      seenKey.add(`${p.entity}|${key}`);
    }
    if (seenId.has(`${p.entity}|${p.raw.id}`)) putError(refErrs, where, uniqueness(p.entity, 'primary key', p.raw.id));
    seenId.add(`${p.entity}|${p.raw.id}`);
  }
  if (Object.keys(refErrs).length) throw fail(refErrs);
  // Every other unique field, keyed by the entity's endpoint key (or id) as Kong's flatten does.
  const uniqErrs: ErrTable = {};
  for (const e of ENTITY_ORDER) {
    const schema = SCHEMAS[e]!;
    for (const [field, f] of Object.entries(schema.fields)) {
      if (!f.unique) continue;
      const seen = new Set<unknown>();
      for (const r of rows[e]) {
        const value = r[field];
        if (value === null || value === undefined) continue;
        if (seen.has(value)) putError(uniqErrs, [e, String((schema.endpointKey && r[schema.endpointKey]) ?? r.id)], uniqueness(e, field, value));
        seen.add(value);
      }
    }
  }
  if (Object.keys(uniqErrs).length) throw fail(uniqErrs);
  return rows;
}

/** A parsed declarative document as the config_table a data plane serves. */
export function declarativeToConfigTable(doc: unknown, plugins?: PluginCatalogue): Record<string, unknown> {
  return toConfigTable(declarativeToRows(doc, null, plugins));
}
