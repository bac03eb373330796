// The Admin API's one body decoder: Kong's accepted content types, JSON and form bodies turned into
// plain objects with no prototype-sensitive key anywhere, refused with a 400 that names the key.
import { FORBIDDEN_KEYS, plainJson } from '../entities/json-shape.js';
import { HttpError } from './http-error.js';

export interface Body {
  raw: string;
  /** The decoded document; undefined for a YAML body, which /config parses itself. */
  json: unknown;
}

/** Request bodies nest at most this deep (a declarative file with its plugin configs fits). */
export const BODY_LIMITS = { maxDepth: 64, maxBytes: Number.POSITIVE_INFINITY } as const;

const FORBIDDEN_HELP = "'__proto__', 'constructor' and 'prototype' cannot be used as keys";

function refuse(where: string, path: string[], message: string): never {
  const key = path.join('.').slice(0, 200);
  if (path.length && FORBIDDEN_KEYS.has(path.at(-1)!)) throw new HttpError(400, { message: `invalid key '${key}' in ${where}: ${FORBIDDEN_HELP}` });
  throw new HttpError(400, { message: `invalid ${where}${key ? ` at '${key}'` : ''}: ${message}` });
}

/** Kong's content types (api_helpers before_filter): others answer 415, saying what is accepted. */
export function decodeBody(contentType: string | undefined, raw: string, opts: { yaml: boolean }): Body {
  if (raw.trim() === '') return { raw, json: {} };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/json')) return { raw, json: decodeJson(raw) };
  if (type.startsWith('application/x-www-form-urlencoded')) return { raw, json: decodeForm(raw) };
  if (opts.yaml && (type.startsWith('application/yaml') || type.startsWith('text/yaml'))) return { raw, json: undefined };
  const accepted = `application/json or application/x-www-form-urlencoded${opts.yaml ? ', application/yaml or text/yaml' : ''}`;
  throw new HttpError(415, {
    message: contentType ? `Unsupported Media Type: '${contentType.slice(0, 100)}'; send ${accepted}` : `Unsupported Media Type: the body has no Content-Type; send ${accepted}`,
  });
}

/** A JSON body: parsed (JSON.parse does not recurse), then checked and copied without recursion. */
export function decodeJson(raw: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, { message: 'Cannot parse JSON body' });
  }
  const shaped = plainJson(parsed, BODY_LIMITS);
  if (!shaped.ok) refuse('JSON body', shaped.path, shaped.message);
  return shaped.value;
}

type Node = Record<string, unknown> | unknown[];
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/**
 * `a.b[2].c` → ['a', 'b', 2, 'c']: dots split keys, `[N]` is 1-based, `[]` appends (Kong's
 * key_to_path). Scanned from the end by hand: a regex over `a[][][]…` would backtrack quadratically.
 */
function keyPath(key: string): (string | number | null)[] {
  const out: (string | number | null)[] = [];
  for (const segment of key.split('.')) {
    const idx: (number | null)[] = [];
    let end = segment.length;
    while (end > 0 && segment[end - 1] === ']' && idx.length <= BODY_LIMITS.maxDepth) {
      const open = segment.lastIndexOf('[', end - 2);
      const digits = open > 0 ? segment.slice(open + 1, end - 1) : 'x';
      if (!/^\d*$/.test(digits)) break;
      idx.unshift(digits === '' ? null : Number(digits));
      end = open;
    }
    out.push(segment.slice(0, end), ...idx);
  }
  return out;
}

const MAX_INDEX = 10_000;

/** A form value as Kong's schema coercion would read it: integers and booleans, else the string. */
function formValue(v: string): unknown {
  if (/^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  return v === 'true' ? true : v === 'false' ? false : v;
}

/** Kong's form encoding: `a=1&b[]=x&service.id=…&sources[1].ip=…` → nested plain objects. */
export function decodeForm(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const path = keyPath(k);
    if (path.length > BODY_LIMITS.maxDepth) refuse('form body', [k.slice(0, 200)], `key nested too deeply (more than ${BODY_LIMITS.maxDepth} levels)`);
    const names = path.filter((p): p is string => typeof p === 'string');
    const bad = names.find((p) => FORBIDDEN_KEYS.has(p));
    if (bad !== undefined) throw new HttpError(400, { message: `invalid key '${k.slice(0, 200)}' in form body: ${FORBIDDEN_HELP}` });
    let cur: Node = out;
    for (let i = 0; i < path.length; i++) {
      const p = path[i]!;
      const last = i === path.length - 1;
      const conflict = () => refuse('form body', [k.slice(0, 200)], `'${k.slice(0, 200)}' conflicts with another key of the body`);
      // A string step needs an object, a numeric or [] step an array.
      if ((typeof p === 'string') === Array.isArray(cur)) conflict();
      let slot: string | number;
      if (p === null) slot = (cur as unknown[]).length;
      else if (typeof p === 'number') {
        if (p < 1 || p > MAX_INDEX) refuse('form body', [k.slice(0, 200)], `array index must be between 1 and ${MAX_INDEX}`);
        slot = p - 1;
      } else slot = p;
      const holder = cur as Record<string | number, unknown>;
      const has = Object.hasOwn(holder, slot);
      if (last) {
        if (has && isNode(holder[slot])) conflict();
        holder[slot] = formValue(v);
        break;
      }
      if (!has) holder[slot] = typeof path[i + 1] === 'string' ? {} : [];
      const next = holder[slot];
      if (!isNode(next)) conflict();
      cur = next as Node;
    }
  }
  // `x[3]=a` alone leaves holes: arrays keep their given order, without gaps.
  const shaped = plainJson(compact(out), BODY_LIMITS);
  if (!shaped.ok) refuse('form body', shaped.path, shaped.message);
  return shaped.value as Record<string, unknown>;
}

/** Removes array holes, without recursion (depth is bounded by BODY_LIMITS already). */
function compact(root: Node): Node {
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (Array.isArray(n)) {
      const dense = Object.keys(n).map((i) => n[Number(i)]);
      n.length = 0;
      n.push(...dense);
    }
    for (const v of Object.values(n)) if (isNode(v)) stack.push(v);
  }
  return root;
}
