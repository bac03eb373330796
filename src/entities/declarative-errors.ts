// Kong's declarative error documents (kong/db/errors.lua declarative_config and
// declarative_config_flattened): errors nested like the input (entity lists as arrays, children
// under their parent), the message as Penlight's one-line pretty-print of that table, and the
// flattened list of per-entity errors `flatten_errors=1` asks for.
import { EntityError } from './errors.js';
import { SCHEMAS } from './schemas.js';

/** A Lua table: keys are field names or 1-based positions (as strings). */
export type ErrTable = { [k: string]: ErrValue };
export type ErrValue = string | string[] | ErrTable;

const isTable = (v: unknown): v is ErrTable => typeof v === 'object' && v !== null && !Array.isArray(v);
const POSITION = /^[1-9]\d*$/;

/** Sets `value` at `path`, making the tables on the way; a string already there stays (first error wins). */
export function putError(errs: ErrTable, path: (string | number)[], value: ErrValue): void {
  let t = errs;
  for (const seg of path.slice(0, -1)) {
    const k = String(seg);
    if (!isTable(t[k])) {
      if (t[k] !== undefined) return;
      t[k] = {};
    }
    t = t[k] as ErrTable;
  }
  const last = String(path.at(-1));
  if (t[last] === undefined) t[last] = value;
  else if (isTable(t[last]) && isTable(value)) Object.assign(t[last] as ErrTable, value);
}

/** Field errors as validateRow reports them: array element errors ({"1": msg}) stay 1-based tables. */
export function fieldErrors(v: unknown): ErrValue {
  if (Array.isArray(v)) return v.map(String);
  if (isTable(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fieldErrors(x)]));
  return String(v);
}

