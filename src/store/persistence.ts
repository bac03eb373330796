// Where the store's rows live between restarts. Every write is one transaction: it lands whole or
// not at all. The LMDB backend is the default; memory is for tests; PostgreSQL (postgres/) is shared
// by several control planes.
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError, errorMessage } from '../errors.js';
import { inspectLmdbDir, openLmdbEnv, storageError } from '../util/lmdb-safe.js';
import type { Mark, SharedCommit } from './change-log.js';

export interface Record_ {
  key: string;
  value: unknown;
}

/** A put (value) or a delete (value undefined). */
export type Op = Record_;

/** What other control planes committed to a shared database: their writes, or "read everything again". */
export type RemoteChange = ({ ops: Op[] } | { reload: Record_[] }) & { version?: number };

/** One write. On a shared database it holds the cluster-wide write lock until commit or abort. */
export interface WriteTx {
  /** Other nodes' commits since this node last looked, to apply before checking this write. */
  remote: RemoteChange[];
  /**
   * Resolves with the commit's version on a shared database (its change log's), else nothing.
   * `marks`: how the commit was told to data planes, kept in a shared database's log (change-log.ts).
   */
  commit(ops: Op[], marks?: ReadonlyMap<string, Mark> | null): Promise<number | void>;
  abort(): Promise<void>;
}

/** A row of clustering_data_planes as stored, with its time to live in seconds. */
export type StoredDataPlane = { id: string; ttl: number; last_seen: number; hostname: string; created_at?: number; updated_at?: number } & Record<string, unknown>;

/** Set by databases several control planes share. */
export interface SharedPersistence {
  /** The change log version the rows loaded at start include. */
  readonly startVersion: number;
  /** The commits the database's change log still kept at start (ascending), and what it was pruned up to. */
  readonly startLog: { commits: SharedCommit[]; floor: number };
  /** Other nodes' commits since the last look, without taking the write lock. */
  poll(): Promise<RemoteChange[]>;
  /** Called when a poll may find something: a notification, a reconnect, the safety timer. */
  onHint(cb: () => void): void;
  upsertDataPlane(row: StoredDataPlane): Promise<void>;
  /** Every control plane's data planes still within their time to live. */
  listDataPlanes(): Promise<StoredDataPlane[]>;
  /** One round trip to the database, within its timeout. */
  reachable(): Promise<boolean>;
}

export interface Persistence {
  /** Everything under a key prefix, in key order. */
  loadAll(prefix: string): Record_[];
  /** Puts (value) and deletes (value undefined), atomically. */
  commit(ops: Op[]): Promise<void>;
  begin(): Promise<WriteTx>;
  close(): Promise<void>;
  shared?: SharedPersistence;
}

/** A write on a store only this process writes: nothing to catch up with, nothing to lock. */
export function localTx(commit: (ops: Op[]) => Promise<void>): Promise<WriteTx> {
  return Promise.resolve({ remote: [], commit, abort: async () => undefined });
}

export function memoryPersistence(): Persistence {
  const data = new Map<string, unknown>();
  const commit = async (ops: Op[]) => {
    for (const op of ops) {
      if (op.value === undefined) data.delete(op.key);
      else data.set(op.key, structuredClone(op.value));
    }
  };
  return {
    loadAll: (prefix) => [...data.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value: structuredClone(value) })),
    commit,
    begin: () => localTx(commit),
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
    commit,
    begin: () => localTx(commit),
    close: () => db.close(),
  };
  async function commit(ops: Op[]): Promise<void> {
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
  }
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
