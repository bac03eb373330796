// Declarative configuration (Kong's `kong.yml`): nested entities flattened, references by name
// resolved, every row validated, and ids derived from content for entities given without one, so
// importing the same file twice gives the same ids (and the same config hash).
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ENTITY_ORDER, SCHEMAS, isEntity, type EntityName } from './schemas.js';
import { validateRow, UUID, type Row } from './validate.js';
import { toConfigTable, emptyRows, type Rows } from './config-table.js';
import { declarativeError } from './errors.js';

export const FORMAT_VERSIONS = ['1.1', '2.1', '3.0'] as const;
// A fixed namespace so generated ids are stable across runs and machines.
const NAMESPACE = Buffer.from('6f8c2b1e4d3a5c7e9b0a1d2c3e4f5a6b', 'hex');

export function uuidV5(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
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
  consumers: [{ field: 'plugins', entity: 'plugins', fk: 'consumer' }],
};

const isObj = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validated rows of a declarative document, ready to replace a store's content. */
export function declarativeToRows(doc: unknown, now: number | null = null): Rows {
  const errors: Record<string, unknown> = {};
  if (!isObj(doc)) throw declarativeError({}, 'declarative configuration must be a map (YAML or JSON object)');
  const version = doc._format_version;
  if (version === undefined) errors._format_version = 'required field missing';
  else if (!(FORMAT_VERSIONS as readonly string[]).includes(String(version))) errors._format_version = `expected one of: ${FORMAT_VERSIONS.join(', ')}`;
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
      const kids = CHILDREN[entity] ?? [];
      const nested = kids.filter((k) => raw[k.field] !== undefined).map((k) => ({ ...k, list: raw[k.field] }));
      for (const k of kids) delete raw[k.field];
      if (parent) raw[parent.fk] = { id: parent.id };
      const key = SCHEMAS[entity]!.endpointKey;
      if (typeof raw.id !== 'string') raw.id = uuidV5(`${entity}|${parent?.id ?? ''}|${key && typeof raw[key] === 'string' ? raw[key] : JSON.stringify(item)}`);
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
    const v = validateRow(p.entity, rest);
    if (v.errors) for (const [k, msg] of Object.entries(v.errors)) errors[k === '@entity' ? p.path : `${p.path}.${k}`] = Array.isArray(msg) ? msg.join('; ') : msg;
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
export function declarativeToConfigTable(doc: unknown): Record<string, unknown> {
  return toConfigTable(declarativeToRows(doc));
}
