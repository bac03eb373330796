// Header lists as the proxy keeps them: flat [name, value, name, value…], names compared
// case-insensitively, repeated names kept in order.
export function flatGet(flat: readonly string[], name: string): string | undefined {
  const n = name.toLowerCase();
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === n) return flat[i + 1];
  return undefined;
}

export function flatClear(flat: string[], name: string): void {
  const n = name.toLowerCase();
  let w = 0;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i]!.toLowerCase() === n) continue;
    flat[w++] = flat[i]!;
    flat[w++] = flat[i + 1]!;
  }
  flat.length = w;
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
  return String(v).replace(/[\r\n]+/g, ' ');
}
