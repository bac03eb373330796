// The store on a PostgreSQL database several control planes share. Writes are serialised across
// nodes by one transaction-scoped advisory lock; inside it a node first applies every change the
// others committed (the change log, in commit order), so its in-memory checks see every row, then
// writes. Readers on every node catch up from the same log when NOTIFY wakes them.
import pg from 'pg';
import { RuntimeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Op, Persistence, Record_, RemoteChange, StoredDataPlane, WriteTx } from '../persistence.js';
import { LOG_VERSIONS, type SharedCommit } from '../change-log.js';
import { describePg, isUnavailable, poolConfig, unavailable, type PgConfig } from './config.js';
import { schemaState } from './migrations.js';
import { constraintError, pruneLog, writeBudgetMs, writeOps, type Constraints } from './write.js';
import { listenForChanges } from './listener.js';
import { dataPlaneTable } from './data-planes.js';

const WRITE_LOCK = "pg_advisory_xact_lock(hashtext('hybridctl writes'))";
/** How long a write waits for another control plane's (a large import takes seconds). */
const LOCK_WAIT_MS = 60_000;
const PRUNE_EVERY = 100;

export interface PgOptions {
  nodeId: string;
  log: Logger;
  constraints: Constraints;
  /** A poll even without a notification, for one lost anyway (default 5 s, Kong's db_update_frequency). */
  safetyPollMs?: number;
}

/** Connects, refuses an un-migrated database with the command to run, and reads every row. */
export async function openPostgresPersistence(cfg: PgConfig, o: PgOptions): Promise<Persistence> {
  const where = describePg(cfg);
  const pool = new pg.Pool(poolConfig(cfg));
  let down = false;
  const health = {
    failed(err: unknown): void {
      if (down || !isUnavailable(err)) return;
      down = true;
      o.log.warn('database unavailable: Admin API writes answer 503, data planes keep the configuration they have', { database: where, error: (err as Error)?.message ?? String(err) });
    },
    ok(): void {
      if (!down) return;
      down = false;
      o.log.info('database available again: writes accepted', { database: where });
    },
  };
  // An idle client whose server went away: reported here instead of crashing the process.
  pool.on('error', (err) => health.failed(err));

  let snapshot: Record_[];
  let lastVersion: number;
  let startLog: { commits: SharedCommit[]; floor: number };
  try {
    const c = await pool.connect();
    try {
      await checkSchema(c, where);
      ({ rows: snapshot, version: lastVersion, log: startLog } = await readAll(c, true, true));
    } finally {
      c.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (err instanceof RuntimeError) throw err;
    throw new RuntimeError(`cannot use the database ${where}: ${(err as Error)?.message ?? String(err)}`, {
      hint: 'check pg_host, pg_port, pg_user, pg_password and pg_database (KONG_PG_*), and that the server accepts connections from this host',
      cause: err,
    });
  }

  /** Changes after lastVersion (and the version they reach), or a reload when the log no longer reaches back that far. */
  const changesSince = async (c: pg.PoolClient): Promise<{ changes: RemoteChange[]; version: number }> => {
    const pruned = Number((await c.query<{ p: string }>('select pruned_upto as p from hybridctl_sync')).rows[0]?.p ?? 0);
    if (lastVersion < pruned) return reload(c);
    const r = await c.query<{ version: string; ops: Op[] | null }>('select version, ops from hybridctl_changes where version > $1 order by version', [lastVersion]);
    const changes: RemoteChange[] = [];
    let version = lastVersion;
    for (const row of r.rows) {
      if (row.ops === null) return reload(c);
      changes.push({ ops: row.ops.map((op) => ({ key: op.key, value: op.value ?? undefined })), version: Number(row.version) });
      version = Number(row.version);
    }
    return { changes, version };
  };
  const reload = async (c: pg.PoolClient): Promise<{ changes: RemoteChange[]; version: number }> => {
    const all = await readAll(c, false);
    return { changes: [{ reload: all.rows, version: all.version }], version: all.version };
  };

  const connect = async (what: string): Promise<pg.PoolClient> => {
    try {
      const c = await pool.connect();
      return c;
    } catch (err) {
      health.failed(err);
      throw unavailable(cfg, what, err);
    }
  };

  let writes = 0;
  const begin = async (): Promise<WriteTx> => {
    const c = await connect('nothing was written');
    try {
      await c.query('begin');
      await c.query(`set local statement_timeout = ${LOCK_WAIT_MS}`);
      await c.query({ text: `select ${WRITE_LOCK}`, query_timeout: LOCK_WAIT_MS + 1000 } as never);
      await c.query(`set local statement_timeout = ${cfg.timeoutMs}`);
      // The caller applies these before anything else, even if its write then fails.
      const { changes: remote, version: seen } = await changesSince(c);
      lastVersion = seen;
      health.ok();
      let done = false;
      return {
        remote,
        async commit(ops, marks) {
          let version: number;
          try {
            version = await writeOps(c, ops, o.nodeId, o.constraints, cfg.timeoutMs, marks ?? null);
            if (++writes % PRUNE_EVERY === 0) await pruneLog(c, version);
          } catch (err) {
            throw failure(err, 'nothing was written');
          }
          try {
            // Deferred foreign keys are checked here: as long as the writes themselves may take.
            await c.query({ text: 'commit', query_timeout: writeBudgetMs(cfg.timeoutMs, ops.length) + 1000 } as never);
          } catch (err) {
            throw failure(err, 'the connection was lost while committing, so the write may have been made: read it back before retrying');
          }
          lastVersion = version;
          done = true;
          c.release();
          return version;
        },
        async abort() {
          if (done) return;
          done = true;
          const broken = await c.query('rollback').then(() => false, () => true);
          c.release(broken);
        },
      };
    } catch (err) {
      await c.query('rollback').catch(() => undefined);
      c.release(isUnavailable(err));
      throw failure(err, 'nothing was written');
    }
  };

  const failure = (err: unknown, what: string): Error => {
    health.failed(err);
    if (isUnavailable(err)) return unavailable(cfg, what, err);
    return constraintError(err) ?? (err as Error);
  };

  const poll = async (): Promise<RemoteChange[]> => {
    const c = await connect('changes from other control planes are applied when it is back');
    try {
      await c.query('begin isolation level repeatable read read only');
      const { changes, version } = await changesSince(c);
      await c.query('commit');
      health.ok();
      c.release();
      lastVersion = version;
      return changes;
    } catch (err) {
      await c.query('rollback').catch(() => undefined);
      c.release(true);
      // An outage is logged once by health; anything else would otherwise vanish in the wake-up.
      if (!isUnavailable(err)) o.log.error('could not read other control planes\' changes', { database: where, error: (err as Error)?.message ?? String(err) });
      throw failure(err, 'changes from other control planes are applied when it is back');
    }
  };

  const wakeups = new Set<() => void>();
  const listener = listenForChanges(cfg, { log: o.log, wake: () => wakeups.forEach((w) => w()), safetyPollMs: o.safetyPollMs ?? 5000 });
  const dps = dataPlaneTable(pool);
  const guarded = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const out = await fn();
      health.ok();
      return out;
    } catch (err) {
      throw failure(err, what);
    }
  };

  return {
    loadAll(prefix) {
      return snapshot.filter((r) => r.key.startsWith(prefix));
    },
    // Writes go through begin(), whose caller applies the other nodes' changes first.
    commit: async () => {
      throw new Error('a shared database is written through begin()');
    },
    begin,
    async close() {
      await listener.close();
      await pool.end().catch(() => undefined);
    },
    shared: {
      startVersion: lastVersion,
      startLog,
      poll,
      onHint: (cb) => void wakeups.add(cb),
      upsertDataPlane: (row: StoredDataPlane) => guarded('the data plane was not recorded', () => dps.upsert(row)),
      listDataPlanes: () => guarded('cannot list data planes', () => dps.list()),
      reachable: () => guarded('unreachable', () => pool.query('select 1')).then(() => true, () => false),
    },
  };
}

