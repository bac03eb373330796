// Kong's pg_* properties as node-postgres connection options, a name for the database that never
// carries the password, and which failures mean "the database is not there" rather than a bug.
import type { ClientConfig, PoolConfig } from 'pg';

export interface PgConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** pg_schema: the search_path the tables live in (Kong's default: the user's). */
  schema?: string;
  ssl: boolean;
  sslVerify: boolean;
  /** lua_ssl_trusted_certificate, for pg_ssl_verify. */
  caPems: string[];
  /** pg_timeout, milliseconds: connect, and every statement. */
  timeoutMs: number;
  /** pg_max_concurrent_queries; 0: Kong's "no limit", here the pool's default of 10. */
  maxConcurrent: number;
}

/** `postgres://user@host:port/database`: how logs and errors name the database. */
export function describePg(c: PgConfig): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return `postgres://${encodeURIComponent(c.user)}@${host}:${c.port}/${encodeURIComponent(c.database)}${c.schema ? `?schema=${encodeURIComponent(c.schema)}` : ''}`;
}

export function clientConfig(c: PgConfig): ClientConfig {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    ssl: c.ssl ? { rejectUnauthorized: c.sslVerify, ...(c.caPems.length ? { ca: c.caPems } : {}), servername: c.host } : false,
    connectionTimeoutMillis: c.timeoutMs,
    statement_timeout: c.timeoutMs,
    // The client gives up a little after the server would have, so the server's error is the one seen.
    query_timeout: c.timeoutMs + 1000,
    application_name: 'hybridctl',
    keepAlive: true,
    ...(c.schema ? { options: `-c search_path=${c.schema}` } : {}),
  };
}

export function poolConfig(c: PgConfig): PoolConfig {
  return { ...clientConfig(c), max: c.maxConcurrent > 0 ? c.maxConcurrent : 10, idleTimeoutMillis: 30_000 };
}

/** A write or read that could not reach the database: answered 503, nothing changed. */
export class StoreUnavailable extends Error {
  readonly status = 503;
}

// SQLSTATE classes and node errors that mean the server is down, restarting, unreachable or too slow
// to answer in time (57014: a statement timeout; 55P03: a lock not granted in time).
const DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03', '53300', '57014', '55P03']);

export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailable) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (DOWN_CODES.has(code) || code.startsWith('08')) return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(msg);
}

/** The error a caller sees when the database is down: what, where, and that nothing was written. */
export function unavailable(c: PgConfig, what: string, err: unknown): StoreUnavailable {
  const why = err instanceof Error ? err.message : String(err);
  return new StoreUnavailable(`the database ${describePg(c)} is unavailable (${why}); ${what}`, { cause: err });
}
