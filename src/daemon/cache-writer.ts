// What a data plane writes to its config cache, and when. A whole configuration is written at
// once; the changes of an incremental sync are gathered and written as one record at most once a
// second, so a stream of deltas costs one disk commit a second, not one each on the proxy's event
// loop. What a crash can lose is the last second of changes: the cache then holds the version
// before them, and the next sync asks the control plane for what came after.
import type { ConfigCache } from '../cache/index.js';
import type { TableChange } from '../entities/table-change.js';

export const CHANGES_FLUSH_MS = 1_000;

export class CacheWriter {
  private pending: { table: Record<string, unknown>; changes: TableChange[]; version: string } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly cache: () => ConfigCache, private readonly flushMs = CHANGES_FLUSH_MS) {}

  /** `table` is the cached one with every pending change and these applied. */
  changes(table: Record<string, unknown>, changes: readonly TableChange[], version: string): void {
    if (this.pending) {
      this.pending.table = table;
      this.pending.changes.push(...changes);
      this.pending.version = version;
    } else this.pending = { table, changes: [...changes], version };
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** A whole configuration: it includes whatever changes were pending. */
  whole(table: Record<string, unknown>, hash: string | null, version: string | null): Promise<boolean> {
    this.cancel();
    return this.cache().save(table, hash, version);
  }

  /** Writes the pending changes now (before the cache closes). */
  async flush(): Promise<void> {
    const p = this.pending;
    this.cancel();
    if (p) await this.cache().saveChanges(p.table, p.changes, p.version);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }
}
