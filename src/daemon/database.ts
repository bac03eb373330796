// Which store a control plane keeps its configuration in, from kong.conf: the embedded LMDB unless
// `database = postgres` is set explicitly (Kong's default is postgres; here an unset key means the
// zero-setup store), then Kong's pg_* properties.
import { ConfigError } from '../errors.js';
import { pgSettings, resolvePemValue, type LoadedConf } from '../conf/index.js';
import type { PgConfig } from '../store/index.js';

export type DatabaseChoice = { kind: 'lmdb' } | { kind: 'postgres'; pg: PgConfig };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export function databaseChoice(loaded: LoadedConf): DatabaseChoice {
  const entry = loaded.entries.get('database');
  if (!entry || entry.source === 'default' || entry.value !== 'postgres') return { kind: 'lmdb' };
  return { kind: 'postgres', pg: pgConfig(loaded) };
}

export function pgConfig(loaded: LoadedConf): PgConfig {
  const m = pgSettings(loaded.entries).main;
  const raw = (k: string) => loaded.entries.get(k)?.value ?? null;
  // Kong's lint reports malformed values; a daemon cannot start on them.
  const int = (k: string, v: number | null, min: number, max: number, fallback: number): number => {
    if (raw(k) === null) return fallback;
    if (v === null || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`${k} has an invalid value: '${raw(k) ?? ''}' (a whole number from ${min} to ${max})`, [], { hint: `fix ${k} in kong.conf or KONG_${k.toUpperCase()}` });
    }
    return v;
  };
  const schema = m.schema ?? undefined;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new ConfigError(`pg_schema has an invalid value: '${schema}' (a PostgreSQL identifier: letters, digits and _)`, [], { hint: 'set pg_schema to the schema name, or leave it unset for the user\'s default' });
  }
  const caPems = m.sslVerify
    ? loaded.conf.lua_ssl_trusted_certificate.flatMap((v) => {
        const r = resolvePemValue(v);
        return 'pem' in r ? [r.pem] : [];
      })
    : [];
  return {
    host: m.host ?? '127.0.0.1',
    port: int('pg_port', m.port, 1, 65535, 5432),
    user: m.user ?? 'kong',
    password: m.password ?? undefined,
    database: m.database ?? 'kong',
    schema,
    ssl: m.ssl,
    sslVerify: m.sslVerify,
    caPems,
    timeoutMs: int('pg_timeout', m.timeout, 1, 3_600_000, 5000),
    maxConcurrent: int('pg_max_concurrent_queries', m.maxConcurrentQueries, 0, 10_000, 0),
  };
}
