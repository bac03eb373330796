// response-transformer's config compiled once, and its JSON body transform (Kong 3.10
// kong/plugins/response-transformer/{header,body}_transformer.lua).
import { splitEntry } from '../request-transformer/schema.js';

type Pair = readonly [string, string];
type Typed = readonly [string, unknown];

export interface Conf {
  headers: { remove: string[]; rename: Pair[]; replace: Pair[]; add: Pair[]; append: Pair[] };
  json: { remove: string[]; rename: Pair[]; replace: Typed[]; add: Typed[]; append: Typed[] };
  anyJson: boolean;
}

type Section = { json?: string[]; headers?: string[]; json_types?: string[] };

/** Entries with an empty value are ignored, as in Kong. */
const pairs = (list: readonly string[] | undefined): Pair[] =>
  (list ?? []).map(splitEntry).filter((p) => p.value !== '').map((p) => [p.name, p.value] as const);

/** Lua's tonumber on a config string: decimal or hex, surrounding spaces allowed. */
function toNumber(s: string): number | undefined {
  const t = s.trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(t)) return t.startsWith('-') ? -parseInt(t.slice(3), 16) : parseInt(t.replace(/^\+/, '').slice(2), 16);
  return undefined;
}

/**
 * Kong's json_value: the string as cjson would write it, without the outer quotes and with `\"`
 * and `\/` turned back, then cast by the entry's json_types (matched by position).
 */
function jsonValue(raw: string, type: string | undefined): unknown {
  const v = JSON.stringify(raw).slice(1, -1).replace(/\\"/g, '"');
  if (type === 'number') return toNumber(v);
  if (type === 'boolean') return v === 'true';
  return v;
}

function typed(s: Section | undefined): Typed[] {
  const out: Typed[] = [];
  (s?.json ?? []).forEach((e, i) => {
    const { name, value } = splitEntry(e);
    if (value === '') return;
    const v = jsonValue(value, s?.json_types?.[i]);
    if (v !== undefined) out.push([name, v]);
  });
  return out;
}

export function compile(config: Record<string, unknown>): Conf {
  const c = config as Record<string, Section>;
  const json = {
    remove: [...(c.remove?.json ?? [])].map((e) => splitEntry(e).name),
    rename: pairs(c.rename?.json),
    replace: typed(c.replace), add: typed(c.add), append: typed(c.append),
  };
  const anyJson = ['remove', 'rename', 'replace', 'add', 'append'].some((k) => (c[k]?.json ?? []).length > 0);
  return {
    headers: { remove: [...(c.remove?.headers ?? [])].map((e) => splitEntry(e).name), rename: pairs(c.rename?.headers), replace: pairs(c.replace?.headers), add: pairs(c.add?.headers), append: pairs(c.append?.headers) },
    json, anyJson,
  };
}

/** Kong's is_json_body: any of the comma-separated media types is application/json. */
export function isJsonBody(contentType: string | string[] | undefined): boolean {
  if (contentType === undefined) return false;
  const ct = Array.isArray(contentType) ? contentType[0] ?? '' : contentType;
  return ct.split(',').some((t) => t.split(';')[0]!.trim().toLowerCase() === 'application/json');
}

// Lua truthiness over decoded JSON: cjson's null is a value; only absent and false are not.
const present = (v: unknown) => v !== undefined && v !== false;

function appendValue(current: unknown, v: unknown): unknown {
  if (typeof current === 'string') return [current, v];
  if (Array.isArray(current)) return [...current, v];
  return [v];
}

/** The new body, or null when it is not a JSON object Kong could decode. */
export function transformJson(conf: Conf, body: Buffer): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  // Only objects have top-level keys to change; anything else passes through unchanged.
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return body.toString('utf8');
  const j = doc as Record<string, unknown>;
  const c = conf.json;
  for (const name of c.remove) delete j[name];
  for (const [from, to] of c.rename) {
    if (j[from] === undefined) continue;
    j[to] = j[from];
    // Kong's order: renaming a key to itself removes it.
    delete j[from];
  }
  for (const [name, v] of c.replace) if (present(j[name])) j[name] = v;
  for (const [name, v] of c.add) if (!present(j[name])) j[name] = v;
  for (const [name, v] of c.append) j[name] = appendValue(j[name], v);
  return JSON.stringify(j);
}
