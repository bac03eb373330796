// The PostgreSQL cross-checks Kong lacks: each fires on the mistake, points at the key the operator
// wrote, stays quiet on nodes that never open the connection, and never prints a password.
import { describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConf, pgSettings, type Finding } from '../../../src/conf/index.js';
import { lintConf } from '../../../src/lint/index.js';
import { tempDir } from '../../helpers/cli.js';

const PG_RULES = ['pg-limits', 'pg-ssl-verify-without-ssl', 'pg-ssl-verify-trust', 'pg-password-file-readable', 'pg-host-socket', 'pg-timeout', 'pg-port-range', 'pg-ro-without-host', 'pg-ro-unused'];

/** Lints a traditional node (database = postgres by default) with `lines` as its kong.conf. */
function lint(lines: string, opts: { mode?: number; env?: Record<string, string> } = {}): Finding[] {
  const file = join(tempDir(), 'kong.conf');
  writeFileSync(file, lines);
  chmodSync(file, opts.mode ?? 0o600);
  return lintConf(loadConf({ file, env: opts.env ?? {} })).filter((f) => PG_RULES.includes(f.rule));
}
const brief = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.rule} ${f.key}${f.line === null ? '' : `:${f.line}`}`);

describe('pg-ssl-verify-without-ssl', () => {
  it('verification without TLS is a warning on pg_ssl_verify', () => {
    const f = lint('pg_ssl_verify = on\n');
    expect(brief(f)).toEqual(['warning pg-ssl-verify-without-ssl pg_ssl_verify:1']);
    expect(f[0]).toMatchObject({ message: 'pg_ssl_verify is on but pg_ssl is off: the connection to PostgreSQL is not encrypted, so there is no certificate to verify', hint: 'set pg_ssl = on' });
  });

  it('the read-only connection inherits both: reported once, then on its own key when it differs', () => {
    expect(brief(lint('pg_ssl_verify = on\npg_ro_host = replica\n'))).toEqual(['warning pg-ssl-verify-without-ssl pg_ssl_verify:1']);
    const ro = lint('pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = system\npg_ro_host = replica\npg_ro_ssl = off\n');
    expect(brief(ro)).toEqual(['warning pg-ssl-verify-without-ssl pg_ro_ssl:5']);
    expect(ro[0]!.message).toMatch(/^pg_ro_ssl_verify is on but pg_ro_ssl is off: the read-only connection/);
  });

  it('quiet with TLS on, and on a data plane (database = off) or a traditional node without a database', () => {
    expect(lint('pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = system\n')).toEqual([]);
    expect(lint('database = off\npg_ssl_verify = on\npg_timeout = 0\npg_host = /run/postgresql\n')).toEqual([]);
  });
});

describe('pg-ssl-verify-trust', () => {
  it('verification against the default system bundle only is a warning; an explicit CA silences it', () => {
    const f = lint('pg_ssl = on\npg_ssl_verify = on\n');
    expect(f.map((x) => x.rule)).toEqual(['pg-ssl-verify-trust']);
    // The default `system` resolves to a bundle here, or to nothing (then the message says so).
    expect(f[0]).toMatchObject({ key: 'pg_ssl_verify', line: 2, severity: 'warning' });
    const withCa = join(tempDir(), 'ca.crt');
    writeFileSync(withCa, '');
    expect(lint(`pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = ${withCa}\n`).filter((x) => x.rule === 'pg-ssl-verify-trust')).toEqual([]);
  });

  it('no trusted certificate at all: Kong fails every connection (hybridctl would use Node\'s CA list)', () => {
    const f = lint('pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate =\n');
    expect(f).toEqual([expect.objectContaining({ rule: 'pg-ssl-verify-trust', severity: 'warning', key: 'pg_ssl_verify', message: expect.stringMatching(/lua_ssl_trusted_certificate holds no certificate/) })]);
  });
});

describe('pg-password-file-readable', () => {
  it('a password in a world-readable kong.conf is a warning naming the mode, never the password', () => {
    const f = lint('pg_user = kong\npg_password = Sup3r-secret\npg_ro_host = replica\npg_ro_password = R3plica-secret\n', { mode: 0o644 });
    expect(brief(f)).toEqual(['warning pg-password-file-readable pg_password:2', 'warning pg-password-file-readable pg_ro_password:4']);
    expect(f[0]!.message).toMatch(/^pg_password is written in .*kong\.conf, which every user on this host can read \(mode 0644\)$/);
    expect(f[0]!.hint).toMatch(/KONG_PG_PASSWORD/);
    expect(JSON.stringify(f)).not.toMatch(/Sup3r-secret|R3plica-secret/);
  });

  it('quiet for 0640, for a vault reference, and for a password given as KONG_PG_PASSWORD', () => {
    expect(lint('pg_password = Sup3r-secret\n', { mode: 0o640 })).toEqual([]);
    expect(lint('pg_password = {vault://env/pg-password}\n', { mode: 0o644 })).toEqual([]);
    expect(lint('pg_user = kong\n', { mode: 0o644, env: { KONG_PG_PASSWORD: 'Sup3r-secret' } })).toEqual([]);
  });
});

describe('pg-host-socket', () => {
  it.each(['/var/run/postgresql', 'unix:/var/run/postgresql/.s.PGSQL.5432'])('pg_host = %s is a warning', (host) => {
    const f = lint(`pg_host = ${host}\n`);
    expect(brief(f)).toEqual(['warning pg-host-socket pg_host:1']);
    expect(f[0]!.message).toBe(`pg_host is a unix socket path (${host}): Kong opens a TCP connection to pg_host:pg_port and cannot connect through it`);
  });

  it('the read-only host is judged on its own', () => {
    expect(brief(lint('pg_ro_host = /tmp\n'))).toEqual(['warning pg-host-socket pg_ro_host:1']);
    expect(lint('pg_host = db.internal\npg_ro_host = 10.0.0.7\n')).toEqual([]);
  });
});

describe('pg-timeout and pg-port-range', () => {
  it.each([
    ['pg_timeout = 0', ['error pg-timeout pg_timeout:1']],
    ['pg_timeout = -5', ['error pg-timeout pg_timeout:1']],
    ['pg_timeout = 1', []],
    // The read-only connection inherits pg_timeout; only its own bad value is its own finding.
    ['pg_ro_host = r\npg_ro_timeout = 0', ['error pg-timeout pg_ro_timeout:2']],
    ['pg_port = 0', ['error pg-port-range pg_port:1']],
    ['pg_port = 65536', ['error pg-port-range pg_port:1']],
    ['pg_port = 54.5', ['error pg-port-range pg_port:1']],
    ['pg_ro_host = r\npg_ro_port = 70000', ['error pg-port-range pg_ro_port:2']],
    ['pg_port = 65535', []],
  ])('%s', (text, want) => {
    expect(brief(lint(`${text}\n`))).toEqual(want);
  });

  it('messages name the value and the unit', () => {
    expect(lint('pg_timeout = 0\n')[0]).toMatchObject({ message: 'pg_timeout must be greater than 0, got 0: it is the connect, read and write timeout in milliseconds', hint: "Kong's default is pg_timeout = 5000" });
  });
});

describe('pg-ro-without-host', () => {
  it('read-only settings without pg_ro_host are ignored by Kong: a warning listing them', () => {
    const f = lint('pg_ro_user = reader\npg_ro_ssl = on\n');
    expect(brief(f)).toEqual(['warning pg-ro-without-host pg_ro_user:1']);
    expect(f[0]!.message).toBe('pg_ro_ssl, pg_ro_user are set but pg_ro_host is not: Kong opens the read-only connection only when pg_ro_host is set, so they are ignored');
    expect(lint('pg_ro_host = replica\npg_ro_user = reader\n')).toEqual([]);
  });
});

describe('pg-ro-unused', () => {
  it('a read replica on a control plane is a warning: its reads come from memory', () => {
    const f = lint('role = control_plane\ncluster_cert = /x.crt\ncluster_cert_key = /x.key\npg_ro_host = replica\n').filter((x) => x.rule === 'pg-ro-unused');
    expect(brief(f)).toEqual(['warning pg-ro-unused pg_ro_host:4']);
    expect(f[0]!.message).toContain('never opens the read-only connection');
    // A traditional node is Kong's, which uses it.
    expect(lint('pg_ro_host = replica\n').filter((x) => x.rule === 'pg-ro-unused')).toEqual([]);
  });
});

describe('pgSettings (Kong connector.lua, _M.new)', () => {
  it('the read-only connection exists only with pg_ro_host, and falls back to pg_* per setting', () => {
    const none = pgSettings(loadConf({ env: {} }).entries);
    expect(none.readOnly).toBeNull();
    expect(none.main).toMatchObject({ host: '127.0.0.1', port: 5432, timeout: 5000, user: 'kong', password: null, database: 'kong', ssl: false, sslVerify: false, maxConcurrentQueries: 0, semaphoreTimeout: 60000, poolSize: null });
    const s = pgSettings(loadConf({ env: { KONG_PG_RO_HOST: 'replica', KONG_PG_RO_USER: 'reader', KONG_PG_PASSWORD: 'pw', KONG_PG_SSL: 'on', KONG_PG_RO_SSL_VERIFY: 'on' } }).entries);
    expect(s.readOnly).toMatchObject({ host: 'replica', user: 'reader', password: 'pw', port: 5432, ssl: true, sslVerify: true, database: 'kong' });
    expect(s.main).toMatchObject({ user: 'kong', sslVerify: false });
  });
});
