// Cases ported as data from Kong's spec/01-unit/03-conf_loader_spec.lua (conf_loader(nil, { ... })
// maps to properties given as flags here), plus parse.lua's overrides() for empty KONG_* values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConf, MASK, pgSettings, printableValue, redactedEntries } from '../../../src/conf/index.js';
import { lintConf } from '../../../src/lint/index.js';
import { makeRoot } from '../../helpers/openssl.js';

const SPEC = 'spec/01-unit/03-conf_loader_spec.lua';
let dir: string;
let crt: string; // stands for spec/fixtures/kong_spec.crt
let key: string; // stands for spec/fixtures/kong_spec.key
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hybridctl-confspec-'));
  ({ crt, key } = makeRoot(dir, 'kong_spec'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every error Kong's loader would return for these properties (load problems and Kong-sourced lint errors). */
function errors(flags: Record<string, string>): string[] {
  const loaded = loadConf({ flags: { role: 'traditional', ...flags }, env: {} });
  const fromLint = lintConf(loaded).filter((f) => f.severity === 'error').map((f) => f.message);
  return [...new Set([...loaded.problems.map((p) => p.message), ...fromLint])];
}

interface Case { it: string; flags: () => Record<string, string>; want: string[] }
const cases: Case[] = [
  { it: 'enforces enums', flags: () => ({ database: 'mysql' }), want: ["database has an invalid value: 'mysql' (postgres, cassandra, off)"] },
  { it: 'enforces enums', flags: () => ({ worker_consistency: 'magical' }), want: ["worker_consistency has an invalid value: 'magical' (strict, eventual)"] },
  { it: 'requires both proxy SSL cert and key', flags: () => ({ ssl_cert: '/path/cert.pem' }), want: ['ssl_cert_key must be specified', 'ssl_cert: failed loading certificate from /path/cert.pem'] },
  { it: 'requires both proxy SSL cert and key', flags: () => ({ ssl_cert_key: '/path/key.pem' }), want: ['ssl_cert must be specified', 'ssl_cert_key: failed loading key from /path/key.pem'] },
  { it: 'requires both proxy SSL cert and key', flags: () => ({ ssl_cert: crt, ssl_cert_key: key }), want: [] },
  { it: 'requires SSL cert and key to exist', flags: () => ({ ssl_cert: '/path/cert.pem', ssl_cert_key: '/path/cert_key.pem' }), want: ['ssl_cert: failed loading certificate from /path/cert.pem', 'ssl_cert_key: failed loading key from /path/cert_key.pem'] },
  { it: 'requires SSL cert and key to exist', flags: () => ({ ssl_cert: crt, ssl_cert_key: '/path/cert_key.pem' }), want: ['ssl_cert_key: failed loading key from /path/cert_key.pem'] },
  { it: 'requires both admin SSL cert and key', flags: () => ({ admin_ssl_cert: '/path/cert.pem' }), want: ['admin_ssl_cert_key must be specified', 'admin_ssl_cert: failed loading certificate from /path/cert.pem'] },
  { it: 'requires both admin SSL cert and key', flags: () => ({ admin_ssl_cert_key: '/path/key.pem' }), want: ['admin_ssl_cert must be specified', 'admin_ssl_cert_key: failed loading key from /path/key.pem'] },
  { it: 'requires both admin SSL cert and key', flags: () => ({ admin_ssl_cert: crt, admin_ssl_cert_key: key }), want: [] },
  { it: 'requires SSL cert and key to exist', flags: () => ({ admin_ssl_cert: crt, admin_ssl_cert_key: '/path/cert_key.pem' }), want: ['admin_ssl_cert_key: failed loading key from /path/cert_key.pem'] },
  { it: 'requires both status SSL cert and key', flags: () => ({ status_listen: '127.0.0.1:123 ssl', status_ssl_cert: '/path/cert.pem' }), want: ['status_ssl_cert_key must be specified', 'status_ssl_cert: failed loading certificate from /path/cert.pem'] },
  { it: 'requires both status SSL cert and key', flags: () => ({ status_listen: '127.0.0.1:123 ssl', status_ssl_cert_key: '/path/key.pem' }), want: ['status_ssl_cert must be specified', 'status_ssl_cert_key: failed loading key from /path/key.pem'] },
  { it: 'requires both status SSL cert and key', flags: () => ({ status_listen: '127.0.0.1:123 ssl', status_ssl_cert: crt, status_ssl_cert_key: key }), want: [] },
  { it: 'requires SSL cert and key to exist', flags: () => ({ status_listen: '127.0.0.1:123 ssl', status_ssl_cert: '/path/cert.pem', status_ssl_cert_key: '/path/cert_key.pem' }), want: ['status_ssl_cert: failed loading certificate from /path/cert.pem', 'status_ssl_cert_key: failed loading key from /path/cert_key.pem'] },
  { it: 'returns all errors in ret value #3', flags: () => ({ worker_consistency: 'magical', ssl_cert_key: key }), want: ["worker_consistency has an invalid value: 'magical' (strict, eventual)", 'ssl_cert must be specified'] },
];

// describe("pg_semaphore options"), ("pg connection pool options"), ("pg read-only connection pool
// options"): each it() sets one property and asserts Kong's first (here: only) error.
const pgLimitCases: Case[] = [
  ...['pg_max_concurrent_queries', 'pg_semaphore_timeout', 'pg_keepalive_timeout', 'pg_pool_size', 'pg_backlog', 'pg_ro_keepalive_timeout', 'pg_ro_pool_size', 'pg_ro_backlog'].flatMap((k) => [
    { it: `rejects a ${k} with a negative number`, flags: () => ({ [k]: '-1' }), want: [`${k} must be greater than 0`] },
    { it: `rejects a ${k} with a decimal`, flags: () => ({ [k]: '0.1' }), want: [`${k} must be an integer greater than 0`] },
  ]),
  // parse.lua checks the pg_ro_ semaphore settings as well, which the spec does not exercise.
  { it: '(parse.lua) pg_ro_max_concurrent_queries, negative and a decimal at once', flags: () => ({ pg_ro_max_concurrent_queries: '-0.5' }), want: ['pg_ro_max_concurrent_queries must be greater than 0', 'pg_ro_max_concurrent_queries must be an integer greater than 0'] },
  { it: '(parse.lua) pg_ro_semaphore_timeout with a decimal', flags: () => ({ pg_ro_semaphore_timeout: '2.5' }), want: ['pg_ro_semaphore_timeout must be an integer greater than 0'] },
  { it: '(parse.lua) zero is allowed: 0 lifts the concurrency limit', flags: () => ({ pg_max_concurrent_queries: '0', pg_pool_size: '0' }), want: [] },
  { it: 'errors with a helpful error message if cassandra is used', flags: () => ({ database: 'cassandra' }), want: ['Cassandra as a datastore for Kong is not supported in versions 3.4 and above. Please use Postgres.'] },
  { it: 'enforces properties types (pg_port is a number)', flags: () => ({ pg_port: 'fivefour' }), want: ["pg_port is not a number: 'fivefour'"] },
];

describe(`Kong ${SPEC}: PostgreSQL`, () => {
  it.each(pgLimitCases)('$it ($want)', ({ flags, want }) => {
    expect(errors(flags()).sort()).toEqual([...want].sort());
  });

  it('infer booleans (on/off/true/false strings): pg_ssl', () => {
    for (const [v, want] of [['on', true], ['true', true], ['off', false]] as const) {
      expect(pgSettings(loadConf({ flags: { pg_ssl: v }, env: {} }).entries).main.ssl).toBe(want);
    }
    const loose = loadConf({ flags: { pg_ssl_verify: 'yes' }, env: {} });
    expect(loose.problems).toEqual([expect.objectContaining({ rule: 'boolean-value', severity: 'warning', key: 'pg_ssl_verify' })]);
  });
});

// spec/02-integration/09-hybrid_mode/02-start_stop_spec.lua: `kong start` prints the first error.
const START_STOP = 'spec/02-integration/09-hybrid_mode/02-start_stop_spec.lua';
describe(`Kong ${START_STOP}: database per role`, () => {
  const withCerts = () => ({ cluster_cert: crt, cluster_cert_key: key });
  it.each([
    { it: 'role is control_plane: can not use DB-less mode', flags: () => ({ role: 'control_plane', database: 'off', ...withCerts() }), want: 'in-memory storage can not be used when role = "control_plane"' },
    { it: 'role is proxy: can not use DB mode', flags: () => ({ role: 'data_plane', ...withCerts() }), want: 'only in-memory storage can be used when role = "data_plane"' },
  ])('$it', ({ flags, want }) => {
    const found = lintConf(loadConf({ flags: flags(), env: {} })).find((f) => f.message === want);
    expect(found).toMatchObject({ severity: 'error', key: 'database' });
    // Kong appends "\nHint: set database = off in your kong.conf" to the data plane's message.
    if (want.startsWith('only')) expect(found!.hint).toBe('set database = off in your kong.conf');
  });
  it('a control plane with database = postgres has no database error', () => {
    expect(errors({ role: 'control_plane', database: 'postgres', ...withCerts() }).filter((m) => /storage/.test(m))).toEqual([]);
  });
});

// describe("remove_sensitive()"): what is printed of a configuration.
describe(`Kong ${SPEC}: remove_sensitive()`, () => {
  const printed = (flags: Record<string, string>) => redactedEntries(loadConf({ flags, env: {} }));
  it('replaces sensitive settings', () => {
    const out = printed({ pg_password: 'hide_me', pg_ro_password: '/starts-with-a-slash' });
    expect([out.pg_password, out.pg_ro_password]).toEqual([MASK, MASK]);
    expect(JSON.stringify(out)).not.toMatch(/hide_me|starts-with-a-slash/);
  });
  it('replaces sensitive vault resolved settings', () => {
    const out = printed({ pg_password: '{vault://env/pg-password}', pg_database: '{vault://env/pg-database}' });
    expect(out.pg_password).toBe('******');
    expect(out.pg_database).toBe('{vault://env/pg-database}');
  });
  it('does not insert placeholder if no value', () => {
    expect(printed({}).pg_password).toBeUndefined();
    expect(printableValue('pg_password', null)).toBeNull();
  });
  it('replaces every setting Kong lists as sensitive (CONF_SENSITIVE), a base64 key value too', () => {
    const key64 = Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n').toString('base64');
    for (const k of ['ssl_cert_key', 'client_ssl_cert_key', 'admin_ssl_cert_key', 'admin_gui_ssl_cert_key', 'status_ssl_cert_key', 'debug_ssl_cert_key', 'cluster_cert_key']) {
      expect(printableValue(k, key64)).toBe(MASK);
    }
    expect(printableValue('declarative_config_string', '{"_format_version":"3.0","consumers":[{"username":"a","keyauth_credentials":[{"key":"s3cr3t"}]}]}')).toBe(MASK);
    expect(printableValue('ssl_cert', '/etc/kong/proxy.crt')).toBe('/etc/kong/proxy.crt');
  });
  it('(hybridctl) a key file path is still shown as the path', () => {
    expect(printableValue('cluster_cert_key', '/etc/kong/cluster.key')).toBe('/etc/kong/cluster.key');
  });
});

describe(`Kong ${SPEC}`, () => {
  it.each(cases)('$it ($want)', ({ flags, want }) => {
    // Kong's spec asserts only the messages it names; the ssl ones add "failed loading" for the
    // missing path too (Kong reports them together, as its "requires SSL cert and key to exist" shows).
    expect(errors(flags()).sort()).toEqual([...want].sort());
  });
});

describe('other enums Kong checks (conf_loader/constants.lua)', () => {
  it.each([
    ['error_default_type', 'application/yaml', 'application/json, application/xml, text/html, text/plain'],
    ['router_flavor', 'fancy', 'traditional, traditional_compatible, expressions'],
    ['router_consistency', 'magical', 'strict, eventual'],
    ['untrusted_lua', 'maybe', 'on, off, sandbox'],
    ['cluster_mtls', 'both', 'shared, pki'],
    ['cluster_ocsp', 'yes', 'on, off, optional'],
    ['log_level', 'loud', 'debug, info, notice, warn, error, crit, alert, emerg'],
    ['role', 'edge', 'data_plane, control_plane, traditional'],
  ])('%s = %s', (k, v, values) => {
    const loaded = loadConf({ flags: { [k]: v }, env: {} });
    expect(loaded.problems.map((p) => p.message)).toContain(`${k} has an invalid value: '${v}' (${values})`);
  });
});

describe('empty KONG_* values (parse.lua overrides() then parse_value: "" is unset)', () => {
  it('an empty env value beats the file and leaves the property unset, not defaulted', () => {
    const loaded = loadConf({ flags: {}, env: { KONG_CLUSTER_SERVER_NAME: '', KONG_SSL_CERT: '', KONG_LOG_LEVEL: '' } });
    expect(loaded.conf.cluster_server_name).toBeNull();
    expect(loaded.entries.get('ssl_cert')).toMatchObject({ value: null, source: 'env' });
    // An empty enum is no error in Kong (nil skips the enum check).
    expect(loaded.problems).toEqual([]);
  });
});
