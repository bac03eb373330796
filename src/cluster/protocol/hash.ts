// Kong's config hash (config_helper.lua): an MD5 over a canonical serialisation of the config
// table, plus one hash per entity family so a data plane can skip rebuilding what did not change.
// A data plane compares these byte for byte, so every rule below mirrors Kong exactly.
import { createHash, type Hash } from 'node:crypto';
import { formatLuaNumber } from './lua-number.js';

/** Kong's DECLARATIVE_EMPTY_CONFIG_HASH: "no config" and absent families. */
export const EMPTY_CONFIG_HASH = '00000000000000000000000000000000';

export interface ConfigHashes {
  config: string;
  routes: string;
  services: string;
  plugins: string;
  upstreams: string;
  targets: string;
}

export interface ConfigHashResult {
  config_hash: string;
  hashes: ConfigHashes;
}

const FAMILIES = ['routes', 'services', 'plugins', 'upstreams', 'targets'] as const;

// Kong folds the buffer into its own 16-byte MD5 once it passes this size, at the start of each
// value; the result therefore depends on where the fold happens, not just on the bytes.
const COLLAPSE_BYTES = 1_000_000;
// Pending text is handed to the hasher in chunks: per-token native calls dominate otherwise.
const FLUSH_CHARS = 1 << 16;

class SortedWriter {
  private md5: Hash = createHash('md5');
  private pending = '';
  private bytes = 0;

  put(s: string, byteLength: number): void {
    this.pending += s;
    this.bytes += byteLength;
    if (this.pending.length > FLUSH_CHARS) this.flush();
  }

  /** Kong's `if #o > 1000000 then o:set(md5_bin(o)) end`. */
  collapseIfLarge(): void {
    if (this.bytes <= COLLAPSE_BYTES) return;
    this.flush();
    const folded = this.md5.digest();
    this.md5 = createHash('md5').update(folded);
    this.bytes = folded.length;
  }

  hex(): string {
    this.flush();
    return this.md5.digest('hex');
  }

  private flush(): void {
    if (this.pending) this.md5.update(this.pending, 'utf8');
    this.pending = '';
  }
}

const ascii = (w: SortedWriter, s: string) => w.put(s, s.length);
const text = (w: SortedWriter, s: string) => w.put(s, Buffer.byteLength(s, 'utf8'));

function write(value: unknown, w: SortedWriter): void {
  w.collapseIfLarge();
  if (value === null || value === undefined) return ascii(w, '/null/');
  switch (typeof value) {
    case 'string':
      return text(w, value);
    case 'number':
      return ascii(w, formatLuaNumber(value));
    case 'boolean':
      return ascii(w, value ? 'true' : 'false');
    case 'object':
      break;
    default:
      throw new TypeError(`cannot hash a value of type ${typeof value} (only JSON values are supported)`);
  }
  if (Array.isArray(value)) {
    const n = value.length;
    if (n === 0) return ascii(w, '{}');
    // Kong unrolls up to five elements with separators between them, then switches to a
    // terminator after every element; both shapes are part of the hash.
    if (n <= 5) {
      for (let i = 0; i < n; i++) {
        if (i > 0) ascii(w, ';');
        write(value[i], w);
      }
    } else {
      for (let i = 0; i < n; i++) {
        write(value[i], w);
        ascii(w, ';');
      }
    }
    return;
  }
  if (Buffer.isBuffer(value) || value instanceof Date) throw new TypeError('cannot hash a non-JSON object');
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if (keys.length === 0) return ascii(w, '{}');
  keys.sort(compareUtf8);
  for (const k of keys) {
    text(w, k);
    ascii(w, ':');
    write(obj[k], w);
    ascii(w, ';');
  }
}

/** Byte-wise UTF-8 order (LuaJIT's string `<`) without encoding: UTF-16 order differs only for surrogates. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return (x >= 0xd800 && y >= 0xd800 ? rank(x) - rank(y) : x - y) < 0 ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

// Surrogates encode code points above U+FFFF, which sort after U+E000..U+FFFF in UTF-8.
function rank(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  if (c >= 0xe000) return c - 0x800;
  return c;
}

/** Kong's calculate_hash: 32 zeros for "nothing", else md5 of the sorted string. */
export function calculateHash(value: unknown): string {
  if (value === undefined) return EMPTY_CONFIG_HASH;
  const w = new SortedWriter();
  write(value, w);
  return w.hex();
}

/** Kong's calculate_config_hash: the overall hash and the per-family hashes a DP uses to skip rebuilds. */
export function configHash(configTable: Record<string, unknown> | unknown): ConfigHashResult {
  if (configTable === null || typeof configTable !== 'object' || Array.isArray(configTable)) {
    const h = calculateHash(configTable);
    return { config_hash: h, hashes: { config: h, routes: EMPTY_CONFIG_HASH, services: EMPTY_CONFIG_HASH, plugins: EMPTY_CONFIG_HASH, upstreams: EMPTY_CONFIG_HASH, targets: EMPTY_CONFIG_HASH } };
  }
  const table = configTable as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(table)) if (!(FAMILIES as readonly string[]).includes(k)) rest[k] = v;
  const [routes, services, plugins, upstreams, targets] = FAMILIES.map((f) => calculateHash(table[f]));
  const restHash = calculateHash(rest);
  const config = createHash('md5').update(`${routes}${services}${plugins}${upstreams}${targets}${restHash}`).digest('hex');
  return { config_hash: config, hashes: { config, routes: routes!, services: services!, plugins: plugins!, upstreams: upstreams!, targets: targets! } };
}
