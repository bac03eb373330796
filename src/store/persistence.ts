// Where the store's rows live between restarts. Every write is one transaction: it lands whole or
// not at all. The LMDB backend is the default; memory is for tests; PostgreSQL fits the same shape.
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError, errorMessage } from '../errors.js';
import { inspectLmdbDir, openLmdbEnv, storageError } from '../util/lmdb-safe.js';

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

/**
 * The control plane's store in `dir`. Only a missing directory is a first start: anything else that
 * LMDB cannot open whole (a file of 0 bytes, truncated, unreadable, not LMDB) is refused, because
 * starting empty would push an empty configuration to every data plane.
 */
export async function openLmdbPersistence(dir: string): Promise<Persistence> {
  const state = inspectLmdbDir(dir);
  if (state.kind === 'absent') await createStore(dir);
  else if (state.kind === 'empty') refuse(dir, dir, `holds no ${'data.mdb'}`);
  else if (state.kind === 'damaged') refuse(dir, state.file, state.reason);
  const db = openLmdbEnv<string>(dir, { encoding: 'string' });
  return {
    loadAll(prefix) {
      const out: Record_[] = [];
      for (const { key, value } of db.getRange({ start: prefix, end: `${prefix}\uffff` })) {
        try {
          out.push({ key: String(key), value: JSON.parse(value) });
        } catch (err) {
          refuse(dir, join(dir, 'data.mdb'), `has a record ${JSON.stringify(String(key)).slice(0, 80)} that is not JSON (${errorMessage(err)})`);
        }
      }
      return out;
    },
    async commit(ops) {
      try {
        db.transactionSync(() => {
          for (const op of ops) {
            if (op.value === undefined) db.removeSync(op.key);
            else db.putSync(op.key, JSON.stringify(op.value));
          }
        });
      } catch (err) {
        throw storageError(`cannot write to the store ${dir}`, dir, err);
      }
    },
    close: () => db.close(),
  };
}

function refuse(dir: string, file: string, reason: string): never {
  throw new RuntimeError(`the control plane store ${file} ${reason}; refusing to start rather than push an empty or partial configuration to the data planes`, {
    hint: `restore ${dir} from a backup; or, to start with an empty store (every data plane then gets an empty configuration), move it aside: mv ${dir} ${dir}.damaged`,
  });
}

// A first start builds the store beside its final name and renames it into place, so an existing
// directory always holds a complete environment and a directory without one is damage, never a
// fresh start.
async function createStore(dir: string): Promise<void> {
  const staging = `${dir}.creating`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const db = openLmdbEnv<string>(staging, { encoding: 'string' });
    await db.close();
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const e = storageError(`cannot create the control plane store ${dir}`, dir, err);
    throw new RuntimeError(e.message, { hint: e.code === 'ENOSPC' ? `free space on the disk holding ${dir}` : `check that ${dir} can be created and written`, cause: err });
  }
}
