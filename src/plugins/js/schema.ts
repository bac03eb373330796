// A JS plugin's `Schema` (kong-pdk's shape: Kong's Lua schema as data, an array of
// `{ name: { type, ... } }`) turned into the PluginSchema the control plane validates with. What
// cannot be checked the way Kong checks it (Lua patterns, custom validators) is refused, so no
// config is accepted here that Kong would have rejected.
import type { ConfigField, ConfigType, PluginSchema } from '../schema/types.js';

const TYPES: readonly ConfigType[] = ['string', 'integer', 'number', 'boolean', 'array', 'set', 'map', 'record'];
const KNOWN = new Set(['type', 'required', 'default', 'one_of', 'between', 'gt', 'len_min', 'len_max', 'elements', 'keys', 'values', 'fields', 'description', 'encrypted', 'referenceable']);

export class SchemaError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fieldList(list: unknown, at: string): (readonly [string, ConfigField])[] {
  if (!Array.isArray(list)) throw new SchemaError(`${at} must be an array of { name: { type: ... } }`);
  return list.map((entry, i) => {
    const keys = isObject(entry) ? Object.keys(entry) : [];
    if (keys.length !== 1) throw new SchemaError(`${at}[${i}] must be an object with exactly one field name`);
    const name = keys[0]!;
    return [name, field((entry as Record<string, unknown>)[name], at === 'Schema' ? name : `${at}.${name}`)] as const;
  });
}

function field(def: unknown, at: string): ConfigField {
  if (!isObject(def)) throw new SchemaError(`field '${at}' must be an object with a type`);
  const type = def.type as ConfigType;
  if (!TYPES.includes(type)) throw new SchemaError(`field '${at}' has type ${JSON.stringify(def.type)}; expected one of: ${TYPES.join(', ')}`);
  for (const k of Object.keys(def)) {
    if (!KNOWN.has(k)) throw new SchemaError(`field '${at}': '${k}' is not supported (supported: ${[...KNOWN].join(', ')}); check it in the plugin's code instead`);
  }
  const out: { -readonly [K in keyof ConfigField]: ConfigField[K] } = { type };
  if (def.required !== undefined) out.required = def.required === true;
  if (def.default !== undefined) out.default = def.default;
  if (def.description !== undefined) out.description = String(def.description);
  if (def.encrypted === true) out.encrypted = true;
  if (def.referenceable === true) out.referenceable = true;
  if (def.one_of !== undefined) {
    if (!Array.isArray(def.one_of) || !def.one_of.every((v) => typeof v === 'string' || typeof v === 'number')) throw new SchemaError(`field '${at}': one_of must be an array of strings or numbers`);
    out.one_of = def.one_of;
  }
  if (def.between !== undefined) {
    const b = def.between;
    if (!Array.isArray(b) || b.length !== 2 || !b.every((n) => typeof n === 'number')) throw new SchemaError(`field '${at}': between must be [min, max]`);
    out.between = [b[0] as number, b[1] as number];
  }
  for (const k of ['gt', 'len_min', 'len_max'] as const) {
    if (def[k] === undefined) continue;
    if (typeof def[k] !== 'number') throw new SchemaError(`field '${at}': ${k} must be a number`);
    out[k] = def[k] as number;
  }
  if (type === 'array' || type === 'set') {
    if (def.elements === undefined) throw new SchemaError(`field '${at}' (${type}) needs elements`);
    out.elements = field(def.elements, `${at}[]`);
  } else if (type === 'map') {
    if (def.keys === undefined || def.values === undefined) throw new SchemaError(`field '${at}' (map) needs keys and values`);
    out.keys = field(def.keys, `${at}.keys`);
    out.values = field(def.values, `${at}.values`);
  } else if (type === 'record') {
    out.fields = fieldList(def.fields ?? [], at);
  }
  return out;
}

/** The plugin's `config` fields; a SchemaError names the field and what is wrong with it. */
export function convertSchema(schema: unknown): PluginSchema {
  return { fields: fieldList(schema ?? [], 'Schema') };
}