const sortedKeys = (t: ErrTable): { seq: number; rest: string[] } => {
  let seq = 0;
  while (Object.hasOwn(t, String(seq + 1))) seq++;
  const rest = Object.keys(t)
    .filter((k) => !(POSITION.test(k) && Number(k) <= seq))
    .sort((a, b) => (POSITION.test(a) && POSITION.test(b) ? Number(a) - Number(b) : POSITION.test(a) ? -1 : POSITION.test(b) ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return { seq, rest };
};

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** pl.pretty.write(t, ""): `{services={{host="required field missing"}}}`, sparse positions as [2]=. */
export function luaPretty(v: ErrValue): string {
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) return `{${v.map(quote).join(',')}}`;
  const { seq, rest } = sortedKeys(v);
  const parts: string[] = [];
  for (let i = 1; i <= seq; i++) parts.push(luaPretty(v[String(i)]!));
  for (const k of rest) parts.push(`${POSITION.test(k) ? `[${k}]` : IDENT.test(k) ? k : `[${quote(k)}]`}=${luaPretty(v[k]!)}`);
  return `{${parts.join(',')}}`;
}

/** cjson's encoding of the table: a table of positions only is an array, holes as null. */
export function toJson(v: ErrValue): unknown {
  if (typeof v === 'string' || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  if (keys.length > 0 && keys.every((k) => POSITION.test(k))) {
    const out: unknown[] = new Array(Math.max(...keys.map(Number))).fill(null);
    for (const k of keys) out[Number(k) - 1] = toJson(v[k]!);
    return out;
  }
  return Object.fromEntries(keys.map((k) => [k, toJson(v[k]!)]));
}

export function declarativeInvalid(errs: ErrTable): EntityError {
  return new EntityError(400, { code: 14, name: 'invalid declarative configuration', message: `declarative config is invalid: ${luaPretty(errs)}`, fields: toJson(errs) });
}

/** A file that does not parse, or parses to something other than a table. */
export const declarativeParseError = (message: string) => declarativeInvalid({ error: `failed parsing declarative configuration: ${message}` });

// Children listed under a parent in a declarative file, by parent entity: the field and child entity.
export type Children = Record<string, { field: string; entity: string; fk: string }[]>;

interface Flattened {
  entity_name?: string;
  entity_id?: string;
  entity_tags?: string[];
  entity_type: string;
  entity: Record<string, unknown>;
  errors: { type: 'field' | 'entity'; field?: string; message: string }[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const singular = (noun: string) => (noun.endsWith('s') ? noun.slice(0, -1) : noun);

function categorize(errs: ErrTable, ns: string, out: Flattened['errors']): void {
  for (const k of Object.keys(errs).sort()) {
    const v = errs[k]!;
    if (k === '@entity') for (const m of typeof v === 'string' ? [v] : Array.isArray(v) ? v : []) out.push({ type: 'entity', message: m });
    else if (typeof v === 'string') out.push({ type: 'field', field: ns ? `${ns}.${k}` : k, message: v });
    else if (Array.isArray(v)) for (const m of v) out.push({ type: 'field', field: ns ? `${ns}.${k}` : k, message: m });
    else categorize(v, ns ? `${ns}.${k}` : k, out);
  }
}

function flattenEntity(entity: string, item: Record<string, unknown>, err: ErrValue, children: Children, out: Flattened[]): void {
  const errs: ErrTable = typeof err === 'string' ? { '@entity': err } : Array.isArray(err) ? { '@entity': err } : { ...err };
  const copy: Record<string, unknown> = { ...item };
  const pk = typeof item.id === 'string' && UUID_RE.test(item.id) ? { id: item.id } : undefined;
  for (const c of children[entity] ?? []) {
    const list = copy[c.field];
    const childErrs = errs[c.field];
    delete copy[c.field];
    delete errs[c.field];
    if (!Array.isArray(list) || !isTable(childErrs)) continue;
    list.forEach((child, i) => {
      const e = childErrs[String(i + 1)];
      if (e === undefined || !isTable(child)) return;
      flattenEntity(c.entity, { ...child, ...(child[c.fk] === undefined && pk ? { [c.fk]: pk } : {}) }, e, children, out);
    });
  }
  const list: Flattened['errors'] = [];
  categorize(errs, '', list);
  if (list.length === 0) return;
  const tags = Array.isArray(item.tags) && item.tags.every((t) => typeof t === 'string') ? (item.tags as string[]) : undefined;
  out.push({
    ...(typeof item.name === 'string' && item.name !== '' ? { entity_name: item.name } : {}),
    ...(typeof item.id === 'string' && UUID_RE.test(item.id) ? { entity_id: item.id } : {}),
    ...(tags ? { entity_tags: tags } : {}),
    entity_type: singular(entity),
    entity: copy,
    errors: list,
  });
}

/**
 * Kong's flatten_errors: every entity section's errors become one record per entity; what is left
 * (top-level fields such as `_format_version`) stays in `fields`.
 */
export function flattenDeclarativeErrors(input: Record<string, unknown>, errs: ErrTable, children: Children): { rest: ErrTable; flattened: Flattened[] } {
  const rest: ErrTable = {};
  const flattened: Flattened[] = [];
  for (const section of Object.keys(errs).sort()) {
    const sectionErrs = errs[section]!;
    const list = input[section];
    if (!isTable(sectionErrs) || !Array.isArray(list) || !Object.hasOwn(SCHEMAS, section)) {
      rest[section] = sectionErrs;
      continue;
    }
    for (const k of Object.keys(sectionErrs).sort()) {
      const item = POSITION.test(k) ? list[Number(k) - 1] : list.find((x) => isTable(x) && (x[SCHEMAS[section]!.endpointKey ?? 'name'] === k || x.id === k));
      if (isTable(item)) flattenEntity(section, item, sectionErrs[k]!, children, flattened);
      else putError(rest, [section, k], sectionErrs[k]!);
    }
  }
  return { rest, flattened };
}

export function declarativeInvalidFlattened(input: Record<string, unknown>, errs: ErrTable, children: Children): EntityError {
  const { rest, flattened } = flattenDeclarativeErrors(input, errs, children);
  const e = declarativeInvalid(rest);
  e.body.flattened_errors = flattened;
  return e;
}
