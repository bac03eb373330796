// proxy-cache's memory strategy. Kong keeps entries in an nginx shared dictionary; hybridctl keeps
// them in this proxy worker process only (each worker has its own cache, so a response cached by
// one worker is a Miss on another), bounded in bytes per dictionary name, least recently used
// entries evicted first.

export interface CachedResponse {
  status: number;
  /** Flat [name, value, ...], hop-by-hop and per-response headers already dropped. */
  headers: string[];
  body: Buffer;
  /** Seconds (Kong's ngx.time()) when stored. */
  timestamp: number;
  /** The resource TTL the freshness checks use. */
  ttl: number;
  version: number;
}

interface Slot { entry: CachedResponse; size: number; expiresAtMs: number }

/** Per dictionary, per worker process. Kong's kong_db_cache is 128m shared by all workers. */
export const MAX_BYTES_PER_DICTIONARY = 64 * 1024 * 1024;
/** A single response larger than this is not cached (it would evict most of the dictionary). */
export const MAX_ENTRY_BYTES = MAX_BYTES_PER_DICTIONARY / 8;

/** The clock the plugin reads; tests move `offsetMs` instead of sleeping. */
export const clock = {
  offsetMs: 0,
  ms: (): number => Date.now() + clock.offsetMs,
  seconds: (): number => Math.floor(clock.ms() / 1000),
};

export class MemoryStore {
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;
  constructor(private readonly maxBytes = MAX_BYTES_PER_DICTIONARY) {}

  fetch(key: string): CachedResponse | null {
    const s = this.slots.get(key);
    if (!s) return null;
    if (clock.ms() >= s.expiresAtMs) {
      this.purge(key);
      return null;
    }
    // Most recently used last: eviction takes from the front.
    this.slots.delete(key);
    this.slots.set(key, s);
    return s.entry;
  }

  store(key: string, entry: CachedResponse, ttlSec: number): boolean {
    let size = key.length + entry.body.length + 64;
    for (const h of entry.headers) size += h.length;
    // A shared dictionary refuses a negative TTL and keeps a zero one forever.
    if (ttlSec < 0 || size > MAX_ENTRY_BYTES || size > this.maxBytes) return false;
    this.purge(key);
    while (this.bytes + size > this.maxBytes) {
      const oldest = this.slots.keys().next().value as string;
      this.purge(oldest);
    }
    this.slots.set(key, { entry, size, expiresAtMs: ttlSec === 0 ? Infinity : clock.ms() + ttlSec * 1000 });
    this.bytes += size;
    return true;
  }

  purge(key: string): boolean {
    const s = this.slots.get(key);
    if (!s) return false;
    this.slots.delete(key);
    this.bytes -= s.size;
    return true;
  }

  flush(): void {
    this.slots.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.slots.size;
  }
}

const stores = new Map<string, MemoryStore>();

/** The store for a dictionary name: plugin instances naming the same dictionary share it, as in Kong. */
export function storeFor(dictionary: string): MemoryStore {
  let s = stores.get(dictionary);
  if (!s) stores.set(dictionary, (s = new MemoryStore()));
  return s;
}