async function checkSchema(c: pg.PoolClient, where: string): Promise<void> {
  const s = await schemaState(c);
  if (!s.bootstrapped) {
    throw new RuntimeError(`the database ${where} has not been bootstrapped for hybridctl`, { hint: 'run: hybridctl cp migrations bootstrap (with the same -c kong.conf / KONG_PG_* settings)' });
  }
  if (s.unknown.length) {
    throw new RuntimeError(`the database ${where} has migrations this hybridctl does not know (${s.unknown.join(', ')}): a newer version migrated it`, { hint: 'run the hybridctl version that migrated it, or a newer one' });
  }
  if (s.pending.length) {
    throw new RuntimeError(`the database ${where} has pending migrations (${s.pending.join(', ')})`, { hint: 'run: hybridctl cp migrations up' });
  }
}

/**
 * Every row and the log version they include, consistent with each other: in a snapshot of its own
 * (`own`), or inside the caller's transaction (which holds the write lock or is repeatable read).
 */
async function readAll(c: pg.PoolClient, own: true, withLog: true): Promise<{ rows: Record_[]; version: number; log: { commits: SharedCommit[]; floor: number } }>;
async function readAll(c: pg.PoolClient, own: boolean): Promise<{ rows: Record_[]; version: number }>;
async function readAll(c: pg.PoolClient, own: boolean, withLog = false): Promise<{ rows: Record_[]; version: number; log?: { commits: SharedCommit[]; floor: number } }> {
  if (own) await c.query('begin isolation level repeatable read read only');
  try {
    const v = await c.query<{ v: string }>('select coalesce(max(version), 0) as v from hybridctl_changes');
    const r = await c.query<{ key: string; value: unknown }>('select key, value from hybridctl_rows order by key');
    let log: { commits: SharedCommit[]; floor: number } | undefined;
    if (withLog) {
      // The commits a starting node's change log can hold (it keeps at most LOG_VERSIONS), in the same snapshot.
      const floor = Number((await c.query<{ p: string }>('select pruned_upto as p from hybridctl_sync')).rows[0]?.p ?? 0);
      const kept = await c.query<{ version: string; ops: SharedCommit['ops'] }>('select version, ops from hybridctl_changes where version > $1 order by version desc limit $2', [floor, LOG_VERSIONS]);
      const commits = kept.rows.map((x) => ({ version: Number(x.version), ops: x.ops })).reverse();
      // Older commits than those read are beyond the log's reach: the oldest read is its floor then.
      // So it is on a database never pruned: version 0 is no state a data plane can be at.
      const bounded = commits.length > 0 && (commits.length === LOG_VERSIONS || floor === 0);
      log = { commits, floor: bounded ? commits[0]!.version : floor };
      if (bounded) commits.shift();
    }
    if (own) await c.query('commit');
    return { rows: r.rows.map((x) => ({ key: x.key, value: x.value })), version: Number(v.rows[0]!.v), log };
  } catch (err) {
    if (own) await c.query('rollback').catch(() => undefined);
    throw err;
  }
}
