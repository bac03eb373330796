// PostgreSQL settings: the limits Kong's conf loader refuses, in Kong's words (kong/conf_loader/
// parse.lua, check_and_parse), then what Kong lets through and the connection later trips over.
import { statSync } from 'node:fs';
import { kongNumber, pgSettings, type PgConnectionSettings } from '../../conf/index.js';
import type { Hit, Rule, RuleContext } from '../rule.js';

// Kong checks these two always (they have defaults), the others only when set; pg_ro_* the same way.
const ALWAYS = ['pg_max_concurrent_queries', 'pg_semaphore_timeout'];
const WHEN_SET = ['pg_keepalive_timeout', 'pg_pool_size', 'pg_backlog', 'pg_ro_max_concurrent_queries', 'pg_ro_semaphore_timeout', 'pg_ro_keepalive_timeout', 'pg_ro_pool_size', 'pg_ro_backlog'];

const raw = (ctx: RuleContext, key: string) => ctx.loaded.entries.get(key)?.value ?? null;

export const pgLimits: Rule = {
  id: 'pg-limits',
  severity: 'error',
  keys: [...ALWAYS, ...WHEN_SET],
  source: 'kong',
  check: (ctx) => {
    const out: Hit[] = [];
    for (const key of [...ALWAYS, ...WHEN_SET]) {
      const v = raw(ctx, key);
      // Not a number: the loader's finding already (Kong stops at the type error too).
      const n = v === null ? null : kongNumber(v);
      if (n === null) continue;
      if (n < 0) out.push({ key, message: `${key} must be greater than 0` });
      if (!Number.isInteger(n)) out.push({ key, message: `${key} must be an integer greater than 0` });
    }
    return out;
  },
};

/** The connections a node that stores its configuration in PostgreSQL opens; none for other nodes. */
function connections(ctx: RuleContext): { prefix: 'pg_' | 'pg_ro_'; c: PgConnectionSettings }[] {
  // A data plane with database = postgres is already an error of its own; its pg_* are never used.
  if (ctx.conf.database !== 'postgres' || ctx.conf.role === 'data_plane') return [];
  const { main, readOnly } = pgSettings(ctx.loaded.entries);
  return [{ prefix: 'pg_', c: main }, ...(readOnly ? [{ prefix: 'pg_ro_' as const, c: readOnly }] : [])];
}

/** The key to point at for a read-only setting: its own when set, else the pg_* it inherits. */
const keyFor = (ctx: RuleContext, prefix: string, suffix: string) => (prefix === 'pg_ro_' && ctx.isSet(`pg_ro_${suffix}`) ? `pg_ro_${suffix}` : `pg_${suffix}`);

export const pgSslVerifyWithoutSsl: Rule = {
  id: 'pg-ssl-verify-without-ssl',
  severity: 'warning',
  keys: ['pg_ssl_verify', 'pg_ro_ssl_verify', 'pg_ro_ssl'],
  source: 'hybridctl',
  check: (ctx) =>
    connections(ctx)
      .filter(({ prefix, c }) => c.sslVerify && !c.ssl && (prefix === 'pg_' || ctx.isSet('pg_ro_ssl') || ctx.isSet('pg_ro_ssl_verify')))
      .map(({ prefix }) => ({
        // The read-only connection inherits both from pg_*: point at whichever of its own is set.
        key: prefix === 'pg_' || ctx.isSet('pg_ro_ssl_verify') ? `${prefix}ssl_verify` : 'pg_ro_ssl',
        message: `${prefix}ssl_verify is on but ${prefix}ssl is off: the ${prefix === 'pg_' ? '' : 'read-only '}connection to PostgreSQL is not encrypted, so there is no certificate to verify`,
        hint: `set ${prefix}ssl = on`,
      })),
};

export const pgSslVerifyTrust: Rule = {
  id: 'pg-ssl-verify-trust',
  severity: 'warning',
  keys: ['pg_ssl_verify', 'pg_ro_ssl_verify', 'lua_ssl_trusted_certificate'],
  source: 'hybridctl',
  check: (ctx) => {
    const verifying = connections(ctx).filter(({ c }) => c.ssl && c.sslVerify);
    if (verifying.length === 0) return [];
    const key = keyFor(ctx, verifying[0]!.prefix, 'ssl_verify');
    // Kong hands pgmoon lua_ssl_trusted_certificate as the CA file (connector.lua: cafile). A warning
    // even when it is empty: hybridctl's own control plane then falls back to Node's CA list.
    if (ctx.conf.lua_ssl_trusted_certificate.length === 0) {
      return [{ key, message: `${key} is on but lua_ssl_trusted_certificate holds no certificate: Kong cannot verify the PostgreSQL server and every connection fails`, hint: 'set lua_ssl_trusted_certificate to the CA that issued the PostgreSQL server certificate' }];
    }
    if (ctx.isSet('lua_ssl_trusted_certificate')) return [];
    return [{ key, message: `${key} is on but lua_ssl_trusted_certificate is not set: Kong verifies the PostgreSQL server against the system CA bundle only, which fails for a server certificate from a private CA`, hint: 'set lua_ssl_trusted_certificate = system, /path/to/postgres-ca.crt' }];
  },
};

const PASSWORDS = ['pg_password', 'pg_ro_password'];

