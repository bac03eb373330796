// The data plane's config cache: the last accepted config_table in <prefix>/dbless.lmdb/ (an LMDB
// directory, as Kong keeps it), so a restart without the control plane still serves traffic.
// One record holds hash and table together, so a reader never sees one without the other. An
// incremental sync adds one small record per change instead of rewriting the table; a load
// replays them onto it, and the table is written whole again once they add up.
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, hkdfSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { inspectLmdbDir, moveAside, openLmdbEnv, storageError } from '../util/lmdb-safe.js';
import { DeltaTable } from '../entities/delta-table.js';
import { jsonPieces, tableRecord } from './table-record.js';
import type { TableChange } from '../entities/table-change.js';

export type CacheMode = 'off' | 'unencrypted' | 'encrypted';

export interface ConfigCache {
  readonly path: string | null;
  /**
   * `syncVersion`: the sync v2 version the config stands for, when it came over v2. `hash` is null
   * when changes were replayed onto the cached table (the caller hashes it).
   */
  load(): { configTable: Record<string, unknown>; hash: string | null; syncVersion?: string } | null;
  /**
   * Never rejects: the cache is best effort, so a failure (a full disk) is logged here, once until
   * it heals, and reported as false. `hash` null: not known yet (stored as such).
   */
  save(configTable: Record<string, unknown>, hash: string | null, syncVersion?: string | null): Promise<boolean>;
  /**
   * `configTable` is the cached one with `changes` applied: the changes are recorded on their own
   * in one transaction (the whole table when they have added up, or nothing is cached yet).
   */
  saveChanges(configTable: Record<string, unknown>, changes: readonly TableChange[], syncVersion: string): Promise<boolean>;
  close(): Promise<void>;
}

const RECORD = 'config';
// Change records sort after the table's record and in the order they were written.
const CHANGE = 'delta:';
const changeKey = (seq: number): string => `${CHANGE}${String(seq).padStart(12, '0')}`;
const CHANGES_END = `${CHANGE}~`;
/** Changes are folded into a whole write past this many, or past the table's own size in bytes. */
const MAX_CHANGE_RECORDS = 1000;
const MIN_CHANGE_BYTES = 1 << 20;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const sha256Pieces = (table: Record<string, unknown>): string => {
  const h = createHash('sha256');
  for (const piece of jsonPieces(table)) h.update(piece, 'utf8');
  return h.digest('hex');
};

function deriveKey(keyPem: string): Buffer {
  const der = createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', der, 'hybridctl dp config cache', 'aes-256-gcm v1', 32));
}

function seal(plain: Buffer, key: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([Buffer.from('HCE1'), iv, c.getAuthTag(), body]);
}

function unseal(data: Buffer, key: Buffer): Buffer {
  if (data.subarray(0, 4).toString('latin1') !== 'HCE1') throw new Error('not an encrypted cache record');
  const d = createDecipheriv('aes-256-gcm', key, data.subarray(4, 16));
  d.setAuthTag(data.subarray(16, 32));
  return Buffer.concat([d.update(data.subarray(32)), d.final()]);
}

