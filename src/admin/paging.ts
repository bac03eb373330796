// Kong's collection paging (kong/api/endpoints.lua, kong/db/dao/init.lua): `size` (default 100, at
// most 1000), an opaque `offset`, `next` built as Kong builds it, and `tags` filters with Kong's
// option errors. Pages follow creation order (Kong's postgres strategy orders by id).
import { validateTag } from '../entities/names.js';
import { HttpError } from './http-error.js';

type Row = Record<string, unknown>;

export const PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const MAX_TAGS = 5;

// Printable ASCII but `,` and `/`, and any non-ASCII character (TAGS_AND_REGEX / TAGS_OR_REGEX).
const TAG_CHARS = '[\\x20-\\x2B\\x2D\\x2E\\x30-\\x7E\\u0080-\\u{10FFFF}]';
const TAGS_AND = new RegExp(`^(${TAG_CHARS}+(?:,|$))+$`, 'u');
const TAGS_OR = new RegExp(`^(${TAG_CHARS}+(?:/|$))+$`, 'u');

export interface TagFilter {
  cond: 'and' | 'or';
  tags: string[];
}

const invalidOptions = (options: Record<string, string>) => {
  const parts = Object.keys(options).sort().map((k) => `${k}: ${options[k]}`);
  const message = parts.length === 1 ? `invalid option (${parts[0]})` : `${parts.length} option violations (${parts.join('; ')})`;
  return new HttpError(400, { code: 11, name: 'invalid options', message, options });
};
const invalidSize = (message: string) => new HttpError(400, { code: 9, name: 'invalid size', message });
const invalidOffset = (offset: string, why: string) => new HttpError(400, { code: 7, name: 'invalid offset', message: `'${offset.slice(0, 200)}' is not a valid offset: ${why}` });

/** `size`: Kong reads it with tonumber, then wants an integer between 1 and 1000. */
export function pageSize(query: URLSearchParams): number {
  const raw = query.get('size');
  if (raw === null) return PAGE_SIZE;
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (Number.isNaN(n)) throw invalidSize('size must be a number');
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw invalidSize(`size must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  return n;
}

/** `tags=a,b` (all of them) or `tags=a/b` (any of them); null when not filtering. */
export function tagFilter(query: URLSearchParams): TagFilter | null {
  const raw = query.get('tags');
  if (raw === null) return null;
  if (raw === '') throw invalidOptions({ tags: 'cannot be null' });
  let f: TagFilter;
  if (TAGS_AND.test(raw)) f = { cond: 'and', tags: raw.split(',').filter(Boolean) };
  else if (TAGS_OR.test(raw)) f = { cond: 'or', tags: raw.split('/').filter(Boolean) };
  else throw invalidOptions({ tags: 'invalid filter syntax' });
  if (f.tags.length > MAX_TAGS) throw invalidOptions({ tags: `cannot query more than ${MAX_TAGS} tags` });
  return f;
}

export function matchesTags(row: Row, f: TagFilter): boolean {
  const have = Array.isArray(row.tags) ? (row.tags as unknown[]) : [];
  return f.cond === 'and' ? f.tags.every((t) => have.includes(t)) : f.tags.some((t) => have.includes(t));
}

// The offset is base64 (standard alphabet, no padding) of a JSON array whose first element is the
// last id of the previous page, as Kong's is; the position rides along so a deleted anchor still pages.
function encodeOffset(id: string, position: number): string {
  return Buffer.from(JSON.stringify([id, position])).toString('base64').replace(/=+$/, '');
}

function decodeOffset(offset: string): { id: string; position: number } {
  // ngx.decode_base64: the standard alphabet, padding optional, never one character over a block.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(offset) || offset.replace(/=+$/, '').length % 4 === 1) throw invalidOffset(offset, 'bad base64 encoding');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(offset, 'base64').toString('utf8'));
  } catch {
    throw invalidOffset(offset, 'bad json encoding');
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string') throw invalidOffset(offset, 'bad json encoding');
  return { id: parsed[0], position: typeof parsed[1] === 'number' && Number.isInteger(parsed[1]) && parsed[1] >= 0 ? parsed[1] : 0 };
}

export interface Page {
  data: Row[];
  offset: string | null;
}

/** One page of `all` (already filtered), after `offset`. */
export function pageOf(all: Row[], size: number, offset: string | null): Page {
  let start = 0;
  if (offset !== null) {
    const o = decodeOffset(offset);
    const at = all.findIndex((r) => r.id === o.id);
    start = at >= 0 ? at + 1 : Math.min(o.position, all.length);
  }
  const data = all.slice(start, start + size);
  const more = start + size < all.length;
  return { data, offset: more ? encodeOffset(data.at(-1)!.id as string, start + size) : null };
}

/**
 * Kong's `next`: `/<collection>?offset=…` plus `&tags=` and `&size=` as given, for a top-level list;
 * a nested list (`/consumers/x/plugins`) carries only the offset.
 */
export function nextLink(path: string, offset: string | null, query: URLSearchParams, nested: boolean): string | null {
  if (offset === null) return null;
  let next = `${path}?offset=${encodeURIComponent(offset)}`;
  if (nested) return next;
  const tags = query.get('tags');
  const size = query.get('size');
  if (tags !== null) next += `&tags=${encodeURIComponent(tags)}`;
  if (size !== null) next += `&size=${size}`;
  return next;
}

/** /tags/{tag}: Kong validates the tag as a field and reports it as an invalid unique value. */
export function checkTag(tag: string): void {
  const bad = validateTag(tag);
  if (bad) throw new HttpError(400, { code: 10, name: 'invalid unique tag', message: bad });
}
