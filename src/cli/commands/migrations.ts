// cp migrations bootstrap | up | status: the PostgreSQL schema several control planes share, with
// Kong's words for each state (kong migrations bootstrap / up / list).
import { ConfigError } from '../../errors.js';
import { databaseChoice } from '../../daemon/database.js';
import { describePg, migrateDatabase, type PgConfig, type SchemaState } from '../../store/index.js';
import type { Io } from '../io.js';
import { outputFormat } from '../options.js';
import { loadDaemonConf, type DaemonFlags } from './daemon-conf.js';

export type MigrationsFlags = DaemonFlags & { output?: string };

function database(flags: MigrationsFlags, rest: string[], io: Io): PgConfig {
  const loaded = loadDaemonConf('control_plane', flags, rest, io);
  const errors = loaded.problems.filter((p) => p.severity === 'error' && p.key?.startsWith('pg_'));
  if (errors.length) throw new ConfigError(`the PostgreSQL settings have errors`, errors.map((e) => e.message));
  const db = databaseChoice(loaded);
  if (db.kind !== 'postgres') {
    throw new ConfigError('migrations need database = postgres; this configuration uses the embedded store, which needs none', [], {
      hint: 'set database = postgres and the pg_* properties in kong.conf (or KONG_DATABASE=postgres and KONG_PG_*)',
    });
  }
  return db.pg;
}

export async function migrationsAction(mode: 'bootstrap' | 'up' | 'status', flags: MigrationsFlags, rest: string[], io: Io): Promise<number> {
  const pg = database(flags, rest, io);
  const where = describePg(pg);
  if (mode === 'status') {
    const { state } = await migrateDatabase(pg, 'status');
    const upToDate = state.bootstrapped && state.pending.length === 0;
    if (outputFormat(flags.output) === 'json') {
      io.out(JSON.stringify({ database: where, bootstrapped: state.bootstrapped, executed: state.executed, pending: state.pending, up_to_date: upToDate }, null, 2));
    } else {
      io.out(statusText(where, state));
    }
    return upToDate ? 0 : 1;
  }
  const before = await migrateDatabase(pg, 'status');
  if (mode === 'bootstrap' && before.state.bootstrapped) {
    io.out(`Database already bootstrapped (${where})`);
    if (before.state.pending.length) io.out("New migrations available; run 'hybridctl cp migrations up' to proceed");
    return 0;
  }
  if (mode === 'up' && !before.state.bootstrapped) {
    io.err(`Cannot run migrations: the database ${where} needs bootstrapping; run 'hybridctl cp migrations bootstrap'`);
    return 1;
  }
  io.out(mode === 'bootstrap' ? `Bootstrapping database ${where}...` : `Migrating database ${where}...`);
  const { ran } = await migrateDatabase(pg, mode, (name) => io.out(`  migrating ${name}`));
  if (ran.length === 0) io.out('Database is already up-to-date');
  else io.out(`${ran.length} migration${ran.length === 1 ? '' : 's'} processed; database is up-to-date`);
  return 0;
}

function statusText(where: string, s: SchemaState): string {
  if (!s.bootstrapped) return `Database ${where} needs bootstrapping: run 'hybridctl cp migrations bootstrap'`;
  const lines = [`Database ${where}`, 'Executed migrations:', ...s.executed.map((n) => `  ${n}`)];
  if (s.pending.length) lines.push('New migrations available:', ...s.pending.map((n) => `  ${n}`), "Run 'hybridctl cp migrations up' to proceed");
  else lines.push('Database is up-to-date');
  return lines.join('\n');
}
