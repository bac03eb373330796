// The database schema, versioned as Kong versions its own: named migrations run once each, in order,
// every one in its own transaction with its bookkeeping row, under a session lock so two control
// planes running `migrations up` at once apply each migration exactly once.
import pg, { type ClientBase } from 'pg';
import { RuntimeError } from '../../errors.js';
import { clientConfig, describePg, type PgConfig } from './config.js';

export interface Migration {
  name: string;
  sql: string;
}

// Rows are the store's key/value records; constraint rows make unique and foreign keys hold in the
// database itself, whichever control plane writes; changes is the ordered log other nodes catch up
// from; data planes are shared so any control plane lists every node's. json, not jsonb: rows read back
// with their fields in the order they were written, as the embedded store answers them.
export const MIGRATIONS: readonly Migration[] = [
  {
    name: '000_base',
    sql: `
      create table hybridctl_rows (key text primary key, value json not null);
      create table hybridctl_unique (index text primary key, owner text not null references hybridctl_rows(key) on delete cascade);
      create index hybridctl_unique_owner on hybridctl_unique(owner);
      create table hybridctl_refs (
        owner text not null references hybridctl_rows(key) on delete cascade,
        target text not null references hybridctl_rows(key) deferrable initially deferred,
        primary key (owner, target));
      create index hybridctl_refs_target on hybridctl_refs(target);
      create table hybridctl_changes (version bigserial primary key, node text not null, ops json, at timestamptz not null default now());
      create table hybridctl_sync (id int primary key check (id = 1), pruned_upto bigint not null);
      insert into hybridctl_sync values (1, 0);
      create table hybridctl_data_planes (id text primary key, row json not null, created_at bigint not null, expires_at timestamptz not null);
      create index hybridctl_data_planes_expires on hybridctl_data_planes(expires_at);`,
  },
];

export interface SchemaState {
  bootstrapped: boolean;
  executed: string[];
  pending: string[];
  /** Names the database has that this version does not know: a newer hybridctl ran migrations. */
  unknown: string[];
}

const LOCK = "pg_advisory_lock(hashtext('hybridctl migrations'))";
const UNLOCK = "pg_advisory_unlock(hashtext('hybridctl migrations'))";

export async function schemaState(c: ClientBase): Promise<SchemaState> {
  const exists = await c.query<{ t: string | null }>("select to_regclass('hybridctl_schema_migrations')::text as t");
  if (!exists.rows[0]?.t) return { bootstrapped: false, executed: [], pending: MIGRATIONS.map((m) => m.name), unknown: [] };
  const done = (await c.query<{ name: string }>('select name from hybridctl_schema_migrations order by name')).rows.map((r) => r.name);
  const known = new Set(MIGRATIONS.map((m) => m.name));
  return { bootstrapped: true, executed: done, pending: MIGRATIONS.map((m) => m.name).filter((n) => !done.includes(n)), unknown: done.filter((n) => !known.has(n)) };
}

/** bootstrap: create the bookkeeping table and run every migration; up: run the pending ones. */
export async function runMigrations(c: ClientBase, mode: 'bootstrap' | 'up', onRun: (name: string) => void = () => undefined): Promise<{ ran: string[]; state: SchemaState }> {
  await c.query(`select ${LOCK}`);
  try {
    const before = await schemaState(c);
    if (mode === 'up' && !before.bootstrapped) return { ran: [], state: before };
    if (!before.bootstrapped) await c.query('create table if not exists hybridctl_schema_migrations (name text primary key, executed_at timestamptz not null default now())');
    const ran: string[] = [];
    for (const m of MIGRATIONS) {
      if (before.executed.includes(m.name)) continue;
      onRun(m.name);
      await c.query('begin');
      try {
        await c.query(m.sql);
        await c.query('insert into hybridctl_schema_migrations (name) values ($1)', [m.name]);
        await c.query('commit');
      } catch (err) {
        await c.query('rollback').catch(() => undefined);
        throw err;
      }
      ran.push(m.name);
    }
    return { ran, state: await schemaState(c) };
  } finally {
    await c.query(`select ${UNLOCK}`).catch(() => undefined);
  }
}

/** `hybridctl cp migrations …` on the database of `cfg`, on a connection of its own. */
export async function migrateDatabase(cfg: PgConfig, mode: 'bootstrap' | 'up' | 'status', onRun?: (name: string) => void): Promise<{ ran: string[]; state: SchemaState }> {
  const c = new pg.Client(clientConfig(cfg));
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (err) {
    throw new RuntimeError(`cannot connect to the database ${describePg(cfg)}: ${(err as Error)?.message ?? String(err)}`, {
      hint: 'check pg_host, pg_port, pg_user, pg_password and pg_database (KONG_PG_*), and that the server is running',
      cause: err,
    });
  }
  try {
    if (mode === 'status') return { ran: [], state: await schemaState(c) };
    return await runMigrations(c, mode, onRun);
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    throw new RuntimeError(`migrations on ${describePg(cfg)} failed: ${(err as Error)?.message ?? String(err)}`, { hint: 'nothing of the failed migration was kept (each runs in one transaction); fix the cause and run the command again', cause: err });
  } finally {
    await c.end().catch(() => undefined);
  }
}
