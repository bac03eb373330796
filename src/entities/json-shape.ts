// The one shape check every value passes before it is stored: plain JSON only, bounded depth and
// size, no key that reaches a prototype. It walks with its own stack, never recursion, so a value
// nested a million levels deep is refused instead of overflowing the stack here or later in
// JSON.stringify, structuredClone or the cluster push.

/** Keys that reach or replace an object's prototype when assigned or merged. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface ShapeLimits {
  /** Containers nested inside the value (the value itself is level 0). */
  maxDepth: number;
  /** An estimate of the serialized size in bytes (UTF-16 units of strings and keys, plus punctuation). */
  maxBytes: number;
}

export type Shaped = { ok: true; value: unknown } | { ok: false; path: string[]; message: string };

interface At {
  key: string;
  up: At | null;
}

const pathOf = (at: At | null): string[] => {
  const out: string[] = [];
  for (let n = at; n; n = n.up) out.push(n.key);
  return out.reverse();
};

class Refused {
  constructor(readonly at: At | null, readonly message: string) {}
}

/**
 * A deep copy of `input` made of plain objects, arrays, finite numbers, strings, booleans and
 * null, or where and why it is not one. Array positions in paths are 1-based, as in Kong's errors.
 */
export function plainJson(input: unknown, limits: ShapeLimits): Shaped {
  let budget = limits.maxBytes;
  const root: Record<string, unknown> = {};
  const stack: [unknown, Record<string, unknown> | unknown[], string | number, At | null, number][] = [[input, root, 'v', null, 0]];
  try {
    while (stack.length > 0) {
      const [v, holder, slot, at, depth] = stack.pop()!;
      let out: unknown;
      if (v === null) out = null;
      else if (typeof v === 'string') {
        budget -= v.length + 2;
        out = v;
      } else if (typeof v === 'boolean') out = v;
      else if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new Refused(at, 'expected a finite number');
        // -0 serializes as 0: store what a reader will get back.
        out = v === 0 ? 0 : v;
      } else if (typeof v === 'object') {
        if (depth >= limits.maxDepth) throw new Refused(at, `value nested too deeply (more than ${limits.maxDepth} levels)`);
        if (Array.isArray(v)) {
          budget -= 2 + v.length;
          if (budget < 0) break;
          const arr: unknown[] = new Array<unknown>(v.length);
          for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], arr, i, { key: String(i + 1), up: at }, depth + 1]);
          out = arr;
        } else {
          const proto = Object.getPrototypeOf(v) as unknown;
          if (proto !== Object.prototype && proto !== null) throw new Refused(at, 'expected a JSON object');
          const keys = Object.keys(v);
          budget -= 2 + keys.length;
          if (budget < 0) break;
          const obj: Record<string, unknown> = {};
          for (let i = keys.length - 1; i >= 0; i--) {
            const k = keys[i]!;
            if (FORBIDDEN_KEYS.has(k)) throw new Refused({ key: k, up: at }, `key '${k}' is not allowed`);
            budget -= k.length + 4;
            stack.push([(v as Record<string, unknown>)[k], obj, k, { key: k, up: at }, depth + 1]);
          }
          out = obj;
        }
      } else throw new Refused(at, 'expected a JSON value');
      budget -= 4;
      if (budget < 0) break;
      // Only fresh arrays and objects with allowed keys are written to: never a prototype.
      (holder as Record<string | number, unknown>)[slot] = out;
    }
  } catch (err) {
    if (err instanceof Refused) return { ok: false, path: pathOf(err.at), message: err.message };
    throw err;
  }
  if (budget < 0) return { ok: false, path: [], message: `value too large (more than ${limits.maxBytes} bytes)` };
  return { ok: true, value: root.v };
}
