// Header lists as the proxy keeps them: flat [name, value, name, value…], names compared
// case-insensitively, repeated names kept in order.
// Names are compared by length first: most never need lower-casing.
import { lengthMask, maybeOneOf } from '../../proxy/headers.js';

const same = (a: string, lower: string) => a.length === lower.length && (a === lower || a.toLowerCase() === lower);

// The names plugins pass are a few constants ('X-Consumer-ID', 'RateLimit-Remaining'): their lower
// case is looked up, not rebuilt (and rehashed) on every request. Bounded, as any name may come by;
// names from the wire (a header list's own) are lower-cased as they come, not kept.
const LOWER = new Map<string, string>();

export function lowerName(name: string): string {
  let lower = LOWER.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWER.size >= 1024) LOWER.clear();
    LOWER.set(name, lower);
  }
  return lower;
}

/** A header name as Kong's get_header takes it: any case, `_` for `-` (nginx's $http_x_foo is X-Foo). */
export function headerKey(name: string): string {
  const lower = lowerName(name);
  return lower.includes('_') ? lower.replace(/_/g, '-') : lower;
}

export function flatGet(flat: readonly string[], name: string): string | undefined {
  const n = lowerName(name);
  for (let i = 0; i < flat.length; i += 2) if (same(flat[i]!, n)) return flat[i + 1];
  return undefined;
}

/** Every value of a header, in order; undefined when absent. */
export function flatAll(flat: readonly string[], name: string): string[] | undefined {
  const n = lowerName(name);
  let out: string[] | undefined;
  for (let i = 0; i < flat.length; i += 2) if (same(flat[i]!, n)) (out ??= []).push(flat[i + 1]!);
  return out;
}

export function flatClear(flat: string[], name: string): void {
  const n = lowerName(name);
  let w = 0;
  for (let i = 0; i < flat.length; i += 2) {
    if (same(flat[i]!, n)) continue;
    flat[w++] = flat[i]!;
    flat[w++] = flat[i + 1]!;
  }
  if (w !== flat.length) flat.length = w;
}

/**
 * Replaces, in one pass, every header named in `changes` (lower-case name → its new name and
 * values, null to remove): the list keeps its order, the new values go at the end.
 */
export function flatApply(flat: string[], changes: ReadonlyMap<string, { name: string; values: readonly string[] | null }>): void {
  // Most names in the list are skipped without lower-casing: no changed name has their length.
  const lengths = lengthMask(changes.keys());
  let w = 0;
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    if (maybeOneOf(lengths, name) && changes.has(name.toLowerCase())) continue;
    flat[w++] = name;
    flat[w++] = flat[i + 1]!;
  }
  if (w !== flat.length) flat.length = w;
  for (const c of changes.values()) if (c.values) for (const v of c.values) flat.push(c.name, v);
}

export function flatSet(flat: string[], name: string, value: string | readonly string[]): void {
  flatClear(flat, name);
  for (const v of typeof value === 'string' ? [value] : value) flat.push(name, v);
}

export function flatToObject(flat: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i]!.toLowerCase();
    const prev = out[k];
    out[k] = prev === undefined ? flat[i + 1]! : Array.isArray(prev) ? [...prev, flat[i + 1]!] : [prev, flat[i + 1]!];
  }
  return out;
}

/** Header values must not carry CR/LF: a plugin config cannot split a response. */
export function headerValue(v: string | number): string {
  if (typeof v === 'number') return String(v);
  return v.includes('\n') || v.includes('\r') ? v.replace(/[\r\n]+/g, ' ') : v;
}
