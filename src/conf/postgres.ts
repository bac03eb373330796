// The PostgreSQL connections as Kong's connector builds them from the configuration
// (kong/db/strategies/postgres/connector.lua, _M.new): the main one from pg_*, and a read-only one
// only when pg_ro_host is set, each pg_ro_* that is unset falling back to its pg_* counterpart.
import type { Entry } from './load.js';
import { kongNumber } from './values.js';

export interface PgConnectionSettings {
  host: string | null;
  port: number | null;
  /** Connect, read and write timeout, in milliseconds. */
  timeout: number | null;
  user: string | null;
  password: string | null;
  database: string | null;
  schema: string | null;
  ssl: boolean;
  sslVerify: boolean;
  maxConcurrentQueries: number | null;
  /** Milliseconds a query waits for the concurrency semaphore. */
  semaphoreTimeout: number | null;
  keepaliveTimeout: number | null;
  poolSize: number | null;
  backlog: number | null;
}

export interface PgSettings {
  main: PgConnectionSettings;
  /** Null unless pg_ro_host is set: Kong then serves reads from this connection. */
  readOnly: PgConnectionSettings | null;
}

// Field → property suffix after `pg_` / `pg_ro_`.
const FIELDS = {
  host: 'host', port: 'port', timeout: 'timeout', user: 'user', password: 'password', database: 'database', schema: 'schema',
  ssl: 'ssl', sslVerify: 'ssl_verify', maxConcurrentQueries: 'max_concurrent_queries', semaphoreTimeout: 'semaphore_timeout',
  keepaliveTimeout: 'keepalive_timeout', poolSize: 'pool_size', backlog: 'backlog',
} as const satisfies Record<keyof PgConnectionSettings, string>;
const BOOLEANS = new Set(['ssl', 'ssl_verify']);
const NUMBERS = new Set(['port', 'timeout', 'max_concurrent_queries', 'semaphore_timeout', 'keepalive_timeout', 'pool_size', 'backlog']);

type Raw = (key: string) => string | null;

function typedValue(suffix: string, v: string | null): string | number | boolean | null {
  if (BOOLEANS.has(suffix)) return v === 'on' || v === 'true';
  // A value that is not a number is the loader's finding; here it counts as unset.
  if (NUMBERS.has(suffix)) return v === null ? null : kongNumber(v);
  return v;
}

function connection(raw: Raw, prefix: 'pg_' | 'pg_ro_', main?: PgConnectionSettings): PgConnectionSettings {
  const out: Record<string, unknown> = {};
  for (const [field, suffix] of Object.entries(FIELDS)) {
    const v = raw(`${prefix}${suffix}`);
    out[field] = v === null && main ? main[field as keyof PgConnectionSettings] : typedValue(suffix, v);
  }
  return out as unknown as PgConnectionSettings;
}

/** The connections from loadConf's entries (which hold Kong's defaults), typed as Kong types them. */
export function pgSettings(entries: ReadonlyMap<string, Entry>): PgSettings {
  const raw: Raw = (k) => {
    const v = entries.get(k)?.value ?? null;
    return v === null ? null : v.trim();
  };
  const main = connection(raw, 'pg_');
  return { main, readOnly: raw('pg_ro_host') === null ? null : connection(raw, 'pg_ro_', main) };
}
