import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConf, parseConfText, parseListeners } from '../../../src/conf/index.js';
import { tempDir } from '../../helpers/cli.js';

const KONG_DEFAULT = resolve(__dirname, '../../fixtures/kong/kong.conf.default');

function confFile(text: string): string {
  const f = join(tempDir(), 'kong.conf');
  writeFileSync(f, text);
  return f;
}

describe('kong.conf syntax', () => {
  it('strips comments and whitespace, honours \\# and treats empty values as unset', () => {
    const p = parseConfText('  role = data_plane   # a comment\npg_password = se\\#cret # tail\nproxy_server =\n# nothing = here\n\nlog_level=debug');
    expect(p.entries.get('role')).toEqual({ value: 'data_plane', line: 1 });
    expect(p.entries.get('pg_password')).toEqual({ value: 'se#cret', line: 2 });
    expect(p.entries.get('proxy_server')).toEqual({ value: null, line: 3 });
    expect(p.entries.has('nothing')).toBe(false);
    expect(p.entries.get('log_level')!.line).toBe(6);
    expect(p.problems).toEqual([]);
  });

  it('reports lines that are not key = value without throwing', () => {
    const p = parseConfText('role data_plane\n= x\nok = 1');
    expect(p.problems.map((x) => x.line)).toEqual([1, 2]);
    expect(p.entries.get('ok')!.value).toBe('1');
  });

  it('reads Kong\'s own kong.conf.default, uncommented, without unknown keys', () => {
    const text = readFileSync(KONG_DEFAULT, 'utf8').replace(/^#([a-z_0-9]+ *=)/gm, '$1');
    const loaded = loadConf({ file: confFile(text) });
    expect(loaded.unknown).toEqual([]);
    expect(loaded.entries.get('cluster_listen')!.source).toBe('file');
  });
});

describe('precedence', () => {
  it('defaults < file < KONG_* < flags, with the source and line of each value', () => {
    const file = confFile('role = data_plane\ncluster_mtls = pki\nlog_level = warn\nproxy_listen = 127.0.0.1:9000\n');
    const l = loadConf({ file, env: { KONG_CLUSTER_MTLS: 'shared', KONG_LOG_LEVEL: 'error', KONG_UNRELATED_THING: 'x', HOME: '/root' }, flags: { log_level: 'debug' } });
    expect(l.conf.role).toBe('data_plane');
    expect(l.entries.get('role')).toEqual({ value: 'data_plane', source: 'file', line: 1 });
    expect(l.conf.cluster_mtls).toBe('shared');
    expect(l.entries.get('cluster_mtls')).toEqual({ value: 'shared', source: 'env', line: null });
    expect(l.conf.log_level).toBe('debug');
    expect(l.conf.proxy_listen.map((x) => x.listener)).toEqual(['127.0.0.1:9000']);
    expect(l.conf.cluster_listen.map((x) => x.listener)).toEqual(['0.0.0.0:8005']);
    expect(l.entries.has('unrelated_thing')).toBe(false);
  });

  it('keeps unknown keys and suggests the one meant', () => {
    const l = loadConf({ file: confFile('proxy_server_tls_verify = off\ncluster_contrl_plane = cp:8005\nnginx_http_foo = bar\n') });
    expect(l.unknown).toEqual([
      { key: 'proxy_server_tls_verify', line: 1, source: 'file', suggestion: 'proxy_server_ssl_verify' },
      { key: 'cluster_contrl_plane', line: 2, source: 'file', suggestion: 'cluster_control_plane' },
    ]);
  });

  it('uses Kong\'s messages for type and enum errors and never throws on values', () => {
    const l = loadConf({ file: confFile('role = dataplane\ncluster_max_payload = lots\ncluster_mtls = PKI\n') });
    expect(l.problems.map((p) => p.message)).toEqual([
      "role has an invalid value: 'dataplane' (data_plane, control_plane, traditional)",
      "cluster_mtls has an invalid value: 'PKI' (shared, pki)",
      "cluster_max_payload is not a number: 'lots'",
    ].sort((a, b) => l.problems.findIndex((p) => p.message === a) - l.problems.findIndex((p) => p.message === b)));
    expect(l.problems.find((p) => p.key === 'role')!.line).toBe(1);
  });

  it('fails with a named, exit-2 error when an explicit file cannot be read', () => {
    expect(() => loadConf({ file: '/nonexistent/kong.conf' })).toThrow(/cannot read configuration file \/nonexistent\/kong.conf: no such file/);
  });
});

describe('listeners', () => {
  it('parses Kong\'s forms: flags, IPv6, off, and rejects the rest with Kong\'s message', () => {
    const r = parseListeners('proxy_listen', '0.0.0.0:8000 reuseport backlog=16384, [::1]:8443 http2 ssl');
    expect(r.ok && r.listeners.map((l) => [l.ip, l.port, l.ssl, l.http2, l.listener])).toEqual([
      ['0.0.0.0', 8000, false, false, '0.0.0.0:8000 reuseport backlog=16384'],
      ['[0000:0000:0000:0000:0000:0000:0000:0001]', 8443, true, true, '[0000:0000:0000:0000:0000:0000:0000:0001]:8443 ssl'],
    ]);
    expect(parseListeners('admin_listen', 'off, 127.0.0.1:8001')).toEqual({ ok: true, listeners: [] });
    expect(parseListeners('x', 'offshore.test:80').ok).toBe(true);
    expect(parseListeners('x', 'ssl.myname.test:8000 ssl')).toMatchObject({ ok: true, listeners: [{ ip: 'ssl.myname.test', ssl: true }] });
    for (const bad of ['127.0.0.1', '', '127.0.0.1:80 sssl', '[::1:80', '1.2.3.4:99999']) {
      const b = parseListeners('cluster_listen', bad);
      expect(b.ok).toBe(false);
      expect(!b.ok && b.message).toMatch(/^cluster_listen must be of form: \[off\] \| <ip>:<port> \[ssl\]/);
    }
  });
});