export const pgPasswordFileReadable: Rule = {
  id: 'pg-password-file-readable',
  severity: 'warning',
  keys: PASSWORDS,
  source: 'hybridctl',
  check: ({ loaded }) => {
    if (!loaded.path) return [];
    let mode: number;
    try {
      mode = statSync(loaded.path).mode & 0o777;
    } catch {
      return [];
    }
    if ((mode & 0o004) === 0) return [];
    // A {vault://...} reference is no secret itself.
    const written = PASSWORDS.filter((k) => { const e = loaded.entries.get(k); return e?.source === 'file' && e.value !== null && !e.value.startsWith('{vault://'); });
    const octal = mode.toString(8).padStart(4, '0');
    return written.map((key) => ({
      key,
      message: `${key} is written in ${loaded.path}, which every user on this host can read (mode ${octal})`,
      hint: `chmod 640 ${loaded.path} (owner and Kong's group), or pass it as KONG_${key.toUpperCase()} or a {vault://...} reference`,
    }));
  },
};

export const pgHostSocket: Rule = {
  id: 'pg-host-socket',
  severity: 'warning',
  keys: ['pg_host', 'pg_ro_host'],
  source: 'hybridctl',
  check: (ctx) =>
    connections(ctx)
      .filter(({ c }) => c.host !== null && (c.host.startsWith('/') || c.host.startsWith('unix:')))
      .map(({ prefix, c }) => ({
        key: keyFor(ctx, prefix, 'host'),
        // Kong: connector.lua passes pg_host and pg_port to pgmoon, which opens a TCP socket to them.
        message: `${keyFor(ctx, prefix, 'host')} is a unix socket path (${c.host}): Kong opens a TCP connection to ${prefix}host:${prefix}port and cannot connect through it`,
        hint: `set ${prefix}host to the server's address (127.0.0.1 for a local server) and allow host connections in its pg_hba.conf`,
      })),
};

export const pgTimeout: Rule = {
  id: 'pg-timeout',
  severity: 'error',
  keys: ['pg_timeout', 'pg_ro_timeout'],
  source: 'hybridctl',
  check: (ctx) =>
    connections(ctx)
      .filter(({ prefix, c }) => c.timeout !== null && c.timeout <= 0 && (prefix === 'pg_' || ctx.isSet('pg_ro_timeout')))
      .map(({ prefix, c }) => ({
        key: `${prefix}timeout`,
        message: `${prefix}timeout must be greater than 0, got ${c.timeout}: it is the connect, read and write timeout in milliseconds`,
        hint: `Kong's default is ${prefix}timeout = 5000`,
      })),
};

export const pgPortRange: Rule = {
  id: 'pg-port-range',
  severity: 'error',
  keys: ['pg_port', 'pg_ro_port'],
  source: 'hybridctl',
  check: (ctx) =>
    connections(ctx)
      .filter(({ prefix, c }) => c.port !== null && !(Number.isInteger(c.port) && c.port >= 1 && c.port <= 65535) && (prefix === 'pg_' || ctx.isSet('pg_ro_port')))
      .map(({ prefix, c }) => ({ key: `${prefix}port`, message: `${prefix}port must be a port number between 1 and 65535, got ${c.port}` })),
};

export const pgReadOnlyWithoutHost: Rule = {
  id: 'pg-ro-without-host',
  severity: 'warning',
  keys: ['pg_ro_host'],
  source: 'hybridctl',
  check: (ctx) => {
    if (ctx.conf.database !== 'postgres' || ctx.conf.role === 'data_plane' || raw(ctx, 'pg_ro_host') !== null) return [];
    const set = [...ctx.loaded.entries.keys()].filter((k) => k.startsWith('pg_ro_') && k !== 'pg_ro_host' && ctx.isSet(k) && raw(ctx, k) !== null).sort();
    // The finding sits on the first of them in the file (env and flags have no line).
    const line = (k: string) => ctx.loaded.entries.get(k)?.line ?? Number.MAX_SAFE_INTEGER;
    const first = [...set].sort((a, b) => line(a) - line(b))[0];
    return first === undefined
      ? []
      : [{ key: first, message: `${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set but pg_ro_host is not: Kong opens the read-only connection only when pg_ro_host is set, so ${set.length > 1 ? 'they are' : 'it is'} ignored`, hint: 'set pg_ro_host to the read replica, or remove the pg_ro_* settings' }];
  },
};

// A hybridctl control plane keeps the configuration in memory and writes through to PostgreSQL:
// it has no read queries to send to a replica, so a read-only connection would never be used.
export const pgReadOnlyUnused: Rule = {
  id: 'pg-ro-unused',
  severity: 'warning',
  keys: ['pg_ro_host'],
  source: 'hybridctl',
  check: (ctx) =>
    ctx.conf.database === 'postgres' && ctx.conf.role === 'control_plane' && raw(ctx, 'pg_ro_host') !== null
      ? [{
          key: 'pg_ro_host',
          message: 'pg_ro_host is set, but a hybridctl control plane answers reads from the configuration it holds in memory and never opens the read-only connection: the pg_ro_* settings have no effect',
          hint: 'remove the pg_ro_* settings (or keep them only for Kong nodes that read this kong.conf)',
        }]
      : [],
};

export const POSTGRES_RULES: readonly Rule[] = [pgLimits, pgSslVerifyWithoutSsl, pgSslVerifyTrust, pgPasswordFileReadable, pgHostSocket, pgTimeout, pgPortRange, pgReadOnlyWithoutHost, pgReadOnlyUnused];
