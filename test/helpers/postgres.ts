// A private PostgreSQL cluster per test file (or per test): its own data directory, a free
// loopback port, a `hybrid` role that must give its password over TCP, and a `hybrid` database it
// owns. Stopped with `pg_ctl stop -m immediate` and removed when the test or the file ends.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './net.js';
import { owned } from './teardown.js';
import { copyDataDir, initdb, ownForServer, pgProgram, templateDataDir } from './pg-template.js';

export const PG_USER = 'hybrid';
export const PG_PASSWORD = 'hybrid-Pg-pass1';
export const PG_DATABASE = 'hybrid';
const HOST = '127.0.0.1';
const START_ATTEMPTS = 3;
// Only the operating system's crash is out of scope: a killed server must keep what it committed, so
// commits still wait for the WAL write (synchronous_commit stays on), but nothing waits for the disk.
const TEST_SETTINGS: Record<string, string> = { fsync: 'off', full_page_writes: 'off', shared_buffers: '16MB', max_connections: '60' };

/** Where one database of the cluster is reached, as a client (and a hybridctl CP) would. */
export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** postgres://user:password@host:port/database */
  url: string;
  /** KONG_DATABASE=postgres and KONG_PG_HOST/PORT/USER/PASSWORD/DATABASE for a daemon's environment. */
  env(): Record<string, string>;
}

export interface Postgres extends PgConnection {
  dataDir: string;
  socketDir: string;
  running(): boolean;
  /** Immediate shutdown (what a crash or a killed server looks like to clients); a no-op when stopped. */
  stop(): Promise<void>;
  /** Starts again on the same port and data, for outage tests; a no-op when running. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Runs SQL as the superuser over the unix socket; `database` defaults to `hybrid`. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<R[]>;
  /** A new database owned by `hybrid`, for isolation between tests in one file (name generated when omitted). */
  createDatabase(name?: string): Promise<PgConnection>;
  /** The server's log so far. */
  log(): string;
}

export interface PostgresOptions {
  /** The `hybrid` role's password (default PG_PASSWORD). */
  password?: string;
  /** Extra server settings, passed as `-c name=value`. */
  settings?: Record<string, string | number>;
}

function connection(port: number, user: string, password: string, database: string): PgConnection {
  return {
    host: HOST, port, user, password, database,
    url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${database}`,
    env: () => ({ KONG_DATABASE: 'postgres', KONG_PG_HOST: HOST, KONG_PG_PORT: String(port), KONG_PG_USER: user, KONG_PG_PASSWORD: password, KONG_PG_DATABASE: database }),
  };
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
let databases = 0;

export async function startPostgres(opts: PostgresOptions = {}): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'hybridctl-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const password = opts.password ?? PG_PASSWORD;
  const settings = { ...TEST_SETTINGS, ...opts.settings, listen_addresses: HOST };
  let port = 0;
  let up = false;

  owned({
    destroy: async () => {
      await stop().catch(() => killServer(dataDir));
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => {
      killServer(dataDir);
      rmSync(dir, { recursive: true, force: true });
    },
  });

  const pgCtlStart = () => {
    const options = [`-p ${port}`, `-k ${dir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
    return pgProgram('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', options], dir);
  };
  async function start(): Promise<void> {
    if (up) return;
    await pgCtlStart().catch((err: Error) => {
      throw new Error(`${err.message}\n${readLog(logFile)}`);
    });
    up = true;
  }
  async function stop(): Promise<void> {
    if (!up) return;
    await pgProgram('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30'], dir);
    up = false;
  }
  async function query<R extends Record<string, unknown>>(sql: string, params?: unknown[], database = PG_DATABASE): Promise<R[]> {
    const client = new pg.Client({ host: dir, port, user: 'postgres', database });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  await ownForServer(dir);
  const template = await templateDataDir();
  if (template) await copyDataDir(template, dataDir);
  else await initdb(dataDir);
  // freePort() can race another process for the port; a bind failure is retried on a new one.
  for (let attempt = 1; !up; attempt++) {
    port = await freePort();
    try {
      await start();
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !/could not (bind|create listen)|already in use/i.test(readLog(logFile))) throw err;
    }
  }
  await query(`CREATE ROLE ${PG_USER} LOGIN PASSWORD ${literal(password)}`, [], 'postgres');
  await query(`CREATE DATABASE ${PG_DATABASE} OWNER ${PG_USER}`, [], 'postgres');

  return {
    ...connection(port, PG_USER, password, PG_DATABASE),
    dataDir,
    socketDir: dir,
    running: () => up,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    query,
    createDatabase: async (name = `hybrid_${process.pid}_${++databases}`) => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      // CREATE DATABASE cannot run inside a transaction block, so it is a query of its own.
      await query(`CREATE DATABASE ${name} OWNER ${PG_USER}`, [], 'postgres');
      return connection(port, PG_USER, password, name);
    },
    log: () => readLog(logFile),
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** SIGQUIT to the postmaster (PostgreSQL's immediate shutdown), its pid from postmaster.pid. */
function killServer(dataDir: string): void {
  const f = join(dataDir, 'postmaster.pid');
  const pid = existsSync(f) ? Number(readFileSync(f, 'utf8').split('\n')[0]) : 0;
  try {
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    /* already gone */
  }
}
