// Where the store's rows live between restarts. Every write is one transaction: it lands whole or
// not at all. The LMDB backend is the default; memory is for tests; PostgreSQL fits the same shape.
import { chmodSync, mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';

export interface Record_ {
  key: string;
  value: unknown;
}

export interface Persistence {
  /** Everything under a key prefix, in key order. */
  loadAll(prefix: string): Record_[];
  /** Puts (value) and deletes (value undefined), atomically. */
  commit(ops: { key: string; value: unknown }[]): Promise<void>;
  close(): Promise<void>;
}

export function memoryPersistence(): Persistence {
  const data = new Map<string, unknown>();
  return {
    loadAll: (prefix) => [...data.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value: structuredClone(value) })),
    async commit(ops) {
      for (const op of ops) {
        if (op.value === undefined) data.delete(op.key);
        else data.set(op.key, structuredClone(op.value));
      }
    },
    close: async () => undefined,
  };
}

export function lmdbPersistence(dir: string): Persistence {
  // Plugin configurations hold credentials: the directory is private before LMDB creates its files.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const db: RootDatabase<string, string> = open<string, string>({ path: dir, noSubdir: false, encoding: 'string', compression: false });
  return {
    loadAll(prefix) {
      const out: Record_[] = [];
      for (const { key, value } of db.getRange({ start: prefix, end: `${prefix}\uffff` })) out.push({ key: String(key), value: JSON.parse(value) });
      return out;
    },
    async commit(ops) {
      db.transactionSync(() => {
        for (const op of ops) {
          if (op.value === undefined) db.removeSync(op.key);
          else db.putSync(op.key, JSON.stringify(op.value));
        }
      });
    },
    close: () => db.close(),
  };
}