export function openConfigCache(opts: { prefix: string; mode: CacheMode; path?: string; keyPem?: string; log: Logger }): ConfigCache {
  const log = opts.log;
  if (opts.mode === 'off') {
    return { path: null, load: () => null, save: async () => false, saveChanges: async () => false, close: async () => undefined };
  }
  const dir = opts.path ?? join(opts.prefix, 'dbless.lmdb');
  const key = opts.mode === 'encrypted' ? (opts.keyPem ? deriveKey(opts.keyPem) : null) : null;
  if (opts.mode === 'encrypted' && !key) throw new Error('data_plane_config_cache_mode = encrypted needs the cluster key');
  let db: RootDatabase<Buffer, string> | null = null;
  // The last failure logged: a full disk is one line when it starts and one when it heals, not a
  // line per push.
  let failing: string | null = null;
  // What the change records are written against: the table's record size, the records so far.
  let written: { tableBytes: number; records: number; bytes: number; next: number } | null = null;
  const failed = (msg: string, err: unknown, what: string): void => {
    const e = storageError(what, dir, err);
    // The same failure again is not a new line (lmdb's text differs in positions and sizes).
    const kind = e.code !== undefined ? `${what} ${String(e.code)}` : e.message.replace(/\d+/g, '#');
    if (failing !== kind) {
      log.warn(msg, {
        cache: dir,
        error: e.message,
        ...(e.code === 'ENOSPC' ? { hint: `free space on the disk holding ${dir}; the next configuration is cached again` } : {}),
      });
    }
    failing = kind;
  };

  /**
   * One write, synchronous on purpose: lmdb-js's asynchronous put rejects promises of its own that
   * no caller holds when a commit fails (a full disk), and an unhandled rejection ends the process.
   * A failure leaves unknown whether anything landed: the next write is a whole one.
   */
  const writing = (write: () => void): boolean => {
    try {
      write();
    } catch (err) {
      written = null;
      failed('configuration applied but not cached; a restart without the control plane would not have it', err, `cannot write the config cache ${dir}`);
      return false;
    }
    if (failing) log.info('the config cache is written again', { cache: dir });
    failing = null;
    return true;
  };

  const openDb = (): RootDatabase<Buffer, string> => {
    if (db) return db;
    const state = inspectLmdbDir(dir);
    // An empty data file is what an interrupted first write leaves: nothing was cached, LMDB starts it over.
    if (state.kind === 'damaged' && !state.empty) {
      const aside = moveAside(dir);
      log.warn(`the config cache is damaged (${state.file} ${state.reason}); moved it aside and starting without it`, { cache: dir, moved_to: aside });
    }
    db = openLmdbEnv<Buffer>(dir, { encoding: 'binary' });
    return db;
  };

  return {
    path: dir,
    load() {
      let raw: Buffer | undefined;
      let db: RootDatabase<Buffer, string>;
      try {
        db = openDb();
        raw = db.get(RECORD);
      } catch (err) {
        failed('cannot open the config cache; running without it until it can be written', err, `cannot open the config cache ${dir}`);
        return null;
      }
      try {
        if (!raw) return null;
        const plain = key ? unseal(Buffer.from(raw), key) : Buffer.from(raw);
        const doc = JSON.parse(plain.toString('utf8')) as { hash?: unknown; sha256?: unknown; config_table?: unknown; sync_version?: unknown };
        const table = doc.config_table;
        if ((typeof doc.hash !== 'string' && doc.hash !== null) || table === null || typeof table !== 'object' || Array.isArray(table)) throw new Error('record has no hash or config_table');
        if (doc.sha256 !== sha256Pieces(table as Record<string, unknown>)) throw new Error('record checksum does not match');
        const loaded = { configTable: table as Record<string, unknown>, hash: doc.hash as string | null, ...(typeof doc.sync_version === 'string' ? { syncVersion: doc.sync_version } : {}) };
        written = { tableBytes: plain.length, records: 0, bytes: 0, next: 1 };
        return replayChanges(db, loaded, key, written, log, dir);
      } catch (err) {
        log.warn('could not read the config cache; starting without it', { cache: dir, error: errorMessage(err) });
        return null;
      }
    },
    async save(configTable, hash, syncVersion) {
      return writing(() => {
        const version = syncVersion ? `"sync_version":${JSON.stringify(syncVersion)},` : '';
        const record = tableRecord(`"hash":${JSON.stringify(hash)},${version}`, configTable, key);
        const d = openDb();
        d.transactionSync(() => {
          d.putSync(RECORD, record);
          for (const k of d.getKeys({ start: CHANGE, end: CHANGES_END })) d.removeSync(k);
        });
        written = { tableBytes: record.length, records: 0, bytes: 0, next: 1 };
      });
    },
    async saveChanges(configTable, changes, syncVersion) {
      const w = written;
      if (!w || w.records >= MAX_CHANGE_RECORDS || w.bytes > Math.max(MIN_CHANGE_BYTES, w.tableBytes)) return this.save(configTable, null, syncVersion);
      return writing(() => {
        const body = JSON.stringify(changes);
        const plain = Buffer.from(`{"sync_version":${JSON.stringify(syncVersion)},"sha256":"${sha256(body)}","changes":${body}}`, 'utf8');
        openDb().putSync(changeKey(w.next), key ? seal(plain, key) : plain);
        w.records += 1;
        w.bytes += plain.length;
        w.next += 1;
      });
    },
    async close() {
      const d = db;
      db = null;
      if (!d) return;
      // After a failed commit lmdb-js may never settle close(): shutdown must not wait on it.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([d.close().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000).unref()))]);
      clearTimeout(timer);
    },
  };
}

/**
 * The cached table with its change records applied in order. A record that cannot be read ends
 * the replay there: what came before it is a configuration the data plane did serve.
 */
function replayChanges(
  db: RootDatabase<Buffer, string>,
  loaded: { configTable: Record<string, unknown>; hash: string | null; syncVersion?: string },
  key: Buffer | null,
  written: { records: number; bytes: number; next: number },
  log: Logger,
  dir: string,
): { configTable: Record<string, unknown>; hash: string | null; syncVersion?: string } {
  let index: DeltaTable | null = null;
  let result = loaded;
  for (const { key: k, value } of db.getRange({ start: CHANGE, end: CHANGES_END })) {
    try {
      const plain = key ? unseal(Buffer.from(value), key) : Buffer.from(value);
      const doc = JSON.parse(plain.toString('utf8')) as { sync_version?: unknown; sha256?: unknown; changes?: unknown };
      if (typeof doc.sync_version !== 'string' || !Array.isArray(doc.changes)) throw new Error('record has no sync_version or changes');
      if (doc.sha256 !== sha256(JSON.stringify(doc.changes))) throw new Error('record checksum does not match');
      index ??= new DeltaTable(loaded.configTable);
      result = { configTable: index.patch(doc.changes as TableChange[]), hash: null, syncVersion: doc.sync_version };
      written.records += 1;
      written.bytes += plain.length;
      written.next = Number(String(k).slice(CHANGE.length)) + 1;
    } catch (err) {
      log.warn('a change record of the config cache cannot be read; serving the configuration before it', { cache: dir, record: String(k), error: errorMessage(err) });
      // Later records build on the one lost: the next write is a whole one.
      written.records = MAX_CHANGE_RECORDS;
      break;
    }
  }
  return result;
}
